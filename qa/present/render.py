"""Answers for people: plain text for the terminal, escaped HTML/Markdown for the chat.

Document text is always HTML-escaped before highlighting is added, so a document containing
markup shows it as text.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from qa.answer import Answer, Citation, Source

# Where a citation or source links to (the source viewer), or None for no link.
Linker = Callable[[Citation | Source], str | None]


def _no_link(_: Citation | Source) -> str | None:
    return None


def _linked(label: str, url: str | None) -> str:
    text = html.escape(label)
    return f"<a href='{html.escape(url)}' target='_blank' class='qa-link'>{text}</a>" if url else text


def display_title(title: str | None, author: str | None, doc: str) -> str:
    """A title for display: the article's own, or a fallback from its author or file."""
    if title:
        return title
    if author:
        return f"{author}文（无标题）"
    return doc


def citation_label(c: Citation | Source, number: int) -> str:
    """〔1〕《标题》 作者 · 章节 · 第N段"""
    author = f" {c.author}" if c.author else ""
    section = getattr(c, "section", None)
    where = f" · {section}" if section else ""
    return f"〔{number}〕《{display_title(c.title, c.author, c.doc)}》{author}{where} · 第{c.paragraph}段"


def answer_text(answer: Answer) -> str:
    """A terminal rendering: answer, short answer, citation, then related passages."""
    lines: list[str] = [f"理解为：{answer.resolved}"] if answer.resolved else []
    if answer.abstained:
        lines.append(f"{answer.answer}（置信度 {answer.confidence:.2f}）")
        if answer.passages:
            lines.append("可能相关：")
    else:
        c = answer.citations[0]
        lines.append(f"答：{answer.short_answer or answer.answer}")
        lines.append(f"原文：「{answer.answer}」")
        lines.append(
            f"出处：{citation_label(c, 1)}（{c.doc}，第{c.article}篇，字符 {c.start}-{c.end}）"
            f"  置信度 {answer.confidence:.2f}"
        )
    for n, p in enumerate(answer.passages, start=1):
        snippet = p.text if len(p.text) <= 60 else p.text[:60] + "…"
        lines.append(f"  {citation_label(p, n)}  {snippet}")
    return "\n".join(lines)


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """HTML-escape ``text`` and wrap non-overlapping ``(start, end, tag)`` spans in ``<tag>``."""
    out: list[str] = []
    at = 0
    for start, end, tag in sorted(spans):
        if start < at or end <= start:
            continue
        out.append(html.escape(text[at:start]))
        out.append(f"<{tag}>{html.escape(text[start:end])}</{tag}>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def quote_html(c: Citation) -> str:
    """The quote, escaped, with the short answer inside it marked."""
    spans = [(c.short_start, c.short_end, "mark")] if c.short_end > c.short_start else []
    return highlight(c.quote, spans)


# Calibrated confidence (the probability that the answer is right) in words a reader can use.
CONFIDENCE_WORDS = ((0.7, "高"), (0.4, "中"), (0.0, "低"))


def confidence_badge(confidence: float) -> str:
    """``把握 高 ▮▮▮▮▯``: a word and a five-step bar for a calibrated confidence."""
    word = next(w for floor, w in CONFIDENCE_WORDS if confidence >= floor)
    filled = max(1, min(5, round(confidence * 5)))
    return f'<span class="qa-confidence" title="{confidence:.2f}">把握 {word} {"▮" * filled}{"▯" * (5 - filled)}</span>'


def answer_plain(answer: Answer) -> str:
    """An answer as plain text to copy: the quote, then where it is from
    (``《title》 author · section · 第N段（file，字符 a–b）``)."""
    if answer.abstained:
        return answer.answer
    c = answer.citations[0]
    label = citation_label(c, 1).removeprefix("〔1〕")
    return f"「{c.quote}」\n{label}（{c.doc}，字符 {c.start}–{c.end}）"


def answer_html(answer: Answer, show_scores: bool = False, link: Linker = _no_link) -> str:
    """The chat rendering of an answer: quoted sentence with the short answer marked, then the
    numbered citation (a link to the source viewer, given ``link``) and how sure it is (a word
    and a bar; the number with ``show_scores``); an abstention looks different and names what
    may be related."""
    score = f' <span class="qa-score">置信度 {answer.confidence:.2f}</span>' if show_scores else ""
    if answer.abstained:
        related = "".join(
            f"<li>{_linked(citation_label(p, n), link(p))}</li>"
            for n, p in enumerate(answer.passages[:3], start=1)
        )
        more = f"<div>可能相关的段落：</div><ul>{related}</ul>" if related else ""
        read_as = (
            f"<div class='qa-resolved'>理解为：{html.escape(answer.resolved)}</div>" if answer.resolved else ""
        )
        return f'{read_as}<div class="qa-abstain">⚠️ {html.escape(answer.answer)}{score}</div>{more}'
    c = answer.citations[0]
    read_as = (
        f"<div class='qa-resolved'>理解为：{html.escape(answer.resolved)}</div>" if answer.resolved else ""
    )
    short = (
        f"<div class='qa-short'>答：<b>{html.escape(answer.short_answer)}</b></div>"
        if answer.short_answer
        else ""
    )
    return (
        f"{read_as}{short}<blockquote class='qa-quote'>「{quote_html(c)}」</blockquote>"
        f"<div class='qa-cite'>{_linked(citation_label(c, 1), link(c))}"
        f"<small>（{html.escape(c.doc)}，第{c.article}篇，字符 {c.start}–{c.end}）</small>{score}</div>"
        f"<div class='qa-sure'>{confidence_badge(answer.confidence)}</div>"
    )


def sources_html(answer: Answer, show_scores: bool = False, link: Linker = _no_link) -> str:
    """The sources panel: top paragraphs, the cited one with its quote and short answer marked."""
    cited = answer.citations[0] if answer.citations else None
    blocks = []
    for n, p in enumerate(answer.passages, start=1):
        spans: list[tuple[int, int, str]] = []
        if cited and (p.doc, p.article, p.paragraph) == (cited.doc, cited.article, cited.paragraph):
            spans = [(cited.start, cited.end, "mark")]
        score = f" · 相关度 {p.score:.3f}" if show_scores else ""
        blocks.append(
            f"<div class='qa-source'><div class='qa-source-head'>{_linked(citation_label(p, n), link(p))}{score}</div>"
            f"<p>{highlight(p.text, spans)}</p></div>"
        )
    return "".join(blocks) or "<p>（没有检索到段落）</p>"
