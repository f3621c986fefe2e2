"""Two-turn dialogues: does the follow-up (the second turn) cite the right paragraph?

``tests/data/dialogues.jsonl`` holds dialogues over the seed page and the test corpus
(``tests/data/corpus/``): a first question that names its topic, then one that leans on it
("它共有多少名员工？", "那研发投入呢？"), with the second's gold paragraph and answers. The
16 of set "development" were looked at while qa/read/followup.py was written (how it read them
shaped its rules); the 9 "held-out" ones were written after and changed nothing. Each second
turn is asked with the first as history and the document the first answer cited (as the app
does), with the history alone (the API; ``Settings.followup_prefers_cited`` off), and without
either; prints citation accuracy and containment of each, per set, and how each follow-up was
read.

    python scripts/eval_dialogues.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from qa.evaluation.metrics import contains
from qa.index.build import build_index
from qa.read.assistant import Assistant
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dialogues", default=str(ROOT / "tests" / "data" / "dialogues.jsonl"))
    parser.add_argument("--index", help="an index of the seed page and the test corpus (built in a temporary folder if not given)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each follow-up as it was read")
    args = parser.parse_args()
    dialogues = [json.loads(x) for x in Path(args.dialogues).read_text(encoding="utf-8").splitlines() if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(args.index) if args.index else Path(tmp) / "index"
        if not args.index:
            corpus = Path(tmp) / "corpus"
            shutil.copytree(ROOT / "tests" / "data" / "corpus", corpus)
            for seed in (ROOT / "seeds").glob("*.txt"):
                shutil.copy(seed, corpus)
            build_index(corpus, index, Settings())
        assistant = Assistant.load(index)
        tally: dict[tuple[str, str], list[int]] = {}
        for d in dialogues:
            first, second = d["turns"][0], d["turns"][-1]
            before = assistant.ask(d["turns"][-2])
            cited = before.citations[0].doc if before.citations else None
            for name, history, doc in (
                ("with history", d["turns"][:-1], cited),
                ("history only", d["turns"][:-1], None),
                ("without", [], None),
            ):
                answer = assistant.ask(second, history=history, cited=doc)
                c = answer.citations[0] if answer.citations else None
                right = c is not None and (Path(c.doc).name, c.article, c.paragraph) == (d["doc"], d["article"], d["paragraph"])
                counts = tally.setdefault((d.get("set", "all"), name), [0, 0, 0])
                counts[0] += right
                counts[1] += (not answer.abstained) and contains(answer.answer, d["answers"])
                counts[2] += 1
                if args.verbose and name == "with history":
                    print(f"{d['id']}: {first} / {second} -> {answer.resolved or '(as asked)'}  {'right' if right else 'WRONG'}")
    for (part, name), (cited, contained, n) in sorted(tally.items()):
        print(
            f"{part:11s} second turn {name:12s}: cites the right paragraph {cited}/{n} ({cited / n:.0%}), "
            f"contains the answer {contained}/{n}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
