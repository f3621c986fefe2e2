"""The question's words to search and weigh with: its own tokens, or for a question in English
its reading in the documents' words (CC-CEDICT backwards, romanised names); and each word's
IDF over the store."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.index.store import Store, idf
from qa.read.lexicon import Translation, cedict, name_keys, translate
from qa.read.question import Question, analyse
from qa.text.normalize import has_han
from qa.text.tokenize import tokenize


class SearchWords:
    def __init__(self, store: Store, userdict: Path | None) -> None:
        self.store = store
        self._userdict = userdict

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

    def weights(self, tokens: list[str]) -> tuple[dict[str, float], float]:
        """BM25 IDF of each question token (words the corpus never uses get the largest), and
        the share of the question's IDF mass in such words."""
        n, df = self.store.term_statistics(sorted(set(tokens)))
        n = max(1, n)
        unseen = math.log(1.0 + (n + 0.5) / 0.5)
        weights = {t: idf(n, df[t]) if t in df else unseen for t in set(tokens)}
        total = sum(weights.values())
        oov = sum(w for t, w in weights.items() if t not in df) / total if total else 1.0
        return weights, oov
