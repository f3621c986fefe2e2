"""Find the articles on a page: bylines, author notes, titles and the page header.

Plain text (``.txt``, PDF text layers) is cut into articles at bylines (``□作者``, ``文/作者``,
``作者：…``, ``记者 …``). What lies between one article's body and the next byline — a short
line that is not a sentence — is a title. Pages differ in whether a title is printed before
its article or (as extraction of many newspaper PDFs leaves it) after it; which one holds is
decided per document by which neighbouring body each title shares more words with. Text with
no bylines is one article, titled by its first line when that reads as a heading.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from qa.ingest.layout import Line, display_width, ends_sentence, join_lines, paragraph_text, split_paragraphs
from qa.records import Article, Field, Paragraph

_NAME = r"[^，。；！？,;!?（）()]{1,30}"
BYLINE_PATTERNS = (
    re.compile(rf"^(?P<marker>[□■◎●○◇◆☆★▲△]\s*)(?P<name>{_NAME})$"),
    re.compile(rf"^(?P<marker>(?:文|文字|撰文|作者)\s*[/／:：]\s*)(?P<name>{_NAME})$"),
    re.compile(
        rf"^(?P<marker>(?:本报|新华社)?(?:特约|实习)?(?:记者|通讯员|评论员)\s*[:：]?\s*)(?P<name>{_NAME})$"
    ),
)
NOTE_START = re.compile(r"^[（(]\s*(?:作者|本文作者|本文系|本文为|本文是)")
TITLE_MAX_WIDTH = 40.0
TITLE_MAX_LINES = 3


@dataclass(frozen=True)
class Byline:
    marker: str
    name: str


def match_byline(text: str) -> Byline | None:
    """``"□莫远明"`` -> ``Byline("□", "莫远明")``; None for anything that is not a byline."""
    if display_width(text) > 30:
        return None
    for pattern in BYLINE_PATTERNS:
        m = pattern.match(text)
        if m and m.group("name").strip():
            return Byline(m.group("marker"), m.group("name"))
    return None


def is_title_like(text: str) -> bool:
    """A short line that is not a sentence: no sentence-final or clause punctuation at its end."""
    if display_width(text) > TITLE_MAX_WIDTH or ends_sentence(text):
        return False
    return text[-1] not in "，、；：,;:" and "。" not in text


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def overlap(title: str, body: str) -> float:
    """Share of the title's character bigrams that occur in the body."""
    grams = _bigrams(title)
    return len(grams & _bigrams(body)) / len(grams) if grams else 0.0


@dataclass
class _Draft:
    """An article while the page is being read: its byline, body lines and what trails them."""

    byline: tuple[Line, Byline] | None
    body: list[Line]
    note: list[Line]
    trailing_title: list[Line]


def _split_trailer(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """Split a byline-to-byline region into (body, note, trailing title lines)."""
    end = len(lines)
    title: list[Line] = []
    # Title lines stand after the body, after a finished sentence or note; take the longest such run.
    k = end
    while (
        k > 0
        and end - k < TITLE_MAX_LINES
        and is_title_like(lines[k - 1].text)
        and not NOTE_START.match(lines[k - 1].text)
    ):
        k -= 1
    for start in range(k, end):
        width = sum(display_width(line.text) for line in lines[start:end])
        if start > 0 and _closes_block(lines, start) and width <= TITLE_MAX_WIDTH * 1.6:
            title = lines[start:end]
            end = start
            break
    note: list[Line] = []
    for start in range(end - 1, max(end - 6, -1), -1):
        if NOTE_START.match(lines[start].text):
            closing = lines[end - 1].text.rstrip()
            if closing.endswith(("）", ")")):
                note = lines[start:end]
                end = start
            break
    return lines[:end], note, title


def _closes_block(lines: list[Line], k: int) -> bool:
    """Does something before line k end cleanly (a sentence, a note) so that line k can start anew?"""
    prev = lines[k - 1].text
    return ends_sentence(prev) or prev.endswith(("）", ")"))


def _text_of(lines: list[Line]) -> str:
    return join_lines([line.text for line in lines])


def _field(lines: list[Line]) -> Field | None:
    return Field(_text_of(lines), lines[0].pos) if lines else None


def _paragraphs(body: list[Line]) -> tuple[Paragraph, ...]:
    return tuple(
        Paragraph(index=i, text=paragraph_text(group), pos=group[0].pos)
        for i, group in enumerate(split_paragraphs(body), start=1)
    )


def _leading_title(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Split lines that precede a body into (header lines, title lines adjacent to the body)."""
    if not lines:
        return [], []
    k = len(lines) - 1
    while k > 0 and not lines[k].blank_before and len(lines) - k < TITLE_MAX_LINES:
        k -= 1
    return lines[:k], lines[k:]


def split_articles(lines: list[Line], fallback_title: str) -> tuple[Field | None, list[Article]]:
    """Page lines -> (page header, articles)."""
    bylines = [(i, b) for i, line in enumerate(lines) if (b := match_byline(line.text))]
    if not bylines:
        return None, [_single_article(lines, fallback_title)]

    pre = lines[: bylines[0][0]]
    # Text before the first byline: header and title lines, or a whole byline-less article.
    pre_body_start = next((i for i, line in enumerate(pre) if not is_title_like(line.text)), len(pre))
    drafts: list[_Draft] = []
    if pre_body_start < len(pre):
        body, note, trailing = _split_trailer(pre[pre_body_start:])
        drafts.append(_Draft(None, body, note, trailing))
        pre = pre[:pre_body_start]
    for n, (i, byline) in enumerate(bylines):
        stop = bylines[n + 1][0] if n + 1 < len(bylines) else len(lines)
        body, note, trailing = _split_trailer(lines[i + 1 : stop])
        drafts.append(_Draft((lines[i], byline), body, note, trailing))

    titles_follow = _titles_follow_bodies(drafts)
    header_lines: list[Line] = pre
    titles: list[list[Line]] = [[] for _ in drafts]
    if titles_follow:
        for n, draft in enumerate(drafts):
            titles[n] = draft.trailing_title
    else:
        header_lines, first_title = _leading_title(pre)
        titles[0] = first_title
        for n, draft in enumerate(drafts[:-1]):
            titles[n + 1] = draft.trailing_title
        # A title-like line after the last article has no article to head: keep it as text.
        _keep_trailer_as_text(drafts[-1])

    articles = []
    for n, draft in enumerate(drafts):
        author, marker = None, ""
        if draft.byline:
            byline_line, byline = draft.byline
            author, marker = Field(byline.name, byline_line.pos + len(byline.marker)), byline.marker
        articles.append(
            Article(
                index=n + 1,
                paragraphs=_paragraphs(draft.body),
                title_field=_field(titles[n]),
                author_field=author,
                note_field=_field(draft.note),
                byline_marker=marker,
            )
        )
    header = (
        Field(" ".join(line.text for line in header_lines), header_lines[0].pos) if header_lines else None
    )
    return header, articles


def _keep_trailer_as_text(draft: _Draft) -> None:
    """Fold trailing title-like lines back into the body, in source order (a note before them
    then stays body text too, so no text moves past another)."""
    if draft.trailing_title:
        draft.body += draft.note + draft.trailing_title
        draft.note, draft.trailing_title = [], []


def _titles_follow_bodies(drafts: list[_Draft]) -> bool:
    """Vote: does each title between two articles share more words with the body before it?"""
    votes = 0
    for before, after in itertools.pairwise(drafts):
        if not before.trailing_title:
            continue
        title = _text_of(before.trailing_title)
        prev_score = overlap(title, _text_of(before.body))
        next_score = overlap(title, _text_of(after.body))
        votes += (prev_score > next_score) - (prev_score < next_score)
    if votes == 0 and drafts[-1].trailing_title:
        return True  # a title after the last body can only belong to it
    return votes > 0


def _single_article(lines: list[Line], fallback_title: str) -> Article:
    body, note, trailing = _split_trailer(lines)
    draft = _Draft(None, body, note, trailing)
    _keep_trailer_as_text(draft)
    body, note = draft.body, draft.note
    title: Field | None = None
    if len(body) > 1 and is_title_like(body[0].text) and (body[1].blank_before or _much_shorter(body)):
        title = Field(body[0].text, body[0].pos)
        body = body[1:]
    return Article(
        index=1,
        paragraphs=_paragraphs(body),
        title_field=title or Field(fallback_title, -1),
        note_field=_field(note),
    )


def _much_shorter(body: list[Line]) -> bool:
    following = [line.width for line in body[1:4]]
    return body[0].width < 0.6 * max(following)
