"""Stream a corpus into a Milvus store: bounded batches, resumable, shardable.

Files are read one at a time and their passages and sentences go to the store in batches of
about ``batch_passages`` passages, so memory stays flat however large the corpus. Each file is
recorded in the store as started, counted and complete (see :mod:`qa.index.milvus`): a run that is
interrupted resumes where it stopped (complete files with the same sha256 are skipped; a half
written file is removed and written again). ``shard`` = (i, n) takes only the files whose
sha256 falls in shard i of n, so n machines can fill one collection side by side. Vectors
already computed elsewhere (``known``, by content hash: a local index of the same files, say)
are reused as the local build reuses its own (:class:`qa.index.vectors.Embedder`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.errors import QAError, UnreadableFileError
from qa.index.build import BuildReport
from qa.index.corpus import flatten
from qa.index.encoders import Encoder
from qa.index.local import sha256_file
from qa.index.milvus import COMPLETE, COUNTED, STARTED, MilvusStore
from qa.index.vectors import Embedder
from qa.ingest.decode import display_name
from qa.ingest.documents import Skipped, ingest_file, walk
from qa.records import Document
from qa.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shard:
    i: int = 0
    n: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise QAError(f"--shard {text!r}: expected i/n, e.g. 0/4") from None
        if not (n >= 1 and 0 <= i < n):
            raise QAError(f"--shard {text!r}: need 0 <= i < n")
        return cls(i, n)

    @property
    def label(self) -> str:
        return f"{self.i}/{self.n}"

    def holds(self, sha256: str) -> bool:
        return int(sha256[:16], 16) % self.n == self.i


def feed(
    store: MilvusStore,
    corpus: Path,
    settings: Settings,
    encoder: Callable[[], Encoder],
    shard: Shard = Shard(),
    batch_passages: int = 512,
    progress: Callable[[str], None] = lambda line: None,
    known: Mapping[str, np.ndarray] | None = None,
) -> BuildReport:
    """Index the files under ``corpus`` (of this shard) into ``store``; see the module docstring.
    ``encoder`` is called only when something needs embedding."""
    started = time.perf_counter()
    if not corpus.exists():
        raise QAError(f"{corpus}: no such corpus folder")
    base = corpus if corpus.is_dir() else corpus.parent
    paths, walk_skipped = walk(corpus)
    on_disk = {display_name(p.relative_to(base).as_posix()): p for p in paths}
    stored = store.documents()
    report = BuildReport()
    # Files gone from the corpus leave the store (each shard removes its own).
    for name, (sha, _, _) in stored.items():
        if name not in on_disk and shard.holds(sha):
            store.delete_document(name)

    def documents() -> Iterator[Document]:
        for name, path in sorted(on_disk.items()):
            try:
                sha = sha256_file(path)
            except OSError as exc:
                report.skipped.append(Skipped(name, f"cannot read ({exc.strerror})"))
                continue
            if not shard.holds(sha):
                continue
            old = stored.get(name)
            if old is not None and old[0] == sha and old[2] == COMPLETE:
                report.documents += 1
                continue
            try:
                yield ingest_file(path, name)
            except UnreadableFileError as exc:
                report.skipped.append(Skipped(name, str(exc)))

    store.claim()
    try:
        _feed(store, documents(), stored, settings, Embedder(encoder, known, settings.batch_size), report, batch_passages, progress)
    finally:
        store.release()
    report.seconds = time.perf_counter() - started
    report.up_to_date = report.passages == 0 and not report.skipped  # no file written
    report.skipped = walk_skipped + report.skipped  # what the walk passed over is said too
    return report


def feed_documents(
    store: MilvusStore,
    documents: Iterable[Document],
    settings: Settings,
    encoder: Callable[[], Encoder],
    batch_passages: int = 512,
    known: Mapping[str, np.ndarray] | None = None,
) -> BuildReport:
    """Index ready documents (a SQuAD file's, say); those already complete are skipped. A
    document without a sha256 is identified by the hash of its text."""
    started = time.perf_counter()
    stored = store.documents()
    report = BuildReport()

    def pending() -> Iterator[Document]:
        for doc in documents:
            if not doc.sha256:
                text = "\n".join(p.text for a in doc.articles for p in a.paragraphs)
                doc = replace(doc, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
            old = stored.get(doc.name)
            if old is not None and old[0] == doc.sha256 and old[2] == COMPLETE:
                report.documents += 1
                continue
            yield doc

    store.claim()
    try:
        _feed(store, pending(), stored, settings, Embedder(encoder, known, settings.batch_size), report, batch_passages, lambda line: None)
    finally:
        store.release()
    report.seconds = time.perf_counter() - started
    return report


def _feed(
    store: MilvusStore,
    documents: Iterable[Document],
    stored: dict[str, tuple[str, str, int]],
    settings: Settings,
    vectors: Embedder,
    report: BuildReport,
    batch_passages: int,
    progress: Callable[[str], None],
) -> None:
    batch: list[Document] = []
    size = 0
    for doc in documents:
        if doc.name in stored:
            store.delete_document(doc.name)  # changed, or left half-written by an interrupted run
        if not doc.articles:
            continue
        batch.append(doc)
        size += (
            sum(len(p.text) for a in doc.articles for p in a.paragraphs) // max(1, settings.passage_chars) + 1
        )
        if size >= batch_passages:
            _write(store, batch, settings, vectors, report)
            progress(f"{report.documents} documents, {report.passages} passages")
            batch, size = [], 0
    if batch:
        _write(store, batch, settings, vectors, report)


def _write(
    store: MilvusStore,
    documents: list[Document],
    settings: Settings,
    vectors: Embedder,
    report: BuildReport,
) -> None:
    files = [(d.name, d.sha256) for d in documents]
    store.mark_documents(files, STARTED)
    paragraphs, passages, sentences = flatten(documents, settings.passage_chars, settings.passage_overlap_chars)
    rows, n_passages, n_sentences = vectors.rows(paragraphs, passages, sentences)
    store.renew()  # embedding a batch can take minutes: the lease says this writer lives
    store.add(rows)
    store.mark_documents(files, COUNTED)
    store.mark_documents(files, COMPLETE)
    report.documents += len(documents)
    report.articles += sum(len(d.articles) for d in documents)
    report.paragraphs += len(rows.paragraphs)
    report.passages += len(rows.passages)
    report.sentences += len(rows.sentences)
    report.embedded_passages += n_passages
    report.embedded_sentences += n_sentences
