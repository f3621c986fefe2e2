"""A Milvus back-end for the store interface: Milvus Lite (a local ``.db`` file) or, unchanged,
a Milvus server or cluster (``http://host:19530``).

Five collections share a name prefix::

    NAME_passages    passage text (normalised; Milvus's BM25 function over its jieba analyser
                     fills a sparse field) and its dense vector (FLAT, HNSW or IVF_FLAT index)
    NAME_sentences   sentence offsets and vectors, keyed by (paragraph, sentence number)
    NAME_paragraphs  paragraph text and its citation fields
    NAME_stats       document frequencies and pinyin spellings of our own tokens, per shard, so
                     the answer features use the same IDF as the local back-end; and the list
                     of shards with their passage counts
    NAME_documents   one row per indexed file: its sha256, shard and state (for resuming)

Keys are 63-bit hashes of content positions (:func:`qa.index.store.key64`), so several machines can
fill one collection side by side (``--shard i/n``): each writes only its own documents and its
own statistics rows, and readers sum the statistics over shards. The encoder's name and
dimension, the index format and the chunking settings are stored as collection properties and
checked on open, as the local manifest is.

Each document's row counts in the three content collections are kept in ``NAME_stats`` and
checked against the collections at open: rows lost or added behind the store's back (a
deleted segment file, a half-restored backup) make it refuse to answer with
:class:`qa.errors.IndexCorruptError` instead of abstaining on every question. A writer keeps a
lease row per shard, so a second ``qa index`` on the same shard is refused while the first one
runs (a lease silent for two minutes is taken over).

Milvus collections need a vector field; the three bookkeeping collections carry a 2-dimensional
zero vector for that reason only.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from qa.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError, QAError
from qa.index.corpus import ArticleOutline, ParagraphRecord, SpanRecord, fingerprint, outline
from qa.index.local import is_han_word, pinyin_key
from qa.index.store import Hit, PassageHit, SentenceRow, key64
from qa.retrieve.fusion import fuse
from qa.settings import FORMAT_VERSION, Settings
from qa.text.normalize import NORMALISER, normalize
from qa.text.tokenize import TOKENIZER, tokenize

log = logging.getLogger(__name__)
T = TypeVar("T")

SHARDS_KEY = "#shards"
ROWS_KEY = "#rows"  # per document: the rows it wrote to each collection (checked at open)
STAT_ROWS_KEY = "#statrows"  # per shard: the statistics rows it has written (checked at open)
WRITER_KEY = "#writer"  # per shard: the process writing it, and when it last wrote
WRITER_STALE_S = 120.0  # a writer silent this long is taken to have died
LEDGER = "1"  # stores made since documents' row counts are kept (``qa.ledger``)
COUNTED_COLLECTIONS = ("passages", "sentences", "paragraphs")
STAT_FIELDS = ["key", "shard", "count", "words"]
SHARDS_TTL_S = 1.0
SENTENCE_COUNTS_KEPT = 100_000  # paragraphs whose sentence count is remembered between questions
TEXT_BYTES = 65535  # VARCHAR limit
TITLE_BYTES, AUTHOR_BYTES, SECTION_BYTES = 2048, 1024, 2048


def _fit(text: str | None, limit: int) -> str | None:
    """A display field cut to what its VARCHAR holds (whole characters), not refused."""
    if text is None or len(text.encode("utf-8")) <= limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
PASSAGE_BYTES = 8192
NO_VECTOR = [0.0, 0.0]
# Document states, written in this order while a document is indexed.
STARTED, COUNTED, COMPLETE = 0, 1, 2
DENSE_INDEX = {
    "flat": ("FLAT", {}),
    "hnsw": ("HNSW", {"M": 32, "efConstruction": 200}),
    "ivf": ("IVF_FLAT", {}),
}


def _client(uri: str, token: str | None) -> Any:
    lite = not uri.startswith(("http://", "https://", "tcp://", "unix:"))
    if lite:
        # Lite's in-process gRPC server and pymilvus's keep-alive pings disagree; gRPC logs each
        # GOAWAY it answers to stderr. Quiet that (before gRPC loads); errors still raise.
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise QAError("the Milvus back-end needs the `milvus` extra: pip install -e '.[milvus]'") from exc
    # Over Milvus Lite, pymilvus warns on every query iterator and the in-process gRPC server logs
    # a traceback for the timestamp call Lite does not implement (the iterator carries on).
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if lite:
        if not uri.endswith(".db"):
            raise QAError(f"{uri}: a Milvus Lite file must end in .db (or give http://host:19530)")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # pymilvus raises its own exception types for unreachable servers
        if lite and Path(uri).is_file():  # Milvus Lite keeps a folder at its .db path
            raise IndexCorruptError(
                f"{uri} is not a Milvus Lite store (a file, where Lite keeps a folder): move it away "
                f"or delete it, then build with `qa index --backend milvus`"
            ) from exc
        if lite and "Open local milvus failed" in str(exc):
            raise QAError(
                f"cannot open the Milvus Lite file {uri}: another process has it open (Lite serves one "
                f"process at a time; stop the other one, e.g. the app, or run a Milvus server for several)"
            ) from exc
        raise QAError(f"cannot connect to Milvus at {uri}: {exc}") from exc


def _holder() -> dict[str, Any]:
    """This process, as a writer lease names it."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "at": time.time()}


def _paragraph_checksum(
    doc: str, article: int, title: str | None, author: str | None, section: str | None, paragraph: int, text: str
) -> int:
    """CRC-32 of what a citation is made of (checked at each read: a flipped byte in a stored
    paragraph would otherwise be quoted as the document's words)."""
    fields = json.dumps([doc, article, _fit(title, TITLE_BYTES), _fit(author, AUTHOR_BYTES), _fit(section, SECTION_BYTES), paragraph, text], ensure_ascii=False)
    return zlib.crc32(fields.encode("utf-8"))


def _passage_checksum(para: int, text: str, vector: np.ndarray) -> int:
    return zlib.crc32(f"{para}:{text}:".encode() + np.asarray(vector, dtype=np.float32).tobytes())


def _sentence_checksum(para: int, start: int, end: int, vector: np.ndarray) -> int:
    return zlib.crc32(f"{para}:{start}:{end}:".encode() + np.asarray(vector, dtype=np.float32).tobytes())


def _summary(exc: BaseException) -> str:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _reading(method: Callable[..., T]) -> Callable[..., T]:
    """A read that fails inside Milvus (a segment gone since the store was opened) raises
    :class:`qa.errors.IndexCorruptError` with the reason, not pymilvus's traceback."""

    @functools.wraps(method)
    def guarded(self: MilvusStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except QAError:
            raise
        except Exception as exc:
            raise IndexCorruptError(
                f"Milvus collection {self.name!r} at {self.uri} could not be read ({_summary(exc)}): "
                "the store may be damaged; rebuild it with `qa index --backend milvus --rebuild`"
            ) from exc

    return guarded


class MilvusStore:
    """The :class:`qa.index.store.Store` protocol over Milvus collections."""

    backend = "milvus"

    def __init__(self, client: Any, uri: str, name: str, properties: dict[str, str], shard: str) -> None:
        self.client = client
        self.uri = uri
        self.name = name
        self.properties = properties
        self.shard = shard  # the statistics rows this process writes
        self.dim = int(properties["qa.dim"])
        # made since row counts and checksums are kept: checked at open and as rows are read
        self.checked = properties.get("qa.ledger") == LEDGER
        self.fusion = "ours"  # or "milvus": its hybrid_search with an RRF ranker
        self._n_sentences: dict[int, int] = {}
        self._shard_cache: tuple[float, dict[str, int]] | None = None
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
        client = _client(uri, token)
        try:
            return cls._open(client, uri, name, encoder_name, shard)
        except QAError:
            raise
        except Exception as exc:  # pymilvus's own errors over a damaged store: one clear line
            raise IndexCorruptError(
                f"collection {name!r} at {uri} cannot be read ({_summary(exc)}): the store is "
                "damaged; rebuild it with `qa index --backend milvus --rebuild`"
            ) from exc

    @classmethod
    def _open(cls, client: Any, uri: str, name: str, encoder_name: str | None, shard: str) -> MilvusStore:
        if not client.has_collection(f"{name}_passages"):
            raise IndexMissingError(
                f"no collection {name!r} in Milvus at {uri}: build one with `qa index --backend milvus`"
            )
        described = client.describe_collection(f"{name}_passages")
        properties = {k: str(v) for k, v in described.get("properties", {}).items()}
        if properties.get("qa.format") != str(FORMAT_VERSION):
            raise IndexMismatchError(
                f"collection {name!r} at {uri} has index format {properties.get('qa.format')!r}, this "
                f"version reads {FORMAT_VERSION}; rebuild with `qa index --backend milvus --rebuild`"
            )
        if encoder_name is not None and properties.get("qa.encoder") != encoder_name:
            raise IndexMismatchError(
                f"collection {name!r} at {uri} was built with encoder {properties.get('qa.encoder')!r}, "
                f"not {encoder_name!r}; index into another collection or rebuild with --rebuild"
            )
        store = cls(client, uri, name, properties, shard)
        for suffix in ("passages", "sentences", "paragraphs", "stats", "documents"):
            collection = f"{name}_{suffix}"
            if not client.has_collection(collection):
                raise store._damaged(f"its collection {collection} is missing")
            client.load_collection(collection)
            state = str(client.get_load_state(collection).get("state", ""))
            if "Loaded" not in state:
                raise store._damaged(f"its collection {collection} does not load ({state})")
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
        client = _client(uri, token)
        properties = {
            "qa.format": str(FORMAT_VERSION),
            "qa.encoder": encoder_name,
            "qa.dim": str(dim),
            "qa.settings": json.dumps(settings.index_fields(), sort_keys=True),
            "qa.normaliser": NORMALISER,
            "qa.tokenizer": TOKENIZER,
            "qa.corpus_root": corpus_root,
            "qa.ledger": LEDGER,
        }
        if rebuild:
            for suffix in ("passages", "sentences", "paragraphs", "stats", "documents"):
                if client.has_collection(f"{name}_{suffix}"):
                    client.drop_collection(f"{name}_{suffix}")
        if client.has_collection(f"{name}_passages"):
            store = cls.open(uri, name, encoder_name, token, shard)
            for key in ("qa.settings", "qa.normaliser", "qa.tokenizer", "qa.ledger"):
                if store.properties.get(key) != properties[key]:
                    raise IndexMismatchError(
                        f"collection {name!r} at {uri} was built with other {key[3:]} "
                        f"({store.properties.get(key)}); rebuild with --rebuild or use another --collection"
                    )
            return store
        _create_collections(client, name, dim, settings, properties)
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
            "shards": sorted(self._shards()),
        }

    @_reading
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

    @_reading
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

    @_reading
    def hybrid_search(self, query: np.ndarray, tokens: list[str], text: str, k: int, rrf_k: int) -> list[Hit]:
        if self.fusion == "ours" or not text.strip():
            return fuse([self.dense_search(query, k), self.lexical_search(tokens, text, k)], rrf_k)
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
        rows = self.client.hybrid_search(
            f"{self.name}_passages", requests, ranker=RRFRanker(rrf_k), limit=k, output_fields=["para"]
        )[0]
        best: dict[int, float] = {}
        for r in rows:
            para = int(r["entity"]["para"])
            best.setdefault(para, float(r["distance"]))
        return [Hit(para, score, rank) for rank, (para, score) in enumerate(best.items())]

    def _hit_fields(self) -> list[str]:
        return ["para", "text", "vector", "checksum"] if self.checked else ["para"]

    def _check_hits(self, rows: Sequence[dict[str, Any]]) -> None:
        """Each passage a search returned, against the checksum written with it."""
        if not self.checked:
            return
        for r in rows:
            e = r["entity"]
            if int(e["checksum"]) != _passage_checksum(int(e["para"]), e["text"], np.asarray(e["vector"], dtype=np.float32)):
                raise self._damaged(f"passage {r['id']} was altered since it was written")

    @_reading
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
            if checked and int(r["checksum"]) != _paragraph_checksum(
                r["doc"], int(r["article"]), r["title"], r["author"], r.get("section"), int(r["paragraph"]), r["text"]
            ):
                raise self._damaged(f"paragraph {r['paragraph']} of {r['doc']!r} was altered since it was written")
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

    @_reading
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
            if checked and int(r["checksum"]) != _sentence_checksum(
                int(r["para"]), int(r["start"]), int(r["end"]), np.asarray(r["vector"], dtype=np.float32)
            ):
                raise self._damaged(f"a sentence of paragraph key {r['para']} was altered since it was written")
            grouped.setdefault(int(r["para"]), []).append(r)
        out = {}
        for para, found in grouped.items():
            found.sort(key=lambda r: int(r["start"]))
            vectors = np.asarray([r["vector"] for r in found], dtype=np.float32).reshape(len(found), self.dim)
            out[para] = ([SentenceRow(int(r["id"]), int(r["start"]), int(r["end"])) for r in found], vectors)
        return out

    @_reading
    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        shards = self._shards()
        passages = sum(shards.values())
        ids = [key64("df", t, s) for t in tokens for s in shards]
        df: Counter[str] = Counter()
        for r in self._get_stats(ids):
            df[r["key"]] += int(r["count"])
        return passages, {t: n for t, n in df.items() if n > 0}

    @_reading
    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        shards = self._shards()
        table: dict[str, set[str]] = {}
        for r in self._get_stats([key64("py", k, s) for k in keys for s in shards]):
            table.setdefault(r["key"], set()).update(json.loads(r["words"]))
        words = sorted({w for ws in table.values() for w in ws})
        _, df = self.term_statistics(words)  # words of deleted documents drop out here
        return {k: sorted(w for w in ws if w in df) for k, ws in table.items()}

    def userdict(self) -> Path | None:
        root = self.properties.get("qa.corpus_root")
        if not root:
            return None
        path = Path(root) if Path(root).is_dir() else Path(root).parent
        return path / "userdict.txt" if (path / "userdict.txt").is_file() else None

    # -- checking ------------------------------------------------------------------------------

    def verify(self) -> None:
        """Refuse a store whose collections do not hold the rows its documents wrote."""
        if not self.checked:
            return  # made before row counts were kept: nothing to check against
        docs = self.documents()
        ledger: dict[str, dict[str, int]] = {}
        for r in self._scan("stats", STAT_FIELDS, f'key == "{ROWS_KEY}"'):
            counts = json.loads(r["words"])
            ledger[counts.pop("doc")] = counts
        complete = [d for d, (_, _, state) in docs.items() if state == COMPLETE]
        unrecorded = [d for d in complete if d not in ledger]
        if unrecorded:
            raise self._damaged(f"{len(unrecorded)} indexed documents have no row counts (e.g. {unrecorded[0]!r})")
        pending = [d for d in docs if d not in complete]
        for suffix in COUNTED_COLLECTIONS:
            expected = sum(int(ledger[d].get(suffix, 0)) for d in complete)
            held = self._rows(suffix) - (self._rows(suffix, pending) if pending else 0)
            if held != expected:
                raise self._damaged(
                    f"{self.name}_{suffix} holds {held} rows of indexed documents where they wrote {expected}"
                )
        lost = sorted(set(ledger) - set(docs))
        if lost:
            raise self._damaged(f"{len(lost)} documents' records are missing (e.g. {lost[0]!r})")
        # the term statistics: each shard's rows against the count it kept of them
        kept = {r["shard"]: int(r["count"]) for r in self._scan("stats", STAT_FIELDS, f'key == "{STAT_ROWS_KEY}"')}
        listed = self._read_shards()
        if set(kept) != set(listed):
            raise self._damaged(
                f"its term statistics list shards {sorted(listed)} but hold counts for {sorted(kept)}"
            )
        for shard, expected in kept.items():
            own = json.dumps([ROWS_KEY, WRITER_KEY, STAT_ROWS_KEY])
            held = self._rows("stats", where=f"shard == {json.dumps(shard)} and key not in {own}")
            if held != expected:
                raise self._damaged(
                    f"{self.name}_stats holds {held} term statistics rows of shard {shard} where it wrote {expected}"
                )

    def _damaged(self, what: str) -> IndexCorruptError:
        return IndexCorruptError(
            f"Milvus collection {self.name!r} at {self.uri} is damaged: {what}; "
            "rebuild it with `qa index --backend milvus --rebuild`"
        )

    def _rows(self, suffix: str, docs: Sequence[str] | None = None, where: str = "") -> int:
        if docs is not None:
            where = f"doc in {json.dumps(list(docs), ensure_ascii=False)}"
        found = self.client.query(f"{self.name}_{suffix}", filter=where, output_fields=["count(*)"])
        return int(found[0]["count(*)"]) if found else 0

    # -- the writer's lease ----------------------------------------------------------------------

    def claim(self) -> None:
        """Take this shard's writer lease, or refuse when another live process holds it."""
        me = _holder()
        rows = self._get_stats([key64(WRITER_KEY, self.shard)])
        if rows:
            other = json.loads(rows[0]["words"]) or {}
            if (
                other
                and (other.get("pid"), other.get("host")) != (me["pid"], me["host"])
                and time.time() - float(other.get("at", 0)) < WRITER_STALE_S
            ):
                raise IndexBusyError(
                    f"another qa index (pid {other.get('pid')} on {other.get('host')}) is writing shard "
                    f"{self.shard} of collection {self.name!r}; wait for it to finish"
                )
        self._lease(me)

    def renew(self) -> None:
        self._lease(_holder())

    def release(self) -> None:
        self.client.delete(f"{self.name}_stats", ids=[key64(WRITER_KEY, self.shard)])

    def _lease(self, holder: dict[str, Any]) -> None:
        row = _stat(key64(WRITER_KEY, self.shard), WRITER_KEY, self.shard, 0)
        row["words"] = json.dumps(holder)
        self._upsert("stats", [row])

    # -- writing -------------------------------------------------------------------------------

    def add(
        self,
        paragraphs: list[ParagraphRecord],
        passages: list[SpanRecord],
        sentences: list[SpanRecord],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        keys = [key64(p.doc, p.article, p.paragraph) for p in paragraphs]
        counts = Counter(s.para for s in sentences)
        rows: list[dict[str, Any]] = []
        for key, p, row in zip(keys, paragraphs, range(len(paragraphs)), strict=True):
            if len(p.text.encode("utf-8")) > TEXT_BYTES:
                raise QAError(
                    f"{p.doc}: article {p.article} paragraph {p.paragraph} is longer than Milvus's "
                    f"{TEXT_BYTES}-byte text field; split it into smaller paragraphs"
                )
            rows.append(
                {
                    "id": key,
                    "doc": p.doc,
                    "article": p.article,
                    "title": _fit(p.title, TITLE_BYTES),
                    "author": _fit(p.author, AUTHOR_BYTES),
                    "section": _fit(p.section, SECTION_BYTES),
                    "paragraph": p.paragraph,
                    "text": p.text,
                    "sentences": counts.get(row, 0),
                    "checksum": _paragraph_checksum(p.doc, p.article, p.title, p.author, p.section, p.paragraph, p.text),
                    "vector": NO_VECTOR,
                }
            )
        self._upsert("paragraphs", rows)
        number: Counter[int] = Counter()
        rows = []
        for s, v in zip(sentences, sentence_vectors, strict=True):
            i = number[s.para]
            number[s.para] += 1
            rows.append(
                {
                    "id": key64(keys[s.para], "s", i),
                    "para": keys[s.para],
                    "doc": paragraphs[s.para].doc,
                    "start": s.start,
                    "end": s.end,
                    "checksum": _sentence_checksum(keys[s.para], s.start, s.end, v),
                    "vector": v.tolist(),
                }
            )
        self._upsert("sentences", rows)
        rows = []
        texts: list[str] = []
        for s, v in zip(passages, passage_vectors, strict=True):
            text = paragraphs[s.para].text[s.start : s.end]
            texts.append(text)
            rows.append(
                {
                    "id": key64(keys[s.para], "p", s.start, s.end),
                    "para": keys[s.para],
                    "doc": paragraphs[s.para].doc,
                    "text": normalize(text),
                    "checksum": _passage_checksum(keys[s.para], normalize(text), v),
                    "vector": v.tolist(),
                }
            )
        self._upsert("passages", rows)
        self._count(texts, +1)
        # what each document wrote, for :meth:`verify` (after the rows: a crash in between
        # leaves the document unfinished, and unfinished documents are not checked)
        wrote: dict[str, Counter[str]] = {}
        for p in paragraphs:
            wrote.setdefault(p.doc, Counter())["paragraphs"] += 1
        for s in sentences:
            wrote[paragraphs[s.para].doc]["sentences"] += 1
        for s in passages:
            wrote[paragraphs[s.para].doc]["passages"] += 1
        ledger: list[dict[str, Any]] = []
        for doc, wrote_rows in wrote.items():
            entry = _stat(key64(ROWS_KEY, doc), ROWS_KEY, self.shard, sum(wrote_rows.values()))
            entry["words"] = json.dumps({"doc": doc, **wrote_rows}, ensure_ascii=False)
            ledger.append(entry)
        self._upsert("stats", ledger)

    def delete_document(self, doc: str) -> int:
        """Remove a document's rows and take its passages out of the term statistics."""
        record = self.client.get(
            f"{self.name}_documents", ids=[key64("doc", doc)], output_fields=["shard", "state"]
        )
        quoted = json.dumps(doc, ensure_ascii=False)
        texts = [
            r["text"]
            for r in self.client.query(
                f"{self.name}_paragraphs", filter=f"doc == {quoted}", output_fields=["text"]
            )
        ]
        if not record or int(record[0]["state"]) >= COUNTED:
            shard = record[0]["shard"] if record else self.shard
            self._count(self._passage_texts(texts), -1, shard=shard)
        for suffix in ("passages", "sentences", "paragraphs", "documents"):
            self.client.delete(f"{self.name}_{suffix}", filter=f"doc == {quoted}")
        self.client.delete(f"{self.name}_stats", ids=[key64(ROWS_KEY, doc)])
        with self._lock:
            self._n_sentences.clear()
        return len(texts)

    @_reading
    def document(self, doc: str) -> list[ParagraphRecord]:
        quoted = json.dumps(doc, ensure_ascii=False)
        rows = self.client.query(f"{self.name}_paragraphs", filter=f"doc == {quoted}", output_fields=["id"])
        found = self.paragraphs([int(r["id"]) for r in rows])  # (checked as every read is)
        return sorted(found.values(), key=lambda p: (p.article, p.paragraph))

    @_reading
    def outline(self) -> list[ArticleOutline]:
        fields = ["doc", "article", "title", "author", "section", "paragraph"]
        return outline(
            ParagraphRecord(r["doc"], int(r["article"]), r["title"], r["author"], int(r["paragraph"]), "", r.get("section"))
            for r in self._scan("paragraphs", fields)
        )

    @_reading
    def fingerprint(self) -> str:
        return fingerprint({doc: sha for doc, (sha, _, _) in self.documents().items()})

    def documents(self) -> dict[str, tuple[str, str, int]]:
        """Every indexed file: name -> (sha256, shard, state)."""
        out: dict[str, tuple[str, str, int]] = {}
        for r in self._scan("documents", ["doc", "sha256", "shard", "state"]):
            out[r["doc"]] = (r["sha256"], r["shard"], int(r["state"]))
        return out

    def mark_documents(self, docs: Iterable[tuple[str, str]], state: int) -> None:
        """Record files (name, sha256) as being at ``state`` for this process's shard."""
        rows = [
            {
                "id": key64("doc", d),
                "doc": d,
                "sha256": h,
                "shard": self.shard,
                "state": state,
                "vector": NO_VECTOR,
            }
            for d, h in docs
        ]
        self._upsert("documents", rows)

    # -- internals -----------------------------------------------------------------------------

    def _upsert(self, suffix: str, rows: list[dict[str, Any]], batch: int = 1000) -> None:
        for start in range(0, len(rows), batch):
            self.client.upsert(f"{self.name}_{suffix}", rows[start : start + batch])

    def _scan(self, suffix: str, fields: list[str], where: str = "") -> Iterable[dict[str, Any]]:
        iterator = self.client.query_iterator(
            f"{self.name}_{suffix}", batch_size=1000, filter=where, output_fields=fields
        )
        try:
            while rows := iterator.next():
                yield from rows
        finally:
            iterator.close()

    def _passage_texts(self, paragraphs: list[str]) -> list[str]:
        """The text of each passage of these paragraphs, cut as indexing cut them."""
        from qa.ingest.chunk import passage_spans, split_sentences

        settings = json.loads(self.properties["qa.settings"])
        out = []
        for text in paragraphs:
            spans = passage_spans(
                text, split_sentences(text), settings["passage_chars"], settings["passage_overlap_chars"]
            )
            out += [text[w.start : w.end] for w in spans]
        return out

    def _get_stats(self, ids: list[int]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 4096):
            rows += self.client.get(
                f"{self.name}_stats",
                ids=ids[start : start + 4096],
                output_fields=STAT_FIELDS,
            )
        return rows

    def _shards(self) -> dict[str, int]:
        """Shard label -> passages it holds (read at most once a second: every question needs it)."""
        now = time.monotonic()
        cached = self._shard_cache
        if cached is not None and now - cached[0] < SHARDS_TTL_S:
            return cached[1]
        shards = self._read_shards()
        self._shard_cache = (now, shards)
        return shards

    def _read_shards(self) -> dict[str, int]:
        rows = self._get_stats([key64("shards", SHARDS_KEY)])
        labels: list[str] = json.loads(rows[0]["words"]) if rows else []
        return {
            r["shard"]: int(r["count"])
            for r in self._get_stats([key64("passages", label) for label in labels])
        }

    def _count(self, texts: list[str], sign: int, shard: str | None = None) -> None:
        """Add (or with ``sign`` -1, take away) passages' tokens to this shard's statistics."""
        shard = shard or self.shard
        userdict = self.userdict()
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(tokenize(text, userdict)))
        with self._lock:
            self._register_shard(shard)
            ids = [key64("df", t, shard) for t in df] + [key64("passages", shard)]
            old = {r["key"]: int(r["count"]) for r in self._get_stats(ids)}
            rows = [
                _stat(key64("df", t, shard), t, shard, max(0, old.get(t, 0) + sign * n))
                for t, n in df.items()
            ]
            total = "#passages " + shard
            rows.append(
                _stat(key64("passages", shard), total, shard, max(0, old.get(total, 0) + sign * len(texts)))
            )
            added = sum(1 for t in df if t not in old) + (total not in old)
            if sign > 0:
                spelled: dict[str, set[str]] = {}
                for word in df:
                    if is_han_word(word):
                        spelled.setdefault(pinyin_key(word), set()).add(word)
                known = {
                    r["key"]: set(json.loads(r["words"]))
                    for r in self._get_stats([key64("py", k, shard) for k in spelled])
                }
                for k, words in spelled.items():
                    if not words <= known.get(k, set()):
                        merged = sorted(words | known.get(k, set()))
                        rows.append(_stat(key64("py", k, shard), k, shard, len(merged), merged))
                        added += k not in known
            written = self._get_stats([key64("statrows", shard)])
            before = int(written[0]["count"]) if written else 0
            rows.append(_stat(key64("statrows", shard), STAT_ROWS_KEY, shard, before + added))
            self._upsert("stats", rows)
            self._shard_cache = None

    def _register_shard(self, shard: str) -> None:
        """Add ``shard`` to the list of shards (read again after writing: another machine may
        have written the list at the same moment)."""
        for _ in range(5):
            rows = self._get_stats([key64("shards", SHARDS_KEY)])
            labels: list[str] = json.loads(rows[0]["words"]) if rows else []
            if shard in labels:
                return
            labels = sorted({*labels, shard})
            self._upsert("stats", [_stat(key64("shards", SHARDS_KEY), SHARDS_KEY, "", len(labels), labels)])
        raise QAError(f"could not register shard {shard} in collection {self.name!r}")


def _stat(key: int, name: str, shard: str, count: int, words: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": key,
        "key": name,
        "shard": shard,
        "count": count,
        "words": json.dumps(words or [], ensure_ascii=False),
        "vector": NO_VECTOR,
    }


def _create_collections(
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
