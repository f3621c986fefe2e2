"""The persisted hybrid index: paragraphs, passages and sentences, their dense vectors (FAISS)
and a jieba-BM25 index (bm25s).

Layout of an index folder::

    manifest.json        written last, atomically: settings, corpus hashes, counts, and the
                         sha256 and size of every artefact
    build-<id>/          the artefacts of one build (JSONL, .npy, bm25s files; no pickle)

A build writes a new ``build-<id>`` folder under a temporary name, renames it into place and
only then replaces ``manifest.json``; a crash at any point leaves the previous index loadable.
Loading verifies every artefact against the manifest and raises a named error for a missing,
truncated, altered or mismatched index: it never answers from a partial one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from qa.corpus import ParagraphRecord, SpanRecord
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.settings import FORMAT_VERSION

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at INFO
MANIFEST = "manifest.json"
ARTEFACTS = (
    "paragraphs.jsonl",
    "passages.jsonl",
    "sentences.jsonl",
    "passage_vectors.npy",
    "sentence_vectors.npy",
)


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


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        if index_dir.is_dir() and any(index_dir.glob("build-*")):
            raise IndexCorruptError(
                f"{index_dir}: manifest.json is missing; rebuild with `qa index --rebuild`"
            )
        raise IndexMissingError(f"no index in {index_dir}: build one with `qa index`")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path}: not valid JSON ({exc}); rebuild with `qa index --rebuild`") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{index_dir}: index format {manifest.get('format_version')!r}, this version reads "
            f"{FORMAT_VERSION}; rebuild with `qa index --rebuild`"
        )
    return manifest


def verify_artefacts(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """Check every artefact's presence, size and sha256; return the build folder."""
    build = index_dir / str(manifest.get("build", ""))
    artefacts: dict[str, dict[str, Any]] = manifest.get("artefacts", {})
    if not artefacts or not build.is_dir():
        raise IndexCorruptError(
            f"{index_dir}: build folder {build.name!r} is missing; rebuild with `qa index`"
        )
    for rel, meta in artefacts.items():
        path = build / rel
        if not path.is_file():
            raise IndexCorruptError(f"{index_dir}: artefact {rel} is missing; rebuild with `qa index`")
        size = path.stat().st_size
        if size != meta["bytes"]:
            raise IndexCorruptError(
                f"{index_dir}: artefact {rel} is truncated or grown ({size} bytes, expected "
                f"{meta['bytes']}); rebuild with `qa index`"
            )
        if sha256_file(path) != meta["sha256"]:
            raise IndexCorruptError(
                f"{index_dir}: artefact {rel} fails its checksum; rebuild with `qa index`"
            )
    return build


class Index:
    """A loaded, verified index. Read-only, so one instance serves many threads."""

    def __init__(
        self,
        manifest: dict[str, Any],
        paragraphs: list[ParagraphRecord],
        passages: list[SpanRecord],
        sentences: list[SpanRecord],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        bm25: bm25s.BM25,
        dense: faiss.Index,
    ) -> None:
        self.manifest = manifest
        self.paragraphs = paragraphs
        self.passages = passages
        self.sentences = sentences
        self.passage_vectors = passage_vectors
        self.sentence_vectors = sentence_vectors
        self.bm25 = bm25
        self.dense = dense
        # Sentences are stored paragraph by paragraph: remember where each paragraph's run starts.
        self._sentence_runs: dict[int, tuple[int, int]] = {}
        for i, s in enumerate(sentences):
            first, _ = self._sentence_runs.get(s.para, (i, i))
            self._sentence_runs[s.para] = (first, i + 1)

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"]["name"])

    def passage_text(self, i: int) -> str:
        p = self.passages[i]
        return self.paragraphs[p.para].text[p.start : p.end]

    def sentence_rows(self, para: int) -> range:
        first, end = self._sentence_runs.get(para, (0, 0))
        return range(first, end)

    def dense_search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not self.passages:
            return []
        scores, ids = self.dense.search(query.reshape(1, -1).astype(np.float32), min(k, len(self.passages)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def lexical_search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        ids = self.bm25.get_tokens_ids(tokens)
        if not ids or not self.passages:
            return []
        scores = self.bm25.get_scores(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local (faiss + bm25s)",
            **self.manifest["counts"],
            "encoder": self.manifest["encoder"],
        }

    @classmethod
    def load(cls, index_dir: Path | str, encoder_name: str | None = None) -> Index:
        """Load and verify; ``encoder_name`` (if given) must match the one the index was built with."""
        index_dir = Path(index_dir)
        manifest = read_manifest(index_dir)
        if encoder_name is not None and manifest["encoder"]["name"] != encoder_name:
            raise IndexMismatchError(
                f"{index_dir} was built with encoder {manifest['encoder']['name']!r}, not {encoder_name!r}; "
                f"rebuild with `qa index --encoder ...` or load it with its own encoder"
            )
        build = verify_artefacts(index_dir, manifest)
        try:
            paragraphs = [ParagraphRecord(**row) for row in read_jsonl(build / "paragraphs.jsonl")]
            passages = [SpanRecord(**row) for row in read_jsonl(build / "passages.jsonl")]
            sentences = [SpanRecord(**row) for row in read_jsonl(build / "sentences.jsonl")]
            passage_vectors = np.load(build / "passage_vectors.npy", allow_pickle=False)
            sentence_vectors = np.load(build / "sentence_vectors.npy", allow_pickle=False)
            bm25 = bm25s.BM25.load(str(build / "bm25"), allow_pickle=False, load_corpus=False)
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise IndexCorruptError(
                f"{index_dir}: cannot read the index ({exc}); rebuild with `qa index`"
            ) from exc
        dim = int(manifest["encoder"]["dim"])
        if passage_vectors.shape != (len(passages), dim) or sentence_vectors.shape != (len(sentences), dim):
            raise IndexCorruptError(
                f"{index_dir}: vectors do not match the passages; rebuild with `qa index`"
            )
        if (build / "dense.faiss").is_file():
            dense = faiss.read_index(str(build / "dense.faiss"))
            if dense.ntotal != len(passages):
                raise IndexCorruptError(
                    f"{index_dir}: dense.faiss does not match the passages; rebuild with `qa index`"
                )
        else:
            dense = make_dense_index(passage_vectors, manifest["settings"])
        return cls(manifest, paragraphs, passages, sentences, passage_vectors, sentence_vectors, bm25, dense)


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


def save_build(
    build: Path,
    paragraphs: list[ParagraphRecord],
    passages: list[SpanRecord],
    sentences: list[SpanRecord],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    bm25: bm25s.BM25,
    settings: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Write one build's artefacts; return their sizes and checksums for the manifest."""
    build.mkdir(parents=True)
    write_jsonl(build / "paragraphs.jsonl", (p.to_dict() for p in paragraphs))
    write_jsonl(build / "passages.jsonl", (p.to_dict() for p in passages))
    write_jsonl(build / "sentences.jsonl", (s.to_dict() for s in sentences))
    np.save(build / "passage_vectors.npy", passage_vectors.astype(np.float32), allow_pickle=False)
    np.save(build / "sentence_vectors.npy", sentence_vectors.astype(np.float32), allow_pickle=False)
    bm25.save(str(build / "bm25"), show_progress=False)
    if settings.get("dense_index", "flat") != "flat":
        faiss.write_index(make_dense_index(passage_vectors, settings), str(build / "dense.faiss"))
    artefacts = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        rel = path.relative_to(build).as_posix()
        artefacts[rel] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    return artefacts


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / MANIFEST)
