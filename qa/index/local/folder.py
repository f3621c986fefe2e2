"""One build of a local index on disk: a ``build-<id>`` folder of JSONL, ``.npy`` and bm25s
files (no pickle), written under a temporary name and renamed into place when complete, and
the folder's write lock."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from qa.errors import IndexBusyError
from qa.index.corpus import IndexRows

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at INFO
LOCK = ".lock"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_dense_index(vectors: np.ndarray, settings: dict[str, Any]) -> faiss.Index:
    """Exact inner product (cosine on normalised vectors), or for large corpora an approximate
    index: HNSW (a graph) or IVF (inverted lists over k-means cells)."""
    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
    n = len(vectors)
    kind = settings.get("dense_index", "flat")
    index: faiss.Index
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, int(settings.get("hnsw_m", 32)), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.hnsw.efSearch = int(settings.get("hnsw_ef_search", 128))
    elif kind == "ivf" and n >= 1000:
        nlist = max(8, min(65536, int(4 * n**0.5)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).permutation(n)[: min(n, 64 * nlist)]]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = min(nlist, int(settings.get("ivf_nprobe", 64)))
    else:  # "flat", or IVF on a corpus too small to need it
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save_build(build: Path, rows: IndexRows, bm25: bm25s.BM25, settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Write one build's artefacts; return their sizes and checksums for the manifest."""
    build.mkdir(parents=True)
    write_jsonl(build / "paragraphs.jsonl", (p.to_dict() for p in rows.paragraphs))
    write_jsonl(build / "passages.jsonl", (p.to_dict() for p in rows.passages))
    write_jsonl(build / "sentences.jsonl", (s.to_dict() for s in rows.sentences))
    np.save(build / "passage_vectors.npy", rows.passage_vectors.astype(np.float32), allow_pickle=False)
    np.save(build / "sentence_vectors.npy", rows.sentence_vectors.astype(np.float32), allow_pickle=False)
    bm25.save(str(build / "bm25"), show_progress=False)
    if settings.get("dense_index", "flat") != "flat":
        faiss.write_index(make_dense_index(rows.passage_vectors, settings), str(build / "dense.faiss"))
    artefacts = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        rel = path.relative_to(build).as_posix()
        artefacts[rel] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    return artefacts


@contextmanager
def writing(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's write lock (an ``flock``, released if the process dies); a second
    writer is refused at once, with the holder's pid."""
    import fcntl

    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            raise IndexBusyError(
                f"another qa index (pid {holder}) is writing {index_dir}; wait for it to finish"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def write_build(
    index_dir: Path, rows: IndexRows, settings: dict[str, Any], userdict: Path | None
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Index the passages for BM25 and write one build folder under a temporary name, renamed
    into place when complete; return its id and its artefacts for the manifest."""
    from qa.text.tokenize import tokenize

    docs = [tokenize(t, userdict) for t in rows.passage_texts()]
    # Our own vocabulary, sorted: bm25s numbers tokens in set order, which changes with the
    # process's hash seed, so two builds of the same files would differ (and list their words
    # in another order).
    vocab = {token: i for i, token in enumerate(sorted({t for doc in docs for t in doc}))}
    bm25 = bm25s.BM25()
    corpus = ([[vocab[t] for t in doc] for doc in docs], vocab) if vocab else (docs or [[]])
    bm25.index(corpus, show_progress=False)
    build_id = new_build_id()
    tmp = index_dir / f".tmp-{build_id}"
    try:
        artefacts = save_build(tmp, rows, bm25, settings)
        tmp.rename(index_dir / build_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return build_id, artefacts


def new_build_id() -> str:
    return f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"


def remove_stale_builds(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if (
            path.is_dir()
            and path.name != keep
            and (path.name.startswith("build-") or path.name.startswith(".tmp-build-"))
        ):
            shutil.rmtree(path, ignore_errors=True)
