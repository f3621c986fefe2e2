"""The rows and checksums the Milvus back-end writes (no Milvus needed)."""

import numpy as np
import pytest

from qa.errors import QAError
from qa.index.corpus import ParagraphRecord, SpanRecord
from qa.index.milvus.rows import (
    ledger_rows,
    paragraph_checksum,
    paragraph_rows,
    passage_rows,
    sentence_checksum,
)
from qa.index.milvus.schema import TEXT_BYTES, TITLE_BYTES


def test_a_checksum_changes_with_any_field_a_citation_shows():
    base = paragraph_checksum("a.txt", 1, "标题", None, None, 2, "重庆有3400万人口。")
    assert base == paragraph_checksum("a.txt", 1, "标题", None, None, 2, "重庆有3400万人口。")
    assert base != paragraph_checksum("a.txt", 1, "标题", None, None, 2, "重庆有3400万人囗。")
    assert base != paragraph_checksum("a.txt", 1, "标题", None, None, 3, "重庆有3400万人口。")
    v = np.ones(4, dtype=np.float32)
    assert sentence_checksum(7, 0, 5, v) != sentence_checksum(7, 0, 5, v * 2)


def test_rows_carry_normalised_passages_and_a_title_cut_to_its_field():
    long_title = "题" * TITLE_BYTES
    para = ParagraphRecord("a.txt", 1, long_title, None, 1, "重慶有3400萬人口。")
    sentences = [SpanRecord(0, 0, 10, "h")]
    (row,) = paragraph_rows([11], [para], sentences)
    assert row["sentences"] == 1 and len(row["title"].encode()) <= TITLE_BYTES
    (passage,) = passage_rows([11], [para], [SpanRecord(0, 0, 10, "h")], np.zeros((1, 4), dtype=np.float32))
    assert passage["text"] == "重庆有3400万人口"  # the first ten characters, simplified: what Milvus's BM25 analyser reads
    (entry,) = ledger_rows([para], [SpanRecord(0, 0, 10, "h")], sentences, "0/1")
    assert '"paragraphs": 1' in entry["words"] and entry["count"] == 3


def test_a_paragraph_longer_than_the_text_field_is_refused_with_its_place():
    para = ParagraphRecord("a.txt", 2, None, None, 5, "字" * (TEXT_BYTES // 3 + 1))
    with pytest.raises(QAError, match="article 2 paragraph 5"):
        paragraph_rows([1], [para], [])
