"""Question latency on the seed index and the CMRC trial index, against the bare encoder.

    python benchmarks/bench_ask.py

For every question of each set it times `Assistant.ask` and, in the same run, the encoder
alone on the same question (what any dense system must spend), then prints p50/p95 of both
and their ratio. Goals: ask p50 <= 2x the encoder's p50, ask p95 <= 50 ms.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from common import CMRC, ROOT, cmrc_index, percentile

from qa.assistant import Assistant
from qa.build import build_index


def questions_of(path: Path) -> list[str]:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        return [
            qa["question"]
            for item in data
            for p in item["paragraphs"]
            for qa in p["qas"]
            if qa["question"].strip()
        ]
    return [
        json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def measure(name: str, assistant: Assistant, questions: list[str]) -> None:
    for q in questions[:3]:  # warm caches (jieba, OpenCC, the engine)
        assistant.ask(q)
    ask_ms, enc_ms = [], []
    for q in questions:
        t = time.perf_counter()
        assistant.encoder.encode_queries([q])
        enc_ms.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        assistant.ask(q)
        ask_ms.append(1000 * (time.perf_counter() - t))
    a50, a95, e50, e95 = (
        percentile(ask_ms, 50),
        percentile(ask_ms, 95),
        percentile(enc_ms, 50),
        percentile(enc_ms, 95),
    )
    print(f"{name:<6} {len(questions):>5} {a50:>8.1f} {a95:>8.1f} {e50:>8.1f} {e95:>8.1f} {a50 / e50:>7.2f}")


def main() -> int:
    print(
        f"{'index':<6} {'n':>5} {'ask p50':>8} {'ask p95':>8} {'enc p50':>8} {'enc p95':>8} {'ratio':>7}   (ms)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        build_index(ROOT / "seeds", Path(tmp) / "seed")
        measure("seed", Assistant.load(Path(tmp) / "seed"), questions_of(ROOT / "seeds" / "questions.jsonl"))
    index = cmrc_index()
    if index is not None:
        measure("cmrc", Assistant.load(index), questions_of(CMRC))
    print("ratio = ask p50 / encoder p50 (goal <= 2); goal ask p95 <= 50 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
