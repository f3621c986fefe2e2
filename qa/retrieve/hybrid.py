"""Hybrid retrieval: BM25 and dense rankings of passages, fused, then lifted to paragraphs.

Reciprocal rank fusion needs no score calibration between the two rankers: a passage's fused
score is the sum over rankings of 1 / (k + rank). A paragraph takes the best score of its
passages (long paragraphs are split into several). The store does the searching
(:meth:`qa.index.store.Store.hybrid_search`); see :func:`qa.retrieve.fusion.fuse`.
"""

from __future__ import annotations

import numpy as np

from qa.index.store import Hit, Store
from qa.retrieve.fusion import rrf

__all__ = ["Hit", "retrieve", "rrf"]


def retrieve(
    store: Store, query: np.ndarray, tokens: list[str], text: str, candidates: int = 50, k: int = 60
) -> list[Hit]:
    """Paragraphs ranked by fused BM25 + dense evidence, best first."""
    return store.hybrid_search(query, tokens, text, candidates, k)
