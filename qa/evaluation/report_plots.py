"""The evaluation report's plots, drawn as inline SVG: plain text a test can read (the
threshold's line, each bin's count) and a browser shows without a plotting library, in the
page's own fonts (question types may be Chinese)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from qa.evaluation.evaluate import Result, Scores
from qa.evaluation.metrics import contains

# Reliability bins hold at least this many questions each: a share of 3-5 questions swings by
# 20-30 points on one answer, which reads as miscalibration that is not there.
MIN_BIN = 20
MOST_BINS = 10
WIDTH, HEIGHT = 440, 320
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 46, 44  # margins around the plotting area (keys above it)
HIST_BINS = 20
COLOURS = ("#4c78a8", "#f58518", "#54a24b")


@dataclass(frozen=True)
class Bin:
    """Questions whose confidences fall in ``lo..hi``: their mean confidence and the share of
    them answered correctly."""

    lo: float
    hi: float
    confidence: float
    correct: float
    n: int


def reliability_bins(results: Sequence[Result], minimum: int = MIN_BIN, most: int = MOST_BINS) -> list[Bin]:
    """Equal-count bins by confidence: as many as the set fills with ``minimum`` questions each
    (one for a smaller set), at most ``most``. Scored, as the confidence means "the answer is
    right": the answered questions and every unanswerable one (never right: no answer is);
    answerable questions abstained on are left out, their withheld answers being unknown."""
    scored = sorted(
        (r.answer.confidence, float(r.gold.answerable and contains(r.answer.answer, r.gold.answers)))
        for r in results
        if not r.answer.abstained or not r.gold.answerable
    )
    if not scored:
        return []
    k = max(1, min(most, len(scored) // minimum))
    bins = []
    for i in range(k):
        chunk = scored[i * len(scored) // k : (i + 1) * len(scored) // k]
        confs = [c for c, _ in chunk]
        bins.append(
            Bin(
                confs[0],
                confs[-1],
                sum(confs) / len(confs),
                sum(ok for _, ok in chunk) / len(chunk),
                len(chunk),
            )
        )
    return bins


def _x(value: float) -> float:
    return LEFT + max(0.0, min(1.0, value)) * (WIDTH - LEFT - RIGHT)


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (value / top if top else 0.0) * (HEIGHT - TOP - BOTTOM)


def _frame(plot_id: str, title: str, xlabel: str, ylabel: str, yticks: Sequence[float], body: str) -> str:
    """An SVG plot: ``body`` drawn on axes whose y axis ends at the last of ``yticks``."""
    top, bottom, right = yticks[-1], HEIGHT - BOTTOM, WIDTH - RIGHT
    ticks = [
        f'<line x1="{LEFT}" x2="{right}" y1="{_y(t, top):.1f}" y2="{_y(t, top):.1f}" stroke="#eee"/>'
        f'<text x="{LEFT - 6}" y="{_y(t, top) + 4:.1f}" text-anchor="end">{t:g}</text>'
        for t in yticks
    ]
    return (
        f'<svg id="plot-{plot_id}" class="plot" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" font-size="11" role="img" aria-label="{html.escape(title)}">'
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14">{html.escape(title)}</text>'
        + "".join(ticks)
        + body
        + f'<line x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#333"/>'
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" stroke="#333"/>'
        f'<text x="{(LEFT + right) / 2}" y="{HEIGHT - 8}" text-anchor="middle">{html.escape(xlabel)}</text>'
        f'<text transform="translate(14 {(TOP + bottom) / 2}) rotate(-90)" text-anchor="middle">{html.escape(ylabel)}</text>'
        "</svg>"
    )


def _confidence_ticks() -> str:
    return "".join(
        f'<text x="{_x(t / 5):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{t / 5:g}</text>'
        for t in range(6)
    )


def threshold_line(value: float, label: str, css: str, row: int = 0) -> str:
    """A vertical line at confidence ``value`` with its label (``row`` stacks a second label
    under the first); a value past 1 (abstain on everything) is drawn at 1."""
    x = _x(value)
    shown = f"{value:.3f}" if math.isfinite(value) else "∞"
    anchor = "end" if x > WIDTH / 2 else "start"
    dx = -4 if anchor == "end" else 4
    return (
        f'<g class="{css}" data-value="{shown}"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"'
        f' stroke="{"#c00" if row == 0 else "#777"}" stroke-dasharray="5 3" stroke-width="1.5"/>'
        f'<text x="{x + dx:.1f}" y="{TOP + 12 + 14 * row}" text-anchor="{anchor}">{html.escape(label)} {shown}</text></g>'
    )


def _thresholds(threshold: float | None, best: float | None) -> str:
    lines = []
    if threshold is not None:
        lines.append(threshold_line(threshold, "abstain below", "threshold"))
    if best is not None:
        lines.append(threshold_line(best, "best on this set", "best-threshold", row=len(lines)))
    return "".join(lines)


def reliability_svg(bins: Sequence[Bin], threshold: float | None = None) -> str:
    """Share answered correctly against mean confidence, one point per bin, labelled n=count."""
    points = [(_x(b.confidence), _y(b.correct, 1.0), b) for b in bins]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _) in enumerate(points))
    body = (
        f'<line x1="{_x(0)}" y1="{_y(0, 1)}" x2="{_x(1)}" y2="{_y(1, 1)}" stroke="#999" stroke-dasharray="4 4"/>'
        + _confidence_ticks()
        + _thresholds(threshold, None)
        + (f'<path d="{path}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>' if path else "")
        + "".join(
            f'<g class="bin" data-n="{b.n}"><circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLOURS[0]}">'
            f"<title>confidence {b.lo:.2f}–{b.hi:.2f}: {b.correct:.0%} of {b.n}</title></circle>"
            f'<text x="{x + 5:.1f}" y="{y - 6:.1f}">n={b.n}</text></g>'
            for x, y, b in points
        )
    )
    return _frame(
        "reliability",
        "Reliability",
        "confidence (mean of the bin)",
        "share answered correctly",
        [0, 0.25, 0.5, 0.75, 1],
        body,
    )


def _counts(confidences: Sequence[float]) -> list[int]:
    counts = [0] * HIST_BINS
    for c in confidences:
        counts[min(HIST_BINS - 1, max(0, int(c * HIST_BINS)))] += 1
    return counts


def _count_ticks(most: int) -> list[float]:
    step = max(1, math.ceil(most / 5))
    return [float(step * i) for i in range(math.ceil(most / step) + 1)] if most else [0.0, 1.0]


def confidence_svg(results: Sequence[Result], threshold: float | None, best: float | None = None) -> str:
    """How many answerable and unanswerable questions got each confidence, with the threshold
    the assistant abstains below (and the best one on this set) as vertical lines."""
    series = [
        ("answerable", _counts([r.answer.confidence for r in results if r.gold.answerable])),
        ("unanswerable", _counts([r.answer.confidence for r in results if not r.gold.answerable])),
    ]
    ticks = _count_ticks(max(max(c) for _, c in series))
    width = (_x(1) - _x(0)) / HIST_BINS
    bars, keys = [], []
    for k, (name, counts) in enumerate(series):
        bars += [
            f'<rect x="{_x(i / HIST_BINS):.1f}" y="{_y(n, ticks[-1]):.1f}" width="{width:.1f}"'
            f' height="{_y(0, ticks[-1]) - _y(n, ticks[-1]):.1f}" fill="{COLOURS[k]}" fill-opacity="0.6"><title>{name}: {n}</title></rect>'
            for i, n in enumerate(counts)
            if n
        ]
        keys.append(_key(k, name))
    body = "".join(bars) + _confidence_ticks() + _thresholds(threshold, best) + "".join(keys)
    return _frame("confidence", "Confidence distribution", "confidence", "questions", ticks, body)


def _key(k: int, name: str, opacity: float = 0.6) -> str:
    """The legend entry for series ``k``: one row between the title and the plotting area."""
    x, y = LEFT + 110 * k, TOP - 10
    return (
        f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{COLOURS[k]}" fill-opacity="{opacity}"/>'
        f'<text x="{x + 14}" y="{y}">{html.escape(name)}</text>'
    )


TYPE_BARS = (("citation", "citation", 1.0), ("containment", "containment", 1.0), ("F1/100", "f1", 100.0))


def types_svg(groups: dict[str, Scores]) -> str:
    """Citation, containment and F1/100 per question type; a metric that does not apply to a
    type (an unanswerable type's F1) draws no bar."""
    names = list(groups)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(names))
    bar = slot * 0.8 / len(TYPE_BARS)
    parts = []
    for i, name in enumerate(names):
        x0 = LEFT + i * slot + slot * 0.1
        for k, (label, attr, scale) in enumerate(TYPE_BARS):
            s = groups[name]
            if not s.applies(attr):
                parts.append(
                    f'<text x="{x0 + (k + 0.5) * bar:.1f}" y="{_y(0, 1) - 4}" text-anchor="middle">—</text>'
                )
                continue
            value = getattr(s, attr) / scale
            parts.append(
                f'<rect x="{x0 + k * bar:.1f}" y="{_y(value, 1):.1f}" width="{bar:.1f}" height="{_y(0, 1) - _y(value, 1):.1f}"'
                f' fill="{COLOURS[k]}"><title>{html.escape(name)} {label}: {value:.3f}</title></rect>'
            )
        parts.append(
            f'<text x="{LEFT + (i + 0.5) * slot:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{html.escape(name)}</text>'
        )
    parts += [_key(k, label, 1.0) for k, (label, _, _) in enumerate(TYPE_BARS)]
    return _frame("types", "By question type", "", "score", [0, 0.25, 0.5, 0.75, 1], "".join(parts))
