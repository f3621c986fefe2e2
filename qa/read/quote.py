"""What an answer quotes and cites: the chosen sentence, with the sentence beside it where it
cannot stand alone, and the short answer inside the quote."""

from __future__ import annotations

import re

from qa.answer import Citation
from qa.index.corpus import ParagraphRecord
from qa.read.evidence import Window
from qa.read.extract import answer_span
from qa.read.question import Question

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


def quote(
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
    span = answer_span(q, text[start:end])
    citation = cite(para, start, end, span.start, span.end)
    assert para.text[citation.start : citation.end] == citation.quote
    return citation


def cite(para: ParagraphRecord, start: int, end: int, short_start: int, short_end: int) -> Citation:
    """The citation of ``para.text[start:end]``, its short answer at ``short_start:short_end`` of the quote."""
    return Citation(
        para.doc, para.article, para.title, para.author, para.paragraph,
        start, end, para.text[start:end], short_start, short_end, para.section,
    )
