"""PDF pages -> heading and paragraph blocks, read from the page's own layout.

pdfplumber (on pdfminer.six) gives every character with its font, size and box. From those:

- **lines** and **reading order**: :mod:`qa.ingest.pdf_order`; the bands between horizontal
  rules that span the page are read one after another;
- **page furniture**: text above a rule at the top of the page (a masthead) or below one at
  the bottom, small print and page numbers in the margins, and lines repeated at the top or
  bottom of most pages are not body text: they are kept apart (``Pdf.furniture``);
- **headings**: lines set larger than the body text (the body size is the size most
  characters have): much larger ones are titles (level 1, one article each on a page of
  several), somewhat larger ones section headings (level 2); a line in a heading's size
  right under a title, before any body text, is the title's deck and stays text (unless it opens with a numeral: 一、, 第一章);
- **paragraphs**: a line starts one when it is indented, when the line before it ends a
  sentence short of the column's edge, after a gap wider than the line pitch, or when it opens
  with a clause marker (第X条, 一、, （一）, 1.); a paragraph broken by a column end goes on in
  the next column;
- **tables** drawn with ruling lines (pdfplumber's ``find_tables``) are read apart from the
  text, a block per row (:func:`qa.ingest.loaders.table_blocks`), in their place in reading order.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, replace

from qa.ingest.layout import ends_sentence, join_lines, remove_justification_spaces
from qa.ingest.loaders import Block, table_blocks
from qa.ingest.pdf_order import Segment, inside, reading_order, segments

TITLE_RATIO = 1.35  # a line this much larger than the body text is a title
HEADING_RATIO = 1.12  # ... and this much larger a section heading
DECK = -1  # (inside: a deck line, given out as text)
TABLE = -2  # (inside: a table's place)
SMALL_RATIO = 0.9  # print this much smaller than the body, in a margin, is furniture
MARGIN_SHARE = 0.08  # of the page height, at the top and at the bottom
REPEAT_SHARE = 0.12  # ... where a line is looked for on the other pages
RULE_ZONE = 0.2  # a rule this near the top (or bottom) of the page closes a masthead (footer)
CLAUSE = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[条章节款]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d))")
PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*/?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")


@dataclass(frozen=True)
class Pdf:
    """What the page layout gave: its blocks, and the furniture's text."""

    blocks: tuple[Block, ...]
    furniture: tuple[str, ...]
    text: str = ""  # every character on the pages


Page = tuple[float, list[Segment], list[float]]  # height, segments, tops of the rules across it


def read_pdf(data: bytes) -> Pdf:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = []
        whole: list[str] = []
        for number, page in enumerate(pdf.pages):
            rules = [
                float(e["top"])
                for e in page.horizontal_edges
                if float(e["x1"]) - float(e["x0"]) > 0.5 * float(page.width)
            ]
            boxes = [(t.bbox, t.extract()) for t in page.find_tables()]
            chars = [c for c in page.chars if not any(inside(c, box) for box, _ in boxes)]
            tables = [
                Segment("", box[0], box[2], box[1], box[3], 0.0, number, [[c or "" for c in r] for r in rows])
                for box, rows in boxes
            ]
            pages.append((float(page.height), segments(chars, number) + tables, rules))
            whole.append("".join(c["text"] for c in page.chars))
    return replace(layout(pages), text="\n".join(whole))


def layout(pages: list[Page]) -> Pdf:
    sizes: Counter[float] = Counter()
    for _, segs, _ in pages:
        for s in segs:
            sizes[s.size] += len(s.text)
    if not sizes:
        return Pdf((), ())
    body = sizes.most_common(1)[0][0]
    repeated = _repeated_margins(pages)
    furniture: list[str] = []
    lines: list[tuple[Segment, tuple[float, float]]] = []  # each with its block's left and right
    for height, segs, rules in pages:
        kept = []
        top_rule = max((r for r in rules if r < RULE_ZONE * height), default=None)
        foot_rule = min((r for r in rules if r > (1 - RULE_ZONE) * height), default=None)
        for s in segs:
            if s.table is None and (
                (top_rule is not None and s.bottom <= top_rule)
                or (foot_rule is not None and s.top >= foot_rule)
                or (
                    _in_margin(s, height)
                    and (s.size < SMALL_RATIO * body or PAGE_NUMBER.match(s.text) or _shape(s.text) in repeated)
                )
            ):
                furniture.append(s.text)
            else:
                kept.append(s)
        cuts = sorted(r for r in rules if (top_rule is None or r > top_rule) and (foot_rule is None or r < foot_rule))
        for band in _bands(kept, cuts):
            for leaf in reading_order(band, body):
                lines.extend(_leaf_lines(leaf, body))
    return Pdf(tuple(_blocks(lines, body)), tuple(furniture))


def _in_margin(s: Segment, height: float) -> bool:
    return s.bottom <= MARGIN_SHARE * height or s.top >= (1 - MARGIN_SHARE) * height


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _repeated_margins(pages: list[Page]) -> set[str]:
    """Lines (digits aside) at the top or bottom of at least half of the pages, if several."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for height, segs, _ in pages:
        seen.update(
            {_shape(s.text) for s in segs if s.bottom <= REPEAT_SHARE * height or s.top >= (1 - REPEAT_SHARE) * height}
        )
    return {t for t, n in seen.items() if n >= max(2, len(pages) // 2)}


def _bands(segs: list[Segment], cuts: list[float]) -> list[list[Segment]]:
    bands: list[list[Segment]] = [[] for _ in range(len(cuts) + 1)]
    for s in segs:
        bands[sum(1 for c in cuts if c < (s.top + s.bottom) / 2)].append(s)
    return [b for b in bands if b]


def _leaf_lines(leaf: list[Segment], body: float) -> list[tuple[Segment, tuple[float, float]]]:
    """A leaf's segments merged per baseline, each with the leaf's left and right edge."""
    merged: list[Segment] = []
    for s in leaf:
        last = merged[-1] if merged else None
        if last and abs(last.bottom - s.bottom) <= 0.3 * body and last.size == s.size and s.table is None and last.table is None:
            merged[-1] = Segment(last.text + " " + s.text, last.x0, s.x1, min(last.top, s.top), max(last.bottom, s.bottom), last.size, s.page)
        else:
            merged.append(s)
    text_lines = [s for s in merged if abs(s.size - body) < 0.5] or [s for s in merged if s.table is None] or merged
    edges = (min(s.x0 for s in text_lines), max(s.x1 for s in text_lines))
    return [(s, edges) for s in merged]


def _level(size: float, body: float) -> int:
    if size >= TITLE_RATIO * body:
        return 1
    if size >= HEADING_RATIO * body:
        return 2
    return 0


def _blocks(lines: list[tuple[Segment, tuple[float, float]]], body: float) -> list[Block]:
    out: list[tuple[list[str], int]] = []  # each block's lines and level (a table's: its rows)
    pitches = [
        b[0].top - a[0].top
        for a, b in itertools.pairwise(lines)
        if a[1] == b[1] and 0 < b[0].top - a[0].top < 3 * body and abs(a[0].size - body) < 0.5
    ]
    pitch = statistics.median(pitches) if pitches else 1.6 * body
    prev: tuple[Segment, tuple[float, float]] | None = None
    for seg, edges in lines:
        if seg.table is not None:
            out.append(([b.text for b in table_blocks(seg.table, 0)], TABLE))
            prev = None
            continue
        level = _level(seg.size, body)
        if level == 2 and out and out[-1][1] in (1, DECK) and not CLAUSE.match(seg.text):
            level = DECK  # a line in a heading's size right under a title: its deck
        if level:
            text = remove_justification_spaces(seg.text)
            if prev is not None and out and out[-1][1] == level and prev[0].size == seg.size and prev[1] == edges:
                out[-1][0].append(text)  # a heading over two lines
            else:
                out.append(([text], level))
        elif out and out[-1][1] == 0 and prev is not None and _continues(prev, (seg, edges), body, pitch):
            out[-1][0].append(seg.text)
        else:
            out.append(([seg.text], 0))
        prev = (seg, edges)
    blocks: list[Block] = []
    tables = 0
    for parts, level in out:
        if level == TABLE:
            tables += 1
            blocks += [Block(row, 0, tables) for row in parts]
        else:
            blocks.append(Block(join_lines(parts), max(level, 0)))
    return blocks


def _continues(
    prev: tuple[Segment, tuple[float, float]], line: tuple[Segment, tuple[float, float]], body: float, pitch: float
) -> bool:
    """Whether ``line`` goes on with the paragraph that ``prev`` is the last line of."""
    (a, (_, right_a)), (b, (left_b, _)) = prev, line
    if abs(a.size - b.size) >= 0.5 or CLAUSE.match(b.text):
        return False
    if b.x0 - left_b >= 0.9 * b.size:  # indented
        return False
    if a.x1 < right_a - 1.5 * a.size and (ends_sentence(a.text) or a.text.endswith(("：", ":"))):
        return False  # the line before ended a sentence short of the column's edge
    if prev[1] == line[1] and a.page == b.page:
        return b.top - a.top <= 1.4 * pitch
    return not ends_sentence(a.text)  # a column or page break inside a paragraph
