"""The one build pipeline both back-ends write through, with a target that records its calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from qa.errors import NothingToIndexError
from qa.index.corpus import IndexRows
from qa.index.pipeline import BuildReport, CorpusFiles, batches, build_corpus, build_documents
from qa.records import Article, Document, Paragraph
from qa.settings import Settings
from tests.conftest import write_corpus
from tests.fakes import FakeEncoder


class Recorder:
    """A target that keeps what it is given, and the order of its calls."""

    def __init__(self, batch_passages: int | None, todo: list[str] | None = None, up_to_date: bool = False):
        self.batch_passages, self.todo, self.up_to_date = batch_passages, todo, up_to_date
        self.calls: list[str] = []
        self.written: list[tuple[list[str], IndexRows]] = []
        self.lent: dict[str, np.ndarray] = {}

    def plan(self, corpus: CorpusFiles, report: BuildReport) -> list[str] | None:
        self.calls.append("plan")
        return None if self.up_to_date else (self.todo if self.todo is not None else list(corpus.paths))

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.calls.append("lock")
        yield
        self.calls.append("unlock")

    def known(self) -> tuple[dict[str, np.ndarray], None]:
        return self.lent, None

    def write(self, documents: list[Document], rows: IndexRows) -> None:
        self.calls.append("write")
        self.written.append(([d.name for d in documents], rows))

    def finish(self, report: BuildReport) -> None:
        self.calls.append("finish")


def _corpus(tmp_path: Path, n: int = 5) -> Path:
    return write_corpus(tmp_path / "c", {f"{i}.txt": f"第{i}篇\n\n城市{i}的人口是{i}万人，位于长江边上。\n" for i in range(n)})


def test_a_streaming_target_gets_bounded_batches_under_its_lock(tmp_path):
    target = Recorder(batch_passages=2)
    report = build_corpus(_corpus(tmp_path), target, Settings(), FakeEncoder)
    assert target.calls[:2] == ["plan", "lock"] and target.calls[-2:] == ["finish", "unlock"]
    assert [names for names, _ in target.written] == [["0.txt", "1.txt"], ["2.txt", "3.txt"], ["4.txt"]]
    assert report.documents == 5 and report.paragraphs == sum(len(r.paragraphs) for _, r in target.written)
    # each batch's rows point into its own paragraphs
    for _, rows in target.written:
        assert all(p.para < len(rows.paragraphs) for p in rows.passages)
        assert rows.passage_vectors.shape == (len(rows.passages), FakeEncoder().dim)


def test_a_whole_target_gets_every_document_in_one_write(tmp_path):
    target = Recorder(batch_passages=None)
    build_corpus(_corpus(tmp_path), target, Settings(), FakeEncoder)
    assert [names for names, _ in target.written] == [[f"{i}.txt" for i in range(5)]]


def test_only_the_planned_files_are_read_and_known_vectors_are_not_encoded_again(tmp_path):
    corpus = _corpus(tmp_path)
    first = Recorder(batch_passages=None)
    build_corpus(corpus, first, Settings(), FakeEncoder)
    rows = first.written[0][1]
    target = Recorder(batch_passages=None, todo=["3.txt"])
    target.lent = {r.hash: v for r, v in zip(rows.passages, rows.passage_vectors, strict=True)}
    target.lent.update({r.hash: v for r, v in zip(rows.sentences, rows.sentence_vectors, strict=True)})
    encoder = FakeEncoder()
    report = build_corpus(corpus, target, Settings(), lambda: encoder)
    assert [names for names, _ in target.written] == [["3.txt"]]
    assert encoder.encoded == [] and report.embedded_passages == report.embedded_sentences == 0


def test_an_up_to_date_target_is_neither_locked_nor_written_nor_encoded_for(tmp_path):
    target = Recorder(batch_passages=None, up_to_date=True)

    def no_encoder() -> FakeEncoder:
        raise AssertionError("nothing needs encoding")

    report = build_corpus(_corpus(tmp_path), target, Settings(), no_encoder)
    assert report.up_to_date and target.calls == ["plan"]


def test_bad_files_are_skipped_with_their_reason_and_the_rest_indexed(tmp_path):
    corpus = _corpus(tmp_path, 2)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    target = Recorder(batch_passages=1)
    report = build_corpus(corpus, target, Settings(), FakeEncoder)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "broken.docx"} and "no text" in reasons["empty.txt"]
    assert not reasons["broken.docx"].startswith("broken.docx")  # the name is said once, beside it
    assert sorted(n for names, _ in target.written for n in names) == ["0.txt", "1.txt"]


def test_a_whole_target_is_never_given_an_empty_corpus_but_a_streaming_one_is_left_alone(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"empty.txt": ""})
    whole = Recorder(batch_passages=None)
    with pytest.raises(NothingToIndexError, match=r"empty\.txt"):
        build_corpus(corpus, whole, Settings(), FakeEncoder)
    assert "write" not in whole.calls
    streaming = Recorder(batch_passages=8)
    report = build_corpus(corpus, streaming, Settings(), FakeEncoder)
    assert streaming.written == [] and report.documents == 0


def test_ready_documents_take_the_same_way():
    doc = Document("a.txt", "0" * 64, (Article(1, (Paragraph(1, "重庆有3400万人口。"),)),), name="a.txt")
    target = Recorder(batch_passages=None)
    report = build_documents([doc], target, Settings(), FakeEncoder)
    assert target.calls == ["lock", "write", "finish", "unlock"] and report.paragraphs == 1


def test_batches_are_never_empty_unless_unbounded():
    docs = [Document(f"{i}", "", (Article(1, (Paragraph(1, "字" * 900),)),), name=f"{i}") for i in range(3)]
    assert [len(b) for b in batches(iter(docs), 3, 400)] == [1, 1, 1]  # 900 chars ~ 3 passages each
    assert [len(b) for b in batches(iter(docs), 100, 400)] == [3]
    assert list(batches(iter([]), 4, 400)) == [] and list(batches(iter([]), None, 400)) == [[]]
