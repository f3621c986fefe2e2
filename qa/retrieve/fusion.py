"""Reciprocal rank fusion of BM25 and dense rankings, lifted from passages to paragraphs.

RRF needs no score calibration between the two rankers: a passage's fused score is the sum over
rankings of 1 / (k + rank). A paragraph takes the best score of its passages (long paragraphs
are split into several). Both back-ends' rankings are fused here (:mod:`qa.retrieve.hybrid`), so
they rank alike.
"""

from __future__ import annotations

from qa.index.store import Hit, PassageHit


def rrf(rankings: list[list[int]], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion of several rankings of ids (best first): the sum of 1 / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def fuse(rankings: list[list[PassageHit]], k: int = 60) -> list[Hit]:
    """Passages fused by RRF, then lifted to paragraphs (a paragraph takes its best passage)."""
    para_of = {h.passage: h.para for ranking in rankings for h in ranking}
    fused = rrf([[h.passage for h in ranking] for ranking in rankings], k)
    best: dict[int, float] = {}
    for passage, score in fused.items():
        para = para_of[passage]
        best[para] = max(score, best.get(para, 0.0))
    # Ties break by first appearance in the rankings, which both back-ends share (keys differ).
    first: dict[int, int] = {}
    for ranking in rankings:
        for h in ranking:
            first.setdefault(h.para, len(first))
    ordered = sorted(best.items(), key=lambda kv: (-kv[1], first[kv[0]]))
    return [Hit(para, score, rank) for rank, (para, score) in enumerate(ordered)]
