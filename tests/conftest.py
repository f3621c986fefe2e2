from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from qa.index.build import build_index
from qa.read.assistant import Assistant
from qa.settings import Settings
from tests.fakes import FakeEncoder

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_aa1ebb4fc6edc8ba.txt"
DATA = Path(__file__).resolve().parent / "data"
# Screenshots the browser tests take; QA_ARTIFACTS=docs refreshes the README's.
ARTIFACTS = Path(os.environ.get("QA_ARTIFACTS") or ROOT / "test-artifacts")

TINY = {
    "重庆.txt": "重庆概况\n\n重庆市位于中国西南部，是长江上游地区的经济中心。\n\n重庆的火锅闻名全国，每年吸引大量游客。\n\n重庆有3400万人口。\n",
    "成都.md": "# 成都概况\n\n成都是四川省的省会，被称为天府之国。\n\n成都的大熊猫繁育研究基地建于1987年。\n",
    "上海.txt": "上海介绍\n\n上海是中国最大的经济中心城市。\n\n浦东新区设立于1992年。\n",
}


def write_corpus(folder: Path, files: dict[str, str] = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` ended by "。" (for tests that build windows)."""
    out, start = [], 0
    for n, c in enumerate(text):
        if c == "。":
            out.append((start, n + 1))
            start = n + 1
    return out


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_articles() -> list[dict[str, object]]:
    return json.loads((DATA / "articles.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def fake_index(tiny_corpus: Path, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    build_index(tiny_corpus, index, encoder=FakeEncoder())
    return index


@pytest.fixture
def fake_assistant(fake_index: Path) -> Assistant:
    return Assistant.load(fake_index, Settings(reader="none"), encoder=FakeEncoder())


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus indexed with the real default encoder (built once per test session)."""
    corpus = tmp_path_factory.mktemp("seed-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    index = tmp_path_factory.mktemp("seed-index")
    build_index(corpus, index, Settings())
    return index


@pytest.fixture(scope="session")
def seed_assistant(seed_index: Path) -> Assistant:
    return Assistant.load(seed_index)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
