"""The evaluation report's tables of questions worth reading: abstentions on answerable
questions (with the paragraph retrieved first), wrong short answers beside the gold ones, and
every failure with its cited paragraph. Document text is escaped: documents may hold markup."""

from __future__ import annotations

import html

from qa.evaluation.evaluate import Result
from qa.evaluation.metrics import contains
from qa.present.render import highlight, quote_html

SNIPPET_CHARS = 160  # of the nearest paragraph, around the gold answer where it is found
Place = tuple[str, int, int]


def place_label(doc: str, article: int, paragraph: int) -> str:
    return f"<div class=cite>{html.escape(doc)} · {article} · ¶{paragraph}</div>"


def snippet(text: str, golds: tuple[str, ...], chars: int = SNIPPET_CHARS) -> str:
    """``chars`` characters of ``text``, escaped, centred on the first gold answer found in it
    (marked ``<ins>``), else its beginning; "…" where it was cut."""
    found = next(((at, g) for g in golds if g and (at := text.find(g)) >= 0), None)
    start = max(0, min(found[0] - (chars - len(found[1])) // 2, len(text) - chars)) if found else 0
    end = min(len(text), start + chars)
    spans = (
        [(found[0] - start, found[0] - start + len(found[1]), "ins")]
        if found and found[0] + len(found[1]) <= end
        else []
    )
    return ("…" if start else "") + highlight(text[start:end], spans) + ("…" if end < len(text) else "")


def _question_cells(r: Result) -> str:
    return (
        f"<td>{html.escape(r.gold.id)}<br><small>{html.escape(r.gold.type)}</small></td>"
        f"<td>{html.escape(r.gold.question)}</td>"
    )


def _golds(r: Result) -> str:
    return html.escape(" | ".join(r.gold.answers) or "（无答案）")


def _gold_rank(r: Result) -> str:
    """Where the gold paragraph was retrieved, when the question names one."""
    if r.gold.gold_place is None:
        return ""
    if r.gold.gold_place in r.places:
        return f"gold paragraph at rank {r.places.index(r.gold.gold_place) + 1}"
    return "gold paragraph not retrieved"


ABSTENTION_HEAD = (
    '<table id="abstentions"><thead><tr><th>id</th><th>question</th><th>gold</th><th>confidence</th>'
    "<th>nearest paragraph</th></tr></thead>"
)


def abstention_rows(results: list[Result], paragraphs: dict[Place, str]) -> list[str]:
    """Answerable questions the assistant abstained on, most confident first (the nearest
    misses of the threshold), each with the paragraph retrieved first."""
    rows = []
    missed = [r for r in results if r.gold.answerable and r.answer.abstained]
    for r in sorted(missed, key=lambda r: -r.answer.confidence):
        nearest = ""
        if r.answer.passages:
            p = r.answer.passages[0]
            text = paragraphs.get((p.doc, p.article, p.paragraph), p.text)
            nearest = place_label(p.doc, p.article, p.paragraph) + snippet(text, r.gold.answers)
        rows.append(
            "<tr>" + _question_cells(r) + f"<td>{_golds(r)}</td>"
            f'<td class="num">{r.answer.confidence:.3f}</td>'
            f"<td class=para>{nearest}<br><small>{_gold_rank(r)}</small></td>"
            "</tr>"
        )
    return rows


WRONG_HEAD = (
    '<table id="wrong-short"><thead><tr><th>id</th><th>question</th><th>short answer</th><th>gold</th>'
    "<th>F1</th><th>quote</th></tr></thead>"
)


def wrong_short_rows(results: list[Result]) -> list[str]:
    """Answered answerable questions whose short answer is not a gold answer, lowest F1 first,
    the short answer beside the gold answers and inside its quote."""
    wrong = [r for r in results if r.gold.answerable and not r.answer.abstained and not r.short_exact]
    rows = []
    for r in sorted(wrong, key=lambda r: r.short_f1):
        c = r.answer.citations[0] if r.answer.citations else None
        quote = (
            (place_label(c.doc, c.article, c.paragraph) + quote_html(c))
            if c
            else html.escape(r.answer.answer)
        )
        rows.append(
            "<tr>"
            + _question_cells(r)
            + f'<td class="short"><mark>{html.escape(r.answer.short_answer) or "（空）"}</mark></td>'
            f'<td class="gold">{_golds(r)}</td>'
            f'<td class="num">{100 * r.short_f1:.1f}</td>'
            f"<td class=para>{quote}</td>"
            "</tr>"
        )
    return rows


FAILURE_HEAD = (
    '<table id="failures"><thead><tr><th>id</th><th>question</th><th>gold</th><th>answer</th>'
    "<th>cited paragraph</th></tr></thead>"
)


def _failed(r: Result) -> bool:
    ok_cite = r.gold.gold_place is None or r.cited == r.gold.gold_place
    ok = (r.answer.abstained and not r.gold.answerable) or (
        r.gold.answerable and not r.answer.abstained and contains(r.answer.answer, r.gold.answers) and ok_cite
    )
    return not ok


def _cited(r: Result, paragraphs: dict[Place, str]) -> str:
    """The cited paragraph, its quote marked and the gold answer in it marked."""
    c = r.answer.citations[0] if r.answer.citations else None
    if c is None:
        return ""
    text = paragraphs.get((c.doc, c.article, c.paragraph), c.quote)
    spans = [(c.start, c.end, "mark")]
    for gold in r.gold.answers:
        at = text.find(gold)
        if gold and at >= 0:
            spans.append((at, at + len(gold), "ins"))
            break
    return place_label(c.doc, c.article, c.paragraph) + highlight(text, spans)


def failure_rows(results: list[Result], paragraphs: dict[Place, str]) -> list[str]:
    """Questions answered wrongly: abstained when answerable, answered when not, no gold answer
    in the quote, or the wrong paragraph cited."""
    rows = []
    for r in filter(_failed, results):
        answer = "（弃答）" if r.answer.abstained else html.escape(r.answer.answer)
        rows.append(
            "<tr>"
            + _question_cells(r)
            + f"<td>{_golds(r)}<br><small>{html.escape(str(r.gold.gold_place or ''))}</small></td>"
            f"<td>{answer}<br><small>short: {html.escape(r.answer.short_answer)} · conf {r.answer.confidence:.2f}</small></td>"
            f"<td class=para>{_cited(r, paragraphs)}</td>"
            "</tr>"
        )
    return rows
