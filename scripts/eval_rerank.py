"""Does the reader find the answering sentence, beside the sentence evidence? On gold paragraphs.

For each answerable question whose gold paragraph was retrieved, every sentence of that
paragraph gets its evidence score (qa.read.evidence, the current weights) and the reader's best
span score inside it (the reader reading every window of the paragraph). Prints the share of
questions whose best sentence holds a gold answer by the evidence alone, by the reader alone,
and by evidence + weight x reader among the evidence's best k sentences (what ``short`` mode's
``reader_rerank`` and ``reader_rerank_weight`` do), for a few weights and k.

    python scripts/eval_rerank.py ../shared/data/cmrc2018_trial.json
    python scripts/eval_rerank.py --squad2-held-out ../shared/data --limit 500
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calibrate import collect, load
from calibrate_reader import held_out_squad

from qa.read.evidence import sentence_score
from qa.read.reader.model import SHIPPED, NumpyReader
from qa.settings import Settings

WEIGHTS = (0.1, 0.2, 0.3, 0.5, 1.0)
DEPTHS = (2, 3, 5, 99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", help="SQuAD-style JSON")
    parser.add_argument("--squad2-held-out", metavar="DATA", help="the held-out SQuAD 2.0 zh articles of DATA")
    parser.add_argument("--limit", type=int, default=0, help="a random sample of N answerable questions (seed 1)")
    parser.add_argument("--reader", default=str(SHIPPED))
    args = parser.parse_args()
    if not (args.file or args.squad2_held_out):
        parser.error("give a file or --squad2-held-out")
    path = Path(args.file) if args.file else held_out_squad(Path(args.squad2_held_out))
    assistant, questions = load(path, None)
    questions = [q for q in questions if q.answers]
    if args.limit:
        questions = random.Random(1).sample(questions, min(args.limit, len(questions)))
    questions = [q for q in questions if q.question.strip()]  # (collect passes over empty ones)
    items = collect(assistant, questions)
    reader = NumpyReader(Path(args.reader))
    table = assistant.store.paragraph_table
    weights = Settings().weights
    groups = []  # per question: evidence scores, reader scores, holds a gold answer
    for g, item in zip(questions, items, strict=True):
        idx = [k for k, w in enumerate(item.windows) if w.para == item.gold]
        if item.gold is None or not idx or not item.positive[idx].any():
            continue
        spans = reader.read_all(g.question, table[item.gold].text, per_row=60)
        evidence = np.array([sentence_score(weights, item.windows[k].features, item.han) for k in idx])
        read = np.array(
            [
                max([s.score for s in spans if item.windows[k].start <= s.start < item.windows[k].end] or [-50.0])
                for k in idx
            ]
        )
        groups.append((evidence, read, item.positive[idx]))

    def right(score) -> float:
        return float(np.mean([pos[int(np.argmax(score(e, r)))] for e, r, pos in groups]))

    def top(e: np.ndarray, r: np.ndarray, k: int, weight: float) -> np.ndarray:
        order = np.argsort(-e)[:k]
        out = np.full(len(e), -1e9)
        out[order] = e[order] + weight * r[order]
        return out

    print(f"{path.name}: {len(groups)} questions")
    print(f"evidence alone {right(lambda e, r: e):.3f}   reader alone {right(lambda e, r: r):.3f}")
    for k in DEPTHS:
        cells = "  ".join(f"w {w}: {right(lambda e, r: top(e, r, k, w)):.3f}" for w in WEIGHTS)  # noqa: B023
        print(f"best {k if k < 99 else 'all'} sentences re-read:  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
