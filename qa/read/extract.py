"""Find the short answer inside an answering sentence.

The question is aligned to the sentence around its question word: the longest tail of the
text before the question word and the longest head of the text after it are found in the
sentence, and what lies between them is the answer ("则多少分钟内" against "则4分钟内" gives
"4", widened to "4分钟" for a quantity). When only one side aligns, the answer is taken from
that side up to the clause boundary, trimmed to a word of the asked form (a number, a time,
a place, a name) by jieba's part-of-speech tags. "什么X" questions keep the noun X that names
what is asked ("什么平台" against "…政务服务平台" gives "…政务服务平台"). Where the question is a
paraphrase (its words align only in part, or on one side only), the answer is a statement: the
clause or the sentence around the aligned gap, by question form (:data:`UNITS`). All offsets are
into the original sentence.
"""

from __future__ import annotations

from enum import Enum

import jieba

from qa.read.align import Sides, align
from qa.read.clauses import (
    BREAKS,
    SENTENCE_MARKS,
    clause_end,
    clause_start,
    is_break,
    normalized_with_map,
    trim,
)
from qa.read.question import Form, Question
from qa.read.tags import typed_candidate
from qa.records import Span


class Unit(Enum):
    GAP = "gap"
    CLAUSE = "clause"
    SENTENCE = "sentence"


# How much of the sentence to give as the short answer, by question form and alignment, and
# below which firmness of the alignment (see :func:`align`) to widen. A question that matches
# the text word for word gets the aligned gap; a paraphrased one (its words found only in part,
# or only on one side of its question word) is answered by a statement rather than a word: the
# clause or the sentence that holds the aligned words. Learned from the CMRC 2018 trial set
# (which unit scores best on average per form, alignment and firmness); names keep the gap.
ALWAYS = 2.0  # above any firmness
ONE_SIDED = (Sides.BEFORE, Sides.BEFORE_ONLY, Sides.AFTER_ONLY)
UNITS: dict[tuple[Form, Sides], tuple[Unit, float]] = {
    **{(Form.ENTITY, sides): (Unit.SENTENCE, 0.6) for sides in ONE_SIDED},
    (Form.ENTITY, Sides.BOTH): (Unit.CLAUSE, 0.4),
    **{(Form.CLAUSE, sides): (Unit.SENTENCE, ALWAYS) for sides in (Sides.BOTH, *ONE_SIDED)},
    (Form.OTHER, Sides.BEFORE): (Unit.SENTENCE, ALWAYS),
    (Form.QUANTITY, Sides.BOTH): (Unit.CLAUSE, 0.4),
    (Form.QUANTITY, Sides.BEFORE): (Unit.CLAUSE, 0.4),
    (Form.TIME, Sides.BEFORE): (Unit.CLAUSE, 0.6),
    (Form.PLACE, Sides.BEFORE): (Unit.CLAUSE, 0.2),
    (Form.PLACE, Sides.BEFORE_ONLY): (Unit.SENTENCE, 0.6),
}
MAX_UNIT = {Unit.GAP: 0, Unit.CLAUSE: 40, Unit.SENTENCE: 60}  # longer units fall back
FALLBACK = {Unit.SENTENCE: Unit.GAP, Unit.CLAUSE: Unit.GAP}


def widen(q: Question, norm: str, start: int, end: int, sides: Sides, firm: float) -> tuple[int, int]:
    """Widen norm[start:end] to the clause or the sentence around it where :data:`UNITS` says so
    and that unit is short enough (else the next smaller unit)."""
    unit, below = UNITS.get((q.form, sides), (Unit.GAP, 0.0))
    if (
        q.definition
        and sides is Sides.BEFORE
        and not any(is_break(q.left, i, BREAKS) for i in range(len(q.left)))
    ):
        unit, below = Unit.SENTENCE, ALWAYS  # "X是什么": the sentence that defines X
    if firm >= below:
        return start, end
    for wider, marks in ((Unit.SENTENCE, SENTENCE_MARKS), (Unit.CLAUSE, BREAKS)):
        if unit is wider:
            lo, hi = clause_start(norm, start + 1, marks), clause_end(norm, end - 1, marks)
            lo, hi = trim(norm, lo, hi, verb=False)
            if lo <= start and end <= hi and hi - lo <= MAX_UNIT[wider]:
                return lo, hi
            unit = FALLBACK[unit]
    return start, end


def answer_span(question: Question, sentence: str) -> Span:
    """The short answer's offsets in ``sentence`` (the whole sentence when nothing better)."""
    norm, where = normalized_with_map(sentence)
    if not norm:
        return Span(0, len(sentence))
    if not question.ordered:
        return unordered_span(question, norm, where, len(sentence))
    aligned = align(question, norm)
    span: tuple[int, int] | None = None
    sides, firm = Sides.NONE, 0.0
    if aligned is not None:
        span, sides, firm = aligned[:2], aligned[2], aligned[3]
    elif question.form in (Form.QUANTITY, Form.TIME, Form.PERSON, Form.PLACE):
        span = typed_candidate(question, norm, 0, len(norm))
    if span is None:
        return Span(0, len(sentence))
    start, end = trim(norm, *span)
    if end <= start:
        return Span(0, len(sentence))
    start, end = widen(question, norm, start, end, sides, firm)
    return Span(where[start], where[end - 1] + 1)


def unordered_span(question: Question, norm: str, where: list[int], length: int) -> Span:
    """The short answer for a question whose word order says nothing (a translated one): a span
    of the asked form in the clause that holds most of the question's words, or else in the
    clause nearest to it; the whole sentence when the form has no type or none is found."""
    if question.form not in (Form.QUANTITY, Form.TIME, Form.PERSON, Form.PLACE):
        return Span(0, length)
    words = {w for w in jieba.lcut(question.left + question.right) if len(w) > 1}
    words.update(question.alternative_words)
    clauses: list[tuple[int, int]] = []
    start = 0
    while start < len(norm):  # (a comma inside a number, 33,700, splits nothing)
        end = clause_end(norm, start)
        clauses.append((start, end))
        start = end + 1
    held = [sum(len(w) for w in words if w in norm[lo:hi]) for lo, hi in clauses]
    best = max(range(len(clauses)), key=lambda i: (held[i], -i))
    for i in sorted(range(len(clauses)), key=lambda i: (-held[i], abs(i - best), i)):
        span = typed_candidate(question, norm, *clauses[i])
        if span is not None:
            start, end = trim(norm, *span)
            if end > start:
                return Span(where[start], where[end - 1] + 1)
    return Span(0, length)
