"""Vectors by the content hash of the text they embed: reused from a previous build where
the hash is known, encoded in batches otherwise, and kept on disk batch by batch while a build
runs, so a build that dies loses none of its embedding."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from qa.index.corpus import IndexRows, ParagraphRecord, SpanRecord
from qa.index.encoders import Encoder

log = logging.getLogger(__name__)


class VectorCache:
    """Vectors kept as they are computed, one file per batch under ``index/.cache/<encoder>``,
    so a build that dies (killed, out of memory, a crash after embedding) loses none of its
    embedding: the next build reads them back by content hash. Removed once a build is in place.
    A damaged or half-written batch file is ignored (it is written under a temporary name
    and renamed when complete)."""

    def __init__(self, index_dir: Path, encoder: str):
        import hashlib

        self.folder = index_dir / ".cache" / hashlib.sha256(encoder.encode()).hexdigest()[:16]

    def load(self) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for path in sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []:
            try:
                with np.load(path, allow_pickle=False) as batch:
                    found.update(zip(batch["hashes"].tolist(), batch["vectors"], strict=True))
            except (OSError, ValueError, KeyError) as exc:
                log.warning("cached vectors %s not used: %s", path.name, exc)
        return found

    def put(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        import uuid

        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = self.folder / f".{name}.npz"
        np.savez(tmp, hashes=np.array(list(hashes)), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(tmp, self.folder / f"{name}.npz")

    def clear(self) -> None:
        shutil.rmtree(self.folder.parent, ignore_errors=True)


def reuse_and_embed(
    records: list[SpanRecord],
    texts: Sequence[str],
    old: Mapping[str, np.ndarray],
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: Callable[[], int],
    batch: int,
    progress: Callable[[int], None],
    cache: VectorCache | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``records``: reused by hash where possible, encoded in batches otherwise
    (each batch kept in ``cache`` as soon as it is encoded)."""
    missing: dict[str, str] = {}
    for r, text in zip(records, texts, strict=True):
        if r.hash not in old:
            missing.setdefault(r.hash, text)
    fresh: dict[str, np.ndarray] = {}
    # Texts of similar length batch together, so a batch wastes little on padding.
    todo = sorted(missing.items(), key=lambda item: len(item[1]))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = encode([text for _, text in chunk])
        if cache is not None:
            cache.put([h for h, _ in chunk], vectors)
        fresh.update({h: v for (h, _), v in zip(chunk, vectors, strict=True)})
        progress(len(chunk))
    if not records:
        return np.zeros((0, dim()), dtype=np.float32), 0
    rows = [fresh[r.hash] if r.hash in fresh else old[r.hash] for r in records]
    return np.vstack(rows).astype(np.float32), len(todo)


def embed_rows(
    paragraphs: list[ParagraphRecord],
    passages: list[SpanRecord],
    sentences: list[SpanRecord],
    known: Mapping[str, np.ndarray],
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: Callable[[], int],
    batch: int,
    progress: Callable[[int], None] = lambda n: None,
    cache: VectorCache | None = None,
) -> tuple[IndexRows, int, int]:
    """The rows both back-ends write: every passage and sentence with its vector, reused from
    ``known`` by content hash where it can be (a sentence that is also a passage is embedded
    once), encoded otherwise; and how many passages and sentences were encoded."""
    known = dict(known)
    embedded = []
    for rows in (passages, sentences):
        texts = [paragraphs[r.para].text[r.start : r.end] for r in rows]
        vectors, n = reuse_and_embed(rows, texts, known, encode, dim, batch, progress, cache)
        known.update({r.hash: v for r, v in zip(rows, vectors, strict=True)})  # sentences reuse passages'
        embedded.append((vectors, n))
    (passage_vectors, n_passages), (sentence_vectors, n_sentences) = embedded
    return IndexRows(paragraphs, passages, sentences, passage_vectors, sentence_vectors), n_passages, n_sentences


class Embedder:
    """The vectors an index writes, for both back-ends: those in ``known`` (by content hash: a
    previous build's, an interrupted one's, a local index lent to a Milvus feed) reused, the
    rest encoded by the encoder ``load()`` gives, called only when something is missing, in
    batches of ``batch`` per worker of the encoder and each batch kept in ``cache``.
    ``progress`` hears how many texts each batch encoded; ``show_progress`` draws a bar too."""

    def __init__(
        self,
        load: Callable[[], Encoder],
        known: Mapping[str, np.ndarray] | None = None,
        batch: int = 32,
        cache: VectorCache | None = None,
        progress: Callable[[int], None] = lambda n: None,
        show_progress: bool = False,
    ) -> None:
        self.load, self.known, self.batch = load, dict(known or {}), batch
        self.cache, self.progress, self.show_progress = cache, progress, show_progress
        self.loaded: Encoder | None = None

    def encoder(self) -> Encoder:
        if self.loaded is None:
            self.loaded = self.load()
        return self.loaded

    def missing(self, rows: Sequence[SpanRecord]) -> int:
        """How many distinct texts of ``rows`` need encoding."""
        return len({r.hash for r in rows if r.hash not in self.known})

    def dim(self) -> int:
        return len(next(iter(self.known.values()))) if self.known else self.encoder().dim

    def rows(
        self, paragraphs: list[ParagraphRecord], passages: list[SpanRecord], sentences: list[SpanRecord]
    ) -> tuple[IndexRows, int, int]:
        """:func:`embed_rows` with these vectors and this encoder."""
        batch = self.batch
        missing = self.missing(passages + sentences)
        if missing:
            batch *= int(getattr(self.encoder(), "workers", 1))
        bar = progress_bar(missing, self.show_progress)

        def step(n: int) -> None:
            self.progress(n)
            bar(n)

        try:
            return embed_rows(
                paragraphs, passages, sentences, self.known, lambda t: self.encoder().encode_passages(t), self.dim,
                batch, step, self.cache,
            )
        finally:
            bar(-1)


def progress_bar(total: int, enabled: bool) -> Callable[[int], None]:
    """A tqdm bar on a terminal (not in CI logs); call with -1 to close."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr)

    def step(n: int) -> None:
        if n < 0:
            bar.close()
        else:
            bar.update(n)

    return step
