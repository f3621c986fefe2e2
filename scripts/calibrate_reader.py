"""Fit the reader's confidence and choose its abstention threshold on development data, never on
seeds/questions.jsonl (which stays an honest check).

Data, each answered by the whole pipeline from an open corpus:
- CMRC 2018 trial questions against all of its paragraphs (``--cmrc half``: only the half of its
  articles a ``--development half`` reader never saw; ``all``: every question, for a reader
  that never saw CMRC trial);
- the held-out fifth of SQuAD 2.0 zh's articles (never trained on) against their own
  paragraphs: its unanswerable questions are right only when abstained on; its answerable ones
  are reported, and fitted on only with ``--fit-squad2-answerable``.

An answer is right when it contains a gold answer. The confidence is a logistic regression of
the evidence (``short`` mode: the chosen sentence's confidence as a logit, the reader's margin
over its no-answer score inside it, its span score; ``span`` mode: margin and span score),
fitted to whether the answer is right; the threshold is the one that makes the most right
decisions, a decision being right when it answers an answerable question and abstains on an
unanswerable one (``--objective right``: when it answers only where the answer is right).
The development data hold more unanswerable questions than a user asks (a third; SQuAD 2.0
wrote them as near misses of its paragraphs): they are weighed so that they make up
``--unanswerable-share`` of the decisions (default 0.2, one question in five: a prior about
use, not fitted to any question set).
Prints the settings to put in ``qa/settings.py`` and the decisions they make per data set.

    python scripts/calibrate_reader.py ../shared/data [--reader DIR] [--mode short] [--cmrc half]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.errors import QuestionError
from qa.evaluation.metrics import contains
from qa.evaluation.questions import squad_index
from qa.read.assistant import Assistant
from qa.read.reader.model import SHIPPED
from qa.read.reader.recipe import DEVELOPMENT, development_split, squad2_split
from qa.settings import Settings

FEATURES = {"short": ("sentence", "margin", "score"), "span": ("margin", "score")}
HELD_SQUAD = Path("embeddings") / "eval" / "squad2_zh_held_out.json"
TRAINING_SQUAD = Path("embeddings") / "eval" / "squad2_zh_training.json"


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


def best_decision_threshold(
    confidence: np.ndarray, right: np.ndarray, weight: np.ndarray | None = None
) -> tuple[float, float]:
    """The threshold (answer when confidence >= t) with the most right decisions (each
    decision counted ``weight`` times)."""
    weight = np.ones(len(right)) if weight is None else weight
    best_t, best = 0.0, -1.0
    for t in np.unique(np.r_[confidence, 1.0]):
        answered = confidence >= t
        score = float(weight[answered & right].sum() + weight[~answered & ~right].sum()) / float(weight.sum())
        if score > best:
            best_t, best = float(t), score
    return best_t, best


def drawn_ids(questions: list) -> set[str]:
    """The held-out SQuAD 2.0 zh questions (of :func:`held_out_squad`, in its order) that this
    script (800, seed 0) and scripts/ablate.py (400 answerable, seed 0) draw: the rest is what
    scripts/eval_untouched.py measures, nothing having been fitted on it."""
    calibrated = {q.id for q in random.Random(0).sample(questions, min(800, len(questions)))}
    answerable = [q for q in questions if q.answers]
    ablated = {q.id for q in random.Random(0).sample(answerable, min(400, len(answerable)))}
    return calibrated | ablated


def held_out_squad(data: Path) -> Path:
    """The held-out SQuAD 2.0 zh articles as a SQuAD-style file (for ``qa eval`` too)."""
    return write_squad(squad2_split(data)[1], HELD_SQUAD, "squad2_zh held-out")


def training_squad(data: Path) -> Path:
    """The answerable questions of SQuAD 2.0 zh's training articles (those the reader trains on)
    as a SQuAD-style file: what scripts/calibrate.py --training fits the sentence choice on."""
    train = squad2_split(data)[0]
    return write_squad(train, TRAINING_SQUAD, "squad2_zh training articles, answerable", answerable_only=True)


def write_squad(examples: list, path: Path, version: str, answerable_only: bool = False) -> Path:
    """``examples`` (qa.read.reader.data.Example) as a SQuAD-style file at ``path``, one title per
    article (``answerable_only``: every paragraph, only the answerable questions); rewritten only
    when its text changes (its index is kept by the file's sha256)."""
    by_article: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for ex in examples:
        answers = [{"text": ex.context[ex.start : ex.end], "answer_start": ex.start}] if ex.start >= 0 else []
        qas = by_article[ex.article][ex.context]
        if answerable_only and not answers:
            continue
        qas.append(
            {"id": ex.id, "question": ex.question, "answers": answers, "is_impossible": not answers}
        )
    doc = {
        "version": version,
        "data": [
            {"title": title, "paragraphs": [{"context": c, "qas": qas} for c, qas in contexts.items()]}
            for title, contexts in by_article.items()
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the shared data folder")
    parser.add_argument("--reader", default=str(SHIPPED))
    parser.add_argument("--mode", choices=["short", "span"], default="short")
    parser.add_argument("--cmrc", choices=["half", "all"], default="all", help="which CMRC trial questions")
    parser.add_argument("--squad2-sample", type=int, default=800, help="held-out SQuAD 2.0 questions to ask")
    parser.add_argument(
        "--objective",
        choices=["answerable", "right"],
        default="answerable",
        help="the threshold answers answerable questions (default) or only right answers",
    )
    parser.add_argument(
        "--unanswerable-share",
        type=float,
        default=0.2,
        help="the share of questions taken to have no answer in the documents (default 0.2)",
    )
    parser.add_argument("--rows", help="cache the evidence rows in this JSON file (reused when present)")
    parser.add_argument(
        "--fit-squad2-answerable", action="store_true", help="fit on SQuAD 2.0's answerable questions too"
    )
    args = parser.parse_args()
    data = Path(args.data)
    features = FEATURES[args.mode]
    settings = replace(
        Settings(), reader=args.reader, reader_mode=args.mode, reader_abstain_below=0.0, short_abstain_below=0.0
    )
    rows: list[tuple[list[float], bool, str]] = []

    def ask_all(path: Path, keep: set[str] | None, group: str, sample: int = 0) -> None:
        index_dir, questions = squad_index(path, settings)
        assistant = Assistant.load(index_dir, settings)
        picked = [q for q in questions if keep is None or q.id in keep]
        if sample:
            picked = random.Random(0).sample(picked, min(sample, len(picked)))
        for q in picked:
            try:
                a = assistant.ask(q.question)
            except QuestionError:  # an empty question in the set: no decision to make
                continue
            right = bool(q.answers) and not a.abstained and contains(a.answer, q.answers)
            kind = group if q.answers else group + "-unanswerable"
            rows.append(([a.evidence.get(f, 0.0) for f in features], right, kind))

    cache = Path(args.rows) if args.rows else None
    if cache and cache.exists():
        rows = [(r[0], r[1], r[2]) for r in json.loads(cache.read_text(encoding="utf-8"))]
    else:
        keep = {ex.id for ex in development_split(data)[1]} if args.cmrc == "half" else None
        ask_all(data / DEVELOPMENT, keep, "cmrc")
        ask_all(held_out_squad(data), None, "squad2", args.squad2_sample)
        if cache:
            cache.write_text(json.dumps(rows), encoding="utf-8")
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows], dtype=float)
    # fitted on CMRC trial and SQuAD 2.0 zh's unanswerable questions (about as many of each);
    # its answerable ones, translated text read in an open corpus of few articles, are reported
    fit = np.array([r[2] != "squad2" or args.fit_squad2_answerable for r in rows])
    w = fit_logistic(x[fit], y[fit])
    confidence = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    # The threshold: answer when the question has an answer, abstain when it has none (an
    # answerable question abstained on gains nothing, whatever the answer would have been).
    answerable = np.array([not r[2].endswith("unanswerable") for r in rows])
    target = y if args.objective == "right" else answerable
    # Unanswerable questions weighed to make up --unanswerable-share of the decisions.
    share = float((~answerable[fit]).mean())
    weight = np.where(
        answerable, (1 - args.unanswerable_share) / max(1e-9, 1 - share), args.unanswerable_share / max(1e-9, share)
    )
    threshold, accuracy = best_decision_threshold(confidence[fit], target[fit].astype(bool), weight[fit])
    weights = {"bias": round(float(w[0]), 4), **{f: round(float(v), 4) for f, v in zip(features, w[1:], strict=True)}}
    prefix = "short" if args.mode == "short" else "reader"
    summary: dict[str, object] = {
        "reader": args.reader,
        "mode": args.mode,
        f"{prefix}_confidence": weights,
        f"{prefix}_abstain_below": round(threshold, 3),
        "objective": args.objective,
        "unanswerable_share": args.unanswerable_share,
        "right_decisions": round(accuracy, 3),
    }
    for group in sorted({r[2] for r in rows}):
        picked = np.array([r[2] == group for r in rows])
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
