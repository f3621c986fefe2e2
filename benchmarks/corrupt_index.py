"""Damage a local index N times at random and ask the seed questions after each damage.

Each trial copies a sound index, applies one corruption (a flipped byte, a truncation, a
deleted file, or a stray file the manifest does not list) to the manifest or one artefact,
then loads it and asks the questions. It prints how many corruptions were tried, refused
(a clear ``QAError``), harmless (loaded, every answer the same as the sound index's) and
wrong (loaded, some answer changed: the goal is 0), and any other exception (a traceback:
the goal is 0 too).

    python benchmarks/corrupt_index.py            # 500 trials on the seed corpus
    python benchmarks/corrupt_index.py -n 50 --questions 10
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import ROOT

from qa.assistant import Assistant
from qa.build import build_index
from qa.encoders import get_encoder
from qa.errors import QAError
from qa.settings import Settings

KINDS = ("flip", "truncate", "delete", "stray")


def _files(index: Path) -> list[Path]:
    return sorted(p for p in index.rglob("*") if p.is_file() and ".cache" not in p.parts and p.name != ".lock")


def corrupt(index: Path, rng: random.Random) -> str:
    """Apply one random corruption to ``index``; say what it was."""
    kind = rng.choice(KINDS)
    files = _files(index)
    target = rng.choice(files)
    rel = target.relative_to(index).as_posix()
    data = target.read_bytes()
    if kind == "flip" and data:
        at = rng.randrange(len(data))
        damaged = bytearray(data)
        damaged[at] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(damaged))
        return f"flip {rel}@{at}"
    if kind == "truncate" and data:
        keep = rng.randrange(len(data))
        target.write_bytes(data[:keep])
        return f"truncate {rel} to {keep}"
    if kind == "delete":
        target.unlink()
        return f"delete {rel}"
    # a stray file: a copy of another artefact under a name a build might load, or garbage
    build = next(p for p in index.iterdir() if p.is_dir() and p.name.startswith("build-"))
    name = rng.choice(["dense.faiss", "extra.npy", "bm25/extra.json", "paragraphs.jsonl.bak"])
    source = rng.choice(files)
    (build / name).parent.mkdir(parents=True, exist_ok=True)
    (build / name).write_bytes(source.read_bytes() if rng.random() < 0.5 else rng.randbytes(2048))
    return f"stray {name}"


def answers(assistant: Assistant, questions: list[str]) -> list[dict[str, object]]:
    out = []
    for q in questions:
        a = assistant.ask(q).to_dict()
        a.pop("timings", None)
        out.append(a)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="corruptions to try (default 500)")
    parser.add_argument("--questions", type=int, default=20, help="seed questions asked after each (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    settings = Settings(reader="none")  # the reader reads what retrieval returns: not needed to tell damage
    rows = [json.loads(x) for x in (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = [r["question"] for r in rows][: args.questions]
    encoder = get_encoder(settings.encoder)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, sound = Path(tmp) / "corpus", Path(tmp) / "sound"
        corpus.mkdir()
        shutil.copy(ROOT / "seeds" / "000_aa1ebb4fc6edc8ba.txt", corpus)
        build_index(corpus, sound, settings, encoder=encoder)
        expected = answers(Assistant.load(sound, settings, encoder=encoder), questions)
        tally: Counter[str] = Counter()
        wrong: list[str] = []
        started = time.perf_counter()
        for trial in range(args.n):
            work = Path(tmp) / f"trial-{trial}"
            shutil.copytree(sound, work)
            what = corrupt(work, rng)
            try:
                got = answers(Assistant.load(work, settings, encoder=encoder), questions)
            except QAError:
                tally["refused"] += 1
            except Exception as exc:
                tally["traceback"] += 1
                wrong.append(f"{what}: {type(exc).__name__}: {exc}")
            else:
                if got == expected:
                    tally["harmless"] += 1
                else:
                    tally["wrong"] += 1
                    wrong.append(f"{what}: answers changed")
            shutil.rmtree(work)
    print(
        f"corruptions tried {args.n}: refused {tally['refused']}, harmless {tally['harmless']}, "
        f"wrong answers {tally['wrong']}, tracebacks {tally['traceback']} "
        f"({len(questions)} seed questions after each; {time.perf_counter() - started:.0f} s)"
    )
    for line in wrong[:20]:
        print("  " + line)
    return 1 if tally["wrong"] or tally["traceback"] else 0


if __name__ == "__main__":
    sys.exit(main())
