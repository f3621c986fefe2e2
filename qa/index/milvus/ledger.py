"""What a store checks about itself: each document's row counts against the collections (at
open), and the writer's lease that keeps two ``qa index`` runs off one shard."""

from __future__ import annotations

import json
import time

from qa.errors import IndexBusyError
from qa.index.milvus.connect import Collections, holder
from qa.index.milvus.schema import (
    COMPLETE,
    COUNTED_COLLECTIONS,
    ROWS_KEY,
    STAT_FIELDS,
    STAT_ROWS_KEY,
    WRITER_KEY,
    stat_row,
)
from qa.index.store import key64

WRITER_STALE_S = 120.0  # a writer silent this long is taken to have died


def verify(db: Collections, documents: dict[str, tuple[str, str, int]], shards: dict[str, int]) -> None:
    """Refuse a store whose collections do not hold the rows its documents wrote.

    ``documents`` is every indexed file (name -> sha256, shard, state) and ``shards`` the list
    of shards as the statistics hold it."""
    ledger: dict[str, dict[str, int]] = {}
    for r in db.scan("stats", STAT_FIELDS, f'key == "{ROWS_KEY}"'):
        counts = json.loads(r["words"])
        ledger[counts.pop("doc")] = counts
    complete = [d for d, (_, _, state) in documents.items() if state == COMPLETE]
    unrecorded = [d for d in complete if d not in ledger]
    if unrecorded:
        raise db.damaged(f"{len(unrecorded)} indexed documents have no row counts (e.g. {unrecorded[0]!r})")
    pending = [d for d in documents if d not in complete]
    for suffix in COUNTED_COLLECTIONS:
        expected = sum(int(ledger[d].get(suffix, 0)) for d in complete)
        held = db.rows(suffix) - (db.rows(suffix, _among(pending)) if pending else 0)
        if held != expected:
            raise db.damaged(f"{db.name}_{suffix} holds {held} rows of indexed documents where they wrote {expected}")
    lost = sorted(set(ledger) - set(documents))
    if lost:
        raise db.damaged(f"{len(lost)} documents' records are missing (e.g. {lost[0]!r})")
    # the term statistics: each shard's rows against the count it kept of them
    kept = {r["shard"]: int(r["count"]) for r in db.scan("stats", STAT_FIELDS, f'key == "{STAT_ROWS_KEY}"')}
    if set(kept) != set(shards):
        raise db.damaged(f"its term statistics list shards {sorted(shards)} but hold counts for {sorted(kept)}")
    own = json.dumps([ROWS_KEY, WRITER_KEY, STAT_ROWS_KEY])
    for shard, expected in kept.items():
        held = db.rows("stats", where=f"shard == {json.dumps(shard)} and key not in {own}")
        if held != expected:
            raise db.damaged(
                f"{db.name}_stats holds {held} term statistics rows of shard {shard} where it wrote {expected}"
            )


def _among(docs: list[str]) -> str:
    return f"doc in {json.dumps(docs, ensure_ascii=False)}"


def claim(db: Collections, shard: str) -> None:
    """Take ``shard``'s writer lease, or refuse when another live process holds it."""
    me = holder()
    rows = db.stats([key64(WRITER_KEY, shard)])
    if rows:
        other = json.loads(rows[0]["words"]) or {}
        if (
            other
            and (other.get("pid"), other.get("host")) != (me["pid"], me["host"])
            and time.time() - float(other.get("at", 0)) < WRITER_STALE_S
        ):
            raise IndexBusyError(
                f"another qa index (pid {other.get('pid')} on {other.get('host')}) is writing shard "
                f"{shard} of collection {db.name!r}; wait for it to finish"
            )
    renew(db, shard)


def renew(db: Collections, shard: str) -> None:
    row = stat_row(key64(WRITER_KEY, shard), WRITER_KEY, shard, 0)
    row["words"] = json.dumps(holder())
    db.upsert("stats", [row])


def release(db: Collections, shard: str) -> None:
    db.client.delete(f"{db.name}_stats", ids=[key64(WRITER_KEY, shard)])
