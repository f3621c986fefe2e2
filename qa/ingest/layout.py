"""Repair the line layout of text extracted from multi-column pages (PDF, newspaper scans).

Extraction leaves lines broken mid-sentence at the column width, blank lines where a column
ends, justification spaces between characters (``工 作 ，推 动``) and no paragraph marks.
This module turns raw text into :class:`Line` records (spaces repaired, positions kept) and
groups lines into paragraphs using the evidence a reader uses: a sentence that ends on a short
line, a sentence end followed by a blank line, or an indented next line. Only whitespace is
ever removed or inserted, so the text stays the source's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SENTENCE_END = "。！？!?…"
CLOSERS = "”’）》」』】)\"'"
# Punctuation that may not start a line, so typesetters hang it past the right margin.
HANGING = "，。、；：！？”’）》」』…,.;:!?)"
_SPACE_RUN = re.compile(r"[ \t\u3000\u00a0]+")
# How much narrower than its neighbours a line must be to count as short (in character widths).
SHORT_MARGIN = 2.0


@dataclass(frozen=True)
class Line:
    """One non-blank source line after space repair."""

    text: str
    pos: int  # offset of its first character in the source text
    number: int  # 1-based line number in the source
    blank_before: bool  # a blank line (or the start of the text) comes before it
    indented: bool  # the source indents it (two spaces or an ideographic space)

    @property
    def width(self) -> float:
        return display_width(self.text)


def is_wide(ch: str) -> bool:
    """Characters typeset on the Chinese grid: ideographs, kana, CJK and full-width punctuation."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    return ch in "“”‘’…—·"


def display_width(text: str, punct: float = 1.0) -> float:
    """Width in grid cells: ideographs take one, Latin letters and digits half a cell.

    Chinese punctuation takes ``punct`` cells: one in plain typesetting, about half where the
    typesetter squeezes it to justify lines (many newspapers do).
    """
    total = 0.0
    for ch in text:
        if not is_wide(ch):
            total += 0.5
        elif unicodedata.category(ch)[0] in "PS":
            total += punct
        else:
            total += 1.0
    return total


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def remove_justification_spaces(text: str) -> str:
    """Drop spaces between two wide characters; keep those next to Latin words and numbers."""

    def keep_or_drop(match: re.Match[str]) -> str:
        start, end = match.span()
        if start == 0 or end == len(text):
            return ""
        if is_wide(text[start - 1]) and is_wide(text[end]):
            return ""
        return " "

    return _SPACE_RUN.sub(keep_or_drop, text)


def join_lines(parts: list[str]) -> str:
    """Join broken lines: nothing in between, except one space between two Latin words."""
    out = ""
    for part in parts:
        if out and part and _latin_letter(out[-1]) and _latin_letter(part[0]):
            out += " "
        out += part
    return out


def _latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def split_lines(text: str) -> list[Line]:
    """Source text -> non-blank :class:`Line` records with repaired spaces and positions."""
    lines: list[Line] = []
    pos = 0
    blank_before = True
    for number, raw in enumerate(text.split("\n"), start=1):
        line_start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            blank_before = True
            continue
        lead = raw[: len(raw) - len(raw.lstrip())]
        indented = "\u3000" in lead or "\t" in lead or lead.count(" ") >= 2
        lines.append(
            Line(
                text=remove_justification_spaces(stripped),
                pos=line_start + raw.index(stripped[0]),
                number=number,
                blank_before=blank_before,
                indented=indented,
            )
        )
        blank_before = False
    return lines


def line_widths(lines: list[Line]) -> list[float]:
    """Each line's width without punctuation hung past the margin, under the punctuation width
    (squeezed or not) that makes open lines (those that stop mid-sentence) most even."""
    best: list[float] = []
    best_spread = float("inf")
    for punct in (1.0, 0.5):
        widths = [display_width(_unhung(line.text), punct) for line in lines]
        open_widths = [w for line, w in zip(lines, widths, strict=True) if not ends_sentence(line.text)]
        sample = open_widths or widths
        mean = sum(sample) / len(sample)
        spread = sum((w - mean) ** 2 for w in sample) / len(sample)
        if spread < best_spread - 1e-9:
            best, best_spread = widths, spread
    return best


def _unhung(text: str) -> str:
    """The line without the one punctuation mark a typesetter may hang past the margin."""
    return text[:-1] if len(text) > 1 and text[-1] in HANGING else text


def column_widths(lines: list[Line], widths: list[float], reach: int = 4) -> list[float]:
    """The column width at each line: the median width of nearby lines that stop mid-sentence
    (those fill the column; lines that end a paragraph need not)."""
    is_open = [not ends_sentence(line.text) for line in lines]
    everywhere = sorted(w for w, o in zip(widths, is_open, strict=True) if o) or sorted(widths)
    fallback = everywhere[len(everywhere) // 2]
    columns = []
    for i in range(len(lines)):
        near = sorted(
            widths[j]
            for j in range(max(0, i - reach), min(len(lines), i + reach + 1))
            if j != i and is_open[j]
        )
        columns.append(near[len(near) // 2] if near else fallback)
    return columns


def is_hard_wrapped(lines: list[Line], widths: list[float]) -> bool:
    """True for text broken at a column width rather than written one paragraph per line.

    Broken text has many lines that stop mid-sentence, and those lines are about as wide as
    their neighbours; headings (the other lines without a final stop) vary in width.
    """
    if len(lines) < 3:
        return False
    open_widths = [w for line, w in zip(lines, widths, strict=True) if not ends_sentence(line.text)]
    if len(open_widths) < max(2, 0.4 * len(lines)):
        return False
    # Broken lines fill the column, so they are no narrower than the lines that end
    # paragraphs; under a text typed one paragraph per line, the open lines (a signature, a
    # date) are even too, but far narrower than its sentences.
    closed = sorted(w for line, w in zip(lines, widths, strict=True) if ends_sentence(line.text))
    if len(closed) >= 2 and sorted(open_widths)[len(open_widths) // 2] < 0.75 * closed[len(closed) // 2]:
        return False
    even = sum(
        1
        for k, w in enumerate(open_widths)
        if any(abs(w - open_widths[j]) <= 2.0 for j in (k - 1, k + 1) if 0 <= j < len(open_widths))
    )
    return even / len(open_widths) >= 0.7


def split_paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group the lines of one article body into paragraphs."""
    if not lines:
        return []
    widths = line_widths(lines)
    if not is_hard_wrapped(lines, widths):
        return _split_unwrapped(lines)
    page = _Page(lines, widths, column_widths(lines, widths))
    # Paragraph starts that need no layout-wide judgement: after a sentence that ends a short line.
    sure = [0] + [i + 1 for i in range(len(lines) - 1) if ends_sentence(lines[i].text) and page.short(i)]
    judged = [i for i in sure if i + 2 < len(lines)]
    if judged:
        page.indents_paragraphs = sum(1 for i in judged if page.indented(i)) / len(judged) >= 0.6

    paragraphs: list[list[Line]] = [[lines[0]]]
    for i in range(1, len(lines)):
        if page.starts_paragraph(i, first_of_paragraph=len(paragraphs[-1]) == 1):
            paragraphs.append([])
        paragraphs[-1].append(lines[i])
    return paragraphs


@dataclass
class _Page:
    lines: list[Line]
    widths: list[float]
    columns: list[float]
    indents_paragraphs: bool | None = None  # None: no line to judge it by

    def short(self, i: int, indent: float = 0.0) -> bool:
        """Clearly narrower than the column (less ``indent`` for a paragraph's first line)."""
        return self.widths[i] < self.columns[i] - indent - SHORT_MARGIN

    def full(self, i: int) -> bool:
        return self.widths[i] >= self.columns[i] - 1.0

    def indented(self, i: int) -> bool:
        """About two cells narrower than the column: an indented first line."""
        return self.columns[i] - 3.5 <= self.widths[i] <= self.columns[i] - 1.5

    def starts_paragraph(self, i: int, first_of_paragraph: bool) -> bool:
        """Does line i start a paragraph? ``first_of_paragraph``: line i-1 started one."""
        line, prev = self.lines[i], self.lines[i - 1]
        if line.indented:
            return True
        if not ends_sentence(prev.text):
            return False  # a blank line after a broken sentence is only a column break
        # An indented first line is narrower anyway: it is short only when shorter still.
        if self.short(
            i - 1, indent=2.0 if first_of_paragraph and self.indents_paragraphs is not False else 0.0
        ):
            return True
        if line.blank_before:
            # A full line ending a sentence, then a blank: a paragraph end, unless this text
            # indents paragraphs and the next line is not indented (a column break that fell
            # on a sentence end).
            return not (self.indents_paragraphs is True and self.full(i) and i + 1 < len(self.lines))
        # An indented-looking line that ends a sentence may be a paragraph's last line instead;
        # it is a first line only if the paragraph goes on at full width after it.
        looks_first = not ends_sentence(line.text) or (i + 1 < len(self.lines) and self.full(i + 1))
        return self.indents_paragraphs is True and looks_first and self.indented(i)


def _split_unwrapped(lines: list[Line]) -> list[list[Line]]:
    """Text with one paragraph per line (or per blank-separated block of short lines)."""
    paragraphs: list[list[Line]] = []
    for line in lines:
        if (
            paragraphs
            and not line.blank_before
            and not line.indented
            and not ends_sentence(paragraphs[-1][-1].text)
            and not _is_heading_like(paragraphs[-1][-1].text)
        ):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return paragraphs


def _is_heading_like(text: str) -> bool:
    return display_width(text) <= 20 and not any(ch in text for ch in "，。；：,;")


def paragraph_text(lines: list[Line]) -> str:
    return join_lines([line.text for line in lines])
