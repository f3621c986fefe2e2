"""The question aligned to a sentence around its question word: the longest tail of the words
before it and the longest head of the words after it found in the sentence, and what lies
between them (the answer's place); how well they align, as a sentence's evidence."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from qa.read.clauses import (
    BREAKS,
    CLAUSE_MARKS,
    QUANTITY_TAIL,
    SENTENCE_MARKS,
    clause_end,
    clause_start,
    dates_in,
    last_clause,
)
from qa.read.question import Form, Question
from qa.read.tags import head_noun, typed_candidate

MAX_GAP = 60
MIN_CONTEXT = 2


def longest_tail_in(context: str, haystack: str, before: int | None = None) -> tuple[int, int, int] | None:
    """Where the end of ``context`` occurs in ``haystack`` (ending at or before ``before``):
    ``(start, end, skipped)``. Tries suffixes of the context and suffixes that skip up to three
    final characters (a paraphrased function word: "玩家用" finds "玩家")."""
    limit = before if before is not None else len(haystack)
    return best_match(
        context,
        lambda drop, size: context[len(context) - drop - size : len(context) - drop],
        lambda piece: haystack.rfind(piece, 0, limit),
    )


def longest_head_in(context: str, haystack: str, after: int = 0) -> tuple[int, int, int] | None:
    """Where the start of ``context`` occurs in ``haystack`` (from ``after`` on); see above."""
    return best_match(
        context, lambda drop, size: context[drop : drop + size], lambda piece: haystack.find(piece, after)
    )


def best_match(
    context: str, piece_of: Callable[[int, int], str], locate: Callable[[str], int]
) -> tuple[int, int, int] | None:
    """The longest piece (``piece_of(skipped, size)``) that ``locate`` finds; a longer match with
    fewer skipped characters wins (each skipped character costs two matched ones). For one
    ``skipped``, the pieces nest (each shorter one lies inside the longer), so whether one is
    found is monotone in its size: a binary search finds the longest."""
    best: tuple[float, tuple[int, int, int]] | None = None
    for drop in range(0, 4):
        lo, hi = MIN_CONTEXT, min(len(context) - drop, 24)
        found: tuple[int, int] | None = None
        while lo <= hi:
            size = (lo + hi) // 2
            at = locate(piece_of(drop, size))
            if at >= 0:
                found, lo = (size, at), size + 1
            else:
                hi = size - 1
        if found is not None:
            size, at = found
            score = size - 2.0 * drop
            if best is None or score > best[0]:
                best = (score, (at, at + size, drop))
    return best[1] if best else None


class Sides(Enum):
    """Which of the question's words around its question word were found in the sentence."""

    BOTH = "both"  # before and after: the answer is the gap between them
    BEFORE = "before"  # the question ends with its question word ("X是什么") and X was found
    BEFORE_ONLY = "before only"  # words after the question word were asked but not found
    AFTER_ONLY = "after only"  # only the words after the question word were found
    NONE = "none"  # no alignment: a typed word (number, date, name) anywhere in the sentence


ALIGN_FULL = 8  # matched context characters (next to the question word) that count as a full match


def context_pairs(question: Question) -> frozenset[str]:
    """The adjacent character pairs of the question's words beside its question word. A
    sentence holding none of them does not align (:func:`alignment` matches pieces of at least
    :data:`MIN_CONTEXT` characters, each holding such a pair)."""
    if not question.wh:
        return frozenset()
    sides = (question.left.strip(CLAUSE_MARKS + " "), question.right.strip(CLAUSE_MARKS + " "))
    return frozenset(side[i : i + 2] for side in sides for i in range(len(side) - 1))


def alignment(question: Question, norm: str) -> float:
    """How well the question's words next to its question word line up in ``norm`` (a
    normalised sentence), leaving a gap where the answer would stand: 0 (nothing) to 1.
    Characters skipped next to the question word (a paraphrased function word) count against."""
    left = question.left.strip(CLAUSE_MARKS + " ")
    right = question.right.strip(CLAUSE_MARKS + " ")
    if not question.wh or not (left or right):
        return 0.0
    left_at, right_at = anchors(left, right, norm)
    wanted = min(len(left), ALIGN_FULL) + min(len(right), ALIGN_FULL)
    matched = 0.0
    for found in (left_at, right_at):
        if found:
            matched += min(found[1] - found[0], ALIGN_FULL) - 2.0 * found[2]
    if left_at and right_at:
        gap_ok = 0 < right_at[0] - left_at[1] <= MAX_GAP
    elif left_at:
        gap_ok = not right and left_at[1] < len(norm.rstrip("。.!?！？ "))
    elif right_at:
        gap_ok = not left and right_at[0] > 0
    else:
        return 0.0
    return max(0.0, matched / wanted) * (1.0 if gap_ok else 0.5)


def anchors(
    left: str, right: str, norm: str
) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
    """Where the question's words before and after its question word occur in ``norm`` (the
    words after are placed first, so the words before must end ahead of them)."""
    right_at = longest_head_in(right, norm) if right.strip(CLAUSE_MARKS) else None
    left_at = (
        longest_tail_in(left, norm, right_at[0] if right_at else None) if left.strip(CLAUSE_MARKS) else None
    )
    return left_at, right_at


def align(q: Question, norm: str) -> tuple[int, int, Sides, float] | None:
    """Offsets of the answer in ``norm`` by aligning the question's words around its question
    word, which sides aligned, and how firmly (the share of the found sides' words, up to
    :data:`ALIGN_FULL` characters each, that matched); None when neither side aligns."""
    left_at, right_at = anchors(q.left, q.right, norm)
    firm = firmness((q.left, left_at), (q.right, right_at))
    # Why/how answers and definitions run on over clauses; the others end at the clause.
    marks = SENTENCE_MARKS if q.form is Form.CLAUSE or q.definition else BREAKS
    if left_at and right_at and 0 < right_at[0] - left_at[1] <= MAX_GAP:
        start, end = left_at[1], right_at[0]
        if q.form is not Form.CLAUSE:
            start = last_clause(norm, start, end)
        if (
            q.form is Form.QUANTITY
            and (m := QUANTITY_TAIL.match(norm, end))
            and q.right.startswith(m.group().strip())
        ):
            end = m.end()  # "多少分钟" -> keep the unit: "4分钟"
        elif q.form is Form.ENTITY and len(head := head_noun(q.right)) > 1 and norm.startswith(head, end):
            end += len(head)  # "什么长效机制" -> the answer names its kind: "“回头看”长效机制"
        elif q.form is Form.TIME:
            start, end = dates_in(norm, start, end)
        return start, end, Sides.BOTH, firm
    if left_at and not right_at:
        asked_after = len(q.right.strip(CLAUSE_MARKS + " ")) >= MIN_CONTEXT
        sides = Sides.BEFORE_ONLY if asked_after else Sides.BEFORE
        start = left_at[1]
        end = clause_end(norm, start, marks)
        typed = typed_candidate(q, norm, start, end)
        if typed and q.form in (Form.QUANTITY, Form.TIME) and typed[0] - start <= 2:
            return typed[0], typed[1], sides, firm
        return start, end, sides, firm
    if right_at and not left_at:
        end = right_at[0]
        start = clause_start(norm, end, marks)
        typed = typed_candidate(q, norm, start, end, last=True)
        if typed and q.form in (Form.QUANTITY, Form.TIME) and end - typed[1] <= 2:
            return typed[0], typed[1], Sides.AFTER_ONLY, firm
        return start, end, Sides.AFTER_ONLY, firm
    return None


def firmness(*sides: tuple[str, tuple[int, int, int] | None]) -> float:
    wanted = matched = 0.0
    for words, found in sides:
        if found:
            wanted += min(len(words.strip(CLAUSE_MARKS + " ")), ALIGN_FULL)
            matched += min(found[1] - found[0], ALIGN_FULL) - 2.0 * found[2]
    return max(0.0, matched / wanted) if wanted else 0.0
