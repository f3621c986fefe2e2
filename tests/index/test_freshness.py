"""Whether an index is current: the corpus's files, the user dictionary, the settings that shape
an index and the artefacts' checksums."""

from dataclasses import replace
from pathlib import Path

from qa.index.build import build_index
from qa.index.freshness import USERDICT, corpus_fingerprint, is_current_files
from qa.index.local.manifest import read_manifest
from qa.settings import Settings
from tests.fakes import FakeEncoder

NAME = FakeEncoder().name


def current(index: Path, corpus: Path, settings: Settings = Settings(), verify: bool = True) -> bool:
    return is_current_files(index, corpus_fingerprint(corpus), settings, NAME, verify=verify)


def test_a_fresh_build_is_current_and_a_changed_file_is_not(fake_index: Path, tiny_corpus: Path):
    assert current(fake_index, tiny_corpus)
    path = tiny_corpus / "上海.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n外滩位于黄浦江畔。\n", encoding="utf-8")
    assert not current(fake_index, tiny_corpus)


def test_an_added_or_removed_file_makes_it_stale(fake_index: Path, tiny_corpus: Path):
    (tiny_corpus / "广州.txt").write_text("广州概况\n\n广州是广东省的省会。\n", encoding="utf-8")
    assert not current(fake_index, tiny_corpus)
    (tiny_corpus / "广州.txt").unlink()
    assert current(fake_index, tiny_corpus)
    (tiny_corpus / "成都.md").unlink()
    assert not current(fake_index, tiny_corpus)


def test_a_user_dictionary_counts_as_part_of_the_corpus(fake_index: Path, tiny_corpus: Path):
    (tiny_corpus / USERDICT).write_text("天府之国 10 n\n", encoding="utf-8")
    assert USERDICT in corpus_fingerprint(tiny_corpus)
    assert not current(fake_index, tiny_corpus)


def test_only_settings_that_shape_the_index_make_it_stale(fake_index: Path, tiny_corpus: Path):
    assert current(fake_index, tiny_corpus, replace(Settings(), top_k=9, reader="none"))
    assert not current(fake_index, tiny_corpus, replace(Settings(), passage_chars=Settings().passage_chars // 2))
    assert not is_current_files(fake_index, corpus_fingerprint(tiny_corpus), Settings(), "another-encoder")


def test_a_damaged_artefact_is_never_current(fake_index: Path, tiny_corpus: Path):
    manifest = read_manifest(fake_index)
    name = sorted(manifest["artefacts"])[0]
    path = fake_index / manifest["build"] / name
    path.write_bytes(path.read_bytes()[:-1] + bytes([path.read_bytes()[-1] ^ 0xFF]))
    assert not current(fake_index, tiny_corpus)
    assert current(fake_index, tiny_corpus, verify=False)  # the load that follows checks them


def test_a_folder_without_an_index_is_not_current(tmp_path: Path, tiny_corpus: Path):
    assert not current(tmp_path / "nothing", tiny_corpus)
    build_index(tiny_corpus, tmp_path / "built", encoder=FakeEncoder())
    (tmp_path / "built" / "manifest.json").write_text("{", encoding="utf-8")
    assert not current(tmp_path / "built", tiny_corpus)
