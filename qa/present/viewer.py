"""The source viewer and the documents panel: a cited paragraph shown in its document.

A citation links to ``source?doc=…&a=…&p=…&s=…&e=…&ss=…&se=…#a{A}p{P}``: the page lists the
document's paragraphs (the cited article whole, with its neighbours when the document is
long), the cited one scrolled to by its fragment, the quote marked and the short answer in it
in bold. Everything shown comes from the index, not from files on disk, and is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from qa.answer import Citation
from qa.index.corpus import ArticleOutline, ParagraphRecord
from qa.present.render import display_title, highlight

SHOWN_AROUND = 40  # paragraphs shown each side of the cited one in a long document

PAGE_CSS = """
body {font-family: system-ui, sans-serif; max-width: 46em; margin: 1.5em auto; padding: 0 1em;
      line-height: 1.7; color: #222}
h1 {font-size: 1.25em} h2 {font-size: 1.05em; margin-top: 1.6em; border-bottom: 1px solid #ddd}
.para {padding: .3em .6em; margin: .4em 0; border-left: 3px solid transparent}
.para .n {color: #999; font-size: .8em; margin-right: .6em}
.cited {border-left-color: #f5c400; background: #fffbe6}
.cited mark {background: #ffe066} .cited mark b {color: #b00}
.section {color: #666; font-size: .85em}
.gap {color: #999; font-style: italic}
"""


@dataclass(frozen=True)
class Place:
    """What a source link names: a paragraph, and optionally the quote and short answer in it
    (paragraph offsets)."""

    doc: str
    article: int
    paragraph: int
    start: int = 0
    end: int = 0
    short_start: int = 0
    short_end: int = 0
    workspace: str | None = None

    @property
    def anchor(self) -> str:
        return f"a{self.article}p{self.paragraph}"

    def url(self) -> str:
        query: dict[str, str | int] = {"doc": self.doc, "a": self.article, "p": self.paragraph}
        if self.end > self.start:
            query.update(s=self.start, e=self.end)
        if self.short_end > self.short_start:
            query.update(ss=self.short_start, se=self.short_end)
        if self.workspace:
            query["w"] = self.workspace
        return f"source?{urlencode(query)}#{self.anchor}"


def cited_place(c: Citation, workspace: str | None = None) -> Place:
    short = (c.start + c.short_start, c.start + c.short_end) if c.short_end > c.short_start else (0, 0)
    return Place(c.doc, c.article, c.paragraph, c.start, c.end, *short, workspace=workspace)


def parse_place(query: dict[str, str]) -> Place:
    """The place a viewer link names; ``ValueError`` for a malformed one."""
    doc = query.get("doc", "")
    if not doc:
        raise ValueError("no document named")

    def number(key: str) -> int:
        value = int(query.get(key, "0") or 0)
        if value < 0:
            raise ValueError(f"{key} must not be negative")
        return value

    return Place(
        doc, number("a"), number("p"), number("s"), number("e"), number("ss"), number("se"),
        query.get("w") or None,
    )


def _paragraph_html(p: ParagraphRecord, place: Place, section: bool) -> str:
    cited = (p.article, p.paragraph) == (place.article, place.paragraph)
    text = html.escape(p.text)
    if cited and 0 <= place.start < place.end <= len(p.text):
        inner = [(place.short_start - place.start, place.short_end - place.start, "b")]
        if not (place.start <= place.short_start < place.short_end <= place.end):
            inner = []
        quote = highlight(p.text[place.start : place.end], inner)
        text = (
            html.escape(p.text[: place.start]) + f"<mark>{quote}</mark>" + html.escape(p.text[place.end :])
        )
    heading = f"<div class='section'>{html.escape(p.section)}</div>" if section and p.section else ""
    klass = "para cited" if cited else "para"
    return (
        f"<div class='{klass}' id='a{p.article}p{p.paragraph}'>{heading}"
        f"<span class='n'>第{p.paragraph}段</span>{text}</div>"
    )


def source_page(paragraphs: Sequence[ParagraphRecord], place: Place) -> str:
    """A whole HTML page: the document around the cited paragraph."""
    title = html.escape(place.doc)
    if not paragraphs:
        body = f"<h1>{title}</h1><p>这个文档不在索引中（或上传它的会话已经结束）。</p>"
        return _page(title, body)
    at = next(
        (i for i, p in enumerate(paragraphs) if (p.article, p.paragraph) == (place.article, place.paragraph)),
        0,
    )
    first = max(0, at - SHOWN_AROUND)
    last = min(len(paragraphs), at + SHOWN_AROUND + 1)
    parts = [f"<h1>{title}</h1>"]
    if first > 0:
        parts.append(f"<p class='gap'>（前面还有 {first} 段）</p>")
    article, section = None, None
    for p in paragraphs[first:last]:
        if p.article != article:
            article, section = p.article, None
            author = f" · {html.escape(p.author)}" if p.author else ""
            parts.append(
                f"<h2>第{p.article}篇 《{html.escape(display_title(p.title, p.author, p.doc))}》{author}</h2>"
            )
        parts.append(_paragraph_html(p, place, p.section != section))  # a heading where it changes
        section = p.section
    if last < len(paragraphs):
        parts.append(f"<p class='gap'>（后面还有 {len(paragraphs) - last} 段）</p>")
    return _page(title, "".join(parts))


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title} · 原文</title><style>{PAGE_CSS}</style></head><body>{body}</body></html>"
    )


def outline_html(articles: Sequence[ArticleOutline], workspace: str | None = None, heading: str = "") -> str:
    """The documents panel: each document, its articles with their sections and paragraph
    counts, each article linking to the viewer at its first paragraph."""
    if not articles:
        return ""
    docs: dict[str, list[ArticleOutline]] = {}
    for a in articles:
        docs.setdefault(a.doc, []).append(a)
    parts = [f"<div class='qa-docs-head'>{html.escape(heading)}</div>"] if heading else []
    for doc, rows in docs.items():
        total = sum(a.paragraphs for a in rows)
        items = []
        for a in rows:
            link = Place(doc, a.article, 1, workspace=workspace).url()
            sections = (
                f"<div class='qa-docs-sections'>{html.escape(' · '.join(a.sections[:8]))}</div>"
                if a.sections
                else ""
            )
            items.append(
                f"<li><a href='{html.escape(link)}' target='_blank'>"
                f"《{html.escape(display_title(a.title, a.author, doc))}》</a>"
                f"{' ' + html.escape(a.author) if a.author else ''} · {a.paragraphs} 段{sections}</li>"
            )
        parts.append(
            f"<details class='qa-doc'><summary>{html.escape(doc)}（{len(rows)} 篇，{total} 段）</summary>"
            f"<ul>{''.join(items)}</ul></details>"
        )
    return "".join(parts)
