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

import functools
import re
import threading
from collections.abc import Callable
from enum import Enum

import jieba
import jieba.posseg

from qa.read.question import Form, Question
from qa.records import Span
from qa.text.normalize import normalize

CLAUSE_MARKS = ',，。;；!！?？:：、()（）"“”'  # trimmed off the edges of an answer
BREAKS = ",，。;；!！?？:："  # end a clause (a list joined by 、 stays one answer)
SENTENCE_MARKS = "。;；!！?？"
MAX_GAP = 60
LIST_JOINERS = ("、", "和", "及", "以及", "与", "或")
MIN_CONTEXT = 2
_UNITS = (
    r"(?:分钟|小时|公里|千米|平方公里|平方米|公顷|公斤|千克|公尺|公分|英里|英尺|亩"
    r"|[个名位人次年月日天号岁元万亿千百十倍米里斤吨度座所家项条支种类部件辆架艘层届场章集期册股首本张只头匹间块枚颗处片根份篇门栋%％]"
    r"|km|cm|mm|kg|mw|kw|m|g|t|hz)"
)
_QUANTITY_TAIL = re.compile(r"(?:[0-9.]*\s*)?" + _UNITS)
_NUMBER = re.compile(
    r"(?:约|近|逾|超过)?[0-9一二三四五六七八九十百千万亿两零〇][0-9一二三四五六七八九十百千万亿两零〇.,%]*\s*(?:"
    + _UNITS
    + r")?"
)
_TIME = re.compile(
    r"(?:[0-9０-９一二三四五六七八九十〇零]+\s*年)?(?:[0-9０-９一二三四五六七八九十]+\s*月)?(?:[0-9０-９一二三四五六七八九十]+\s*[日号])?(?:至[0-9０-９一二三四五六七八九十]+\s*[日号])?|[0-9]+\s*世纪|[0-9]+\s*年代"
)
_pos_lock = threading.Lock()
jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO


def normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise character by character, remembering each output character's source index."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for n in normalize(ch):
            out.append(n)
            where.append(i)
    return "".join(out), where


def _longest_tail_in(context: str, haystack: str, before: int | None = None) -> tuple[int, int, int] | None:
    """Where the end of ``context`` occurs in ``haystack`` (ending at or before ``before``):
    ``(start, end, skipped)``. Tries suffixes of the context and suffixes that skip up to three
    final characters (a paraphrased function word: "玩家用" finds "玩家")."""
    limit = before if before is not None else len(haystack)
    return _best_match(
        context,
        lambda drop, size: context[len(context) - drop - size : len(context) - drop],
        lambda piece: haystack.rfind(piece, 0, limit),
    )


def _longest_head_in(context: str, haystack: str, after: int = 0) -> tuple[int, int, int] | None:
    """Where the start of ``context`` occurs in ``haystack`` (from ``after`` on); see above."""
    return _best_match(
        context, lambda drop, size: context[drop : drop + size], lambda piece: haystack.find(piece, after)
    )


def _best_match(
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


def _is_break(text: str, i: int, marks: str) -> bool:
    """A clause boundary at i: a mark from ``marks``, but not a separator inside a number (3.5, 33,700)."""
    if text[i] not in marks:
        return False
    return not (text[i] in ",." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())


def _clause_end(text: str, start: int, marks: str = BREAKS) -> int:
    for i in range(start, len(text)):
        if i > start and _is_break(text, i, marks):
            return i
    return len(text)


def _clause_start(text: str, end: int, marks: str = BREAKS) -> int:
    for i in range(end - 1, -1, -1):
        if i < end - 1 and _is_break(text, i, marks):
            return i + 1
    return 0


class Sides(Enum):
    """Which of the question's words around its question word were found in the sentence."""

    BOTH = "both"  # before and after: the answer is the gap between them
    BEFORE = "before"  # the question ends with its question word ("X是什么") and X was found
    BEFORE_ONLY = "before only"  # words after the question word were asked but not found
    AFTER_ONLY = "after only"  # only the words after the question word were found
    NONE = "none"  # no alignment: a typed word (number, date, name) anywhere in the sentence


class Unit(Enum):
    GAP = "gap"
    CLAUSE = "clause"
    SENTENCE = "sentence"


# How much of the sentence to give as the short answer, by question form and alignment, and
# below which firmness of the alignment (see :func:`_align`) to widen. A question that matches
# the text word for word gets the aligned gap; a paraphrased one (its words found only in part,
# or only on one side of its question word) is answered by a statement rather than a word: the
# clause or the sentence that holds the aligned words. Learned from the CMRC 2018 trial set
# (which unit scores best on average per form, alignment and firmness); names keep the gap.
ALWAYS = 2.0  # above any firmness
_ONE_SIDED = (Sides.BEFORE, Sides.BEFORE_ONLY, Sides.AFTER_ONLY)
UNITS: dict[tuple[Form, Sides], tuple[Unit, float]] = {
    **{(Form.ENTITY, sides): (Unit.SENTENCE, 0.6) for sides in _ONE_SIDED},
    (Form.ENTITY, Sides.BOTH): (Unit.CLAUSE, 0.4),
    **{(Form.CLAUSE, sides): (Unit.SENTENCE, ALWAYS) for sides in (Sides.BOTH, *_ONE_SIDED)},
    (Form.OTHER, Sides.BEFORE): (Unit.SENTENCE, ALWAYS),
    (Form.QUANTITY, Sides.BOTH): (Unit.CLAUSE, 0.4),
    (Form.QUANTITY, Sides.BEFORE): (Unit.CLAUSE, 0.4),
    (Form.TIME, Sides.BEFORE): (Unit.CLAUSE, 0.6),
    (Form.PLACE, Sides.BEFORE): (Unit.CLAUSE, 0.2),
    (Form.PLACE, Sides.BEFORE_ONLY): (Unit.SENTENCE, 0.6),
}
MAX_UNIT = {Unit.GAP: 0, Unit.CLAUSE: 40, Unit.SENTENCE: 60}  # longer units fall back
FALLBACK = {Unit.SENTENCE: Unit.GAP, Unit.CLAUSE: Unit.GAP}


def _widen(q: Question, norm: str, start: int, end: int, sides: Sides, firm: float) -> tuple[int, int]:
    """Widen norm[start:end] to the clause or the sentence around it where :data:`UNITS` says so
    and that unit is short enough (else the next smaller unit)."""
    unit, below = UNITS.get((q.form, sides), (Unit.GAP, 0.0))
    if (
        q.definition
        and sides is Sides.BEFORE
        and not any(_is_break(q.left, i, BREAKS) for i in range(len(q.left)))
    ):
        unit, below = Unit.SENTENCE, ALWAYS  # "X是什么": the sentence that defines X
    if firm >= below:
        return start, end
    for wider, marks in ((Unit.SENTENCE, SENTENCE_MARKS), (Unit.CLAUSE, BREAKS)):
        if unit is wider:
            lo, hi = _clause_start(norm, start + 1, marks), _clause_end(norm, end - 1, marks)
            lo, hi = _trim(norm, lo, hi, verb=False)
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
        return _unordered_span(question, norm, where, len(sentence))
    aligned = _align(question, norm)
    span: tuple[int, int] | None = None
    sides, firm = Sides.NONE, 0.0
    if aligned is not None:
        span, sides, firm = aligned[:2], aligned[2], aligned[3]
    elif question.form in (Form.QUANTITY, Form.TIME, Form.PERSON, Form.PLACE):
        span = _typed_candidate(question, norm, 0, len(norm))
    if span is None:
        return Span(0, len(sentence))
    start, end = _trim(norm, *span)
    if end <= start:
        return Span(0, len(sentence))
    start, end = _widen(question, norm, start, end, sides, firm)
    return Span(where[start], where[end - 1] + 1)


def _unordered_span(question: Question, norm: str, where: list[int], length: int) -> Span:
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
        end = _clause_end(norm, start)
        clauses.append((start, end))
        start = end + 1
    held = [sum(len(w) for w in words if w in norm[lo:hi]) for lo, hi in clauses]
    best = max(range(len(clauses)), key=lambda i: (held[i], -i))
    for i in sorted(range(len(clauses)), key=lambda i: (-held[i], abs(i - best), i)):
        span = _typed_candidate(question, norm, *clauses[i])
        if span is not None:
            start, end = _trim(norm, *span)
            if end > start:
                return Span(where[start], where[end - 1] + 1)
    return Span(0, length)


_NUMERAL = re.compile(r"[\d一二三四五六七八九十百千万亿两]")


def has_typed_answer(question: Question, norm: str) -> float:
    """1 when ``norm`` holds a number (quantity questions) or a date (time questions) that the
    question itself does not contain; 0 otherwise, and for other question forms."""
    pattern = {Form.QUANTITY: _NUMBER, Form.TIME: _TIME}.get(question.form)
    if pattern is None or not _NUMERAL.search(norm):
        return 0.0
    for m in pattern.finditer(norm):
        found = m.group().strip(",，. ")
        if found and _NUMERAL.search(found) and found not in question.norm:
            return 1.0
    return 0.0


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
    left_at, right_at = _anchors(left, right, norm)
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


def _anchors(
    left: str, right: str, norm: str
) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
    """Where the question's words before and after its question word occur in ``norm`` (the
    words after are placed first, so the words before must end ahead of them)."""
    right_at = _longest_head_in(right, norm) if right.strip(CLAUSE_MARKS) else None
    left_at = (
        _longest_tail_in(left, norm, right_at[0] if right_at else None) if left.strip(CLAUSE_MARKS) else None
    )
    return left_at, right_at


def _align(q: Question, norm: str) -> tuple[int, int, Sides, float] | None:
    """Offsets of the answer in ``norm`` by aligning the question's words around its question
    word, which sides aligned, and how firmly (the share of the found sides' words, up to
    :data:`ALIGN_FULL` characters each, that matched); None when neither side aligns."""
    left_at, right_at = _anchors(q.left, q.right, norm)
    firm = _firmness((q.left, left_at), (q.right, right_at))
    # Why/how answers and definitions run on over clauses; the others end at the clause.
    marks = SENTENCE_MARKS if q.form is Form.CLAUSE or q.definition else BREAKS
    if left_at and right_at and 0 < right_at[0] - left_at[1] <= MAX_GAP:
        start, end = left_at[1], right_at[0]
        if q.form is not Form.CLAUSE:
            start = _last_clause(norm, start, end)
        if (
            q.form is Form.QUANTITY
            and (m := _QUANTITY_TAIL.match(norm, end))
            and q.right.startswith(m.group().strip())
        ):
            end = m.end()  # "多少分钟" -> keep the unit: "4分钟"
        elif q.form is Form.ENTITY and len(head := _head_noun(q.right)) > 1 and norm.startswith(head, end):
            end += len(head)  # "什么长效机制" -> the answer names its kind: "“回头看”长效机制"
        elif q.form is Form.TIME:
            start, end = _dates_in(norm, start, end)
        return start, end, Sides.BOTH, firm
    if left_at and not right_at:
        asked_after = len(q.right.strip(CLAUSE_MARKS + " ")) >= MIN_CONTEXT
        sides = Sides.BEFORE_ONLY if asked_after else Sides.BEFORE
        start = left_at[1]
        end = _clause_end(norm, start, marks)
        typed = _typed_candidate(q, norm, start, end)
        if typed and q.form in (Form.QUANTITY, Form.TIME) and typed[0] - start <= 2:
            return typed[0], typed[1], sides, firm
        return start, end, sides, firm
    if right_at and not left_at:
        end = right_at[0]
        start = _clause_start(norm, end, marks)
        typed = _typed_candidate(q, norm, start, end, last=True)
        if typed and q.form in (Form.QUANTITY, Form.TIME) and end - typed[1] <= 2:
            return typed[0], typed[1], Sides.AFTER_ONLY, firm
        return start, end, Sides.AFTER_ONLY, firm
    return None


_TIME_SUFFIX = re.compile(r"(?:初|底|末|中|前后|左右|以来|以后|之后|后|前)?")


def _dates_in(norm: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a gap to the dates in it: from the first to the last date of its last clause that
    has one, with a following 初/底/前后…; the gap itself when it holds no date."""
    dates = [
        m.span()
        for m in _TIME.finditer(norm, start, end)
        if m.end() > m.start() and any(ch.isdigit() or ch in "一二三四五六七八九十" for ch in m.group())
    ]
    if not dates:
        return start, end
    lo, hi = dates[-1]
    clause = _clause_start(norm, lo + 1)
    lo = min(a for a, _ in dates if a >= clause)
    if (m := _TIME_SUFFIX.match(norm, hi, end)) is not None:
        hi = m.end()
    return lo, hi


_NOUN_TAGS = ("n", "ng", "nz", "nt", "nr", "ns")


def _head_noun(right: str) -> str:
    """The nouns that open ``right`` (the words after "什么"/"哪些"), which name what is asked for."""
    head = ""
    for word, flag in _tags(right):
        if flag not in _NOUN_TAGS:
            break
        head += word
    return head


_OPENERS, _CLOSERS = "“「『《（(", "”」』》）)"


def _last_clause(norm: str, start: int, end: int) -> int:
    """Where the last clause of norm[start:end] starts: the words after the question word attach
    to their own clause ("1974年生，日本喜剧演员" -> "日本"). A comma inside quotes does not count."""
    clause = _clause_start(norm, end)
    if clause <= start:
        return start
    tail = norm[clause:end]
    if sum(tail.count(c) for c in _CLOSERS) > sum(tail.count(c) for c in _OPENERS):
        return start
    return clause


def _firmness(*sides: tuple[str, tuple[int, int, int] | None]) -> float:
    wanted = matched = 0.0
    for words, found in sides:
        if found:
            wanted += min(len(words.strip(CLAUSE_MARKS + " ")), ALIGN_FULL)
            matched += min(found[1] - found[0], ALIGN_FULL) - 2.0 * found[2]
    return max(0.0, matched / wanted) if wanted else 0.0


_FORM_TAGS = {
    Form.PERSON: ("nr", "nrt", "nt", "nz"),
    Form.PLACE: ("ns", "nt", "s"),
    Form.TIME: ("t",),
    Form.ENTITY: ("n", "nz", "nt", "ns", "nr", "vn", "eng"),
}


def _typed_candidate(q: Question, norm: str, lo: int, hi: int, last: bool = False) -> tuple[int, int] | None:
    """A span of the asked form inside norm[lo:hi]: the first (or ``last``) one."""
    if hi <= lo:
        return None
    found: list[tuple[int, int]] = []
    if q.form is Form.QUANTITY:
        found = [(m.start(), m.end()) for m in _NUMBER.finditer(norm, lo, hi) if m.group().strip(",，.")]
    elif q.form is Form.TIME:
        found = [(m.start(), m.end()) for m in _TIME.finditer(norm, lo, hi) if m.end() > m.start()]
    if not found and q.form in _FORM_TAGS:
        found = _tagged(norm, lo, hi, _FORM_TAGS[q.form])
    if not found:
        return None
    return found[-1] if last else found[0]


NAME_TAGS = ("nr", "ns", "nt", "nz")


def proper_names(text: str) -> list[str]:
    """The words of ``text`` that jieba tags as names of people, places or organisations."""
    return list(dict.fromkeys(w for w, flag in _tags(text) if flag.startswith(NAME_TAGS) and len(w) > 1))


@functools.lru_cache(maxsize=8192)
def _tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words of ``text`` with their part-of-speech tags. Kept per text: its HMM for
    unknown words is slow (milliseconds on a sentence full of foreign names), and the sentences
    that answer recur across questions."""
    with _pos_lock:  # jieba.posseg's default tokenizer is shared global state
        return tuple((w.word, w.flag) for w in jieba.posseg.cut(text))


def _tagged(norm: str, lo: int, hi: int, tags: tuple[str, ...]) -> list[tuple[int, int]]:
    """Runs of adjacent words carrying one of ``tags`` in norm[lo:hi]."""
    runs: list[tuple[int, int]] = []
    at = lo
    current: tuple[int, int] | None = None
    pending = False  # a list connector (、 和 及 与) after the current run
    nouns_from: int | None = None  # where the run of common nouns just before this word starts
    for word, flag in _tags(norm[lo:hi]):
        start, end = at, at + len(word)
        at = end
        if any(flag.startswith(t) for t in tags):
            if current is None and flag.startswith("nt") and nouns_from is not None:
                start = nouns_from  # an organisation's name takes the nouns before it: 街道党工委
            current = (current[0], end) if current else (start, end)
            pending = False
        elif current and not pending and word in LIST_JOINERS:
            pending = True  # "俄罗斯、日本" stays one answer
        else:
            if current:
                runs.append(current)
            current, pending = None, False
        if flag in ("n", "ns") and current is None:
            nouns_from = start if nouns_from is None else nouns_from
        else:
            nouns_from = None
    if current:
        runs.append(current)
    return runs


def warm_up() -> None:
    """Load the part-of-speech tagger's dictionaries (about a second, once per process)."""
    _tagged("重庆市位于中国西南部", 0, 10, ("ns",))


def _opens_inside(norm: str, start: int, end: int) -> bool:
    """norm[start] opens a quote or bracket that closes inside norm[start:end], before its
    last character: it belongs to the answer ("“宅”经济"); one around the whole span does not."""
    i = _OPENERS.find(norm[start])
    return i >= 0 and _CLOSERS[i] in norm[start + 1 : end - 1]


def _closes_inside(norm: str, start: int, end: int) -> bool:
    """norm[end - 1] closes a quote or bracket opened inside norm[start:end] after its first
    character (see :func:`_opens_inside`)."""
    i = _CLOSERS.find(norm[end - 1])
    return i >= 0 and _OPENERS[i] in norm[start + 1 : end - 1]


def _trim(norm: str, start: int, end: int, verb: bool = True) -> tuple[int, int]:
    """Drop spaces and clause punctuation at the edges of a span, and (``verb``) a leading
    是/为/在/于 (kept when a clause or sentence is the answer: it is part of the statement)."""
    while (
        start < end
        and (norm[start].isspace() or norm[start] in CLAUSE_MARKS)
        and not _opens_inside(norm, start, end)
    ):
        start += 1
    while (
        end > start
        and (norm[end - 1].isspace() or norm[end - 1] in CLAUSE_MARKS + "。")
        and not _closes_inside(norm, start, end)
    ):
        end -= 1
    if verb and end - start > 1 and norm[start] in "是为在于":
        start += 1
    return start, end
