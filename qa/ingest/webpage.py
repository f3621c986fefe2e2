"""An HTML page -> the blocks of its main content and its title.

The main content is found by readability-lxml (a port of Mozilla's Readability, the reader
view of Firefox): it scores the page's containers by their text and drops navigation,
sidebars, adverts and footers. Within what it keeps (or within the whole page, where it finds
nothing), every run of text is a block: a ``<p>`` or ``<li>``, and also text that sits in a
``<div>`` and is broken by ``<br>`` (the common shape of Chinese government and news sites).
Tables become one block per row (:func:`qa.ingest.loaders.table_blocks`).
"""

from __future__ import annotations

import logging

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
    return tuple(blocks), title, "\n".join(b.text for b in everything)


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


def _rows(table: object) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):  # type: ignore[attr-defined]
        if tr.find_parent("table") is not table:
            continue  # a row of a table inside a cell
        cells = [" ".join(c.get_text(" ").split()) for c in tr.find_all(["td", "th"], recursive=False)]
        rows.append(cells)
    return rows

