"""Vectors by the content hash of the text they embed."""

import numpy as np

from qa.index.corpus import flatten
from qa.index.vectors import Embedder, embed_rows
from qa.records import Article, Document, Paragraph
from tests.fakes import FakeEncoder


def _rows():
    paragraphs = [Paragraph(i, text) for i, text in enumerate(["重庆有3400万人口。", "重庆有3400万人口。成都是天府之国。"], 1)]
    doc = Document("a.txt", "0" * 64, (Article(1, tuple(paragraphs)),), name="a.txt")
    return flatten([doc], 400, 120)


def test_each_text_is_encoded_once_and_known_vectors_are_reused():
    paragraphs, passages, sentences = _rows()
    encoder = FakeEncoder()
    rows, n_passages, n_sentences = embed_rows(paragraphs, passages, sentences, {}, encoder.encode_passages, lambda: encoder.dim, 8)
    assert len(encoder.encoded) == len(set(encoder.encoded))  # a sentence that is a passage: once
    assert rows.passage_vectors.shape == (len(passages), encoder.dim)
    assert rows.sentence_vectors.shape == (len(sentences), encoder.dim)
    assert n_passages == len({p.hash for p in passages})
    assert n_sentences == len({s.hash for s in sentences} - {p.hash for p in passages})
    known = {r.hash: v for r, v in zip(passages, rows.passage_vectors, strict=True)}
    again = FakeEncoder()
    rows2, n_passages2, _ = embed_rows(paragraphs, passages, sentences, known, again.encode_passages, lambda: again.dim, 8)
    assert n_passages2 == 0 and "重庆有3400万人口。" not in again.encoded
    assert np.array_equal(rows2.passage_vectors, rows.passage_vectors)
    assert np.array_equal(rows2.sentence_vectors, rows.sentence_vectors)


def test_no_rows_give_empty_tables_of_the_encoders_width():
    encoder = FakeEncoder(dim=16)
    rows, n, m = embed_rows([], [], [], {}, encoder.encode_passages, lambda: encoder.dim, 8)
    assert rows.passage_vectors.shape == (0, 16) and rows.sentence_vectors.shape == (0, 16) and n == m == 0


def test_the_embedder_loads_its_encoder_only_for_missing_texts_and_batches_per_worker():
    paragraphs, passages, sentences = _rows()
    loads: list[FakeEncoder] = []

    def load() -> FakeEncoder:
        encoder = FakeEncoder()
        encoder.workers = 2  # type: ignore[attr-defined]
        loads.append(encoder)
        return encoder

    batches: list[int] = []
    embedder = Embedder(load, batch=1, progress=batches.append)
    rows, n_passages, n_sentences = embedder.rows(paragraphs, passages, sentences)
    assert len(loads) == 1 and n_passages + n_sentences == len(set(loads[0].encoded))
    assert max(batches) == 2  # one text per worker per batch
    known = {r.hash: v for r, v in zip(passages, rows.passage_vectors, strict=True)}
    known.update({r.hash: v for r, v in zip(sentences, rows.sentence_vectors, strict=True)})
    again = Embedder(load, known)
    assert again.missing(passages + sentences) == 0
    rows2, n, m = again.rows(paragraphs, passages, sentences)
    assert len(loads) == 1 and n == m == 0  # nothing missing: the encoder is never loaded
    assert np.array_equal(rows2.sentence_vectors, rows.sentence_vectors) and again.dim() == loads[0].dim
