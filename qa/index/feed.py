"""Milvus as a build target (:mod:`qa.index.pipeline`): bounded batches, resumable, shardable.

Files are read one at a time and their passages and sentences go to the store in batches of
about ``batch_passages`` passages, so memory stays flat however large the corpus. Each file is
recorded in the store as started, counted and complete (see :mod:`qa.index.milvus`): a run that is
interrupted resumes where it stopped (complete files with the same sha256 are skipped; a half
written or changed file is removed and written again, and one gone from the corpus removed).
``shard`` = (i, n) takes only the files whose sha256 falls in shard i of n, so n machines can
fill one collection side by side. Vectors already computed elsewhere (``known``, by content
hash: a local index of the same files, say) are reused as the local build reuses its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.corpus import IndexRows
from qa.index.encoders import Encoder
from qa.index.milvus import COMPLETE, COUNTED, STARTED, MilvusStore
from qa.index.pipeline import BuildReport, CorpusFiles, build_corpus, build_documents
from qa.records import Document
from qa.settings import Settings


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


class MilvusFeed:
    """A Milvus store as a build target: one shard's files, written in batches."""

    def __init__(
        self,
        store: MilvusStore,
        shard: Shard = Shard(),
        batch_passages: int = 512,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.store, self.shard, self.batch_passages = store, shard, batch_passages
        self.lent = dict(known or {})
        self.doomed: list[str] = []  # stored documents to remove once the lease is held
        self.todo: set[str] = set()

    def plan(self, corpus: CorpusFiles, report: BuildReport) -> list[str]:
        stored = self.store.documents()
        # Files gone from the corpus leave the store (each shard removes its own).
        self.doomed = [n for n, (sha, _, _) in stored.items() if n not in corpus.paths and self.shard.holds(sha)]
        mine = {n: sha for n, sha in corpus.digests.items() if self.shard.holds(sha)}
        # a file that cannot be read is named, so the build says so, whatever its shard
        todo = sorted(self.pending(mine, stored, report) + list(corpus.unreadable))
        self.todo = set(todo)
        return todo

    def pending(
        self, digests: Mapping[str, str], stored: Mapping[str, tuple[str, str, int]], report: BuildReport
    ) -> list[str]:
        """The files (name -> sha256) not already complete in the store; those it holds in
        another state or version are doomed."""
        todo = []
        for name, sha in sorted(digests.items()):
            old = stored.get(name)
            if old is not None and old[0] == sha and old[2] == COMPLETE:
                report.documents += 1
                continue
            if old is not None:
                self.doomed.append(name)  # changed, or left half-written by an interrupted run
            todo.append(name)
        self.todo = set(todo)
        return todo

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.store.claim()
        try:
            for name in self.doomed:
                self.store.delete_document(name)
            yield
        finally:
            self.store.release()

    def known(self) -> tuple[dict[str, np.ndarray], None]:
        return self.lent, None

    def write(self, documents: list[Document], rows: IndexRows) -> None:
        files = [(d.name, d.sha256) for d in documents]
        self.store.mark_documents(files, STARTED)
        self.store.renew()  # embedding a batch can take minutes: the lease says this writer lives
        self.store.add(rows)
        self.store.mark_documents(files, COUNTED)
        self.store.mark_documents(files, COMPLETE)

    def finish(self, report: BuildReport) -> None:
        # up to date: nothing written, and no file of this shard failed to read
        report.up_to_date = report.passages == 0 and not any(s.path in self.todo for s in report.skipped)


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
    target = MilvusFeed(store, shard, batch_passages, known)
    return build_corpus(corpus, target, settings, encoder, progress=progress)


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
    docs = [d if d.sha256 else replace(d, sha256=_text_hash(d)) for d in documents if d.articles]
    target = MilvusFeed(store, Shard(), batch_passages, known)
    report = BuildReport()
    todo = set(target.pending({d.name: d.sha256 for d in docs}, store.documents(), report))
    return build_documents([d for d in docs if d.name in todo], target, settings, encoder, report)


def _text_hash(doc: Document) -> str:
    text = "\n".join(p.text for a in doc.articles for p in a.paragraphs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
