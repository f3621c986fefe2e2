"""The write half of the Milvus store: a shard's writer lease, adding a batch of paragraphs
(their rows, term statistics and ledger entry), deleting a document and recording documents'
states as they are indexed (:mod:`qa.index.feed` drives it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from qa.index.corpus import IndexRows
from qa.index.milvus import ledger
from qa.index.milvus import rows as made
from qa.index.milvus.connect import Collections
from qa.index.milvus.schema import COUNTED, NO_VECTOR, ROWS_KEY
from qa.index.milvus.stats import TermStatistics
from qa.index.store import key64


class Writes:
    """Mixed into :class:`qa.index.milvus.store.MilvusStore`, whose fields these are."""

    client: Any
    name: str
    db: Collections
    stats: TermStatistics
    shard: str
    properties: dict[str, str]

    def forget_sentence_counts(self) -> None:
        raise NotImplementedError

    def claim(self) -> None:
        """Take this shard's writer lease, or refuse when another live process holds it."""
        ledger.claim(self.db, self.shard)

    def renew(self) -> None:
        ledger.renew(self.db, self.shard)

    def release(self) -> None:
        ledger.release(self.db, self.shard)

    # -- writing -------------------------------------------------------------------------------

    def add(self, rows: IndexRows) -> None:
        keys = [key64(p.doc, p.article, p.paragraph) for p in rows.paragraphs]
        self.db.upsert("paragraphs", made.paragraph_rows(keys, rows.paragraphs, rows.sentences))
        self.db.upsert("sentences", made.sentence_rows(keys, rows.paragraphs, rows.sentences, rows.sentence_vectors))
        self.db.upsert("passages", made.passage_rows(keys, rows.paragraphs, rows.passages, rows.passage_vectors))
        self.stats.count(rows.passage_texts(), +1)
        # what each document wrote, for :meth:`verify` (after the rows: a crash in between
        # leaves the document unfinished, and unfinished documents are not checked)
        self.db.upsert("stats", made.ledger_rows(rows.paragraphs, rows.passages, rows.sentences, self.shard))

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
            self.stats.count(self._passage_texts(texts), -1, shard=shard)
        for suffix in ("passages", "sentences", "paragraphs", "documents"):
            self.client.delete(f"{self.name}_{suffix}", filter=f"doc == {quoted}")
        self.client.delete(f"{self.name}_stats", ids=[key64(ROWS_KEY, doc)])
        self.forget_sentence_counts()
        return len(texts)

    def mark_documents(self, docs: Iterable[tuple[str, str]], state: int) -> None:
        """Record files (name, sha256) as being at ``state`` for this process's shard."""
        records = [
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
        self.db.upsert("documents", records)

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
