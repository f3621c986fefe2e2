"""The five collections' fields, limits and keys, and the collections made from them."""

from __future__ import annotations

import json
from typing import Any

from qa.settings import Settings

SHARDS_KEY = "#shards"
ROWS_KEY = "#rows"  # per document: the rows it wrote to each collection (checked at open)
STAT_ROWS_KEY = "#statrows"  # per shard: the statistics rows it has written (checked at open)
WRITER_KEY = "#writer"  # per shard: the process writing it, and when it last wrote
LEDGER = "1"  # stores made since documents' row counts are kept (``qa.ledger``)
COLLECTIONS = ("passages", "sentences", "paragraphs", "stats", "documents")
COUNTED_COLLECTIONS = ("passages", "sentences", "paragraphs")
STAT_FIELDS = ["key", "shard", "count", "words"]
TEXT_BYTES = 65535  # VARCHAR limit
TITLE_BYTES, AUTHOR_BYTES, SECTION_BYTES = 2048, 1024, 2048
PASSAGE_BYTES = 8192
NO_VECTOR = [0.0, 0.0]
# Document states, written in this order while a document is indexed.
STARTED, COUNTED, COMPLETE = 0, 1, 2
DENSE_INDEX = {
    "flat": ("FLAT", {}),
    "hnsw": ("HNSW", {"M": 32, "efConstruction": 200}),
    "ivf": ("IVF_FLAT", {}),
}


def fit(text: str | None, limit: int) -> str | None:
    """A display field cut to what its VARCHAR holds (whole characters), not refused."""
    if text is None or len(text.encode("utf-8")) <= limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def stat_row(key: int, name: str, shard: str, count: int, words: list[str] | None = None) -> dict[str, Any]:
    """A row of ``NAME_stats``."""
    return {
        "id": key,
        "key": name,
        "shard": shard,
        "count": count,
        "words": json.dumps(words or [], ensure_ascii=False),
        "vector": NO_VECTOR,
    }


def create_collections(
    client: Any, name: str, dim: int, settings: Settings, properties: dict[str, str]
) -> None:
    from pymilvus import DataType, Function, FunctionType

    def schema() -> Any:
        s = client.create_schema(auto_id=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        return s

    def index(field: str, kind: str, metric: str, params: dict[str, Any] | None = None) -> Any:
        ip = client.prepare_index_params()
        ip.add_index(field, index_type=kind, metric_type=metric, params=params or {})
        return ip

    # Passages: dense vector + BM25 over Milvus's jieba analyser.
    s = schema()
    s.add_field("para", DataType.INT64)
    s.add_field("doc", DataType.VARCHAR, max_length=1024)
    s.add_field(
        "text",
        DataType.VARCHAR,
        max_length=PASSAGE_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "jieba"},
    )
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("checksum", DataType.INT64)
    s.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    kind, params = DENSE_INDEX.get(settings.dense_index, DENSE_INDEX["flat"])
    if kind == "IVF_FLAT":
        params = {"nlist": 1024}
    ip = index("vector", kind, "IP", params)
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(f"{name}_passages", schema=s, index_params=ip, properties=properties)

    s = schema()
    s.add_field("para", DataType.INT64)
    s.add_field("doc", DataType.VARCHAR, max_length=1024)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("checksum", DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    client.create_collection(f"{name}_sentences", schema=s, index_params=index("vector", "FLAT", "IP"))

    s = schema()
    s.add_field("doc", DataType.VARCHAR, max_length=1024)
    s.add_field("article", DataType.INT64)
    s.add_field("title", DataType.VARCHAR, max_length=TITLE_BYTES, nullable=True)
    s.add_field("author", DataType.VARCHAR, max_length=AUTHOR_BYTES, nullable=True)
    s.add_field("section", DataType.VARCHAR, max_length=SECTION_BYTES, nullable=True)
    s.add_field("paragraph", DataType.INT64)
    s.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    s.add_field("sentences", DataType.INT64)
    s.add_field("checksum", DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection(f"{name}_paragraphs", schema=s, index_params=index("vector", "FLAT", "L2"))

    s = schema()
    s.add_field("key", DataType.VARCHAR, max_length=1024)
    s.add_field("shard", DataType.VARCHAR, max_length=64)
    s.add_field("count", DataType.INT64)
    s.add_field("words", DataType.VARCHAR, max_length=TEXT_BYTES)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection(f"{name}_stats", schema=s, index_params=index("vector", "FLAT", "L2"))

    s = schema()
    s.add_field("doc", DataType.VARCHAR, max_length=1024)
    s.add_field("sha256", DataType.VARCHAR, max_length=64)
    s.add_field("shard", DataType.VARCHAR, max_length=64)
    s.add_field("state", DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection(f"{name}_documents", schema=s, index_params=index("vector", "FLAT", "L2"))
