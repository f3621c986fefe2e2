"""Build or update an index from a corpus folder, re-embedding only what changed.

Vectors are reused by the content hash of the text they embed, from the previous build when
it was made with the same encoder and chunking; deleted documents simply drop out. With
nothing changed (same files, same settings) the build returns at once without loading the
encoder.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.errors import NothingToIndexError, QAError
from qa.index.corpus import flatten
from qa.index.encoders import Encoder, encoder_name, get_encoder
from qa.index.freshness import USERDICT, files_fingerprint, is_current_files
from qa.index.local.folder import remove_stale_builds, write_build, writing
from qa.index.local.index import Index
from qa.index.local.manifest import COUNTS, new_manifest, read_manifest, write_manifest
from qa.index.recipe import Recipe
from qa.index.vectors import Embedder, VectorCache, progress_bar
from qa.ingest.documents import Skipped, ingest_walked, walk
from qa.records import Document
from qa.settings import Settings
from qa.text.tokenize import userdict_hash

log = logging.getLogger(__name__)


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


def _previous(index_dir: Path, settings: Settings, name: str) -> Index | None:
    """The previous build, if it is sound and its vectors (from encoder ``name``) can be reused."""
    try:
        old = Index.load(index_dir)
    except QAError as exc:
        if index_dir.joinpath("manifest.json").exists():
            log.warning("previous index not reused: %s", exc)
        return None
    if Recipe.from_manifest(old.manifest).differences(Recipe(name, 0, settings.index_fields()), ("encoder", "settings")):
        return None
    return old


def build_index(
    corpus: Path,
    index_dir: Path,
    settings: Settings = Settings(),
    encoder: Encoder | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
    follow_links: bool = False,
) -> BuildReport:
    """Index every document under ``corpus`` into ``index_dir``; see the module docstring.
    Links that lead outside ``corpus`` are followed only with ``follow_links``."""
    started = time.perf_counter()
    if not corpus.exists():
        raise QAError(f"{corpus}: no such corpus folder")
    name = encoder.name if encoder is not None else encoder_name(settings.encoder)
    paths, passed_over = walk(corpus, follow_links)
    files = files_fingerprint(corpus, paths)
    if not rebuild and is_current_files(index_dir, files, settings, name):
        counts = read_manifest(index_dir)["counts"]
        return BuildReport(
            **counts, seconds=time.perf_counter() - started, up_to_date=True, skipped=passed_over
        )
    documents, skipped = ingest_walked(corpus, paths, passed_over)
    if not documents:
        said = "".join(f"\n  skipped {s.path}: {s.reason}" for s in skipped)
        raise NothingToIndexError(
            f"{corpus}: no document with text to index" + (said or " (the folder is empty)"),
            tuple((s.path, s.reason) for s in skipped),
        )
    base = corpus if corpus.is_dir() else corpus.parent
    userdict = base / USERDICT
    report = build_from_documents(
        documents,
        index_dir,
        settings,
        root=str(corpus),
        files=files,
        userdict=userdict if userdict.is_file() else None,
        encoder=encoder,
        rebuild=rebuild,
        show_progress=show_progress,
    )
    report.skipped = skipped
    report.seconds = time.perf_counter() - started
    return report


def build_from_documents(
    documents: list[Document],
    index_dir: Path,
    settings: Settings,
    root: str,
    files: dict[str, str],
    userdict: Path | None = None,
    encoder: Encoder | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
) -> BuildReport:
    """Index ready documents; ``files`` (name -> sha256) is recorded to tell staleness later.
    One writer at a time: a second is refused (:class:`qa.errors.IndexBusyError`)."""
    with writing(index_dir):  # (which makes the folder)
        started = time.perf_counter()
        name = encoder.name if encoder is not None else encoder_name(settings.encoder)
        paragraphs, passages, sentences = flatten(
            documents, settings.passage_chars, settings.passage_overlap_chars
        )

        old = None if rebuild else _previous(index_dir, settings, name)
        known: dict[str, np.ndarray] = old.vectors_by_hash() if old is not None else {}
        cache = VectorCache(index_dir, name)
        if rebuild:
            cache.clear()
        cached = cache.load()
        if cached:
            log.info("reusing %d vectors an interrupted build had computed", len(cached))
        known.update({h: v for h, v in cached.items() if h not in known})

        embedder = Embedder(lambda: encoder or get_encoder(settings.encoder), known, settings.batch_size, cache)
        bar = embedder.progress = progress_bar(embedder.missing(passages + sentences), show_progress)
        made, n_pass, n_sent = embedder.rows(paragraphs, passages, sentences)
        bar(-1)

        report = BuildReport(
            documents=len(documents),
            articles=sum(len(d.articles) for d in documents),
            paragraphs=len(paragraphs),
            passages=len(passages),
            sentences=len(sentences),
            embedded_passages=n_pass,
            embedded_sentences=n_sent,
        )
        build_id, artefacts = write_build(index_dir, made, settings.index_fields(), userdict)
        recipe = Recipe.of(name, int(made.passage_vectors.shape[1]), settings)  # (0, dim) when empty
        counts = {k: getattr(report, k) for k in COUNTS}
        manifest = new_manifest(recipe, userdict_hash(userdict), build_id, artefacts, counts, root, files)
        write_manifest(index_dir, manifest)
        remove_stale_builds(index_dir, keep=build_id)
        cache.clear()
        report.seconds = time.perf_counter() - started
        return report
