"""The persisted hybrid index, loaded: paragraphs, passages and sentences, their dense vectors
(FAISS) and a jieba-BM25 index (bm25s).

Layout of an index folder::

    manifest.json        written last, atomically: settings, corpus hashes, counts, and the
                         sha256 and size of every artefact (:mod:`qa.index.local.manifest`)
    build-<id>/          the artefacts of one build (JSONL, .npy, bm25s files; no pickle;
                         :mod:`qa.index.local.folder`)

A build writes a new ``build-<id>`` folder under a temporary name, renames it into place and
only then replaces ``manifest.json``; a crash at any point leaves the previous index loadable.
Loading verifies every artefact against the manifest and raises a named error for a missing,
truncated, altered or mismatched index: it never answers from a partial one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from qa.errors import IndexCorruptError, IndexMismatchError, QAError
from qa.index.corpus import ArticleOutline, IndexRows, ParagraphRecord, SpanRecord, fingerprint, outline
from qa.index.local.folder import make_dense_index, read_jsonl, remove_stale_builds, write_build, writing
from qa.index.local.manifest import read_manifest, rewritten, verify_artefacts, write_manifest
from qa.index.store import PassageHit, SentenceRow
from qa.ingest.documents import corpus_userdict
from qa.text.pinyin import is_han_word, pinyin_key


class Index:
    """A loaded, verified local index (FAISS + bm25s): the default :class:`qa.index.store.Store`.

    Paragraph keys are row numbers of the paragraph table. Reading is thread-safe; ``add`` and
    ``delete_document`` write a new build and switch to it."""

    backend = "local"

    def __init__(
        self,
        manifest: dict[str, Any],
        rows: IndexRows,
        bm25: bm25s.BM25,
        dense: faiss.Index,
        index_dir: Path | None = None,
    ) -> None:
        self.manifest = manifest
        self.paragraph_table = rows.paragraphs
        self.passages = rows.passages
        self.sentence_table = rows.sentences
        self.passage_vectors = rows.passage_vectors
        self.sentence_vectors = rows.sentence_vectors
        self.bm25 = bm25
        self.dense = dense
        self.index_dir = index_dir
        # Sentences are stored paragraph by paragraph: remember where each paragraph's run starts.
        self._sentence_runs: dict[int, tuple[int, int]] = {}
        for i, s in enumerate(rows.sentences):
            first, _ = self._sentence_runs.get(s.para, (i, i))
            self._sentence_runs[s.para] = (first, i + 1)
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr) if len(indptr) else np.zeros(0, dtype=np.int64)
        self._pinyin: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def probe(self) -> tuple[str, np.ndarray] | None:
        """A stored passage and its stored vector: the encoder that answers must give the same."""
        if not self.passages:
            return None
        p = self.passages[0]
        return self.paragraph_table[p.para].text[p.start : p.end], self.passage_vectors[0]

    @property
    def encoder_name(self) -> str:
        return str(self.manifest["encoder"]["name"])

    def passage_text(self, i: int) -> str:
        p = self.passages[i]
        return self.paragraph_table[p.para].text[p.start : p.end]

    def vectors_by_hash(self) -> dict[str, np.ndarray]:
        """Every stored vector by the sha1 of the text it embeds (to reuse them elsewhere)."""
        known = {r.hash: v for r, v in zip(self.passages, self.passage_vectors, strict=True)}
        known.update({r.hash: v for r, v in zip(self.sentence_table, self.sentence_vectors, strict=True)})
        return known

    def sentence_rows(self, para: int) -> range:
        first, end = self._sentence_runs.get(para, (0, 0))
        return range(first, end)

    # -- the Store protocol -----------------------------------------------------------------------

    def dense_search(self, query: np.ndarray, k: int) -> list[PassageHit]:
        if not self.passages:
            return []
        scores, ids = self.dense.search(query.reshape(1, -1).astype(np.float32), min(k, len(self.passages)))
        return [
            PassageHit(int(i), self.passages[i].para, float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if i >= 0
        ]

    def lexical_search(self, tokens: list[str], text: str, k: int) -> list[PassageHit]:
        ids = self.bm25.get_tokens_ids(tokens)
        if not ids or not self.passages:
            return []
        scores = self.bm25.get_scores(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [PassageHit(int(i), self.passages[i].para, float(scores[i])) for i in top if scores[i] > 0]

    def paragraphs(self, keys: Sequence[int]) -> dict[int, ParagraphRecord]:
        return {k: self.paragraph_table[k] for k in keys}

    def sentences(self, paras: Sequence[int]) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        out = {}
        for para in paras:
            rows = self.sentence_rows(para)
            found = [SentenceRow(r, self.sentence_table[r].start, self.sentence_table[r].end) for r in rows]
            out[para] = (found, self.sentence_vectors[rows.start : rows.stop])
        return out

    def term_statistics(self, tokens: Sequence[str]) -> tuple[int, dict[str, int]]:
        vocab = self.bm25.vocab_dict
        return len(self.passages), {t: int(self._df[vocab[t]]) for t in tokens if t in vocab}

    def words_by_pinyin(self, keys: Sequence[str]) -> dict[str, list[str]]:
        with self._lock:
            if self._pinyin is None:
                table: dict[str, list[str]] = {}
                for word in self.bm25.vocab_dict:
                    if is_han_word(word):
                        table.setdefault(pinyin_key(word), []).append(word)
                self._pinyin = table
        return {k: self._pinyin[k] for k in keys if k in self._pinyin}

    def userdict(self) -> Path | None:
        return corpus_userdict(Path(self.manifest["corpus"]["root"]))

    def document(self, doc: str) -> list[ParagraphRecord]:
        rows = [p for p in self.paragraph_table if p.doc == doc]
        return sorted(rows, key=lambda p: (p.article, p.paragraph))

    def outline(self) -> list[ArticleOutline]:
        return outline(self.paragraph_table)

    def fingerprint(self) -> str:
        return fingerprint(self.manifest["corpus"]["files"])

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local (faiss + bm25s)",
            "path": str(self.index_dir) if self.index_dir else None,
            **self.manifest["counts"],
            "encoder": self.manifest["encoder"],
        }

    def add(self, rows: IndexRows) -> None:
        base = len(self.paragraph_table)

        def moved(spans: list[SpanRecord]) -> list[SpanRecord]:
            return [SpanRecord(r.para + base, r.start, r.end, r.hash) for r in spans]

        self._rewrite(
            IndexRows(
                self.paragraph_table + rows.paragraphs,
                self.passages + moved(rows.passages),
                self.sentence_table + moved(rows.sentences),
                np.vstack([self.passage_vectors, rows.passage_vectors]),
                np.vstack([self.sentence_vectors, rows.sentence_vectors]),
            ),
            changed={p.doc for p in rows.paragraphs},
        )

    def delete_document(self, doc: str) -> int:
        keep = [i for i, p in enumerate(self.paragraph_table) if p.doc != doc]
        removed = len(self.paragraph_table) - len(keep)
        if removed:
            row = {old: new for new, old in enumerate(keep)}
            passages = [i for i, r in enumerate(self.passages) if r.para in row]
            sentences = [i for i, r in enumerate(self.sentence_table) if r.para in row]
            self._rewrite(
                IndexRows(
                    [self.paragraph_table[i] for i in keep],
                    [replace(self.passages[i], para=row[self.passages[i].para]) for i in passages],
                    [replace(self.sentence_table[i], para=row[self.sentence_table[i].para]) for i in sentences],
                    self.passage_vectors[passages],
                    self.sentence_vectors[sentences],
                ),
                changed={doc},
            )
        return removed

    def _rewrite(self, rows: IndexRows, changed: set[str]) -> None:
        """Write these rows as a new build of this index's folder and switch to it. The changed
        documents leave the recorded corpus fingerprint, so the next ``qa index`` of the corpus
        folder brings the index back in line with the files (reusing every vector)."""
        if self.index_dir is None:
            raise QAError("this index was not loaded from a folder; it cannot be written")
        with writing(self.index_dir):
            build_id, artefacts = write_build(self.index_dir, rows, self.manifest["settings"], self.userdict())
            write_manifest(self.index_dir, rewritten(self.manifest, build_id, artefacts, rows, changed))
            remove_stale_builds(self.index_dir, keep=build_id)
        fresh = Index.load(self.index_dir)
        with self._lock:
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_lock"})

    @classmethod
    def load(cls, index_dir: Path | str, encoder_name: str | None = None) -> Index:
        """Load and verify; ``encoder_name`` (if given) must match the one the index was built with."""
        index_dir = Path(index_dir)
        manifest = read_manifest(index_dir)
        if encoder_name is not None and manifest["encoder"]["name"] != encoder_name:
            raise IndexMismatchError(
                f"{index_dir} was built with encoder {manifest['encoder']['name']!r}, not {encoder_name!r}; "
                f"rebuild with `qa index --encoder ...` or load it with its own encoder"
            )
        build = verify_artefacts(index_dir, manifest)
        try:
            paragraphs = [ParagraphRecord(**row) for row in read_jsonl(build / "paragraphs.jsonl")]
            passages = [SpanRecord(**row) for row in read_jsonl(build / "passages.jsonl")]
            sentences = [SpanRecord(**row) for row in read_jsonl(build / "sentences.jsonl")]
            passage_vectors = np.load(build / "passage_vectors.npy", allow_pickle=False)
            sentence_vectors = np.load(build / "sentence_vectors.npy", allow_pickle=False)
            bm25 = bm25s.BM25.load(str(build / "bm25"), allow_pickle=False, load_corpus=False)
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise IndexCorruptError(
                f"{index_dir}: cannot read the index ({exc}); rebuild with `qa index`"
            ) from exc
        dim = int(manifest["encoder"]["dim"])
        if passage_vectors.shape != (len(passages), dim) or sentence_vectors.shape != (len(sentences), dim):
            raise IndexCorruptError(
                f"{index_dir}: vectors do not match the passages; rebuild with `qa index`"
            )
        if "dense.faiss" in manifest["artefacts"]:  # only what the manifest lists (and verified)
            dense = faiss.read_index(str(build / "dense.faiss"))
            if dense.ntotal != len(passages):
                raise IndexCorruptError(
                    f"{index_dir}: dense.faiss does not match the passages; rebuild with `qa index`"
                )
        else:
            dense = make_dense_index(passage_vectors, manifest["settings"])
        return cls(manifest, IndexRows(paragraphs, passages, sentences, passage_vectors, sentence_vectors), bm25, dense, index_dir)
