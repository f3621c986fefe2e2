"""The store over Milvus collections: opening them (format, encoder and settings checked),
searching, reading records back (each checked against its checksum), writing and deleting
documents."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import IndexCorruptError, QAError
from qa.index.corpus import ArticleOutline, ParagraphRecord, fingerprint, outline
from qa.index.milvus import ledger
from qa.index.milvus import properties as props
from qa.index.milvus.connect import Collections, connect, reading, summary
from qa.index.milvus.rows import paragraph_checksum, passage_checksum, sentence_checksum
from qa.index.milvus.rrf import milvus_rrf
from qa.index.milvus.schema import LEDGER, create_collections
from qa.index.milvus.stats import TermStatistics
from qa.index.milvus.write import Writes
from qa.index.store import Hit, PassageHit, SentenceRow, key64
from qa.ingest.documents import corpus_userdict
from qa.settings import Settings

SENTENCE_COUNTS_KEPT = 100_000  # paragraphs whose sentence count is remembered between questions


class MilvusStore(Writes):
    """The :class:`qa.index.store.Store` protocol over Milvus collections."""

    backend = "milvus"

    def __init__(self, client: Any, uri: str, name: str, properties: dict[str, str], shard: str) -> None:
        self.client = client
        self.uri = uri
        self.name = name
        self.db = Collections(client, uri, name)
        self.properties = properties
        self.shard = shard  # the statistics rows this process writes
        self.dim = int(properties["qa.dim"])
        # made since row counts and checksums are kept: checked at open and as rows are read
        self.checked = properties.get("qa.ledger") == LEDGER
        self.fusion = "ours"  # or "milvus": its hybrid_search with an RRF ranker
        self.stats = TermStatistics(self.db, shard, self.userdict)
        self._n_sentences: dict[int, int] = {}
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        uri: str,
        name: str = "qa",
        encoder_name: str | None = None,
        token: str | None = None,
        shard: str = "0/1",
    ) -> MilvusStore:
        """Open existing collections; ``encoder_name`` (if given) must be the one they were built
        with. A store that cannot be read, or does not hold what it wrote, is refused
        (:class:`qa.errors.IndexCorruptError`)."""
        client = connect(uri, token)
        try:
            return cls._open(client, uri, name, encoder_name, shard)
        except QAError:
            raise
        except Exception as exc:  # pymilvus's own errors over a damaged store: one clear line
            raise IndexCorruptError(
                f"collection {name!r} at {uri} cannot be read ({summary(exc)}): the store is "
                "damaged; rebuild it with `qa index --backend milvus --rebuild`"
            ) from exc

    @classmethod
    def _open(cls, client: Any, uri: str, name: str, encoder_name: str | None, shard: str) -> MilvusStore:
        store = cls(client, uri, name, props.read(client, uri, name, encoder_name), shard)
        props.load(store.db)
        store.verify()
        return store

    @classmethod
    def create(
        cls,
        uri: str,
        name: str,
        encoder_name: str,
        dim: int,
        settings: Settings,
        corpus_root: str = "",
        token: str | None = None,
        shard: str = "0/1",
        rebuild: bool = False,
    ) -> MilvusStore:
        """Open the collections, creating them if missing. An existing collection made with other
        settings is refused (or dropped first with ``rebuild``)."""
        client = connect(uri, token)
        wanted = props.made_with(encoder_name, dim, settings, corpus_root)
        if rebuild:
            props.drop(client, name)
        if client.has_collection(f"{name}_passages"):
            store = cls.open(uri, name, encoder_name, token, shard)
            props.check_same(store.properties, wanted, name, uri)
            return store
        create_collections(client, name, dim, settings, wanted)
        return cls.open(uri, name, encoder_name, token, shard)

    # -- the Store protocol --------------------------------------------------------------------

    @property
    def encoder_name(self) -> str:
        return self.properties["qa.encoder"]

    def describe(self) -> dict[str, Any]:
        counts = {}
        for suffix in ("paragraphs", "passages", "sentences", "documents"):
            rows = self.client.query(f"{self.name}_{suffix}", filter="", output_fields=["count(*)"])
            counts[suffix] = int(rows[0]["count(*)"])
        return {
            "backend": "milvus",
            "uri": self.uri,
            "collection": self.name,
            **counts,
            "encoder": {"name": self.encoder_name, "dim": self.dim},
            "shards": sorted(self.stats.shards()),
        }

    @reading
    def dense_search(self, query: np.ndarray, k: int) -> list[PassageHit]:
        rows = self.client.search(
            f"{self.name}_passages",
            data=[np.asarray(query, dtype=np.float32).tolist()],
            anns_field="vector",
            limit=k,
            output_fields=self._hit_fields(),
            search_params={"metric_type": "IP", "params": {"ef": max(128, k), "nprobe": 64}},
        )[0]
        self._check_hits(rows)
        return [PassageHit(int(r["id"]), int(r["entity"]["para"]), float(r["distance"])) for r in rows]

    @reading
    def lexical_search(self, tokens: list[str], text: str, k: int) -> list[PassageHit]:
        if not text.strip():
            return []
        rows = self.client.search(
            f"{self.name}_passages",
            data=[text],
            anns_field="sparse",
            limit=k,
            output_fields=self._hit_fields(),
            search_params={"metric_type": "BM25"},
        )[0]
        self._check_hits(rows)
        return [PassageHit(int(r["id"]), int(r["entity"]["para"]), abs(float(r["distance"]))) for r in rows]

    @reading
    def own_fusion(self, query: np.ndarray, text: str, k: int, rrf_k: int) -> list[Hit] | None:
        """Milvus's own RRF over the two searches when ``fusion`` is "milvus" (benchmarks set it),
        else None: :func:`qa.retrieve.hybrid.retrieve` fuses the rankings itself."""
        if self.fusion != "milvus" or not text.strip():
            return None
        return milvus_rrf(self.db, query, text, k, rrf_k)

    def _hit_fields(self) -> list[str]:
        return ["para", "text", "vector", "checksum"] if self.checked else ["para"]

    def _check_hits(self, rows: Sequence[dict[str, Any]]) -> None:
        """Each passage a search returned, against the checksum written with it."""
        if not self.checked:
            return
        for r in rows:
            e = r["entity"]
            if int(e["checksum"]) != passage_checksum(int(e["para"]), e["text"], np.asarray(e["vector"], dtype=np.float32)):
                raise self.db.damaged(f"passage {r['id']} was altered since it was written")

    @reading
    def paragraphs(self, keys: Sequence[int]) -> dict[int, ParagraphRecord]:
        if not keys:
            return {}
        checked = self.checked
        rows = self.client.get(
            f"{self.name}_paragraphs",
            ids=list(dict.fromkeys(keys)),
            output_fields=["doc", "article", "title", "author", "section", "paragraph", "text", "sentences"]
            + (["checksum"] if checked else []),
        )
        found: dict[int, ParagraphRecord] = {}
        for r in rows:
            if checked and int(r["checksum"]) != paragraph_checksum(
                r["doc"], int(r["article"]), r["title"], r["author"], r.get("section"), int(r["paragraph"]), r["text"]
            ):
                raise self.db.damaged(f"paragraph {r['paragraph']} of {r['doc']!r} was altered since it was written")
            found[int(r["id"])] = ParagraphRecord(
                r["doc"],
                int(r["article"]),
                r["title"],
                r["author"],
                int(r["paragraph"]),
                r["text"],
                r.get("section"),
            )
            with self._lock:
                if len(self._n_sentences) > SENTENCE_COUNTS_KEPT:
                    self._n_sentences.clear()
                self._n_sentences[int(r["id"])] = int(r["sentences"])
        return found

    @reading
    def sentences(self, paras: Sequence[int]) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        checked = self.checked
        unknown = [p for p in paras if p not in self._n_sentences]
        if unknown:
            self.paragraphs(unknown)
        ids = [key64(p, "s", i) for p in paras for i in range(self._n_sentences.get(p, 0))]
        rows = (
            self.client.get(
                f"{self.name}_sentences",
                ids=ids,
                output_fields=["para", "start", "end", "vector"] + (["checksum"] if checked else []),
            )
            if ids
            else []
        )
        grouped: dict[int, list[dict[str, Any]]] = {p: [] for p in paras}
        for r in rows:
            if checked and int(r["checksum"]) != sentence_checksum(
                int(r["para"]), int(r["start"]), int(r["end"]), np.asarray(r["vector"], dtype=np.float32)
            ):
                raise self.db.damaged(f"a sentence of paragraph key {r['para']} was altered since it was written")
            grouped.setdefault(int(r["para"]), []).append(r)
        out = {}
        for para, found in grouped.items():
            found.sort(key=lambda r: int(r["start"]))
            vectors = np.asarray([r["vector"] for r in found], dtype=np.float32).reshape(len(found), self.dim)
            out[para] = ([SentenceRow(int(r["id"]), int(r["start"]), int(r["end"])) for r in found], vectors)
        return out

    @reading
    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        return self.stats.term_statistics(tokens)

    @reading
    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        return self.stats.words_by_pinyin(keys)

    def userdict(self) -> Path | None:
        root = self.properties.get("qa.corpus_root")
        if not root:
            return None
        return corpus_userdict(Path(root))

    # -- checking (:mod:`qa.index.milvus.ledger`) ----------------------------------------------

    def verify(self) -> None:
        """Refuse a store whose collections do not hold the rows its documents wrote."""
        if self.checked:  # (a store made before row counts were kept has nothing to check against)
            ledger.verify(self.db, self.documents(), self.stats.read_shards())

    @reading
    def document(self, doc: str) -> list[ParagraphRecord]:
        quoted = json.dumps(doc, ensure_ascii=False)
        rows = self.client.query(f"{self.name}_paragraphs", filter=f"doc == {quoted}", output_fields=["id"])
        found = self.paragraphs([int(r["id"]) for r in rows])  # (checked as every read is)
        return sorted(found.values(), key=lambda p: (p.article, p.paragraph))

    @reading
    def outline(self) -> list[ArticleOutline]:
        fields = ["doc", "article", "title", "author", "section", "paragraph"]
        return outline(
            ParagraphRecord(r["doc"], int(r["article"]), r["title"], r["author"], int(r["paragraph"]), "", r.get("section"))
            for r in self.db.scan("paragraphs", fields)
        )

    @reading
    def fingerprint(self) -> str:
        return fingerprint({doc: sha for doc, (sha, _, _) in self.documents().items()})

    def documents(self) -> dict[str, tuple[str, str, int]]:
        """Every indexed file: name -> (sha256, shard, state)."""
        out: dict[str, tuple[str, str, int]] = {}
        for r in self.db.scan("documents", ["doc", "sha256", "shard", "state"]):
            out[r["doc"]] = (r["sha256"], r["shard"], int(r["state"]))
        return out

    def forget_sentence_counts(self) -> None:
        with self._lock:
            self._n_sentences.clear()
