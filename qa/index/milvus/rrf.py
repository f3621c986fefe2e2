"""Milvus's own fusion of the dense and BM25 searches (its ``hybrid_search`` with an RRF ranker),
chosen with ``store.fusion = "milvus"`` for benchmarks to set beside ours
(:mod:`qa.retrieve.fusion`, the default)."""

from __future__ import annotations

import numpy as np

from qa.index.milvus.connect import Collections
from qa.index.store import Hit


def milvus_rrf(db: Collections, query: np.ndarray, text: str, k: int, rrf_k: int) -> list[Hit]:
    """The best-ranked paragraphs of Milvus's fused search over ``NAME_passages``."""
    from pymilvus import AnnSearchRequest, RRFRanker

    requests = [
        AnnSearchRequest(
            data=[np.asarray(query, dtype=np.float32).tolist()],
            anns_field="vector",
            param={"metric_type": "IP"},
            limit=k,
        ),
        AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=k),
    ]
    rows = db.client.hybrid_search(
        f"{db.name}_passages", requests, ranker=RRFRanker(rrf_k), limit=k, output_fields=["para"]
    )[0]
    best: dict[int, float] = {}
    for r in rows:
        para = int(r["entity"]["para"])
        best.setdefault(para, float(r["distance"]))
    return [Hit(para, score, rank) for rank, (para, score) in enumerate(best.items())]
