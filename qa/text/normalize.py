"""Text normalisation shared by indexing and questions: NFKC (full-width to half-width),
traditional to simplified Chinese (OpenCC), lower case. Only for matching: quotes and
citations always use the source text."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import opencc

NORMALISER = "nfkc+opencc-t2s+lower"
_local = threading.local()


def _converter() -> opencc.OpenCC:
    # OpenCC converters are not documented as thread-safe: keep one per thread.
    conv = getattr(_local, "t2s", None)
    if conv is None:
        conv = _local.t2s = opencc.OpenCC("t2s")
    return conv


def to_simplified(text: str) -> str:
    """OpenCC's traditional-to-simplified conversion (one converter per thread)."""
    converted: str = _converter().convert(text)
    return converted


_HAN = re.compile(r"[\u4e00-\u9fff]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (a CJK unified ideograph)."""
    return _HAN.search(text) is not None


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()
