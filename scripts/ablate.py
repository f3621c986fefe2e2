"""Each fitted weight and rule of the answering stage, on and off, on held-out data.

The sentence and paragraph weights were fitted on CMRC 2018 trial (scripts/calibrate.py), so
they are measured here on what they never saw: the held-out fifth of SQuAD 2.0 zh's articles
as an open corpus (its answerable questions; the reader never trained on them either). Each
row turns one thing off (a weight set to 0, the neighbour sentence never quoted, the reader
replaced by the rule-based short answer) and prints citation, containment, short-answer F1/EM
and their change against everything on.

    python scripts/ablate.py ../shared/data [--limit 600] [--only weights]

``--off sentence:focus,sentence:first`` measures only those weights, each off alone and all
off together; ``--file`` measures on another SQuAD-style file instead (CMRC 2018 trial, the
set the weights were fitted on, to see what turning them off costs there).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

from calibrate_reader import held_out_squad

from qa.evaluation.evaluate import run, score
from qa.evaluation.questions import squad_index
from qa.read.assistant import Assistant
from qa.settings import Settings


def without(base: Settings, names: list[str]) -> Settings:
    """``base`` with the weights ``names`` (``sentence:NAME`` or ``paragraph:NAME``) set to 0."""
    weights, paragraph = dict(base.weights), dict(base.paragraph_weights)
    for name in names:
        kind, _, weight = name.partition(":")
        table = weights if kind == "sentence" else paragraph if kind == "paragraph" else None
        if table is None or weight not in table:
            raise SystemExit(f"--off {name}: not a weight (sentence:NAME or paragraph:NAME)")
        table[weight] = 0.0
    return replace(base, weights=weights, paragraph_weights=paragraph)


def variants(base: Settings, only: str, off: list[str] | None = None) -> list[tuple[str, Settings]]:
    out: list[tuple[str, Settings]] = [("everything on", base)]
    if off:
        out += [(f"{name} = 0", without(base, [name])) for name in off]
        if len(off) > 1:
            out.append((" and ".join(off) + " = 0", without(base, off)))
        return out
    if only in ("all", "weights"):
        for kind, table in (("sentence", base.weights), ("paragraph", base.paragraph_weights)):
            out += [(f"{kind} weight {name} = 0", without(base, [f"{kind}:{name}"])) for name in table]
    if only in ("all", "rules"):
        out.append(("neighbour sentence never quoted", replace(base, pair_margin=-1e9)))
        out.append(("extent model off (the reader's span as read)", replace(base, reader_extent=False)))
        out.append(("reader off (rule-based short answer)", replace(base, reader="none")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="the shared data folder")
    parser.add_argument("--limit", type=int, default=600, help="a random sample of N answerable questions (seed 0)")
    parser.add_argument("--only", choices=["all", "weights", "rules"], default="all")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--off", help="comma-separated weights to measure off, e.g. sentence:focus,sentence:first")
    parser.add_argument("--file", help="a SQuAD-style file to measure on instead of the held-out articles")
    args = parser.parse_args()
    base = replace(Settings(), short_abstain_below=0.0, abstain_below=0.0)  # score every answer
    index_dir, questions = squad_index(Path(args.file) if args.file else held_out_squad(Path(args.data)), base)
    answerable = [q for q in questions if q.answers]
    if args.limit:
        answerable = random.Random(0).sample(answerable, min(args.limit, len(answerable)))
    rows = []
    for name, settings in variants(base, args.only, args.off.split(",") if args.off else None):
        s = score(run(Assistant.load(index_dir, settings), answerable))
        rows.append({"off": name, "citation": round(s.citation, 3), "containment": round(s.containment, 3), "f1": round(s.f1, 1), "em": round(s.em, 1)})
        if not args.json:
            first = rows[0]
            print(
                f"{name:42s} cite {s.citation:.3f} ({s.citation - first['citation']:+.3f})  "
                f"contain {s.containment:.3f} ({s.containment - first['containment']:+.3f})  "
                f"F1 {s.f1:5.1f} ({s.f1 - first['f1']:+.1f})  EM {s.em:5.1f}",
                flush=True,
            )
    if args.json:
        print(json.dumps({"questions": len(answerable), "rows": rows}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
