"""Starting the app: the index is built when missing or stale, rebuilt when damaged, and read
(checksummed) once otherwise."""

from pathlib import Path

import pytest

import app
import qa.index
from tests.conftest import write_corpus


class _Page:
    def launch(self, **_):
        pass


@pytest.fixture
def started(monkeypatch, tmp_path):
    monkeypatch.setattr(app, "build_app", lambda assistant, examples, *_: _Page())
    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"

    def start() -> int:
        return app.main(["--index", str(index), "--corpus", str(corpus)])

    return start, index


def _artefact(index: Path) -> Path:
    return max(
        (p for p in index.rglob("*") if p.is_file() and p.name != "manifest.json"),
        key=lambda p: p.stat().st_size,
    )


def test_the_app_builds_a_missing_index_then_reads_each_artefact_once(started, monkeypatch, capsys):
    start, _ = started
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    read: list[Path] = []
    digest = qa.index.sha256_file
    monkeypatch.setattr(qa.index, "sha256_file", lambda path: read.append(path) or digest(path))
    assert start() == 0
    assert "building the index" not in capsys.readouterr().out
    assert read and len(read) == len(set(read))  # every artefact checked, none twice


def test_the_app_rebuilds_a_damaged_index(started, capsys):
    start, index = started
    assert start() == 0
    path = _artefact(index)
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0x01]))  # same size, wrong checksum
    capsys.readouterr()
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    qa.index.Index.load(index)  # sound again


def test_the_app_rebuilds_an_index_whose_manifest_lost_a_key(started, capsys):
    start, index = started
    assert start() == 0
    manifest = index / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"sha256"', '"sha2X6"', 1), encoding="utf-8")
    capsys.readouterr()
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    qa.index.Index.load(index)
