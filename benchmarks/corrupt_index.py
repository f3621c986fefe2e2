"""Damage a local index (or a Milvus Lite store) N times at random and ask the seed questions
after each damage.

Each trial copies a sound index, applies one corruption (a flipped byte, a truncation, a
deleted file, or a stray file the manifest does not list) to the manifest or one artefact,
then loads it and asks the questions. ``--backend milvus`` does the same to a Milvus Lite
store's files (its manifests, schemas, write-ahead logs and segments), and adds one more kind:
rows deleted behind the store's back (a lost segment). It prints how many corruptions were tried, refused
(a clear ``QAError``), harmless (loaded, every answer the same as the sound index's) and
wrong (loaded, some answer changed: the goal is 0), and any other exception (a traceback:
the goal is 0 too).

    python benchmarks/corrupt_index.py            # 500 trials on the seed corpus
    python benchmarks/corrupt_index.py -n 50 --questions 10
    python benchmarks/corrupt_index.py --backend milvus -n 500 --questions 5
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from common import ROOT

from qa.errors import QAError
from qa.index.build import build_index
from qa.index.encoders import get_encoder
from qa.read.assistant import Assistant
from qa.settings import Settings

KINDS = ("flip", "truncate", "delete", "stray")
MILVUS_KINDS = (*KINDS, "rows")
COLLECTIONS = ("passages", "sentences", "paragraphs", "stats", "documents")


def _files(index: Path) -> list[Path]:
    return sorted(p for p in index.rglob("*") if p.is_file() and ".cache" not in p.parts and p.name != ".lock")


def _damage_file(kind: str, target: Path, root: Path, rng: random.Random) -> str | None:
    """A flip, truncation or deletion of ``target``; None for the other kinds (and for a flip
    or truncation of an empty file, which becomes the caller's stray file)."""
    rel = target.relative_to(root).as_posix()
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
    return None


def corrupt(index: Path, rng: random.Random) -> str:
    """Apply one random corruption to ``index``; say what it was."""
    kind = rng.choice(KINDS)
    files = _files(index)
    done = _damage_file(kind, rng.choice(files), index, rng)
    if done:
        return done
    # a stray file: a copy of another artefact under a name a build might load, or garbage
    build = next(p for p in index.iterdir() if p.is_dir() and p.name.startswith("build-"))
    name = rng.choice(["dense.faiss", "extra.npy", "bm25/extra.json", "paragraphs.jsonl.bak"])
    source = rng.choice(files)
    (build / name).parent.mkdir(parents=True, exist_ok=True)
    (build / name).write_bytes(source.read_bytes() if rng.random() < 0.5 else rng.randbytes(2048))
    return f"stray {name}"


def corrupt_milvus(db: Path, rng: random.Random) -> str:
    """One random corruption of a Milvus Lite store (closed); say what it was."""
    kind = rng.choice(MILVUS_KINDS)
    files = sorted(p for p in db.rglob("*") if p.is_file())
    done = _damage_file(kind, rng.choice(files), db, rng)
    if done:
        return done
    if kind == "rows":
        from pymilvus import MilvusClient

        client = MilvusClient(uri=str(db))
        name = f"qa_{rng.choice(COLLECTIONS)}"
        client.load_collection(name)
        ids = [r["id"] for r in client.query(name, filter="", output_fields=["id"], limit=16384)]
        lost = rng.sample(ids, max(1, len(ids) // rng.choice([1, 2, 10, 100]))) if ids else []
        if lost:
            client.delete(name, ids=lost)
        client.close()
        return f"rows: {len(lost)} of {len(ids)} deleted from {name}"
    folder = rng.choice([p for p in db.rglob("*") if p.is_dir()])
    stray = folder / rng.choice(["wal_data_000099.arrow", "manifest.json.new", "data.parquet"])
    stray.write_bytes(rng.choice(files).read_bytes() if rng.random() < 0.5 else rng.randbytes(2048))
    return f"stray {stray.relative_to(db).as_posix()}"


def answers(assistant: Assistant, questions: list[str]) -> list[dict[str, object]]:
    out = []
    for q in questions:
        a = assistant.ask(q).to_dict()
        a.pop("timings", None)
        out.append(a)
    return out


def trials(
    n: int,
    sound: Path,
    damage: Callable[[Path], str],
    ask_all: Callable[[Path], list[dict[str, object]]],
    label: str,
    questions: int,
) -> int:
    """``n`` times: copy the sound store, damage the copy, ask; print the tally."""
    expected = ask_all(sound)
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    started = time.perf_counter()
    for trial in range(n):
        work = sound.parent / f"trial-{trial}{sound.suffix}"
        shutil.copytree(sound, work)
        what = damage(work)
        try:
            got = ask_all(work)
        except QAError:
            tally["refused"] += 1
        except Exception as exc:
            tally["traceback"] += 1
            where = traceback.extract_tb(exc.__traceback__)
            frames = " < ".join(
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in where
                if "/qa/" in f.filename or "benchmarks" in f.filename
            )
            wrong.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]} [{frames}]")
        else:
            if got == expected:
                tally["harmless"] += 1
            else:
                tally["wrong"] += 1
                wrong.append(f"{what}: answers changed")
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{label}corruptions tried {n}: refused {tally['refused']}, harmless {tally['harmless']}, "
        f"wrong answers {tally['wrong']}, tracebacks {tally['traceback']} "
        f"({questions} seed questions after each; {time.perf_counter() - started:.0f} s)"
    )
    for line in wrong[:20]:
        print("  " + line)
    return 1 if tally["wrong"] or tally["traceback"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="corruptions to try (default 500)")
    parser.add_argument("--questions", type=int, default=20, help="seed questions asked after each (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=["local", "milvus"], default="local")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    settings = Settings(reader="none")  # the reader reads what retrieval returns: not needed to tell damage
    rows = [json.loads(x) for x in (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = [r["question"] for r in rows][: args.questions]
    encoder = get_encoder(settings.encoder)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        shutil.copy(ROOT / "seeds" / "000_aa1ebb4fc6edc8ba.txt", corpus)
        if args.backend == "local":
            sound = Path(tmp) / "sound"
            build_index(corpus, sound, settings, encoder=encoder)
            return trials(
                args.n,
                sound,
                lambda work: corrupt(work, rng),
                lambda work: answers(Assistant.load(work, settings, encoder=encoder), questions),
                "",
                len(questions),
            )
        from qa.index.feed import feed
        from qa.index.milvus import MilvusStore

        def ask_milvus(db: Path) -> list[dict[str, object]]:
            store = MilvusStore.open(str(db), "qa", encoder.name)
            try:
                return answers(Assistant.load(store=store, settings=settings, encoder=encoder), questions)
            finally:
                store.client.close()

        sound = Path(tmp) / "sound.db"
        store = MilvusStore.create(str(sound), "qa", encoder.name, encoder.dim, settings)
        feed(store, corpus, settings, lambda: encoder)
        store.client.close()
        return trials(
            args.n, sound, lambda work: corrupt_milvus(work, rng), ask_milvus, "Milvus Lite ", len(questions)
        )


if __name__ == "__main__":
    sys.exit(main())
