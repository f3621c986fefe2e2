"""Shared helpers for the benchmark scripts (run from the repository root)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CMRC = ROOT.parent / "shared" / "data" / "cmrc2018_trial.json"


def cmrc_index() -> Path | None:
    """The CMRC trial corpus indexed as `qa eval` caches it (built here if missing)."""
    if not CMRC.is_file():
        return None
    from qa.evaluation.questions import squad_index
    from qa.settings import Settings

    return squad_index(CMRC, Settings())[0]  # under embeddings/eval/ of the working directory


def percentile(values: list[float], q: float) -> float:
    from qa.evaluation.metrics import percentile as p

    return p(values, q)
