"""The rows a batch of paragraphs writes to each collection, and the checksums written with them
(checked at each read: a flipped byte in a stored paragraph would otherwise be quoted as the
document's words)."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from typing import Any

import numpy as np

from qa.errors import QAError
from qa.index.corpus import ParagraphRecord, SpanRecord
from qa.index.milvus.schema import (
    AUTHOR_BYTES,
    NO_VECTOR,
    ROWS_KEY,
    SECTION_BYTES,
    TEXT_BYTES,
    TITLE_BYTES,
    fit,
    stat_row,
)
from qa.index.store import key64
from qa.text.normalize import normalize


def paragraph_checksum(
    doc: str, article: int, title: str | None, author: str | None, section: str | None, paragraph: int, text: str
) -> int:
    """CRC-32 of what a citation is made of."""
    fields = json.dumps(
        [doc, article, fit(title, TITLE_BYTES), fit(author, AUTHOR_BYTES), fit(section, SECTION_BYTES), paragraph, text],
        ensure_ascii=False,
    )
    return zlib.crc32(fields.encode("utf-8"))


def passage_checksum(para: int, text: str, vector: np.ndarray) -> int:
    return zlib.crc32(f"{para}:{text}:".encode() + np.asarray(vector, dtype=np.float32).tobytes())


def sentence_checksum(para: int, start: int, end: int, vector: np.ndarray) -> int:
    return zlib.crc32(f"{para}:{start}:{end}:".encode() + np.asarray(vector, dtype=np.float32).tobytes())


def paragraph_rows(keys: list[int], paragraphs: list[ParagraphRecord], sentences: list[SpanRecord]) -> list[dict[str, Any]]:
    counts = Counter(s.para for s in sentences)
    rows: list[dict[str, Any]] = []
    for key, p, row in zip(keys, paragraphs, range(len(paragraphs)), strict=True):
        if len(p.text.encode("utf-8")) > TEXT_BYTES:
            raise QAError(
                f"{p.doc}: article {p.article} paragraph {p.paragraph} is longer than Milvus's "
                f"{TEXT_BYTES}-byte text field; split it into smaller paragraphs"
            )
        rows.append(
            {
                "id": key,
                "doc": p.doc,
                "article": p.article,
                "title": fit(p.title, TITLE_BYTES),
                "author": fit(p.author, AUTHOR_BYTES),
                "section": fit(p.section, SECTION_BYTES),
                "paragraph": p.paragraph,
                "text": p.text,
                "sentences": counts.get(row, 0),
                "checksum": paragraph_checksum(p.doc, p.article, p.title, p.author, p.section, p.paragraph, p.text),
                "vector": NO_VECTOR,
            }
        )
    return rows


def sentence_rows(
    keys: list[int], paragraphs: list[ParagraphRecord], sentences: list[SpanRecord], vectors: np.ndarray
) -> list[dict[str, Any]]:
    """Sentences keyed by (paragraph, sentence number)."""
    number: Counter[int] = Counter()
    rows = []
    for s, v in zip(sentences, vectors, strict=True):
        i = number[s.para]
        number[s.para] += 1
        rows.append(
            {
                "id": key64(keys[s.para], "s", i),
                "para": keys[s.para],
                "doc": paragraphs[s.para].doc,
                "start": s.start,
                "end": s.end,
                "checksum": sentence_checksum(keys[s.para], s.start, s.end, v),
                "vector": v.tolist(),
            }
        )
    return rows


def passage_rows(
    keys: list[int], paragraphs: list[ParagraphRecord], passages: list[SpanRecord], vectors: np.ndarray
) -> list[dict[str, Any]]:
    """Passages with their text normalised (what Milvus's BM25 analyser reads)."""
    rows = []
    for s, v in zip(passages, vectors, strict=True):
        text = normalize(paragraphs[s.para].text[s.start : s.end])
        rows.append(
            {
                "id": key64(keys[s.para], "p", s.start, s.end),
                "para": keys[s.para],
                "doc": paragraphs[s.para].doc,
                "text": text,
                "checksum": passage_checksum(keys[s.para], text, v),
                "vector": v.tolist(),
            }
        )
    return rows


def ledger_rows(
    paragraphs: list[ParagraphRecord], passages: list[SpanRecord], sentences: list[SpanRecord], shard: str
) -> list[dict[str, Any]]:
    """What each document wrote to the three content collections, for the ledger's check."""
    wrote: dict[str, Counter[str]] = {}
    for p in paragraphs:
        wrote.setdefault(p.doc, Counter())["paragraphs"] += 1
    for s in sentences:
        wrote[paragraphs[s.para].doc]["sentences"] += 1
    for s in passages:
        wrote[paragraphs[s.para].doc]["passages"] += 1
    rows: list[dict[str, Any]] = []
    for doc, wrote_rows in wrote.items():
        entry = stat_row(key64(ROWS_KEY, doc), ROWS_KEY, shard, sum(wrote_rows.values()))
        entry["words"] = json.dumps({"doc": doc, **wrote_rows}, ensure_ascii=False)
        rows.append(entry)
    return rows
