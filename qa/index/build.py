"""The local back-end's builds: every build writes a new index folder from the whole corpus
(:class:`LocalFolder`, a target of :mod:`qa.index.pipeline`), re-embedding only what changed.

Vectors are reused by the content hash of the text they embed, from the previous build when
it was made with the same encoder and chunking, and from an interrupted build's cache;
deleted documents simply drop out. With nothing changed (same files, same settings) the build
returns at once without loading the encoder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.corpus import IndexRows
from qa.index.encoders import Encoder, encoder_name, get_encoder
from qa.index.freshness import is_current_files
from qa.index.local.folder import remove_stale_builds, write_build, writing
from qa.index.local.index import Index
from qa.index.local.manifest import COUNTS, new_manifest, read_manifest, write_manifest
from qa.index.pipeline import BuildReport, CorpusFiles, build_corpus, build_documents
from qa.index.recipe import Recipe
from qa.index.vectors import VectorCache
from qa.records import Document
from qa.settings import Settings
from qa.text.tokenize import userdict_hash

log = logging.getLogger(__name__)

__all__ = ["BuildReport", "LocalFolder", "build_from_documents", "build_index"]


class LocalFolder:
    """An index folder as a build target: it takes the whole corpus in one write, kept as a
    new ``build-<id>`` folder and switched to by rewriting the manifest."""

    batch_passages = None

    def __init__(
        self,
        index_dir: Path,
        settings: Settings,
        encoder: str,
        rebuild: bool = False,
        root: str = "",
        files: Mapping[str, str] | None = None,
        userdict: Path | None = None,
    ) -> None:
        self.index_dir, self.settings, self.encoder, self.rebuild = index_dir, settings, encoder, rebuild
        # what the manifest records of the corpus: its root, its files' sha256, the user dictionary
        self.root, self.files, self.userdict = root, dict(files or {}), userdict
        self.cache = VectorCache(index_dir, encoder)
        self.rows: IndexRows | None = None

    def plan(self, corpus: CorpusFiles, report: BuildReport) -> list[str] | None:
        self.root, self.files, self.userdict = str(corpus.root), corpus.fingerprint, corpus.userdict
        if not self.rebuild and is_current_files(self.index_dir, self.files, self.settings, self.encoder):
            counts = read_manifest(self.index_dir)["counts"]
            for k, v in counts.items():
                setattr(report, k, v)
            return None
        return list(corpus.paths)

    @contextmanager
    def writing(self) -> Iterator[None]:
        with writing(self.index_dir):  # (which makes the folder)
            yield

    def known(self) -> tuple[dict[str, np.ndarray], VectorCache]:
        old = None if self.rebuild else self._previous()
        known = old.vectors_by_hash() if old is not None else {}
        if self.rebuild:
            self.cache.clear()
        cached = self.cache.load()
        if cached:
            log.info("reusing %d vectors an interrupted build had computed", len(cached))
        known.update({h: v for h, v in cached.items() if h not in known})
        return known, self.cache

    def _previous(self) -> Index | None:
        """The previous build, if it is sound and its vectors (from this encoder) can be reused."""
        try:
            old = Index.load(self.index_dir)
        except QAError as exc:
            if self.index_dir.joinpath("manifest.json").exists():
                log.warning("previous index not reused: %s", exc)
            return None
        now = Recipe(self.encoder, 0, self.settings.index_fields())
        return None if Recipe.from_manifest(old.manifest).differences(now, ("encoder", "settings")) else old

    def write(self, documents: list[Document], rows: IndexRows) -> None:
        self.rows = rows

    def finish(self, report: BuildReport) -> None:
        assert self.rows is not None, "a local build writes once"
        build_id, artefacts = write_build(self.index_dir, self.rows, self.settings.index_fields(), self.userdict)
        recipe = Recipe.of(self.encoder, int(self.rows.passage_vectors.shape[1]), self.settings)  # (0, dim) when empty
        counts = {k: getattr(report, k) for k in COUNTS}
        manifest = new_manifest(recipe, userdict_hash(self.userdict), build_id, artefacts, counts, self.root, self.files)
        write_manifest(self.index_dir, manifest)
        remove_stale_builds(self.index_dir, keep=build_id)
        self.cache.clear()


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
    name = encoder.name if encoder is not None else encoder_name(settings.encoder)
    target = LocalFolder(index_dir, settings, name, rebuild)
    return build_corpus(corpus, target, settings, _loader(encoder, settings), follow_links, show_progress)


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
    name = encoder.name if encoder is not None else encoder_name(settings.encoder)
    target = LocalFolder(index_dir, settings, name, rebuild, root, files, userdict)
    return build_documents(documents, target, settings, _loader(encoder, settings), show_progress=show_progress)


def _loader(encoder: Encoder | None, settings: Settings) -> Callable[[], Encoder]:
    """The given encoder, or the settings' loaded when first needed."""
    return lambda: encoder or get_encoder(settings.encoder)
