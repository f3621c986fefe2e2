"""Fault injection: bad files, bad names, bad bytes, bad questions. Each test puts one fault
next to good files and asserts the fault is skipped (or refused) with a reason while the rest
is indexed and answered, with no traceback."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from qa.errors import QuestionError
from qa.index.build import build_index
from qa.index.local import Index
from qa.ingest.chunk import MAX_SENTENCE, split_sentences
from qa.ingest.decode import decode_bytes
from qa.ingest.documents import ingest
from qa.present import cli, cli_ask
from qa.read.assistant import Assistant
from qa.settings import Settings
from tests.conftest import write_corpus
from tests.fakes import FakeEncoder

FACT = "石柱县的黄连产量占全国的百分之六十。"


def _index(corpus: Path, tmp_path: Path) -> tuple[Path, object]:
    index = tmp_path / "index"
    report = build_index(corpus, index, encoder=FakeEncoder())
    return index, report


def _rows(index: Path) -> list[dict[str, object]]:
    return [r.to_dict() for r in Index.load(index).paragraph_table]


def _texts(index: Path) -> list[str]:
    return [str(row["text"]) for row in _rows(index)]


def _reasons(report: object) -> dict[str, str]:
    return {s.path: s.reason for s in report.skipped}  # type: ignore[attr-defined]


def _docx(document_xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


@pytest.mark.parametrize(
    "xml",
    [
        b"\0" * (70 * 1024 * 1024),  # over the part limit: refused before parsing
        b"\0" * (1024 * 1024),  # under it: lxml's own error becomes the reason
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + b"<w:p><w:r><w:t>"
        + b" " * (12 * 1024 * 1024)
        + b"</w:t></w:r></w:p></w:body></w:document>",
    ],
    ids=["zeros-over-limit", "zeros", "huge-text-node"],
)
def test_a_malformed_docx_is_skipped_and_the_rest_indexed(tmp_path, xml):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "bad.docx").write_bytes(_docx(xml))
    _, report = _index(corpus, tmp_path)
    assert "bad.docx" in _reasons(report)
    assert report.documents == 3  # type: ignore[attr-defined]


def test_a_file_name_that_is_not_utf8_is_indexed_under_a_printable_name(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    bad = os.fsencode(corpus) + b"/bad\xff.txt"
    with open(bad, "wb") as f:
        f.write(FACT.encode())
    assert cli.main(["index", str(corpus), "--index", str(tmp_path / "i")]) == 0
    rows = _rows(tmp_path / "i")
    assert {"doc": "bad\\xff.txt", "text": FACT}.items() <= next(r for r in rows if r["text"] == FACT).items()


def test_an_unreadable_file_and_folder_are_reported_and_the_rest_indexed(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "locked.txt").write_text(FACT, encoding="utf-8")
    (corpus / "private").mkdir()
    (corpus / "private" / "x.txt").write_text(FACT, encoding="utf-8")
    # (the tests may run as root, which reads anything: the OS's refusals are simulated)
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def scandir(path: object = ".") -> object:
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    _, report = _index(corpus, tmp_path)
    reasons = _reasons(report)
    assert "Permission denied" in reasons["locked.txt"]
    assert "Permission denied" in reasons["private/"]
    assert report.documents == 3  # type: ignore[attr-defined]


def test_a_long_unpunctuated_line_makes_bounded_sentences_and_quotes(tmp_path):
    line = "".join(chr(0x4E00 + (i * 7919) % 2000) for i in range(20_000))
    spans = split_sentences(line)
    assert max(s.end - s.start for s in spans) <= MAX_SENTENCE
    assert "".join(line[s.start : s.end] for s in spans) == line  # nothing lost at the cuts
    corpus = write_corpus(tmp_path / "c", {"long.txt": line + "\n\n" + FACT + "\n"})
    index, _ = _index(corpus, tmp_path)
    answer = Assistant.load(index, Settings(reader="none"), encoder=FakeEncoder()).ask(
        line[5000:5040] + "是什么"
    )
    assert len(answer.answer) <= 2 * MAX_SENTENCE
    assert all(len(c.quote) <= 2 * MAX_SENTENCE for c in answer.citations)


def test_control_bytes_are_removed_and_one_nul_does_not_make_a_file_binary(tmp_path):
    head = ("重庆市位于中国西南部。" * 300).encode()  # > 8 KiB before the NUL
    corpus = write_corpus(
        tmp_path / "c",
        {},
    )
    (corpus / "nul.txt").write_bytes(
        b"\x00" + head[:99] + b"\x00\n\n" + head + b"\x00\x1b[31m" + FACT.encode()
    )
    index, report = _index(corpus, tmp_path)
    assert not report.skipped  # type: ignore[attr-defined]
    texts = _texts(index)
    assert any(FACT in t for t in texts)
    assert not any(ch in t for t in texts for ch in "\x00\x1b")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_with_or_without_bom_and_truncated_reads(codec):
    text = "重庆市位于中国西南部。Chongqing lies in the southwest.\n"
    assert decode_bytes(text.encode(codec))[0] == text
    cut, label = decode_bytes(text.encode(codec)[:-1])
    assert cut == text[:-1] and "truncated" in label


def test_empty_files_images_and_outside_links_are_each_reported(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    outside = tmp_path / "outside.txt"
    outside.write_text(FACT, encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    (corpus / "inside.txt").symlink_to(corpus / "重庆.txt")  # a link within the corpus is read
    documents, skipped = ingest(corpus)
    reasons = {s.path: s.reason for s in skipped}
    assert "empty" in reasons["empty.txt"]
    assert "not a document" in reasons["photo.png"]
    assert "outside the corpus" in reasons["link.txt"]
    assert "inside.txt" in {d.name for d in documents}
    documents, skipped = ingest(corpus, follow_links=True)
    assert "link.txt" in {d.name for d in documents}
    assert cli.main(["ingest", str(corpus), "--json", "--follow-links"]) == 0
    assert "link.txt" in {json.loads(line)["doc"] for line in capsys.readouterr().out.splitlines()}


def test_questions_with_lone_surrogates_or_controls_are_cleaned(fake_assistant):
    answer = fake_assistant.ask("重庆有多少人口\udcff\x1b[0m")
    assert answer.question == "重庆有多少人口[0m"
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # writable
    with pytest.raises(QuestionError, match="must be text"):
        fake_assistant.ask(123)  # type: ignore[arg-type]
    with pytest.raises(QuestionError, match="empty"):
        fake_assistant.ask("\udcff\x00")


def test_ask_file_reports_bad_lines_as_error_objects_and_goes_on(fake_index, tmp_path, capsys, monkeypatch):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(
        b'{"question": "\xe9\x87\x8d\xe5\xba\x86\xff\xe6\x9c\x89\xe5\xa4\x9a\xe5\xb0\x91\xe4\xba\xba\xe5\x8f\xa3"}\n'
        b"not json\n"
        b'{"question": ""}\n'
        b"[1, 2]\n"
        b'{"question": "\xe6\xb5\xa6\xe4\xb8\x9c\xe6\x96\xb0\xe5\x8c\xba\xe8\xae\xbe\xe7\xab\x8b\xe4\xba\x8e\xe5\x93\xaa\xe4\xb8\x80\xe5\xb9\xb4"}\n'
    )
    monkeypatch.setattr(
        cli_ask,
        "_load_assistant",
        lambda *a: Assistant.load(fake_index, Settings(reader="none"), encoder=FakeEncoder()),
    )
    code = cli.main(["ask", "--file", str(questions), "--index", str(fake_index), "--json"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [o.get("line") for o in out] == [None, 2, 3, 4, None]
    assert out[0]["question"] == "重庆有多少人口" and out[4]["question"] == "浦东新区设立于哪一年"
    assert "empty" in out[2]["error"]


def test_a_folder_with_nothing_readable_is_refused_with_the_reasons(tmp_path, capsys):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert cli.main(["index", str(corpus), "--index", str(tmp_path / "i")]) == 1
    err = capsys.readouterr().err
    assert "no document with text" in err and "empty.txt" in err and "photo.png" in err
    assert "Traceback" not in err


def test_every_single_byte_damage_to_a_manifest_is_refused_or_harmless(fake_index):
    """Seeded byte flips over the whole manifest: each load either refuses with a clear error or
    loads an index that answers exactly as the undamaged one (never a KeyError or TypeError)."""
    import random

    from qa.errors import QAError

    path = fake_index / "manifest.json"
    good = path.read_bytes()
    question = "浦东新区设立于哪一年"
    settings = Settings(reader="none")
    expected = Assistant.load(fake_index, settings, encoder=FakeEncoder()).ask(question).to_dict()
    rng = random.Random(7)
    refused = harmless = 0
    for at in rng.sample(range(len(good)), 300):
        damaged = bytearray(good)
        damaged[at] = rng.choice([b for b in b'X0"{}:,\\ ' if b != good[at]])
        path.write_bytes(bytes(damaged))
        try:
            answer = Assistant.load(fake_index, settings, encoder=FakeEncoder()).ask(question).to_dict()
        except QAError:
            refused += 1
            continue
        assert answer == expected, f"byte {at} changed the answer"
        harmless += 1
    path.write_bytes(good)
    assert refused > 200 and refused + harmless == 300


def test_files_the_manifest_does_not_list_are_not_loaded(fake_index):
    import faiss
    import numpy as np

    from qa.index.local import read_manifest

    build = fake_index / read_manifest(fake_index)["build"]
    settings = Settings(reader="none")
    question = "重庆有多少人口"
    before = Assistant.load(fake_index, settings, encoder=FakeEncoder()).ask(question).to_dict()
    stray = faiss.IndexFlatIP(64)
    stray.add(np.random.default_rng(0).standard_normal((3, 64)).astype("float32"))
    faiss.write_index(stray, str(build / "dense.faiss"))  # another index's vectors
    after = Assistant.load(fake_index, settings, encoder=FakeEncoder()).ask(question).to_dict()
    assert after == before


def test_vectors_from_another_encoder_are_refused_whatever_the_manifest_says(fake_index):
    """An encoder of the same name and width whose vectors differ (a manifest edited to name
    the wrong model) is caught by re-encoding a stored passage."""
    import numpy as np

    from qa.errors import IndexMismatchError

    class Other(FakeEncoder):
        def encode_queries(self, texts):
            return np.roll(super().encode_queries(texts), 5, axis=1)

    with pytest.raises(IndexMismatchError, match="not made by"):
        Assistant.load(fake_index, Settings(reader="none"), encoder=Other())


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    """Two `qa index` runs on one index: the one that finds the lock held says who holds it
    and leaves the index as the first writes it."""
    import subprocess
    import sys

    from qa.errors import IndexBusyError
    from qa.index.local import writing

    corpus, index = write_corpus(tmp_path / "c"), tmp_path / "i"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from qa.index.local import writing; from pathlib import Path; import time\n"
            f"with writing(Path({str(index)!r})):\n print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusyError, match=f"pid {holder.pid}"):
            build_index(corpus, index, encoder=FakeEncoder())
    finally:
        holder.kill()
        holder.wait()
    build_index(corpus, index, encoder=FakeEncoder())  # a dead holder's lock is gone with it
    with writing(index):
        pass


def test_a_build_that_dies_after_embedding_loses_no_embedding(tmp_path, monkeypatch):
    import qa.index.build

    corpus, index = write_corpus(tmp_path / "c"), tmp_path / "i"
    real = qa.index.build.write_build

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qa.index.build, "write_build", crash)
    first = FakeEncoder()
    with pytest.raises(OSError):
        build_index(corpus, index, encoder=first)
    assert first.encoded
    monkeypatch.setattr(qa.index.build, "write_build", real)
    second = FakeEncoder()
    build_index(corpus, index, encoder=second)
    assert second.encoded == []  # every vector came from the first run's cache
    assert not (index / ".cache").exists()  # and the cache is gone once the build is in place
    assert Assistant.load(index, Settings(reader="none"), encoder=FakeEncoder()).ask("浦东新区设立于哪一年").citations


def test_a_huge_paragraph_is_cut_into_pieces_every_store_can_hold(tmp_path):
    from qa.ingest.documents import MAX_PARAGRAPH

    sentence = "重庆市的山城步道连接着老街和江岸，" * 20 + "。"
    line = sentence * (3 * MAX_PARAGRAPH // len(sentence))
    corpus = write_corpus(tmp_path / "c", {"huge.txt": line + "\n\n" + FACT + "\n"})
    documents, _ = ingest(corpus)
    paragraphs = documents[0].articles[0].paragraphs
    assert all(len(p.text) <= MAX_PARAGRAPH and len(p.text.encode()) < 65_535 for p in paragraphs)
    assert "".join(p.text for p in paragraphs[:-1]) == line  # cut at sentence ends, nothing lost
    assert all(p.text.endswith("。") for p in paragraphs[:-1])
    assert [p.index for p in paragraphs] == list(range(1, len(paragraphs) + 1))


@pytest.mark.parametrize("encoder", [[], ["--encoder", "st:sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"]])
def test_qa_index_with_another_encoder_refuses_unless_told_to_rebuild(fake_index, tiny_corpus, capsys, encoder):
    """Refused before any model is loaded (sentence-transformers need not even be installed)."""
    before = (fake_index / "manifest.json").read_bytes()
    assert cli.main(["index", str(tiny_corpus), "--index", str(fake_index), *encoder]) == 1
    err = capsys.readouterr().err
    assert "built with encoder 'fake:bigram-hash'" in err and "--rebuild" in err
    assert (fake_index / "manifest.json").read_bytes() == before  # untouched


def test_a_fact_after_a_nul_byte_is_found_and_cited_from_its_file(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    head = ("重庆市位于中国西南部。" * 300).encode()
    (corpus / "nul.txt").write_bytes(head + b"\x00\n\n" + FACT.encode())
    index, _ = _index(corpus, tmp_path)
    answer = Assistant.load(index, Settings(reader="none"), encoder=FakeEncoder()).ask("石柱县的黄连产量占全国的多少？")
    assert answer.citations and answer.citations[0].doc == "nul.txt"
    assert FACT in answer.citations[0].quote


@pytest.mark.parametrize("xml", [b"<w:document>" + b"\x00" * 1000, b"<not xml"])
def test_a_malformed_docx_gives_every_command_a_reason_not_a_traceback(tmp_path, capsys, xml):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "bad.docx").write_bytes(_docx(xml))
    assert cli.main(["ingest", str(corpus)]) == 0
    assert cli.main(["index", str(corpus), "--index", str(tmp_path / "i"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "skipped bad.docx: " in err and "Traceback" not in err
    reason = err.split("skipped bad.docx: ", 1)[1].splitlines()[0]
    assert len(reason) > 10  # a reason a person can act on, not an empty one


def test_escape_bytes_in_names_and_documents_never_reach_the_terminal(tmp_path, capfd):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "red\x1b[31m.txt").write_text(FACT, encoding="utf-8")
    (corpus / "page.html").write_text(
        "<html><head><title>标题\x1b]0;pwned\x07</title></head><body><p>\x1b[2J石柱县的莼菜远销日本。</p></body></html>",
        encoding="utf-8",
    )
    (corpus / "bad\x1b[5m.docx").write_bytes(b"PK\x03\x04 not a zip")
    capfd.readouterr()
    assert cli.main(["index", str(corpus), "--index", str(tmp_path / "i")]) == 0
    assert cli.main(["ingest", str(corpus)]) == 0
    out, err = capfd.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "bad\\x1b[5m.docx" in out + err  # the skip names the file, escaped
    rows = _rows(tmp_path / "i")
    assert any(r["doc"] == "red\\x1b[31m.txt" and r["text"] == FACT for r in rows)
    assert any("莼菜" in str(r["text"]) for r in rows)
    assert not any(ch in json.dumps(r, ensure_ascii=False) for r in rows for ch in "\x1b\x07")
