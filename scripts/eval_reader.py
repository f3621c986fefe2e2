"""The reader alone, on gold paragraphs: each question read against every window of its own
paragraph (no retrieval). Prints EM / F1 (CMRC's metric) over the answerable questions and, where
the file has unanswerable ones, abstention precision / recall / F1 at the margin threshold that
is best on that file *and* at a given one (``--threshold``).

    python scripts/eval_reader.py ../shared/data/cmrc2018_trial.json
    python scripts/eval_reader.py --squad2-held-out ../shared/data   # SQuAD 2.0 zh, held-out fifth
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from qa.evaluation.metrics import best_threshold, cmrc_em, cmrc_f1, prf
from qa.read.reader.choose import clean_span, margin
from qa.read.reader.data import Example, gold_answers, read_squad
from qa.read.reader.model import SHIPPED, NumpyReader


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", nargs="?", help="SQuAD-style JSON")
    parser.add_argument(
        "--squad2-held-out", metavar="DATA", help="the held-out SQuAD 2.0 zh articles of DATA"
    )
    parser.add_argument(
        "--cmrc-held-out", metavar="DATA", help="the half of CMRC 2018 trial's articles a --development half run never saw"
    )
    parser.add_argument("--reader", default=str(SHIPPED))
    parser.add_argument("--limit", type=int, default=0, help="a random sample of N questions (seed 0)")
    parser.add_argument("--threshold", type=float, help="abstain when the margin is below this")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--card", action="store_true", help="record the figures in the reader's card.json")
    args = parser.parse_args()
    if args.squad2_held_out:
        from qa.read.reader.recipe import squad2_split

        examples: list[Example] = squad2_split(Path(args.squad2_held_out))[1]
        name = "squad2_zh_dev.json (held-out articles)"
    elif args.cmrc_held_out:
        from qa.read.reader.recipe import DEVELOPMENT, development_split

        examples = development_split(Path(args.cmrc_held_out))[1]
        name = "cmrc2018_trial.json (held-out half of its articles)"
        args.file = str(Path(args.cmrc_held_out) / DEVELOPMENT)
    elif args.file:
        examples, name = read_squad(Path(args.file)), Path(args.file).name
    else:
        parser.error("give a file or --squad2-held-out")
    if args.limit:  # a fixed random sample, not the first articles
        examples = random.Random(0).sample(examples, min(args.limit, len(examples)))
    golds = gold_answers(Path(args.file)) if args.file else {}
    reader = NumpyReader(Path(args.reader))
    em = f1 = 0.0
    answerable = predicted_chars = gold_chars = 0
    margins: list[float] = []
    impossible: list[bool] = []
    t0 = time.perf_counter()
    for ex in examples:
        spans = reader.read_all(ex.question, ex.context)
        best = spans[0]
        s, e = clean_span(ex.context, best.start, best.end)
        prediction = ex.context[s:e]
        margins.append(margin(best))
        impossible.append(ex.start < 0)
        if ex.start >= 0:
            answers = golds.get(ex.id) or [ex.context[ex.start : ex.end]]
            em += cmrc_em(prediction, answers)
            f1 += cmrc_f1(prediction, answers)
            answerable += 1
            predicted_chars += len(prediction)
            gold_chars += len(answers[0])
    elapsed = time.perf_counter() - t0
    out: dict[str, object] = {
        "file": name,
        "reader": args.reader,
        "questions": len(examples),
        "answerable": answerable,
        "em": round(100 * em / max(1, answerable), 1),
        "f1": round(100 * f1 / max(1, answerable), 1),
        "seconds_per_question": round(elapsed / max(1, len(examples)), 3),
        # how long the answers are, against the first gold answer's length
        "mean_answer_chars": round(predicted_chars / max(1, answerable), 1),
        "mean_gold_chars": round(gold_chars / max(1, answerable), 1),
    }
    if any(impossible):
        # abstaining is the positive class: a margin below the threshold predicts "unanswerable"
        threshold, best = best_threshold(margins, impossible)
        out["best_threshold"] = round(threshold, 3)
        out["abstain_best"] = {
            "precision": round(best.precision, 3),
            "recall": round(best.recall, 3),
            "f1": round(best.f1, 3),
        }
        if args.threshold is not None:
            given = prf([m < args.threshold for m in margins], impossible)
            out["abstain_at_threshold"] = {
                "threshold": args.threshold,
                "precision": round(given.precision, 3),
                "recall": round(given.recall, 3),
                "f1": round(given.f1, 3),
            }
    if args.card:
        card_path = Path(args.reader) / "card.json"
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card.setdefault("figures", {})[name] = {k: v for k, v in out.items() if k not in ("file", "reader")}
        card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps(out, ensure_ascii=False, indent=1)
        if args.json
        else "\n".join(f"{k}: {v}" for k, v in out.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
