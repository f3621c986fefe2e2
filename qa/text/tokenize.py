"""Lexical tokens for BM25: jieba in search mode over normalised text, punctuation and
stopwords dropped. The same function serves passages and questions."""

from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
from pathlib import Path

import jieba

from qa.text.normalize import normalize

jieba.setLogLevel(logging.WARNING)

TOKENIZER = "jieba-search"
# Function words and question words: they carry no topic, and questions are full of them.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "等",
        "也",
        "都",
        "而",
        "并",
        "对",
        "把",
        "被",
        "从",
        "以",
        "之",
        "其",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "有",
        "为",
        "于",
        "就",
        "还",
        "又",
        "什么",
        "哪",
        "哪些",
        "哪个",
        "哪里",
        "哪儿",
        "哪年",
        "哪天",
        "谁",
        "多少",
        "几",
        "怎么",
        "怎样",
        "如何",
        "为什么",
        "为何",
        "是否",
        "吗",
        "呢",
        "吧",
        "啊",
        "请问",
        "请",
        "问",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "for",
        "and",
        "or",
        "what",
        "which",
        "who",
        "when",
        "where",
        "how",
        "why",
        "does",
        "do",
        "did",
    ]
)

_lock = threading.Lock()
_tokenizers: dict[str, jieba.Tokenizer] = {}


def userdict_hash(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tokenizer(userdict: Path | None) -> jieba.Tokenizer:
    key = str(userdict) if userdict and userdict.is_file() else ""
    with _lock:
        tk = _tokenizers.get(key)
        if tk is None:
            tk = jieba.Tokenizer()
            tk.initialize()
            if key:
                tk.load_userdict(key)
            _tokenizers[key] = tk
        return tk


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokenize(text: str, userdict: Path | None = None) -> list[str]:
    tk = _tokenizer(userdict)
    tokens = tk.cut_for_search(normalize(text))
    return [t for t in (tok.strip() for tok in tokens) if t and _is_word(t) and t not in STOPWORDS]
