"""Fit the reader's confidence and choose its abstention threshold on development data, never on
seeds/questions.jsonl (which stays an honest check).

Data: every CMRC 2018 trial question answered from its whole open corpus (right when the answer
contains a gold answer), and the held-out SQuAD 2.0 zh articles read against their own paragraph
(the unanswerable ones can only be right by abstaining). The confidence is a logistic regression
of the reader's evidence (margin over the no-answer score, span score); the threshold is the one
that makes the most right decisions (answer right, or abstain where no right answer was given).

    python scripts/calibrate_reader.py ../shared/data [--reader DIR] [--squad2-sample 800]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.build import squad_index
from qa.metrics import contains
from qa.reader.choose import clean_span, margin
from qa.reader.model import SHIPPED, NumpyReader
from qa.reader.recipe import DEVELOPMENT, squad2_split
from qa.settings import Settings

FEATURES = ("margin", "score")


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 3000) -> np.ndarray:
    """Weights [bias, *features] by gradient descent on the mean log loss (features standardised
    inside, weights returned on the raw scale)."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(z.shape[1] + 1)
    design = np.hstack([np.ones((len(z), 1)), z])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ w)))
        grad = design.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]]
        w -= 0.5 * grad
    raw = w[1:] / std
    return np.r_[w[0] - float(raw @ mean), raw]


def best_decision_threshold(confidence: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """The threshold (answer when confidence >= t) with the most right decisions."""
    best_t, best = 0.0, -1.0
    for t in np.unique(np.r_[confidence, 1.0]):
        answered = confidence >= t
        score = float((answered & right).sum() + (~answered & ~right).sum()) / len(right)
        if score > best:
            best_t, best = float(t), score
    return best_t, best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", help="the shared data folder")
    parser.add_argument("--reader", default=str(SHIPPED))
    parser.add_argument("--squad2-sample", type=int, default=800, help="held-out SQuAD 2.0 questions to read")
    parser.add_argument("--limit", type=int, default=0, help="first N CMRC questions only")
    args = parser.parse_args()
    data = Path(args.data)
    settings = replace(Settings(), reader=args.reader, reader_abstain_below=0.0)
    index_dir, questions = squad_index(data / DEVELOPMENT, settings)
    assistant = Assistant.load(index_dir, settings)
    rows: list[tuple[list[float], bool, str]] = []
    for q in questions[: args.limit or None]:
        a = assistant.ask(q.question)
        rows.append(([a.evidence.get(f, 0.0) for f in FEATURES], contains(a.answer, q.answers), "cmrc"))
    reader = assistant.reader or NumpyReader(Path(args.reader))
    held = squad2_split(data)[1]
    random.Random(0).shuffle(held)
    for ex in held[: args.squad2_sample]:
        best = reader.read_all(ex.question, ex.context)[0]
        s, e = clean_span(ex.context, best.start, best.end)
        right = ex.start >= 0 and contains(ex.context[s:e], [ex.context[ex.start : ex.end]])
        rows.append(
            (
                [margin(best), best.score],
                right,
                "squad2-answerable" if ex.start >= 0 else "squad2-unanswerable",
            )
        )
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows], dtype=float)
    w = fit_logistic(x, y)
    confidence = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    threshold, accuracy = best_decision_threshold(confidence, y.astype(bool))
    weights = {
        "bias": round(float(w[0]), 4),
        **{f: round(float(v), 4) for f, v in zip(FEATURES, w[1:], strict=True)},
    }
    summary: dict[str, object] = {
        "reader_confidence": weights,
        "reader_abstain_below": round(threshold, 3),
        "right_decisions": round(accuracy, 3),
    }
    for group in ("cmrc", "squad2-answerable", "squad2-unanswerable"):
        picked = np.array([r[2] == group for r in rows])
        if picked.any():
            answered = confidence[picked] >= threshold
            summary[group] = {
                "questions": int(picked.sum()),
                "right_answers": int(y[picked].sum()),
                "answered": int(answered.sum()),
                "answered_right": int((answered & y[picked].astype(bool)).sum()),
            }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
