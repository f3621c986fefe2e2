"""Evaluation reports: a terminal table, a JSON object, and one self-contained HTML file with
a legend, inline SVG plots (qa.evaluation.report_plots) and the questions worth reading (qa.evaluation.report_rows).

A metric that does not apply to a set (abstention F1 where no question is unanswerable, EM
where none has a gold answer) shows "—" (null in JSON), never a 0 that reads as a failure."""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from qa.evaluation import report_plots, report_rows
from qa.evaluation.evaluate import Result, Scores

NOT_APPLICABLE = "—"

COLUMNS = [
    ("n", "questions", "{:d}"),
    ("hit@1", "hit1", "{:.3f}"),
    ("hit@5", "hit5", "{:.3f}"),
    ("MRR", "mrr", "{:.3f}"),
    ("cite", "citation", "{:.3f}"),
    ("contain", "containment", "{:.3f}"),
    ("EM", "em", "{:.1f}"),
    ("F1", "f1", "{:.1f}"),
    ("abst-F1", "abstain_f1", "{:.2f}"),
    ("p50 ms", "latency_p50_ms", "{:.0f}"),
    ("p95 ms", "latency_p95_ms", "{:.0f}"),
]
HEADERS = [c[0] for c in COLUMNS]
# The legend: every column and sign of the summary in plain words, in the table's order.
MEANING = {
    "type": 'the question type given in the question set; "all" is the whole set',
    "n": "questions in the set (or of this type)",
    "hit@1": "of the answerable questions whose gold paragraph is known, the share that retrieves it first",
    "hit@5": "… the share that retrieves it among the first 5 paragraphs",
    "MRR": "… the mean of 1 / the gold paragraph's rank among the first 10 (0 when it is not among them)",
    "cite": "… the share whose answer cites the gold article and paragraph",
    "contain": "of the answerable questions, the share answered (not abstained on) with a gold answer inside the quote",
    "EM": "of the answerable questions, the share (0–100) whose short answer equals a gold answer (CMRC 2018 exact match)",
    "F1": "… the mean CMRC 2018 F1 (0–100) of the short answer against its best gold answer, by characters",
    "abst-F1": "how well abstaining picks out the unanswerable questions (F1 of precision and recall below)",
    "p50 ms": "median time to answer one question, in milliseconds",
    "p95 ms": "95th-percentile time to answer one question, in milliseconds",
    NOT_APPLICABLE: "the metric does not apply: the set (or type) has none of the questions it is computed over",
    "abstention precision": "of the questions abstained on, the share that is unanswerable",
    "abstention recall": "of the unanswerable questions, the share abstained on",
    "threshold": "the assistant abstains when its confidence is below it (red line); the best threshold on this set "
    "is the one that would have maximised abst-F1 here (grey line)",
}


def cell(s: Scores, attr: str, fmt: str) -> str:
    """One metric formatted, or "—" where the set has no questions it is computed over."""
    return fmt.format(getattr(s, attr)) if s.applies(attr) else NOT_APPLICABLE


def _rows(overall: Scores, groups: dict[str, Scores]) -> list[tuple[str, Scores]]:
    return [("all", overall), *groups.items()] if len(groups) > 1 else [("all", overall)]


def abstention_line(s: Scores) -> str:
    """Abstention precision, recall, F1 and the best threshold, or why they do not apply."""
    abstained = f"answerable questions abstained: {cell(s, 'answerable_abstained', '{:d}')}"
    if not s.applies("abstain_f1"):
        return f"abstention: {NOT_APPLICABLE} (no unanswerable questions in the set); {abstained}"
    extra = s.extra
    best = (
        f"; best threshold {extra['best_threshold']:.3f} (F1 {extra['best_threshold_f1']:.2f})"
        if "best_threshold" in extra
        else ""
    )
    return (
        f"abstention: precision {s.abstain_precision:.2f} recall {s.abstain_recall:.2f} "
        f"F1 {s.abstain_f1:.2f}{best}; {abstained}"
    )


def table(overall: Scores, groups: dict[str, Scores]) -> str:
    header = ["type", *HEADERS]
    body = [[name] + [cell(s, attr, fmt) for _, attr, fmt in COLUMNS] for name, s in _rows(overall, groups)]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)) for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(abstention_line(overall))
    return "\n".join(lines)


def as_json(overall: Scores, groups: dict[str, Scores]) -> dict[str, Any]:
    """The scores, a metric that does not apply as null."""

    def scores(s: Scores) -> dict[str, Any]:
        return {k: (v if k == "extra" or s.applies(k) else None) for k, v in asdict(s).items()}

    return {"overall": scores(overall), "by_type": {k: scores(v) for k, v in groups.items()}}


def summary_html(overall: Scores, groups: dict[str, Scores]) -> str:
    """The table as HTML, each header carrying its meaning as a tooltip."""
    head = "".join(f'<th title="{html.escape(MEANING[h])}">{html.escape(h)}</th>' for h in ["type", *HEADERS])
    body = "".join(
        f"<tr><th>{html.escape(name)}</th>"
        + "".join(f'<td class="num">{cell(s, attr, fmt)}</td>' for _, attr, fmt in COLUMNS)
        + "</tr>"
        for name, s in _rows(overall, groups)
    )
    return (
        f'<table id="summary"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f'<p id="abstention">{html.escape(abstention_line(overall))}</p>'
    )


def legend_html() -> str:
    """Every column and sign of the summary in plain words."""
    items = "".join(f"<dt>{html.escape(h)}</dt><dd>{html.escape(m)}</dd>" for h, m in MEANING.items())
    return f'<dl id="legend">{items}</dl>'


def _bins_html(bins: list[report_plots.Bin]) -> str:
    rows = "".join(
        f'<tr><td class="num">{b.lo:.3f}–{b.hi:.3f}</td><td class="num">{b.confidence:.3f}</td>'
        f'<td class="num">{b.correct:.3f}</td><td class="num">{b.n}</td></tr>'
        for b in bins
    )
    return (
        f'<table id="bins"><caption>Reliability bins (equal counts, at least {report_plots.MIN_BIN} questions each '
        "where the set has that many)</caption><thead><tr><th>confidence</th><th>mean confidence</th>"
        f"<th>share correct</th><th>questions</th></tr></thead><tbody>{rows}</tbody></table>"
    )


STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:1200px}
figure{display:inline-block;margin:0 1rem 1rem 0} svg.plot{font-family:inherit}
table{border-collapse:collapse;width:100%;margin-bottom:1rem} td,th{border:1px solid #ddd;padding:.4rem;vertical-align:top;font-size:.9rem}
td.num{text-align:right;font-variant-numeric:tabular-nums} caption{text-align:left;color:#555;padding:.3rem 0}
#summary,#bins{width:auto} dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;font-size:.9rem}
dt{font-weight:600} dd{margin:0;color:#333}
mark{background:#fff3a0} ins{background:#b6f0b6;text-decoration:none} .cite{color:#666;font-size:.8rem}
td.para{max-width:420px}
"""


def html_report(
    title: str,
    overall: Scores,
    groups: dict[str, Scores],
    results: list[Result],
    paragraphs: dict[tuple[str, int, int], str],
    threshold: float | None = None,
) -> str:
    """The whole report; ``threshold``: the confidence the assistant abstains below, drawn on
    the confidence plots (``Assistant.abstain_threshold``)."""
    bins = report_plots.reliability_bins(results)
    best = overall.extra.get("best_threshold")
    plots = [
        report_plots.reliability_svg(bins, threshold),
        report_plots.confidence_svg(results, threshold, best),
        report_plots.types_svg(groups),
    ]
    figures = "".join(f"<figure>{p}</figure>" for p in plots)
    abstained = report_rows.abstention_rows(results, paragraphs)
    wrong = report_rows.wrong_short_rows(results)
    failures = report_rows.failure_rows(results, paragraphs)
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<h2>Summary</h2>{summary_html(overall, groups)}
<h3>Legend</h3>{legend_html()}
<h2>Plots</h2>{figures}
{_bins_html(bins)}
<h2>Abstentions on answerable questions ({len(abstained)})</h2>
<p>The assistant said it found no answer; the nearest paragraph is the one retrieved first. <ins>gold answer</ins></p>
{report_rows.ABSTENTION_HEAD}<tbody>{"".join(abstained)}</tbody></table>
<h2>Wrong short answers ({len(wrong)})</h2>
<p>Answered, but the short answer is not a gold answer (CMRC EM 0); lowest F1 first. <mark>short answer</mark></p>
{report_rows.WRONG_HEAD}<tbody>{"".join(wrong)}</tbody></table>
<h2>Failures ({len(failures)})</h2>
<p><mark>cited quote</mark> · <ins>gold answer</ins></p>
{report_rows.FAILURE_HEAD}<tbody>{"".join(failures)}</tbody></table>
</body></html>
"""
