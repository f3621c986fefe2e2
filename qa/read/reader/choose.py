"""From retrieved paragraphs to what the reader reads, and from its best span to a quote.

The reader reads a few windows (``Settings.reader_windows``): one centred on the best sentence of
each of the first paragraphs in retrieval order, then the next-best sentences of those paragraphs
when they lie outside a window already read. The answer is the span whose score most exceeds its
window's no-answer score; the quote is the sentence, or the run of sentences, that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.read.evidence import Window
from qa.read.reader.features import ReadSpan
from qa.read.reader.model import NumpyReader, PartsRead, Passage
from qa.settings import Settings

# Marks a short answer does not begin or end with (the reader's token edges can take them in);
# a quote or bracket whose other half is inside the answer stays ("“需求清单”").
EDGE_MARKS = " \t\r\n\u3000，。、；：！？,.;:!?"
PAIRS = {"”": "“", "’": "‘", "）": "（", ")": "(", "」": "「", "』": "『", "》": "《", "]": "["}
OPENERS = {v: k for k, v in PAIRS.items()}


@dataclass(frozen=True)
class Candidate:
    """A sentence offered to the reader: its paragraph key, its place and its prior score."""

    para: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Reading:
    para: int
    text: str
    focus: tuple[int, int]


def readings(
    order: Sequence[int],
    texts: dict[int, str],
    candidates: Sequence[Candidate],
    paragraphs: int,
    windows: int,
    room_chars: int,
) -> list[Reading]:
    """The windows to read: the best sentence of each of the first ``paragraphs`` paragraphs of
    ``order``, then further sentences of those paragraphs (best first) whose centre lies outside
    every window of its paragraph so far (``room_chars`` wide), until ``windows``."""
    by_para: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_para.setdefault(c.para, []).append(c)
    chosen: list[Reading] = []
    ranked = [sorted(by_para.get(p, []), key=lambda c: -c.score) for p in order[:paragraphs]]
    for depth in range(max((len(r) for r in ranked), default=0)):
        for group in ranked:
            if len(chosen) >= windows or depth >= len(group):
                continue
            c = group[depth]
            centre = (c.start + c.end) // 2
            text = texts[c.para]
            if depth > 0 and (
                len(text) <= room_chars
                or any(
                    r.para == c.para and abs((r.focus[0] + r.focus[1]) // 2 - centre) < room_chars // 2
                    for r in chosen
                )
            ):
                continue
            chosen.append(Reading(c.para, text, (c.start, c.end)))
    return chosen


def reread(
    reader: NumpyReader, question: str, text: str, best: Window, windows: Sequence[Window], settings: Settings
) -> tuple[Window, PartsRead]:
    """Of the best ``settings.reader_rerank`` sentences of ``best``'s paragraph (``text``) by their
    evidence, the one whose evidence score plus ``settings.reader_rerank_weight`` times the
    reader's best span score inside it is the highest, and the reading (for the short answer
    next). A sentence the reader finds no span in counts the lowest span score found.

    A sentence outside the windows read so far gets a window of its own only if it could still
    win: if its evidence plus the weight times the highest score the reader can give
    (:attr:`NumpyReader.ceiling`) beats the best total so far. So the choice is the one reading
    every sentence would make, with fewer windows read."""
    ranked = sorted((w for w in windows if w.para == best.para), key=lambda w: -w.score)
    sentences, weight = ranked[: settings.reader_rerank], settings.reader_rerank_weight

    def wanted(read: PartsRead, k: int) -> bool:
        found = [(w, read.best(w.start, w.end)) for w in sentences if read.holds(w.start, w.end)]
        totals = [w.score + weight * s.score for w, s in found if s is not None]
        return not totals or sentences[k].score + weight * reader.ceiling > max(totals)

    read = reader.read_parts(question, text, [(w.start, w.end) for w in sentences], wanted)
    held = [w for w in sentences if read.holds(w.start, w.end)] or sentences[:1]
    spans = [read.best(w.start, w.end) for w in held]
    floor = min((s.score for s in spans if s is not None), default=0.0)
    scored = [
        (w.score + weight * (s.score if s is not None else floor), -k)
        for k, (w, s) in enumerate(zip(held, spans, strict=True))
    ]
    return held[-max(scored)[1]], read


def passages(chosen: Sequence[Reading]) -> list[Passage]:
    return [Passage(r.text, r.focus) for r in chosen]


def clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without spaces and stray punctuation at its edges: a bracket or quote mark is
    dropped only when its other half is outside the span."""
    changed = True
    while changed and start < end:
        changed = False
        first, last = text[start], text[end - 1]
        if (
            first in EDGE_MARKS
            or first in PAIRS
            or (first in OPENERS and OPENERS[first] not in text[start + 1 : end])
        ):
            start, changed = start + 1, True
        elif (
            last in EDGE_MARKS
            or last in OPENERS
            or (last in PAIRS and PAIRS[last] not in text[start : end - 1])
        ):
            end, changed = end - 1, True
    return start, end


def quote_bounds(sentences: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The run of sentences that holds characters [start, end)."""
    inside = [(a, b) for a, b in sentences if b > start and a < end]
    if not inside:
        return start, end
    return min(start, inside[0][0]), max(end, inside[-1][1])


def margin(span: ReadSpan) -> float:
    return span.score - span.null
