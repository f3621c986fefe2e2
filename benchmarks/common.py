"""Shared helpers for the benchmark scripts (run from the repository root)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CMRC = ROOT.parent / "shared" / "data" / "cmrc2018_trial.json"


def cmrc_index() -> Path | None:
    """The CMRC trial corpus indexed as `qa eval` caches it (built here if missing)."""
    if not CMRC.is_file():
        return None
    from qa.build import build_from_documents, is_current_files
    from qa.questions import read_squad
    from qa.settings import Settings

    digest = hashlib.sha256(CMRC.read_bytes()).hexdigest()
    index = ROOT / "embeddings" / "eval" / f"{CMRC.stem}-{digest[:12]}"
    files = {CMRC.name: digest}
    if not is_current_files(index, files, Settings()):
        print(f"(indexing {CMRC.name} once, a few minutes)", flush=True)
        documents, _ = read_squad(CMRC)
        build_from_documents(documents, index, Settings(), str(CMRC), files)
    return index


def percentile(values: list[float], q: float) -> float:
    from qa.metrics import percentile as p

    return p(values, q)
