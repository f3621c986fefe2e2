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
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from qa.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError, QAError
from qa.index.corpus import ArticleOutline, ParagraphRecord, SpanRecord, fingerprint, outline
from qa.index.store import Hit, PassageHit, SentenceRow
from qa.retrieve.fusion import fuse
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
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{path}: not a manifest (a JSON object); rebuild with `qa index --rebuild`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{index_dir}: index format {manifest.get('format_version')!r}, this version reads "
            f"{FORMAT_VERSION}; rebuild with `qa index --rebuild`"
        )
    problem = manifest_problem(manifest)
    if problem:
        raise IndexCorruptError(f"{path}: damaged ({problem}); rebuild with `qa index --rebuild`")
    return manifest


_HEX64 = re.compile(r"[0-9a-f]{64}")
_BUILD_ID = re.compile(r"build-\d{14}-[0-9a-f]{8}")
BM25_FILES = tuple(
    f"bm25/{name}.index.{ext}"
    for name, ext in (
        ("data.csc", "npy"),
        ("indices.csc", "npy"),
        ("indptr.csc", "npy"),
        ("params", "json"),
        ("vocab", "json"),
    )
)
COUNTS = ("documents", "articles", "paragraphs", "passages", "sentences")


def manifest_problem(m: dict[str, Any]) -> str:
    """What is wrong with a manifest's shape ("" when nothing): every field the index reads,
    with its type; the artefacts are exactly the files a build has (``dense.faiss`` optional),
    each with a size and a sha256. Only these files are ever loaded."""

    def is_int(x: object) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    checks: list[tuple[bool, str]] = [
        (isinstance(m.get("build"), str) and bool(_BUILD_ID.fullmatch(m["build"])), "build"),
        (isinstance(m.get("encoder"), dict), "encoder"),
        (isinstance(m.get("encoder", {}).get("name"), str), "encoder.name"),
        (is_int(m.get("encoder", {}).get("dim")) and m["encoder"]["dim"] > 0, "encoder.dim"),
        (isinstance(m.get("settings"), dict), "settings"),
        (isinstance(m.get("normaliser"), str), "normaliser"),
        (isinstance(m.get("chunker"), str), "chunker"),
        (isinstance(m.get("tokenizer"), dict) and isinstance(m["tokenizer"].get("name"), str), "tokenizer"),
        (isinstance(m.get("tokenizer", {}).get("userdict_sha256"), str), "tokenizer.userdict_sha256"),
        (isinstance(m.get("corpus"), dict) and isinstance(m["corpus"].get("files"), dict), "corpus.files"),
        (
            all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in m.get("corpus", {}).get("files", {}).items()
            ),
            "corpus.files",
        ),
        (isinstance(m.get("counts"), dict) and all(is_int(m["counts"].get(k)) for k in COUNTS), "counts"),
        (isinstance(m.get("artefacts"), dict), "artefacts"),
    ]
    for ok, field in checks:
        if not ok:
            return f"field {field!r} missing or malformed"
    artefacts: dict[str, Any] = m["artefacts"]
    expected = {*ARTEFACTS, *BM25_FILES}
    names = set(artefacts)
    if not expected <= names or not names <= expected | {"dense.faiss"}:
        odd = sorted((expected - names) | (names - expected - {"dense.faiss"}))
        return "artefacts listed wrongly: " + ", ".join(odd)
    for name, meta in artefacts.items():
        if not (
            isinstance(meta, dict)
            and is_int(meta.get("bytes"))
            and isinstance(meta.get("sha256"), str)
            and _HEX64.fullmatch(meta["sha256"])
        ):
            return f"artefact {name!r} has no size or sha256"
    return ""


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
    """A loaded, verified local index (FAISS + bm25s): the default :class:`qa.index.store.Store`.

    Paragraph keys are row numbers of the paragraph table. Reading is thread-safe; ``add`` and
    ``delete_document`` write a new build and switch to it."""

    backend = "local"

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
        index_dir: Path | None = None,
    ) -> None:
        self.manifest = manifest
        self.paragraph_table = paragraphs
        self.passages = passages
        self.sentence_table = sentences
        self.passage_vectors = passage_vectors
        self.sentence_vectors = sentence_vectors
        self.bm25 = bm25
        self.dense = dense
        self.index_dir = index_dir
        # Sentences are stored paragraph by paragraph: remember where each paragraph's run starts.
        self._sentence_runs: dict[int, tuple[int, int]] = {}
        for i, s in enumerate(sentences):
            first, _ = self._sentence_runs.get(s.para, (i, i))
            self._sentence_runs[s.para] = (first, i + 1)
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr) if len(indptr) else np.zeros(0, dtype=np.int64)
        self._pinyin: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def probe(self) -> tuple[str, np.ndarray] | None:
        """A stored passage and its stored vector: the encoder that answers must give the same."""
        if not self.passages:
            return None
        p = self.passages[0]
        return self.paragraph_table[p.para].text[p.start : p.end], self.passage_vectors[0]

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"]["name"])

    def passage_text(self, i: int) -> str:
        p = self.passages[i]
        return self.paragraph_table[p.para].text[p.start : p.end]

    def vectors_by_hash(self) -> dict[str, np.ndarray]:
        """Every stored vector by the sha1 of the text it embeds (to reuse them elsewhere)."""
        known = {r.hash: v for r, v in zip(self.passages, self.passage_vectors, strict=True)}
        known.update({r.hash: v for r, v in zip(self.sentence_table, self.sentence_vectors, strict=True)})
        return known

    def sentence_rows(self, para: int) -> range:
        first, end = self._sentence_runs.get(para, (0, 0))
        return range(first, end)

    # -- the Store protocol -----------------------------------------------------------------------

    def dense_search(self, query: np.ndarray, k: int) -> list[PassageHit]:
        if not self.passages:
            return []
        scores, ids = self.dense.search(query.reshape(1, -1).astype(np.float32), min(k, len(self.passages)))
        return [
            PassageHit(int(i), self.passages[i].para, float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if i >= 0
        ]

    def lexical_search(self, tokens: list[str], text: str, k: int) -> list[PassageHit]:
        ids = self.bm25.get_tokens_ids(tokens)
        if not ids or not self.passages:
            return []
        scores = self.bm25.get_scores(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [PassageHit(int(i), self.passages[i].para, float(scores[i])) for i in top if scores[i] > 0]

    def hybrid_search(self, query: np.ndarray, tokens: list[str], text: str, k: int, rrf_k: int) -> list[Hit]:
        return fuse([self.dense_search(query, k), self.lexical_search(tokens, text, k)], rrf_k)

    def paragraphs(self, keys: Sequence[int]) -> dict[int, ParagraphRecord]:
        return {k: self.paragraph_table[k] for k in keys}

    def sentences(self, paras: Sequence[int]) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        out = {}
        for para in paras:
            rows = self.sentence_rows(para)
            found = [SentenceRow(r, self.sentence_table[r].start, self.sentence_table[r].end) for r in rows]
            out[para] = (found, self.sentence_vectors[rows.start : rows.stop])
        return out

    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        vocab = self.bm25.vocab_dict
        return len(self.passages), {t: int(self._df[vocab[t]]) for t in tokens if t in vocab}

    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        with self._lock:
            if self._pinyin is None:
                table: dict[str, list[str]] = {}
                for word in self.bm25.vocab_dict:
                    if is_han_word(word):
                        table.setdefault(pinyin_key(word), []).append(word)
                self._pinyin = table
        return {k: self._pinyin[k] for k in keys if k in self._pinyin}

    def userdict(self) -> Path | None:
        root = Path(self.manifest["corpus"]["root"])
        path = (root if root.is_dir() else root.parent) / "userdict.txt"
        return path if path.is_file() else None

    def document(self, doc: str) -> list[ParagraphRecord]:
        rows = [p for p in self.paragraph_table if p.doc == doc]
        return sorted(rows, key=lambda p: (p.article, p.paragraph))

    def outline(self) -> list[ArticleOutline]:
        return outline(self.paragraph_table)

    def fingerprint(self) -> str:
        return fingerprint(self.manifest["corpus"]["files"])

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local (faiss + bm25s)",
            "path": str(self.index_dir) if self.index_dir else None,
            **self.manifest["counts"],
            "encoder": self.manifest["encoder"],
        }

    def add(
        self,
        paragraphs: list[ParagraphRecord],
        passages: list[SpanRecord],
        sentences: list[SpanRecord],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        base = len(self.paragraph_table)

        def moved(rows: list[SpanRecord]) -> list[SpanRecord]:
            return [SpanRecord(r.para + base, r.start, r.end, r.hash) for r in rows]

        self._rewrite(
            self.paragraph_table + paragraphs,
            self.passages + moved(passages),
            self.sentence_table + moved(sentences),
            np.vstack([self.passage_vectors, passage_vectors]),
            np.vstack([self.sentence_vectors, sentence_vectors]),
            changed={p.doc for p in paragraphs},
        )

    def delete_document(self, doc: str) -> int:
        keep = [i for i, p in enumerate(self.paragraph_table) if p.doc != doc]
        removed = len(self.paragraph_table) - len(keep)
        if removed:
            row = {old: new for new, old in enumerate(keep)}
            passages = [i for i, r in enumerate(self.passages) if r.para in row]
            sentences = [i for i, r in enumerate(self.sentence_table) if r.para in row]
            self._rewrite(
                [self.paragraph_table[i] for i in keep],
                [replace(self.passages[i], para=row[self.passages[i].para]) for i in passages],
                [replace(self.sentence_table[i], para=row[self.sentence_table[i].para]) for i in sentences],
                self.passage_vectors[passages],
                self.sentence_vectors[sentences],
                changed={doc},
            )
        return removed

    def _rewrite(
        self,
        paragraphs: list[ParagraphRecord],
        passages: list[SpanRecord],
        sentences: list[SpanRecord],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        changed: set[str],
    ) -> None:
        """Write these rows as a new build of this index's folder and switch to it. The changed
        documents leave the recorded corpus fingerprint, so the next ``qa index`` of the corpus
        folder brings the index back in line with the files (reusing every vector)."""
        if self.index_dir is None:
            raise QAError("this index was not loaded from a folder; it cannot be written")
        with writing(self.index_dir):
            build_id, artefacts = write_build(
                self.index_dir,
                paragraphs,
                passages,
                sentences,
                passage_vectors,
                sentence_vectors,
                self.manifest["settings"],
                self.userdict(),
            )
            manifest = dict(self.manifest)
            files = {k: v for k, v in manifest["corpus"]["files"].items() if k not in changed}
            manifest["corpus"] = {**manifest["corpus"], "files": files}
            manifest["build"] = build_id
            manifest["artefacts"] = artefacts
            manifest["counts"] = {
                "documents": len({p.doc for p in paragraphs}),
                "articles": len({(p.doc, p.article) for p in paragraphs}),
                "paragraphs": len(paragraphs),
                "passages": len(passages),
                "sentences": len(sentences),
            }
            write_manifest(self.index_dir, manifest)
            remove_stale_builds(self.index_dir, keep=build_id)
        fresh = Index.load(self.index_dir)
        with self._lock:
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_lock"})

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
        if "dense.faiss" in manifest["artefacts"]:  # only what the manifest lists (and verified)
            dense = faiss.read_index(str(build / "dense.faiss"))
            if dense.ntotal != len(passages):
                raise IndexCorruptError(
                    f"{index_dir}: dense.faiss does not match the passages; rebuild with `qa index`"
                )
        else:
            dense = make_dense_index(passage_vectors, manifest["settings"])
        return cls(
            manifest,
            paragraphs,
            passages,
            sentences,
            passage_vectors,
            sentence_vectors,
            bm25,
            dense,
            index_dir,
        )


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


LOCK = ".lock"


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


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / MANIFEST)


def write_build(
    index_dir: Path,
    paragraphs: list[ParagraphRecord],
    passages: list[SpanRecord],
    sentences: list[SpanRecord],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    settings: dict[str, Any],
    userdict: Path | None,
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Index the passages for BM25 and write one build folder under a temporary name, renamed
    into place when complete; return its id and its artefacts for the manifest."""
    from qa.text.tokenize import tokenize

    texts = [paragraphs[p.para].text[p.start : p.end] for p in passages]
    bm25 = bm25s.BM25()
    bm25.index([tokenize(t, userdict) for t in texts] or [[]], show_progress=False)
    build_id = new_build_id()
    tmp = index_dir / f".tmp-{build_id}"
    try:
        artefacts = save_build(
            tmp, paragraphs, passages, sentences, passage_vectors, sentence_vectors, bm25, settings
        )
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


def is_han_word(word: str) -> bool:
    return len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word)


def pinyin_key(word: str) -> str:
    """Toneless pinyin run together: 重庆 -> "chongqing"."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))
