"""The store interface: where passages, sentences and their vectors live and are searched.

Two implementations stand behind it: :class:`qa.index.local.Index` (FAISS + bm25s files in a folder,
the default) and :class:`qa.index.milvus.MilvusStore` (Milvus Lite, a Milvus server or a cluster).
The assistant reads a store only through these protocols, so both answer alike: a dense index,
a lexical index and a record table make a :class:`Store`; :class:`Writable` is the write half.

Keys are integers: a paragraph key names one paragraph (a row number locally, a content-derived
64-bit key in Milvus); a sentence key names one sentence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qa.index.corpus import ArticleOutline, IndexRows, ParagraphRecord


@dataclass(frozen=True)
class PassageHit:
    """One retrieved passage: its key, its paragraph's key and the ranker's score."""

    passage: int
    para: int
    score: float


@dataclass(frozen=True)
class Hit:
    """A retrieved paragraph, ranked by fused evidence."""

    para: int
    score: float  # fused
    rank: int


@dataclass(frozen=True)
class SentenceRow:
    key: int
    start: int  # offsets in the paragraph text
    end: int


class DenseIndex(Protocol):
    """Passages by their vectors."""

    def dense_search(self, query: np.ndarray, k: int) -> list[PassageHit]: ...


class LexicalIndex(Protocol):
    """Passages by their words (BM25), and what the answer features need of its statistics."""

    def lexical_search(self, tokens: list[str], text: str, k: int) -> list[PassageHit]:
        """BM25; ``tokens`` are our jieba tokens of the question, ``text`` its normalised form
        (a store that analyses text itself, as Milvus does, uses the latter)."""
        ...

    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        """The number of passages, and for each token the corpus knows, how many contain it."""
        ...

    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """Corpus words (two or more Han characters) by their toneless pinyin, for ``keys``."""
        ...

    def userdict(self) -> Path | None: ...


class RecordTable(Protocol):
    """The indexed paragraphs and sentences, read back by key or by document."""

    def paragraphs(self, keys: Sequence[int]) -> dict[int, ParagraphRecord]: ...

    def sentences(self, paras: Sequence[int]) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        """Each paragraph's sentences in order, and their vectors (one row each)."""
        ...

    def document(self, doc: str) -> list[ParagraphRecord]:
        """Every paragraph of document ``doc`` in reading order (none: not indexed)."""
        ...

    def outline(self) -> list[ArticleOutline]:
        """Every indexed article with its sections and paragraph count."""
        ...

    def fingerprint(self) -> str:
        """A sha256 naming the indexed files and their contents."""
        ...


@runtime_checkable
class Store(DenseIndex, LexicalIndex, RecordTable, Protocol):
    """What answering reads: both back-ends are one."""

    @property
    def backend(self) -> str: ...

    @property
    def encoder_name(self) -> str: ...

    def describe(self) -> dict[str, Any]: ...


@runtime_checkable
class Writable(Protocol):
    """The write half: adding paragraphs and deleting documents (the local index writes a new
    build and switches to it; Milvus writes rows)."""

    def add(self, rows: IndexRows) -> None:
        """Add paragraphs with their passages, sentences and vectors."""
        ...

    def delete_document(self, doc: str) -> int:
        """Remove every paragraph of document ``doc``; return how many were removed."""
        ...


def idf(passages: int, df: int) -> float:
    """BM25's inverse document frequency (as bm25s computes it)."""
    return float(np.log(1.0 + (passages - df + 0.5) / (df + 0.5)))


def key64(*parts: object) -> int:
    """A stable signed 63-bit key from ``parts`` (Milvus primary keys are INT64)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
