"""The answering sentence among the retrieved ones: first its paragraph, by the retrieval order
and the evidence of its best sentences, then its best sentence; the runner-up beside it that
is quoted too; and the calibrated confidence that it answers."""

from __future__ import annotations

import math

from qa.read.evidence import Window

# Evidence for a whole paragraph (see :func:`choose`).
PARAGRAPH_FEATURES = (
    "paragraph",
    "top",
    "reciprocal_rank",
    "dense",
    "lexical",
    "align",
    "bigrams",
    "chars",
    "sentence",
    "focus",
)


def choose(windows: list[Window], weights: dict[str, float]) -> Window | None:
    """The answering sentence: first the paragraph, by its retrieval score and the evidence
    of its best sentences (:data:`PARAGRAPH_FEATURES`), then its best sentence."""
    by_para: dict[int, list[Window]] = {}
    for w in windows:
        by_para.setdefault(w.para, []).append(w)
    best: tuple[float, Window] | None = None
    for rank, group in enumerate(by_para.values()):
        features = paragraph_features(group, rank)
        score = sum(weights.get(f, 0.0) * v for f, v in features.items())
        if best is None or score > best[0]:
            best = (score, max(group, key=lambda w: w.score))
    return best[1] if best else None


def paragraph_features(group: list[Window], rank: int) -> dict[str, float]:
    """One retrieved paragraph's evidence (``group``: its sentences; ``rank``: its place in
    the retrieval order, 0 for the first)."""

    def best(feature: str) -> float:
        return max(w.features[feature] for w in group)

    return {
        "paragraph": best("paragraph"),
        "top": float(rank == 0),
        "reciprocal_rank": 1.0 / (rank + 1),
        "dense": best("dense"),
        "lexical": best("lexical"),
        "align": best("align"),
        "bigrams": best("bigrams"),
        "chars": best("chars"),
        "sentence": max(w.score for w in group),
        "focus": best("focus"),
    }


def neighbour(best: Window, windows: list[Window], pair_margin: float) -> Window | None:
    """The sentence just before or after ``best`` when it scores nearly as well (within
    ``pair_margin``: at least e^-margin as likely): the evidence cannot tell which of the
    two answers, so both are quoted."""
    siblings = sorted((w for w in windows if w.para == best.para), key=lambda w: w.start)
    at = next(i for i, w in enumerate(siblings) if w.row == best.row)
    close = [
        siblings[i]
        for i in (at - 1, at + 1)
        if 0 <= i < len(siblings) and best.score - siblings[i].score < pair_margin
    ]
    return max(close, key=lambda w: w.score, default=None)


def following(best: Window, windows: list[Window]) -> Window | None:
    """The sentence after ``best`` in its paragraph, if retrieved."""
    after = [w for w in windows if w.para == best.para and w.start >= best.end]
    return min(after, key=lambda w: w.start, default=None)


def confidence(best: Window, oov: float, c: dict[str, float]) -> float:
    """A calibrated probability that the chosen window answers the question."""
    z = c.get("bias", 0.0) + c.get("oov", 0.0) * oov
    z += sum(c.get(f, 0.0) * v for f, v in best.features.items())
    return 1.0 / (1.0 + math.exp(-z))
