"""Scoring functions for answers, each a pure function tested on hand-computed cases.

Short-answer EM and F1 follow the CMRC 2018 definition: lower-case, drop punctuation, one
token per Chinese character and one per run of other characters, F1 from the longest common
*contiguous* run of tokens; both are the maximum over the gold answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

CMRC_PUNCT = set("-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』")
_GOLD_EDGES = "".join(CMRC_PUNCT) + " \t\r\n\u3000"  # not asked of a quote (see contains)
_OTHER_RUN = re.compile(r"[^\u4e00-\u9fff\s]+")


def cmrc_tokens(text: str) -> list[str]:
    text = text.lower().replace("……", "")
    text = "".join(ch for ch in text if ch not in CMRC_PUNCT)
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if "\u4e00" <= ch <= "\u9fff":
            tokens.append(ch)
            i += 1
        elif ch.isspace():
            i += 1
        else:
            m = _OTHER_RUN.match(text, i)
            assert m is not None
            tokens.extend(m.group().split())
            i = m.end()
    return tokens


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def cmrc_f1(prediction: str, golds: Sequence[str]) -> float:
    pred = cmrc_tokens(prediction)
    best = 0.0
    for gold in golds:
        ref = cmrc_tokens(gold)
        run = _longest_common_run(pred, ref)
        if run == 0:
            continue
        precision, recall = run / len(pred), run / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def cmrc_em(prediction: str, golds: Sequence[str]) -> float:
    pred = "".join(cmrc_tokens(prediction))
    return float(any(pred == "".join(cmrc_tokens(g)) for g in golds))


def contains(answer: str, golds: Sequence[str]) -> bool:
    """Is a gold answer quoted inside the answer text? Spaces and punctuation at a gold answer's
    edges (an annotator's stray "。" or space) are not asked for."""
    return any((core := g.strip(_GOLD_EDGES)) and core in answer for g in golds)


def reciprocal_rank(ranked: Sequence[object], gold: object) -> float:
    for i, item in enumerate(ranked, start=1):
        if item == gold:
            return 1.0 / i
    return 0.0


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def prf(predicted: Sequence[bool], actual: Sequence[bool]) -> PRF:
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def best_threshold(confidences: Sequence[float], unanswerable: Sequence[bool]) -> tuple[float, PRF]:
    """The abstention threshold (abstain when confidence < t) that maximises abstention F1."""
    candidates = [*sorted(set(confidences)), math.inf]
    best_t, best = 0.0, prf([False] * len(confidences), unanswerable)
    for t in candidates:
        score = prf([c < t for c in confidences], unanswerable)
        if score.f1 > best.f1:
            best_t, best = t, score
    return best_t, best


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
