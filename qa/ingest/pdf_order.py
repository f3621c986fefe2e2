"""A PDF page's characters -> lines (segments) -> blocks in reading order.

- **lines**: characters on one baseline, cut where a gap is wider than a column gutter;
- **reading order**: the page is cut recursively along its widest blank band (an X-Y cut):
  columns are read left to right, each top to bottom, and a headline that spans columns is
  read before them.

Characters are pdfplumber's dicts (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.ingest.layout import is_wide


@dataclass
class Segment:
    """Characters on one baseline with no gap wider than a gutter."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    table: list[list[str]] | None = None  # a table found by its ruling lines, in its box



def inside(ch: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def segments(chars: Sequence[dict[str, Any]], page: int) -> list[Segment]:
    """The page's characters grouped into segments (a line of one column)."""
    rows: list[list[dict[str, Any]]] = []
    for ch in sorted((c for c in chars if c["text"].strip() or c["text"] == " "), key=lambda c: (c["bottom"], c["x0"])):
        if rows and abs(rows[-1][-1]["bottom"] - ch["bottom"]) <= 0.3 * max(ch["size"], 1.0):
            rows[-1].append(ch)
        else:
            rows.append([ch])
    out: list[Segment] = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        piece: list[dict[str, Any]] = []
        for ch in row:
            if piece and ch["x0"] - piece[-1]["x1"] > 1.5 * max(ch["size"], piece[-1]["size"]):
                out.append(_segment(piece, page))
                piece = []
            piece.append(ch)
        out.append(_segment(piece, page))
    return [s for s in out if s.text]


def _segment(chars: list[dict[str, Any]], page: int) -> Segment:
    text = ""
    for prev, ch in zip([None, *chars[:-1]], chars, strict=True):
        if prev is not None and ch["text"] != " " and prev["text"] != " ":
            gap = ch["x0"] - prev["x1"]
            if gap > 0.25 * ch["size"] and not (is_wide(prev["text"][-1]) and is_wide(ch["text"][0])):
                text += " "
        text += ch["text"]
    sizes = Counter(round(float(c["size"]), 1) for c in chars if c["text"].strip())
    return Segment(
        " ".join(text.split()),
        float(chars[0]["x0"]),
        float(chars[-1]["x1"]),
        min(float(c["top"]) for c in chars),
        max(float(c["bottom"]) for c in chars),
        sizes.most_common(1)[0][0] if sizes else 0.0,
        page,
    )


def reading_order(segs: list[Segment], gutter: float) -> list[list[Segment]]:
    """X-Y cut: blocks of one column each, top to bottom, in reading order."""
    return [sorted(b, key=lambda s: (s.top, s.x0)) for b in _cut(segs, gutter)[0] if b]


def _cut(segs: list[Segment], gutter: float) -> tuple[list[list[Segment]], bool]:
    """(blocks, whether a column cut was made inside): parts cut apart only horizontally, with
    no columns inside either, stay one block."""
    if len(segs) <= 1:
        return [segs], False
    v = _widest_gap([(s.x0, s.x1) for s in segs])
    h = _widest_gap([(s.top, s.bottom) for s in segs])
    if v and v[0] >= gutter and (not h or v[0] >= h[0]):
        left, _ = _cut([s for s in segs if s.x1 <= v[1]], gutter)
        right, _ = _cut([s for s in segs if s.x1 > v[1]], gutter)
        return left + right, True
    if h:
        upper, cols_up = _cut([s for s in segs if s.bottom <= h[1]], gutter)
        lower, cols_low = _cut([s for s in segs if s.bottom > h[1]], gutter)
        if not cols_up and not cols_low:
            return [upper[0] + lower[0]], False
        return upper + lower, True
    return [segs], False


def _widest_gap(spans: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The widest gap between the union of ``spans``: (width, its middle)."""
    spans = sorted(spans)
    best: tuple[float, float] | None = None
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a > reach and (best is None or a - reach > best[0]):
            best = (a - reach, (a + reach) / 2)
        reach = max(reach, b)
    return best
