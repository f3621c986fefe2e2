"""Typeset Chinese articles into the kind of text a PDF of a newspaper page extracts to.

Used by the layout tests: lines broken at a column width with the paragraph indent dropped,
punctuation that may not start a line hung on the line before, blank lines at column breaks,
justification spaces on some lines, bylines and author notes, titles before or after bodies.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

NO_LINE_START = "，。、；：！？”’）》」』…"
PUNCT = "，。、；：！？“”‘’（）《》「」『』…—·"


@dataclass(frozen=True)
class Piece:
    title: str
    paragraphs: list[str]
    author: str
    marker: str = "□"
    note: str | None = None


@dataclass(frozen=True)
class Layout:
    width: int  # column width in cells
    column_height: int  # lines per column; a blank line marks each column break
    title_after: bool  # titles printed after their article's body
    blank_between_paragraphs: bool
    squeeze_punct: bool  # punctuation set in half a cell
    spaced_share: float  # share of lines with justification spaces between characters
    header: tuple[str, ...] = ()


def _cell(ch: str, squeeze: bool) -> float:
    if ch.isascii():
        return 0.5
    if ch in PUNCT:
        return 0.5 if squeeze else 1.0
    return 1.0


def wrap(text: str, width: int, indent: int, squeeze: bool) -> list[str]:
    """Break ``text`` into lines of ``width`` cells, the first ``indent`` cells narrower."""
    lines: list[str] = []
    line, used, cap = "", 0.0, width - indent
    for ch in text:
        w = _cell(ch, squeeze)
        if used + w > cap and line and ch not in NO_LINE_START:
            lines.append(line)
            line, used, cap = "", 0.0, width
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


def _spaced(line: str) -> str:
    """Justification spaces between characters, as extraction leaves them (none after a comma)."""
    if any(ch.isascii() for ch in line):
        return line
    out = line[0]
    for prev, ch in itertools.pairwise(line):
        out += ch if prev in "，、" else " " + ch
    return out


def typeset(pieces: list[Piece], layout: Layout, rng: random.Random) -> str:
    rows: list[str] = []  # "" marks a blank line that the page itself has
    for line in layout.header:
        rows += [line, ""]
    body_rows: set[int] = set()
    for piece in pieces:
        if not layout.title_after:
            rows += [piece.title, ""]
        rows += [piece.marker + piece.author, ""]
        for paragraph in piece.paragraphs:
            for line in wrap(paragraph, layout.width, 2, layout.squeeze_punct):
                body_rows.add(len(rows))
                rows.append(_spaced(line) if rng.random() < layout.spaced_share else line)
            if layout.blank_between_paragraphs:
                rows.append("")
        if rows[-1] != "":
            rows.append("")
        if piece.note:
            rows += [*wrap(piece.note, layout.width, 0, layout.squeeze_punct), ""]
        if layout.title_after:
            rows += [piece.title, ""]
    out: list[str] = []
    filled = 0
    for n, row in enumerate(rows):
        out.append(row)
        if n in body_rows:
            filled += 1
            if filled % layout.column_height == 0 and n + 1 < len(rows) and rows[n + 1] != "":
                out.append("")  # column break
    return "\n".join(out) + "\n"


def random_layout(rng: random.Random) -> Layout:
    return Layout(
        width=rng.randint(12, 26),
        column_height=rng.randint(8, 30),
        title_after=rng.random() < 0.5,
        blank_between_paragraphs=rng.random() < 0.5,
        squeeze_punct=rng.random() < 0.5,
        spaced_share=rng.choice([0.0, 0.1, 0.3]),
        header=rng.choice([(), ("要闻",), ("热点观察", "理论周刊")]),
    )
