"""Deterministic stand-ins for the real encoder (no model, instant), for tests."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence

import numpy as np

from qa.text.normalize import normalize


class FakeEncoder:
    """Hashes character bigrams into a small vector: similar texts get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "fake:bigram-hash") -> None:
        self.name = name
        self.dim = dim
        self.encoded: list[str] = []  # every text it was asked to encode, in order

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        chars = [c for c in normalize(text) if c.isalnum()]
        for a, b in zip(chars, chars[1:] or [""], strict=False):
            v[zlib.crc32((a + b).encode()) % self.dim] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self._vector(t) for t in texts], dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return self.encode_queries(texts)


class SlowEncoder(FakeEncoder):
    """Takes its time per batch, so a test can kill a build while it encodes."""

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(0.5)
        return super().encode_passages(texts)
