"""Two runs' answers, question by question: the same or not (latency and scores aside).

    qa eval SET --predictions before.jsonl      # on one commit
    qa eval SET --predictions after.jsonl       # on another
    python scripts/same_answers.py before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

KEPT = ("answer", "short_answer", "abstained", "citations", "resolved_question")


def answers(path: Path) -> dict[str, dict[str, object]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: {k: row.get(k) for k in KEPT} | {"confidence": round(row["confidence"], 6)} for row in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="predictions of one run (qa eval --predictions)")
    parser.add_argument("after", type=Path, help="predictions of the other")
    args = parser.parse_args()
    before, after = answers(args.before), answers(args.after)
    differ = sorted(i for i in before.keys() | after.keys() if before.get(i) != after.get(i))
    print(f"{len(before)} and {len(after)} answers; {len(differ)} differ")
    for i in differ[:20]:
        print(i, json.dumps(before.get(i), ensure_ascii=False)[:200], "->", json.dumps(after.get(i), ensure_ascii=False)[:200])
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
