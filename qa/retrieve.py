"""Hybrid retrieval: BM25 and dense rankings of passages, fused, then lifted to paragraphs.

Reciprocal rank fusion needs no score calibration between the two rankers: a passage's fused
score is the sum over rankings of 1 / (k + rank). A paragraph takes the best score of its
passages (long paragraphs are split into several).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index import Index


@dataclass(frozen=True)
class Hit:
    """A retrieved paragraph: ``para`` is its row in the index's paragraph table."""

    para: int
    score: float  # fused
    dense: float  # best cosine of its passages (0 if not in the dense list)
    lexical: float  # best BM25 score of its passages (0 if not in the BM25 list)
    rank: int


def rrf(rankings: list[list[int]], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion of several rankings of ids (best first)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def retrieve(
    index: Index, query: np.ndarray, tokens: list[str], candidates: int = 50, k: int = 60
) -> list[Hit]:
    """Paragraphs ranked by fused BM25 + dense evidence, best first."""
    dense = index.dense_search(query, candidates)
    lexical = index.lexical_search(tokens, candidates)
    fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k)
    dense_score = dict(dense)
    lexical_score = dict(lexical)
    best: dict[int, tuple[float, float, float]] = {}
    for passage, score in fused.items():
        para = index.passages[passage].para
        d, lx = dense_score.get(passage, 0.0), lexical_score.get(passage, 0.0)
        old = best.get(para)
        best[para] = (max(score, old[0]), max(d, old[1]), max(lx, old[2])) if old else (score, d, lx)
    ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [Hit(para, s, d, lx, rank) for rank, (para, (s, d, lx)) in enumerate(ordered)]
