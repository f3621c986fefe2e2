"""Paragraphs -> passages (what retrieval ranks) and sentences (what answers quote).

A paragraph is one passage unless it is longer than the encoder's window; then it is cut at
sentence ends into overlapping windows. Every passage and sentence keeps its character
offsets into the paragraph text, so a quote can always be checked against its source.
"""

from __future__ import annotations

import re

from qa.records import Span

# A sentence ends at 。！？；… (a run of them), plus closing quotes or brackets after it. An ASCII
# . ! ? ; ends one only before whitespace or the end of the text, and a "." not after a digit
# (3.5 never matches: no space follows) nor after an abbreviation ("Dr.", "U.S.").
_END = re.compile(r"(?:[。！？；…]+|[.!?;]+(?=\s|$))[”’」』）)》\"']*")
_ABBREVIATION = re.compile(r"(?:(?<![A-Za-z])[A-Z]|\b(?:Dr|Mr|Mrs|Ms|St|No|vs|etc|Fig|Vol))$")
# A stop inside 《…》, （…）, 「…」, “…” does not end the sentence around it (a title, an
# aside, a quotation); an unclosed mark stops counting after this many characters.
_OPEN, _CLOSE = "《（(「『“", "》）)」』”"
_MAX_NESTED = 150


# A sentence longer than this (a line without stops, a table flattened to text) is cut at its
# last clause mark before the limit, or at the limit where it has none: quotes stay readable and
# the work per sentence stays bounded. Real prose rarely reaches it (CMRC and DRCD: 10 of 13,581
# sentences are longer).
MAX_SENTENCE = 300
_CLAUSE = re.compile(r"[，、：,:\s]")

# Bump when sentence or passage boundaries change: built indexes then count as stale.
CHUNKER = "sentences-v3"


def split_sentences(text: str) -> list[Span]:
    """Sentence spans covering ``text`` (whitespace between sentences left out)."""
    spans: list[Span] = []
    start = 0
    depth = _nesting(text)
    for m in _END.finditer(text):
        if text[m.start()] == "." and _ABBREVIATION.search(text, 0, m.start()):
            continue
        if depth[m.end() - 1] > 0:
            continue
        _add(spans, text, start, m.end())
        start = m.end()
    _add(spans, text, start, len(text))
    return spans


def _nesting(text: str) -> list[int]:
    """Bracket and quote depth after each character (reset when a mark stays open too long)."""
    depth, opened_at, out = 0, -1, []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
            opened_at = i if depth == 1 else opened_at
        elif ch in _CLOSE and depth > 0:
            depth -= 1
        if depth > 0 and i - opened_at > _MAX_NESTED:
            depth = 0
        out.append(depth)
    return out


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max((m.end() for m in _CLAUSE.finditer(text, start + MAX_SENTENCE // 2, limit)), default=limit)
        _add(spans, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append(Span(start, end))


def passage_spans(text: str, sentences: list[Span], budget: int, overlap: int) -> list[Span]:
    """Windows of whole sentences of at most ``budget`` characters (a longer sentence is cut
    at the budget), each starting with up to ``overlap`` characters of the previous one."""
    if len(text) <= budget:
        return [Span(0, len(text))] if text else []
    pieces: list[Span] = []
    for s in sentences:  # cut sentences that alone exceed the budget
        for cut in range(s.start, s.end, budget):
            pieces.append(Span(cut, min(cut + budget, s.end)))
    windows: list[Span] = []
    i = 0
    while i < len(pieces):
        j = i
        while j + 1 < len(pieces) and pieces[j + 1].end - pieces[i].start <= budget:
            j += 1
        windows.append(Span(pieces[i].start, pieces[j].end))
        if j + 1 >= len(pieces):
            break
        # Next window starts with the trailing sentences of this one that fit in the overlap.
        k = j + 1
        while k - 1 > i and pieces[j].end - pieces[k - 1].start <= overlap:
            k -= 1
        i = k
    return windows
