"""Hybrid retrieval: BM25 and dense rankings of passages from the store, fused by reciprocal
rank (:func:`qa.retrieve.fusion.fuse`), then lifted to paragraphs. Both back-ends rank alike:
they search, this module fuses."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from qa.index.store import DenseIndex, Hit, LexicalIndex
from qa.retrieve.fusion import fuse, rrf

__all__ = ["Hit", "retrieve", "rrf"]


class Searchable(DenseIndex, LexicalIndex, Protocol):
    """What retrieval needs of a store: its two rankings."""


@runtime_checkable
class FusesItself(Protocol):
    """A store that may fuse the two rankings itself (Milvus's own RRF, for benchmarks)."""

    def own_fusion(self, query: np.ndarray, text: str, k: int, rrf_k: int) -> list[Hit] | None: ...


def retrieve(
    store: Searchable, query: np.ndarray, tokens: list[str], text: str, candidates: int = 50, k: int = 60
) -> list[Hit]:
    """Paragraphs ranked by fused BM25 + dense evidence, best first (``candidates`` passages
    from each ranker; ``k``: the RRF constant)."""
    if isinstance(store, FusesItself) and (own := store.own_fusion(query, text, candidates, k)) is not None:
        return own
    return fuse([store.dense_search(query, candidates), store.lexical_search(tokens, text, candidates)], k)
