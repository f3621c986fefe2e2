from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_aa1ebb4fc6edc8ba.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_articles() -> list[dict[str, object]]:
    return json.loads((DATA / "articles.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
