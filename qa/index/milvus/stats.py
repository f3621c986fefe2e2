"""Term statistics kept in ``NAME_stats``, per shard: each token's document frequency, each
shard's passage count and the pinyin spellings of its words, so the answer features read the
same IDF over Milvus as over the local index. Several machines write side by side, each only
its own shard's rows; readers sum over the shards."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from qa.errors import QAError
from qa.index.milvus.connect import Collections
from qa.index.milvus.schema import SHARDS_KEY, STAT_ROWS_KEY, stat_row
from qa.index.store import key64
from qa.text.pinyin import is_han_word, pinyin_key
from qa.text.tokenize import tokenize

SHARDS_TTL_S = 1.0


class TermStatistics:
    def __init__(self, db: Collections, shard: str, userdict: Callable[[], Path | None]) -> None:
        self.db = db
        self.shard = shard  # the rows this process writes
        self.userdict = userdict
        self.lock = threading.Lock()
        self._cache: tuple[float, dict[str, int]] | None = None

    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Passages held, and each token's document frequency (tokens in none left out)."""
        shards = self.shards()
        passages = sum(shards.values())
        ids = [key64("df", t, s) for t in tokens for s in shards]
        df: Counter[str] = Counter()
        for r in self.db.stats(ids):
            df[r["key"]] += int(r["count"])
        return passages, {t: n for t, n in df.items() if n > 0}

    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        shards = self.shards()
        table: dict[str, set[str]] = {}
        for r in self.db.stats([key64("py", k, s) for k in keys for s in shards]):
            table.setdefault(r["key"], set()).update(json.loads(r["words"]))
        words = sorted({w for ws in table.values() for w in ws})
        _, df = self.term_statistics(words)  # words of deleted documents drop out here
        return {k: sorted(w for w in ws if w in df) for k, ws in table.items()}

    def shards(self) -> dict[str, int]:
        """Shard label -> passages it holds (read at most once a second: every question needs it)."""
        now = time.monotonic()
        cached = self._cache
        if cached is not None and now - cached[0] < SHARDS_TTL_S:
            return cached[1]
        shards = self.read_shards()
        self._cache = (now, shards)
        return shards

    def read_shards(self) -> dict[str, int]:
        rows = self.db.stats([key64("shards", SHARDS_KEY)])
        labels: list[str] = json.loads(rows[0]["words"]) if rows else []
        return {r["shard"]: int(r["count"]) for r in self.db.stats([key64("passages", label) for label in labels])}

    def count(self, texts: list[str], sign: int, shard: str | None = None) -> None:
        """Add (or with ``sign`` -1, take away) passages' tokens to a shard's statistics (by
        default this process's)."""
        shard = shard or self.shard
        userdict = self.userdict()
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(tokenize(text, userdict)))
        with self.lock:
            self._register(shard)
            ids = [key64("df", t, shard) for t in df] + [key64("passages", shard)]
            old = {r["key"]: int(r["count"]) for r in self.db.stats(ids)}
            rows = [stat_row(key64("df", t, shard), t, shard, max(0, old.get(t, 0) + sign * n)) for t, n in df.items()]
            total = "#passages " + shard
            rows.append(stat_row(key64("passages", shard), total, shard, max(0, old.get(total, 0) + sign * len(texts))))
            added = sum(1 for t in df if t not in old) + (total not in old)
            if sign > 0:
                spelled: dict[str, set[str]] = {}
                for word in df:
                    if is_han_word(word):
                        spelled.setdefault(pinyin_key(word), set()).add(word)
                known = {
                    r["key"]: set(json.loads(r["words"])) for r in self.db.stats([key64("py", k, shard) for k in spelled])
                }
                for k, words in spelled.items():
                    if not words <= known.get(k, set()):
                        merged = sorted(words | known.get(k, set()))
                        rows.append(stat_row(key64("py", k, shard), k, shard, len(merged), merged))
                        added += k not in known
            written = self.db.stats([key64("statrows", shard)])
            before = int(written[0]["count"]) if written else 0
            rows.append(stat_row(key64("statrows", shard), STAT_ROWS_KEY, shard, before + added))
            self.db.upsert("stats", rows)
            self._cache = None

    def _register(self, shard: str) -> None:
        """Add ``shard`` to the list of shards (read again after writing: another machine may
        have written the list at the same moment)."""
        for _ in range(5):
            rows = self.db.stats([key64("shards", SHARDS_KEY)])
            labels: list[str] = json.loads(rows[0]["words"]) if rows else []
            if shard in labels:
                return
            labels = sorted({*labels, shard})
            self.db.upsert("stats", [stat_row(key64("shards", SHARDS_KEY), SHARDS_KEY, "", len(labels), labels)])
        raise QAError(f"could not register shard {shard} in collection {self.db.name!r}")
