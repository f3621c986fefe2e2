"""An HTML page -> the blocks of its main content and its title.

The main content is found by readability-lxml (a port of Mozilla's Readability, the reader
view of Firefox): it scores the page's containers by their text and drops navigation,
sidebars, adverts and footers. Within what it keeps (or within the whole page, where it finds
nothing), every run of text is a block: a ``<p>`` or ``<li>``, and also text that sits in a
``<div>`` and is broken by ``<br>`` (the common shape of Chinese government and news sites).
Tables become one block per row (:func:`qa.ingest.loaders.table_blocks`). Readability drops
a table with little text (under 25 characters: a Chinese two-row table often has less); a table
the page holds between two blocks that Readability kept is put back in its place.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from qa.ingest.loaders import Block, table_blocks

log = logging.getLogger(__name__)

DROPPED = ("script", "style", "noscript", "template", "head", "iframe", "svg", "button", "form", "select")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCK_TAGS = frozenset(
    (
        *HEADINGS,
        "p", "div", "li", "ul", "ol", "dl", "dd", "dt", "blockquote", "pre", "section", "article",
        "main", "header", "footer", "aside", "nav", "figure", "figcaption", "center", "address",
        "hr", "tr", "td", "th", "tbody", "thead",
    )
)  # fmt: skip
# Readability needs this much text in what it keeps to be trusted over the whole page.
MIN_MAIN_CHARS = 40


def html_blocks(text: str) -> tuple[tuple[Block, ...], str, str]:
    """The page's main-content blocks, its title (its first ``<h1>`` where the ``<title>``
    holds it, as sites append their name to the title; else the ``<title>``) and all the
    text of its body (what was left out is counted against it)."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(text, "html.parser")
    head = page.find("title")
    title = " ".join(head.get_text(" ").split()) if head else ""
    h1 = page.find("h1")
    heading = " ".join(h1.get_text(" ").split()) if h1 else ""
    if heading and heading in title:
        title = heading
    main = _main_content(text)
    blocks = _blocks(BeautifulSoup(main, "html.parser")) if main else []
    everything = _blocks(page)
    if sum(len(b.text) for b in blocks if not b.level) < MIN_MAIN_CHARS:
        blocks = everything
    else:
        blocks = _with_dropped_tables(blocks, everything)
    return tuple(blocks), title, "\n".join(b.text for b in everything)


def _with_dropped_tables(kept: list[Block], page: list[Block]) -> list[Block]:
    """``kept`` with the page's tables that lie between two of its blocks put back in place,
    tables numbered again in reading order. ``kept`` is matched to the page's blocks in order,
    by text. A table is put back when nothing kept comes from it: none of its rows was kept,
    and no kept text lies in it (a layout table around the article is not an article's table)."""
    matched: list[int] = []  # for each kept block, its place among the page's blocks (or -1)
    at = 0
    for block in kept:
        found = next((i for i in range(at, len(page)) if page[i].text == block.text), -1)
        matched.append(found)
        if found >= 0:
            at = found + 1
    if sum(i >= 0 for i in matched) < 2:
        return kept
    texts: dict[int, list[str]] = {}
    for b in page:
        if b.table:
            texts.setdefault(b.table, []).append(b.text)
    taken = {page[i].table for i in matched if i >= 0}
    lent = [b.text for b in kept if len(b.text) >= 8]
    dropped = {t for t, rows in texts.items() if t not in taken and not any(x in "\n".join(rows) for x in lent)}
    # each kept table by the page's number for it, so that restored tables are told apart
    same = {b.table: page[i].table for b, i in zip(kept, matched, strict=True) if b.table and i >= 0}
    out: list[Block] = []
    previous = -1
    for block, place in zip(kept, matched, strict=True):
        if place > previous >= 0:
            out.extend(b for b in page[previous + 1 : place] if b.table in dropped)
        if block.table:
            block = replace(block, table=same.get(block.table, -block.table))
        out.append(block)
        if place >= 0:
            previous = place
    return _renumbered(out)


def _renumbered(blocks: list[Block]) -> list[Block]:
    numbers: dict[int, int] = {}
    out = []
    for b in blocks:
        if b.table:
            b = replace(b, table=numbers.setdefault(b.table, len(numbers) + 1))
        out.append(b)
    return out


def _main_content(text: str) -> str:
    try:
        from readability import Document

        return str(Document(text).summary(html_partial=True))
    except Exception:  # readability gives up on pages it cannot score (empty, fragments)
        log.debug("no main content found", exc_info=True)
        return ""


def _blocks(soup: object) -> list[Block]:
    from qa.ingest.layout import remove_justification_spaces

    for tag in soup(DROPPED):  # type: ignore[operator]
        tag.decompose()
    out: list[Block] = []
    buffer: list[str] = []

    def flush(level: int = 0) -> None:
        content = remove_justification_spaces(" ".join("".join(buffer).split()))
        buffer.clear()
        if content:
            out.append(Block(content, level))

    def walk(node: object) -> None:
        from bs4.element import Comment, NavigableString, Tag

        for child in node.children:  # type: ignore[attr-defined]
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buffer.append(str(child))
            elif not isinstance(child, Tag):
                continue
            elif child.name == "br":
                flush()
            elif child.name == "table" and _lays_out(child):
                flush()
                walk(child)
                flush()
            elif child.name == "table":
                flush()
                out.extend(table_blocks(_rows(child), 1 + len({b.table for b in out if b.table})))
            elif child.name in HEADINGS:
                flush()
                buffer.append(child.get_text(" "))
                flush(int(child.name[1]))
            elif child.name in BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:  # inline: its text joins the run (a <br> inside still breaks it)
                walk(child)

    walk(soup)
    flush()
    return out


# A cell that holds this many paragraphs of prose (each at least PROSE characters) lays out a
# page rather than holding a figure or a name.
PROSE = 30
PROSE_BLOCKS = ("p", "div", "li", "blockquote", "section", "article")


def _lays_out(table: object) -> bool:
    """Whether a ``<table>`` lays out the page (old sites put the article in a cell) rather than
    holding data: it says so (``role="presentation"``), holds another table, or one of its
    cells holds a heading or two paragraphs of prose. Its text is then read as paragraphs, not
    as table rows."""
    if table.get("role") in ("presentation", "none"):  # type: ignore[attr-defined]
        return True
    if table.find("table") is not None or table.find(HEADINGS) is not None:  # type: ignore[attr-defined]
        return True
    for cell in table.find_all(["td", "th"]):  # type: ignore[attr-defined]
        # innermost blocks only: a paragraph wrapped in a <div> is one paragraph
        inner = [b for b in cell.find_all(PROSE_BLOCKS) if b.find(PROSE_BLOCKS) is None]
        if sum(len("".join(b.get_text().split())) >= PROSE for b in inner) >= 2:
            return True
    return False


def _rows(table: object) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):  # type: ignore[attr-defined]
        if tr.find_parent("table") is not table:
            continue  # a row of a table inside a cell
        cells = [" ".join(c.get_text(" ").split()) for c in tr.find_all(["td", "th"], recursive=False)]
        rows.append(cells)
    return rows

