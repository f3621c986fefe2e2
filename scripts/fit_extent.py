"""Fit the reader's extent model (``qa/read/reader/extent.py``) and measure it on data it never saw.

The reader reads every question against its gold paragraph; each candidate extent of its best
span is scored (CMRC's F1) against the gold answers. Question sets mark answers in two styles,
and the model is fitted on one of each, weighing the same: the first half of CMRC 2018 trial's
articles (long answers) and the answerable questions of held-out SQuAD 2.0 zh that
scripts/calibrate_reader.py and scripts/ablate.py already draw (short answers). It is measured
on the other half of CMRC trial and on the rest of held-out SQuAD 2.0 zh (what
scripts/eval_untouched.py scores), neither of which it was fitted on; the reader never trained
on any of them. (DRCD, the reader's own training data, is not used: its spans are better read
than a new text's.) Prints F1 / EM with the extent model on and off.

The two styles weigh the same (a prior, not tuned); the ridge was chosen at that weight by
two-fold cross-validation inside the fitted sets (``--cv`` prints the table: the gain in F1
over the span alone on each style's unseen fold).

    python scripts/fit_extent.py ../shared/data              # fit and measure, print only
    python scripts/fit_extent.py ../shared/data --cv         # the cross-validation table
    python scripts/fit_extent.py ../shared/data --write      # also write READER/extent.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from calibrate_reader import drawn_ids, held_out_squad

from qa.evaluation.metrics import cmrc_em, cmrc_f1
from qa.evaluation.questions import read_squad as read_questions
from qa.read.reader.choose import clean_span
from qa.read.reader.data import Example, gold_answers
from qa.read.reader.extent import EXTENTS, ExtentModel, extents, features, fit
from qa.read.reader.model import SHIPPED, NumpyReader
from qa.read.reader.recipe import DEVELOPMENT, development_split, squad2_split


def read_rows(reader: NumpyReader, examples: list[Example], golds: dict[str, list[str]]) -> list[dict[str, Any]]:
    """What the reader found for each answerable question: its span, margin and score, and the
    F1 / EM each extent of it reaches."""
    out = []
    for ex in examples:
        if ex.start < 0:
            continue
        best = reader.read_all(ex.question, ex.context)[0]
        s, e = clean_span(ex.context, best.start, best.end)
        if s >= e:
            s, e = best.start, best.end
        answers = golds.get(ex.id) or [ex.context[ex.start : ex.end]]
        spans = extents(ex.context, s, e)
        out.append(
            {
                "x": features(ex.question).tolist(),
                "f1": [cmrc_f1(ex.context[a:b], answers) for a, b in spans],
                "em": [cmrc_em(ex.context[a:b], answers) for a, b in spans],
            }
        )
    return out


def measure(weights: np.ndarray | None, rows: list[dict[str, Any]]) -> dict[str, float]:
    """F1 / EM over ``rows`` with the extent the weights choose (the span when None)."""
    if not rows:
        return {"questions": 0}
    x = np.array([r["x"] for r in rows])
    picked = np.zeros(len(rows), dtype=int) if weights is None else np.argmax(x @ weights, axis=1)
    f1 = np.array([r["f1"] for r in rows])[np.arange(len(rows)), picked]
    em = np.array([r["em"] for r in rows])[np.arange(len(rows)), picked]
    counts = np.bincount(picked, minlength=len(EXTENTS))
    return {
        "questions": len(rows),
        "f1": round(100 * float(f1.mean()), 1),
        "em": round(100 * float(em.mean()), 1),
        "chosen": {name: int(n) for name, n in zip(EXTENTS, counts, strict=True) if n},
    }


def fit_styles(long: list[dict[str, Any]], short: list[dict[str, Any]], short_weight: float, ridge: float) -> np.ndarray:
    """The extent weights fitted on both styles, each set weighing the same (times ``short_weight``)."""
    rows = long + short
    weight = [1.0 / len(long)] * len(long) + [short_weight / len(short)] * len(short)
    return fit([(np.array(r["x"]), r["f1"]) for r in rows], weight, ridge)


def cross_validate(
    long: list[dict[str, Any]], short: list[dict[str, Any]], short_weight: float, ridge: float, folds: int = 2
) -> tuple[float, float]:
    """Mean gain in F1 over the span alone on each style's unseen fold."""
    gains = []
    for fold in range(folds):
        parts = []
        for rows in (long, short):
            order = list(range(len(rows)))
            random.Random(fold + 7).shuffle(order)
            cut = len(order) // 2
            parts.append(([rows[i] for i in order[:cut]], [rows[i] for i in order[cut:]]))
        w = fit_styles(parts[0][0], parts[1][0], short_weight, ridge)
        gains.append(
            [float(measure(w, test)["f1"]) - float(measure(None, test)["f1"]) for _, test in parts]
        )
    mean = np.mean(gains, axis=0)
    return float(mean[0]), float(mean[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the folder of shared/data")
    parser.add_argument("--reader", default=str(SHIPPED))
    parser.add_argument("--ridge", type=float, default=0.1)
    parser.add_argument("--short-weight", type=float, default=1.0, help="the short style's weight against the long (1: the same)")
    parser.add_argument("--rows", help="cache the reader's readings in this JSON file (reused when it exists)")
    parser.add_argument("--cv", action="store_true", help="print two-fold cross-validation inside the fitted sets")
    parser.add_argument("--write", action="store_true", help="write extent.json into the reader folder")
    args = parser.parse_args()
    data = Path(args.data)
    cache = Path(args.rows) if args.rows else None
    if cache is not None and cache.exists():
        sets = json.loads(cache.read_text(encoding="utf-8"))
    else:
        reader = NumpyReader(Path(args.reader))
        learn, held = development_split(data)
        drawn = drawn_ids(read_questions(held_out_squad(data))[1])
        squad = squad2_split(data)[1]
        golds = gold_answers(data / DEVELOPMENT)
        t0 = time.perf_counter()
        sets = {
            "cmrc_fit": read_rows(reader, learn, golds),
            "cmrc_held": read_rows(reader, held, golds),
            "squad2_fit": read_rows(reader, [ex for ex in squad if ex.id in drawn], {}),
            "squad2_held": read_rows(reader, [ex for ex in squad if ex.id not in drawn], {}),
        }
        print(f"read in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if cache is not None:
            cache.write_text(json.dumps(sets), encoding="utf-8")
    if args.cv:
        for short_weight in (0.25, 0.5, 1.0, 2.0):
            for ridge in (0.01, 0.1, 1.0):
                gains = cross_validate(sets["cmrc_fit"], sets["squad2_fit"], short_weight, ridge)
                print(f"short weight {short_weight:<4} ridge {ridge:<4}  F1 gain: long {gains[0]:+.1f}  short {gains[1]:+.1f}  sum {sum(gains):+.1f}")
        return 0
    weights = fit_styles(sets["cmrc_fit"], sets["squad2_fit"], args.short_weight, args.ridge)
    figures = {
        name: {"span only": measure(None, rows), "extent model": measure(weights, rows)}
        for name, rows in sets.items()
    }
    report = {
        "fitted on": {
            "cmrc2018_trial.json (first half of its articles)": len(sets["cmrc_fit"]),
            "squad2_zh_dev.json (held-out fifth: the answerable questions calibration drew)": len(sets["squad2_fit"]),
            "weighing": f"each set the same (short style x {args.short_weight})",
            "ridge": args.ridge,
        },
        "measured on (never fitted on)": {
            "cmrc2018_trial.json (other half of its articles)": figures["cmrc_held"],
            "squad2_zh_dev.json (held-out fifth, answerable, never drawn)": figures["squad2_held"],
        },
        "on the fitted data": {"cmrc_fit": figures["cmrc_fit"], "squad2_fit": figures["squad2_fit"]},
        "command": "python scripts/fit_extent.py ../shared/data --write",
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.write:
        ExtentModel(weights, report).save(Path(args.reader))
    return 0


if __name__ == "__main__":
    sys.exit(main())
