"""The answering stage on questions that nothing was fitted, tuned or chosen on.

The held-out fifth of SQuAD 2.0 zh's articles (never trained on) as an open corpus, less the
questions that scripts/calibrate_reader.py (800, seed 0) and scripts/ablate.py (400 answerable,
seed 0) drew: what is left decided neither the threshold nor any weight. (The articles are the
same ones, so the paragraph weights were judged on their siblings.) Prints citation,
containment, short-answer EM/F1 and abstention for the settings as they are and as they were
before the paragraph weight ``top`` was dropped and the threshold recalibrated ("before"), and
with the sentence weights ``focus`` and ``first`` as fitted on CMRC, before they were set to 0
on scripts/ablate.py's evidence ("fitted"), and without the reader re-reading the chosen
paragraph's best sentences ("no-rerank").

    python scripts/eval_untouched.py ../shared/data [--rows before,fitted,now,no-rerank]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from calibrate_reader import drawn_ids, held_out_squad

from qa.evaluation.evaluate import run, score
from qa.evaluation.questions import squad_index
from qa.read.assistant import Assistant
from qa.settings import Settings

BEFORE = {
    "paragraph_weights": {"top": 1.804},
    "short_confidence": {"bias": -0.9909, "sentence": 0.6055, "margin": 0.3229, "score": 0.0501},
    "short_abstain_below": 0.222,
}
FITTED = {"focus": 2.399, "first": 0.46}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the shared data folder")
    parser.add_argument("--rows", default="before,fitted,now", help="which settings to score, comma-separated")
    args = parser.parse_args()
    now = Settings()
    index_dir, questions = squad_index(held_out_squad(Path(args.data)), now)
    drawn = drawn_ids(questions)
    rest = [q for q in questions if q.id not in drawn and q.question.strip()]
    print(f"{len(rest)} questions nothing was fitted on ({sum(1 for q in rest if q.answers)} answerable)")
    before = replace(
        now,
        paragraph_weights={**now.paragraph_weights, **BEFORE["paragraph_weights"]},
        short_confidence=BEFORE["short_confidence"],
        short_abstain_below=BEFORE["short_abstain_below"],
    )
    fitted = replace(now, weights={**now.weights, **FITTED})
    rows = {"before": before, "fitted": fitted, "now": now, "no-rerank": replace(now, reader_rerank=1)}
    for name in args.rows.split(","):
        settings = rows[name]
        s = score(run(Assistant.load(index_dir, settings), rest))
        print(
            f"{name:6s} cite {s.citation:.3f}  contain {s.containment:.3f}  EM {s.em:.1f}  F1 {s.f1:.1f}  "
            f"abstain P {s.abstain_precision:.3f} R {s.abstain_recall:.3f} F1 {s.abstain_f1:.3f}  "
            f"answerable abstained {s.answerable_abstained}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
