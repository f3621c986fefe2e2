"""Documents -> the flat records an index stores: paragraphs, passages and sentences.

Passages and sentences are spans of a paragraph's text (``start``/``end`` offsets), so every
quote drawn from them can be checked with ``paragraph.text[start:end]``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qa.ingest.chunk import passage_spans, split_sentences
from qa.records import Document


@dataclass(frozen=True)
class ParagraphRecord:
    doc: str
    article: int
    title: str | None
    author: str | None
    paragraph: int
    text: str
    section: str | None = None  # the heading path in its document, where it has one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ArticleOutline:
    """What an index holds of one article: for the documents panel."""

    doc: str
    article: int
    title: str | None
    author: str | None
    sections: tuple[str, ...]  # the heading paths under it, in reading order
    paragraphs: int


def outline(records: Iterable[ParagraphRecord]) -> list[ArticleOutline]:
    """Paragraph records (text not needed) summed up by article, by document then article."""
    grouped: dict[tuple[str, int], list[ParagraphRecord]] = {}
    for r in records:
        grouped.setdefault((r.doc, r.article), []).append(r)
    out = []
    for (doc, article), rows in sorted(grouped.items()):
        rows.sort(key=lambda r: r.paragraph)
        sections = tuple(dict.fromkeys(r.section for r in rows if r.section))
        out.append(ArticleOutline(doc, article, rows[0].title, rows[0].author, sections, len(rows)))
    return out


def fingerprint(files: dict[str, str]) -> str:
    """One sha256 for a corpus given each file's sha256 by name (feedback names the corpus
    it was given on with it)."""
    return hashlib.sha256(json.dumps(sorted(files.items()), ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class SpanRecord:
    """A passage or a sentence: ``para`` is a row of the paragraph table."""

    para: int
    start: int
    end: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IndexRows:
    """What an index holds, as five parallel tables: paragraphs, the passages and sentences cut
    from them (``para`` = a row of ``paragraphs``), and a vector per passage and per sentence."""

    paragraphs: list[ParagraphRecord]
    passages: list[SpanRecord]
    sentences: list[SpanRecord]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray

    def passage_texts(self) -> list[str]:
        return [self.paragraphs[p.para].text[p.start : p.end] for p in self.passages]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def flatten(
    documents: list[Document], passage_chars: int, overlap_chars: int
) -> tuple[list[ParagraphRecord], list[SpanRecord], list[SpanRecord]]:
    paragraphs: list[ParagraphRecord] = []
    passages: list[SpanRecord] = []
    sentences: list[SpanRecord] = []
    for doc in documents:
        for article in doc.articles:
            for p in article.paragraphs:
                row = len(paragraphs)
                paragraphs.append(
                    ParagraphRecord(
                        doc.name, article.index, article.title, article.author, p.index, p.text, p.section or None
                    )
                )
                spans = split_sentences(p.text)
                for s in spans:
                    sentences.append(SpanRecord(row, s.start, s.end, text_hash(p.text[s.start : s.end])))
                for w in passage_spans(p.text, spans, passage_chars, overlap_chars):
                    passages.append(SpanRecord(row, w.start, w.end, text_hash(p.text[w.start : w.end])))
    return paragraphs, passages, sentences
