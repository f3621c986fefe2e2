"""One build pipeline for both back-ends: read the corpus, chunk, embed (reusing vectors by
content hash) and hand the rows to a :class:`Target`, the local folder
(:class:`qa.index.build.LocalFolder`) or Milvus (:class:`qa.index.feed.MilvusFeed`).

A target says which files it needs read (:meth:`Target.plan`), how many passages it takes at
a time (``batch_passages``: ``None`` for all in one write, as a local build that rewrites its
folder does; a number for a streaming store, so memory stays flat however large the corpus),
which vectors it already knows, and writes each batch under its own write lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import NothingToIndexError, QAError
from qa.index.corpus import IndexRows, flatten
from qa.index.encoders import Encoder
from qa.index.freshness import UNREADABLE, files_fingerprint
from qa.index.vectors import Embedder, VectorCache
from qa.ingest.documents import Skipped, corpus_userdict, document_name, read_document, walk
from qa.records import Document
from qa.settings import Settings


@dataclass
class BuildReport:
    documents: int = 0
    articles: int = 0
    paragraphs: int = 0
    passages: int = 0
    sentences: int = 0
    embedded_passages: int = 0
    embedded_sentences: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        state = "up to date" if self.up_to_date else "built"
        return (
            f"{state}: {self.documents} documents, {self.articles} articles, {self.paragraphs} paragraphs, "
            f"{self.passages} passages, {self.sentences} sentences; embedded {self.embedded_passages} "
            f"passages and {self.embedded_sentences} sentences in {self.seconds:.1f} s"
        )

    def count(self, documents: list[Document], rows: IndexRows, embedded: tuple[int, int]) -> None:
        self.documents += len(documents)
        self.articles += sum(len(d.articles) for d in documents)
        self.paragraphs += len(rows.paragraphs)
        self.passages += len(rows.passages)
        self.sentences += len(rows.sentences)
        self.embedded_passages += embedded[0]
        self.embedded_sentences += embedded[1]


@dataclass(frozen=True)
class CorpusFiles:
    """A corpus folder's document files as a walk found them, by the name the index gives them."""

    root: Path
    paths: dict[str, Path]
    # name -> sha256 (or why the file could not be read), with the user dictionary's: what a
    # local manifest records (:func:`qa.index.freshness.files_fingerprint`)
    fingerprint: dict[str, str]
    userdict: Path | None

    @classmethod
    def walk(cls, root: Path, follow_links: bool = False) -> tuple[CorpusFiles, list[Skipped]]:
        """The files under ``root``, and what the walk passed over with the reason."""
        if not root.exists():
            raise QAError(f"{root}: no such corpus folder")
        found, passed_over = walk(root, follow_links)
        paths = {document_name(root, p): p for p in found}
        return cls(root, paths, files_fingerprint(root, found), corpus_userdict(root)), passed_over

    @property
    def digests(self) -> dict[str, str]:
        """name -> sha256 of each document file whose bytes could be read."""
        return {n: d for n, d in self.fingerprint.items() if n in self.paths and not d.startswith(UNREADABLE)}

    @property
    def unreadable(self) -> dict[str, str]:
        """name -> why its bytes could not be read."""
        return {
            n: "cannot read " + d.removeprefix(UNREADABLE)
            for n, d in self.fingerprint.items()
            if n in self.paths and d.startswith(UNREADABLE)
        }


class Target(Protocol):
    """Where a build writes: a local index folder or a Milvus collection."""

    @property
    def batch_passages(self) -> int | None:
        """About how many passages one write takes; ``None``: all in one."""
        ...

    def plan(self, corpus: CorpusFiles, report: BuildReport) -> list[str] | None:
        """The names of the files to read, in order; ``None`` when the target is up to date
        with the corpus and nothing need be written (``report`` then says what it holds)."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Hold the target's write lock for the build; a second writer is refused."""
        ...

    def known(self) -> tuple[Mapping[str, np.ndarray], VectorCache | None]:
        """Vectors by content hash it can lend (read under the lock), and where to keep new
        ones as they are encoded, if anywhere."""
        ...

    def write(self, documents: list[Document], rows: IndexRows) -> None: ...

    def finish(self, report: BuildReport) -> None:
        """After the last write (or none)."""
        ...


def build_corpus(
    corpus: Path,
    target: Target,
    settings: Settings,
    encoder: Callable[[], Encoder],
    follow_links: bool = False,
    show_progress: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> BuildReport:
    """Index the files under ``corpus`` that ``target`` asks for. One bad file never stops the
    rest: it is skipped with its reason. ``encoder`` is called only when something needs
    embedding. A target that takes the whole corpus in one write is not given an empty one: a
    corpus with no readable document raises :class:`qa.errors.NothingToIndexError`."""
    started = time.perf_counter()
    files, passed_over = CorpusFiles.walk(corpus, follow_links)
    report = BuildReport(skipped=passed_over)
    todo = target.plan(files, report)
    if todo is None:
        report.up_to_date = True
        report.skipped += [Skipped(n, why) for n, why in files.unreadable.items()]
        report.seconds = time.perf_counter() - started
        return report
    unreadable = files.unreadable
    report.skipped += [Skipped(n, unreadable[n]) for n in todo if n in unreadable]

    def documents() -> Iterator[Document]:
        for name in todo:
            if name in unreadable:
                continue
            read = read_document(files.paths[name], name)
            if isinstance(read, Skipped):
                report.skipped.append(read)
            else:
                yield read

    docs: Iterable[Document] = documents()
    if target.batch_passages is None:
        docs = list(docs)
        if not docs:
            said = "".join(f"\n  skipped {s.path}: {s.reason}" for s in report.skipped)
            raise NothingToIndexError(
                f"{corpus}: no document with text to index" + (said or " (the folder is empty)"),
                tuple((s.path, s.reason) for s in report.skipped),
            )
    build_documents(docs, target, settings, encoder, report, show_progress, progress)
    report.seconds = time.perf_counter() - started
    return report


def build_documents(
    documents: Iterable[Document],
    target: Target,
    settings: Settings,
    encoder: Callable[[], Encoder],
    report: BuildReport | None = None,
    show_progress: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> BuildReport:
    """Chunk, embed and write ready documents, batch by batch, under the target's lock."""
    started = time.perf_counter()
    report = report if report is not None else BuildReport()
    with target.writing():
        known, cache = target.known()
        embedder = Embedder(encoder, known, settings.batch_size, cache, show_progress=show_progress)
        for batch in batches(documents, target.batch_passages, settings.passage_chars):
            paragraphs, passages, sentences = flatten(batch, settings.passage_chars, settings.passage_overlap_chars)
            rows, n_passages, n_sentences = embedder.rows(paragraphs, passages, sentences)
            target.write(batch, rows)
            report.count(batch, rows, (n_passages, n_sentences))
            progress(f"{report.documents} documents, {report.passages} passages")
        target.finish(report)
    report.seconds = time.perf_counter() - started
    return report


def batches(documents: Iterable[Document], limit: int | None, passage_chars: int) -> Iterator[list[Document]]:
    """Documents in batches of about ``limit`` passages (estimated from their length), each
    non-empty; with no limit, all of them in one batch, even an empty one."""
    if limit is None:
        yield list(documents)
        return
    batch: list[Document] = []
    size = 0
    for doc in documents:
        batch.append(doc)
        size += sum(len(p.text) for a in doc.articles for p in a.paragraphs) // max(1, passage_chars) + 1
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
