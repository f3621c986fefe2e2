"""Score an assistant on a question set: retrieval, citation, containment, short-answer
EM/F1 (CMRC), abstention and latency, overall and by question type."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qa.answer import Answer
from qa.errors import QuestionError
from qa.evaluation.metrics import best_threshold, cmrc_em, cmrc_f1, contains, percentile, prf, reciprocal_rank
from qa.evaluation.questions import GoldQuestion
from qa.read.assistant import Assistant

RANKED = 10  # passages asked for, to score hit@5 and MRR


@dataclass(frozen=True)
class Result:
    gold: GoldQuestion
    answer: Answer
    seconds: float

    @property
    def places(self) -> list[tuple[str, int, int]]:
        return [(p.doc, p.article, p.paragraph) for p in self.answer.passages]

    @property
    def cited(self) -> tuple[str, int, int] | None:
        c = self.answer.citations[0] if self.answer.citations else None
        return (c.doc, c.article, c.paragraph) if c else None

    @property
    def short_f1(self) -> float:
        """CMRC F1 of the short answer against the gold answers (0 for an abstention)."""
        return cmrc_f1(self.answer.short_answer, self.gold.answers)

    @property
    def short_exact(self) -> bool:
        """Does the short answer equal a gold answer (CMRC EM)?"""
        return bool(cmrc_em(self.answer.short_answer, self.gold.answers))


# Which questions a metric is computed over: a set without them has no value for it ("—"),
# not a 0 that reads as a failure.
RETRIEVAL = ("hit1", "hit5", "mrr", "citation")  # answerable questions with a gold paragraph
ANSWERING = ("containment", "em", "f1", "answerable_abstained")  # answerable questions
ABSTENTION = ("abstain_precision", "abstain_recall", "abstain_f1")  # sets with unanswerable ones


@dataclass
class Scores:
    questions: int = 0
    answerable: int = 0
    located: int = 0  # answerable questions whose gold paragraph is known
    hit1: float = 0.0
    hit5: float = 0.0
    mrr: float = 0.0
    citation: float = 0.0
    containment: float = 0.0
    em: float = 0.0
    f1: float = 0.0
    abstain_precision: float = 0.0
    abstain_recall: float = 0.0
    abstain_f1: float = 0.0
    answerable_abstained: int = 0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def applies(self, metric: str) -> bool:
        """Was ``metric`` measured on this set (it has the questions the metric is about)?"""
        if metric in RETRIEVAL:
            return self.located > 0
        if metric in ANSWERING:
            return self.answerable > 0
        if metric in ABSTENTION:
            return self.questions > self.answerable
        return self.questions > 0


def score(results: list[Result]) -> Scores:
    s = Scores(questions=len(results))
    answerable = [r for r in results if r.gold.answerable]
    located = [r for r in answerable if r.gold.gold_place]
    s.answerable, s.located = len(answerable), len(located)
    if located:
        s.hit1 = _mean(r.places[:1] == [r.gold.gold_place] for r in located)
        s.hit5 = _mean(r.gold.gold_place in r.places[:5] for r in located)
        s.mrr = _mean(reciprocal_rank(r.places, r.gold.gold_place) for r in located)
        s.citation = _mean(r.cited == r.gold.gold_place for r in located)
    if answerable:
        s.containment = _mean(
            not r.answer.abstained and contains(r.answer.answer, r.gold.answers) for r in answerable
        )
        s.em = 100 * _mean(r.short_exact for r in answerable)
        s.f1 = 100 * _mean(r.short_f1 for r in answerable)
        s.answerable_abstained = sum(r.answer.abstained for r in answerable)
    if any(not r.gold.answerable for r in results):
        a = prf([r.answer.abstained for r in results], [not r.gold.answerable for r in results])
        s.abstain_precision, s.abstain_recall, s.abstain_f1 = a.precision, a.recall, a.f1
        t, best = best_threshold(
            [r.answer.confidence for r in results], [not r.gold.answerable for r in results]
        )
        s.extra["best_threshold"] = t
        s.extra["best_threshold_f1"] = best.f1
    latencies = [1000 * r.seconds for r in results]
    s.latency_p50_ms, s.latency_p95_ms = percentile(latencies, 50), percentile(latencies, 95)
    return s


def _mean(values: Any) -> float:
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else 0.0


def run(
    assistant: Assistant, questions: list[GoldQuestion], progress: Callable[[int], None] | None = None
) -> list[Result]:
    results = []
    for q in questions:
        started = time.perf_counter()
        try:
            answer = assistant.ask(q.question, top_k=RANKED)
        except QuestionError as exc:  # e.g. an empty question in the set: scored as no answer
            answer = Answer(q.question, f"({exc})", "", True, 0.0)
        results.append(Result(q, answer, time.perf_counter() - started))
        if progress:
            progress(1)
    return results


def by_type(results: list[Result]) -> dict[str, Scores]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[r.gold.type].append(r)
    return {name: score(group) for name, group in sorted(groups.items())}
