"""Each retrieved sentence's evidence against the question (word overlap weighted by IDF,
character bigrams, alignment of the question's words, the question word's own clause, the
words that tell sibling sentences apart) and its score among its paragraph's sentences."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qa.index.corpus import ParagraphRecord
from qa.index.store import Hit, RecordTable
from qa.read.align import alignment, context_pairs
from qa.read.question import Question
from qa.read.tags import has_typed_answer, proper_names
from qa.settings import Settings
from qa.text.normalize import has_han, normalize
from qa.text.tokenize import tokenize

SENTENCE_CACHE = 200_000  # sentences whose words and bigrams are kept between questions


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
_CLAUSE_SPLIT = re.compile(r"[,，;；:：]")


def longest_common(a: str, b: str) -> int:
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


class Parsed(NamedTuple):
    words: frozenset[str]
    norm: str
    bigrams: frozenset[str]


def holding(sentence: Parsed, words: list[str]) -> Parsed:
    """``sentence`` with ``words`` counted among its words."""
    return sentence._replace(words=sentence.words | frozenset(words)) if words else sentence


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


class Evidence:
    """Sentences' evidence for questions over one store (their words and bigrams computed once
    and kept; safe to share between threads)."""

    def __init__(self, store: RecordTable, settings: Settings, userdict: Path | None) -> None:
        self.store = store
        self.settings = settings
        self.userdict = userdict
        self._parsed: dict[int, Parsed] = {}
        self._lock = threading.Lock()

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
        answer then quotes both (see :func:`qa.read.quote.quote`).

        Words of the question that the paragraph's title holds name the topic every sentence of
        the article is about; ``focus`` counts only the others, the words that tell sibling
        sentences apart. ``clause`` and ``clause_focus`` count the words of the question word's
        own clause. Two features are the whole paragraph's, for the confidence: ``coverage``, the
        share of the question's word weight found anywhere in it, and ``names``, the share of the
        names the question asks about (people, places, organisations) that it or its title
        holds: a paragraph about another place answers nothing about this one."""
        total_idf = sum(idf.values()) or 1.0
        content = "".join(c for c in (q.left + q.right if q.wh else q.norm) if c.isalnum())
        qgrams = bigrams(content)
        qchars = set(content)
        pairs = context_pairs(q)
        own = self.question_words(q)
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
                holding(
                    p,
                    [w for w, alts in alternatives.items() if alts & p.words]
                    + [t for t in spelt if t not in p.words and t in p.norm],
                )
                for p in (self.parsed(s.key, text[s.start : s.end]) for s in rows)
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
                common = longest_common(content, norm) if shared_grams else min(shared_chars, 1)
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

    def question_words(self, q: Question) -> frozenset[str]:
        """The words of the question's own clause, the one that holds its question word: in
        "加强党的组织体系纵向延伸，要将支部建在哪里" the answer's sentence matches the second clause,
        the first names the section it stands in."""
        if not q.wh:
            return frozenset(tokenize(q.norm, self.userdict))
        own = _CLAUSE_SPLIT.split(q.left)[-1] + q.wh + _CLAUSE_SPLIT.split(q.right)[0]
        return frozenset(tokenize(own, self.userdict))

    def parsed(self, key: int, text: str) -> Parsed:
        """A sentence's words, normalised text and character bigrams, computed once."""
        cached = self._parsed.get(key)
        if cached is None:
            norm = normalize(text)
            cached = Parsed(frozenset(tokenize(text, self.userdict)), norm, frozenset(bigrams(norm)))
            with self._lock:
                if len(self._parsed) >= SENTENCE_CACHE:
                    self._parsed.clear()
                self._parsed[key] = cached
        return cached


def sentence_score(weights: dict[str, float], features: dict[str, float], chinese: bool) -> float:
    """A sentence's score against its paragraph's others: the weighted sum of its evidence, or
    for a question in another language (which shares no words with it) its cosine alone."""
    if not chinese:
        return features["dense"]
    return sum(weights.get(f, 0.0) * v for f, v in features.items())
