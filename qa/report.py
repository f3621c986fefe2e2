"""Evaluation reports: a terminal table, a JSON object, and one self-contained HTML file with
plots (matplotlib PNGs embedded as data URIs) and a table of failures."""

from __future__ import annotations

import base64
import html
import io
import itertools
from dataclasses import asdict
from typing import Any

from qa.evaluate import Result, Scores
from qa.metrics import contains
from qa.present import highlight

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


def table(overall: Scores, groups: dict[str, Scores]) -> str:
    rows = [("all", overall), *groups.items()] if len(groups) > 1 else [("all", overall)]
    header = ["type"] + [c[0] for c in COLUMNS]
    body = [[name] + [fmt.format(getattr(s, attr)) for _, attr, fmt in COLUMNS] for name, s in rows]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).rjust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    extra = overall.extra
    if "best_threshold" in extra:
        lines.append(
            f"abstention: precision {overall.abstain_precision:.2f} recall {overall.abstain_recall:.2f} "
            f"F1 {overall.abstain_f1:.2f}; best threshold {extra['best_threshold']:.3f} "
            f"(F1 {extra['best_threshold_f1']:.2f}); answerable questions abstained: {overall.answerable_abstained}"
        )
    return "\n".join(lines)


def as_json(overall: Scores, groups: dict[str, Scores]) -> dict[str, Any]:
    return {"overall": asdict(overall), "by_type": {k: asdict(v) for k, v in groups.items()}}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(results: list[Result], groups: dict[str, Scores]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots: dict[str, str] = {}
    answered = [r for r in results if not r.answer.abstained or not r.gold.answerable]
    correct = [
        (r.answer.confidence, float(r.gold.answerable and contains(r.answer.answer, r.gold.answers)))
        for r in answered
    ]
    bins = [i / 10 for i in range(11)]
    xs, ys, ns = [], [], []
    for lo, hi in itertools.pairwise(bins):
        inside = [c for conf, c in correct if lo <= conf < hi or (hi == 1.0 and conf == 1.0)]
        if inside:
            xs.append((lo + hi) / 2)
            ys.append(sum(inside) / len(inside))
            ns.append(len(inside))
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    ax.plot(xs, ys, marker="o")
    for x, y, n in zip(xs, ys, ns, strict=True):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set(
        xlabel="confidence",
        ylabel="share answered correctly",
        title="Reliability",
        xlim=(0, 1),
        ylim=(0, 1.05),
    )
    plots["reliability"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.hist(
        [r.answer.confidence for r in results if r.gold.answerable], bins=bins, alpha=0.7, label="answerable"
    )
    ax.hist(
        [r.answer.confidence for r in results if not r.gold.answerable],
        bins=bins,
        alpha=0.7,
        label="unanswerable",
    )
    ax.set(xlabel="confidence", ylabel="questions", title="Confidence distribution")
    ax.legend()
    plots["confidence"] = _png(fig)
    plt.close(fig)

    names = list(groups)
    fig, ax = plt.subplots(figsize=(max(4.5, 1.1 * len(names) + 2), 4))
    width = 0.25
    for k, (label, attr, scale) in enumerate(
        [("citation", "citation", 1), ("containment", "containment", 1), ("F1/100", "f1", 100)]
    ):
        ax.bar(
            [i + k * width for i in range(len(names))],
            [getattr(groups[n], attr) / scale for n in names],
            width,
            label=label,
        )
    ax.set_xticks([i + width for i in range(len(names))], names, rotation=20)
    ax.set(ylim=(0, 1.05), title="By question type")
    ax.legend(fontsize=8)
    plots["types"] = _png(fig)
    plt.close(fig)
    return plots


def _failure_rows(results: list[Result], paragraphs: dict[tuple[str, int, int], str]) -> list[str]:
    rows = []
    for r in results:
        ok_cite = r.gold.gold_place is None or r.cited == r.gold.gold_place
        ok = (r.answer.abstained and not r.gold.answerable) or (
            r.gold.answerable
            and not r.answer.abstained
            and contains(r.answer.answer, r.gold.answers)
            and ok_cite
        )
        if ok:
            continue
        c = r.answer.citations[0] if r.answer.citations else None
        cited = ""
        if c:
            text = paragraphs.get((c.doc, c.article, c.paragraph), c.quote)
            spans = [(c.start, c.end, "mark")]
            for gold in r.gold.answers:
                at = text.find(gold)
                if at >= 0:
                    spans.append((at, at + len(gold), "ins"))
                    break
            cited = f"<div class=cite>{html.escape(c.doc)} · {c.article} · ¶{c.paragraph}</div>" + highlight(
                text, spans
            )
        answer = "（弃答）" if r.answer.abstained else html.escape(r.answer.answer)
        rows.append(
            "<tr>"
            f"<td>{html.escape(r.gold.id)}<br><small>{html.escape(r.gold.type)}</small></td>"
            f"<td>{html.escape(r.gold.question)}</td>"
            f"<td>{html.escape(' | '.join(r.gold.answers) or '（无答案）')}"
            f"<br><small>{html.escape(str(r.gold.gold_place or ''))}</small></td>"
            f"<td>{answer}<br><small>short: {html.escape(r.answer.short_answer)} · conf {r.answer.confidence:.2f}</small></td>"
            f"<td class=para>{cited}</td>"
            "</tr>"
        )
    return rows


def html_report(
    title: str,
    overall: Scores,
    groups: dict[str, Scores],
    results: list[Result],
    paragraphs: dict[tuple[str, int, int], str],
) -> str:
    plots = _plots(results, groups)
    summary = html.escape(table(overall, groups))
    failures = _failure_rows(results, paragraphs)
    images = "".join(f'<figure><img id="plot-{k}" alt="{k}" src="{v}"></figure>' for k, v in plots.items())
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:1200px}}
pre{{background:#f6f6f6;padding:1rem;overflow-x:auto}} figure{{display:inline-block;margin:0 1rem 1rem 0}}
table{{border-collapse:collapse;width:100%}} td,th{{border:1px solid #ddd;padding:.4rem;vertical-align:top;font-size:.9rem}}
mark{{background:#fff3a0}} ins{{background:#b6f0b6;text-decoration:none}} .cite{{color:#666;font-size:.8rem}}
td.para{{max-width:420px}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<h2>Summary</h2><pre id="summary">{summary}</pre>
<h2>Plots</h2>{images}
<h2>Failures ({len(failures)})</h2>
<p><mark>cited quote</mark> · <ins>gold answer</ins></p>
<table id="failures"><thead><tr><th>id</th><th>question</th><th>gold</th><th>answer</th><th>cited paragraph</th></tr></thead>
<tbody>{"".join(failures)}</tbody></table>
</body></html>
"""
