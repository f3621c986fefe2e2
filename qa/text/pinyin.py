"""Words by their sound: the toneless pinyin of Chinese words, so a question that misspells a
name with a homophone (重庆 / 重情) can still find the words the corpus spells that way."""

from __future__ import annotations


def is_han_word(word: str) -> bool:
    return len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word)


def pinyin_key(word: str) -> str:
    """Toneless pinyin run together: 重庆 -> "chongqing"."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))
