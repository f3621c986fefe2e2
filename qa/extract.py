"""Find the short answer inside an answering sentence.

The question is aligned to the sentence around its question word: the longest tail of the
text before the question word and the longest head of the text after it are found in the
sentence, and what lies between them is the answer ("则多少分钟内" against "则4分钟内" gives
"4", widened to "4分钟" for a quantity). When only one side aligns, the answer is taken from
that side up to the clause boundary, trimmed to a word of the asked form (a number, a time,
a place, a name) by jieba's part-of-speech tags. All offsets are into the original sentence.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import jieba
import jieba.posseg

from qa.normalize import normalize
from qa.question import Form, Question

CLAUSE_MARKS = ',，。;；!！?？:：、()（）"“”'
MAX_GAP = 60
MIN_CONTEXT = 2
_QUANTITY_TAIL = re.compile(
    r"(?:[0-9.]*\s*)?(?:[个名位人次年月日天号岁元万亿千百十倍米里斤吨度%％]|分钟|小时|公里|平方米|公顷|亩)"
)
_NUMBER = re.compile(
    r"[0-9０-９一二三四五六七八九十百千万亿两零〇.,，%％]+\s*(?:[个名位人次年月日天号岁元万亿千倍米里斤吨度座所家项条支]|分钟|小时|公里|平方米|公顷|亩)?"
)
_TIME = re.compile(
    r"(?:[0-9０-９一二三四五六七八九十〇零]+\s*年)?(?:[0-9０-９一二三四五六七八九十]+\s*月)?(?:[0-9０-９一二三四五六七八九十]+\s*[日号])?(?:至[0-9０-９一二三四五六七八九十]+\s*[日号])?|[0-9]+\s*世纪|[0-9]+\s*年代"
)
_pos_lock = threading.Lock()
jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    aligned: bool  # both sides of the question word were found in the sentence


def normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise character by character, remembering each output character's source index."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for n in normalize(ch):
            out.append(n)
            where.append(i)
    return "".join(out), where


def _longest_tail_in(context: str, haystack: str, before: int | None = None) -> tuple[int, int] | None:
    """Where the end of ``context`` occurs in ``haystack`` (ending at or before ``before``).

    Tries suffixes of the context and suffixes that skip up to three final characters (a
    paraphrased function word: "玩家用" finds "玩家"); a longer match with fewer skipped
    characters wins."""
    limit = before if before is not None else len(haystack)
    best: tuple[float, tuple[int, int]] | None = None
    for drop in range(0, 4):
        for size in range(min(len(context) - drop, 24), MIN_CONTEXT - 1, -1):
            piece = context[len(context) - drop - size : len(context) - drop]
            at = haystack.rfind(piece, 0, limit)
            if at >= 0:
                score = size - 2.0 * drop
                if best is None or score > best[0]:
                    best = (score, (at, at + size))
                break
    return best[1] if best else None


def _longest_head_in(context: str, haystack: str, after: int = 0) -> tuple[int, int] | None:
    """Where the start of ``context`` occurs in ``haystack`` (from ``after`` on); see above."""
    best: tuple[float, tuple[int, int]] | None = None
    for drop in range(0, 4):
        for size in range(min(len(context) - drop, 24), MIN_CONTEXT - 1, -1):
            piece = context[drop : drop + size]
            at = haystack.find(piece, after)
            if at >= 0:
                score = size - 2.0 * drop
                if best is None or score > best[0]:
                    best = (score, (at, at + size))
                break
    return best[1] if best else None


def _clause_end(text: str, start: int) -> int:
    for i in range(start, len(text)):
        if text[i] in CLAUSE_MARKS and i > start:
            return i
    return len(text)


def _clause_start(text: str, end: int) -> int:
    for i in range(end - 1, -1, -1):
        if text[i] in CLAUSE_MARKS and i < end - 1:
            return i + 1
    return 0


def answer_span(question: Question, sentence: str) -> Span:
    """The short answer's offsets in ``sentence`` (the whole sentence when nothing better)."""
    norm, where = normalized_with_map(sentence)
    if not norm:
        return Span(0, len(sentence), False)
    span = _align(question, norm)
    if span is None:
        span = _typed_candidate(question, norm, 0, len(norm))
    if span is None:
        return Span(0, len(sentence), False)
    start, end, aligned = span
    start, end = _trim(norm, start, end)
    if end <= start:
        return Span(0, len(sentence), False)
    return Span(where[start], where[end - 1] + 1, aligned)


def _align(q: Question, norm: str) -> tuple[int, int, bool] | None:
    right_at = _longest_head_in(q.right, norm) if q.right.strip(CLAUSE_MARKS) else None
    left_at = (
        _longest_tail_in(q.left, norm, right_at[0] if right_at else None)
        if q.left.strip(CLAUSE_MARKS)
        else None
    )
    if left_at and right_at and 0 < right_at[0] - left_at[1] <= MAX_GAP:
        start, end = left_at[1], right_at[0]
        if (
            q.form is Form.QUANTITY
            and (m := _QUANTITY_TAIL.match(norm, end))
            and q.right.startswith(m.group().strip())
        ):
            end = m.end()  # "多少分钟" -> keep the unit: "4分钟"
        return start, end, True
    if left_at and not right_at:
        start = left_at[1]
        clause = _clause_end(norm, start)
        typed = _typed_candidate(q, norm, start, clause) or _typed_candidate(q, norm, start, len(norm))
        return (typed[0], typed[1], False) if typed else (start, clause, False)
    if right_at and not left_at:
        end = right_at[0]
        clause = _clause_start(norm, end)
        typed = _typed_candidate(q, norm, clause, end, last=True) or _typed_candidate(
            q, norm, 0, end, last=True
        )
        return (typed[0], typed[1], False) if typed else (clause, end, False)
    return None


_FORM_TAGS = {
    Form.PERSON: ("nr", "nrt", "nt", "nz"),
    Form.PLACE: ("ns", "nt", "s"),
    Form.TIME: ("t",),
    Form.ENTITY: ("n", "nz", "nt", "ns", "nr", "vn", "eng"),
}


def _typed_candidate(
    q: Question, norm: str, lo: int, hi: int, last: bool = False
) -> tuple[int, int, bool] | None:
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
    start, end = found[-1] if last else found[0]
    return start, end, False


def _tagged(norm: str, lo: int, hi: int, tags: tuple[str, ...]) -> list[tuple[int, int]]:
    """Runs of adjacent words carrying one of ``tags`` in norm[lo:hi]."""
    with _pos_lock:  # jieba.posseg's default tokenizer is shared global state
        words = list(jieba.posseg.cut(norm[lo:hi]))
    runs: list[tuple[int, int]] = []
    at = lo
    current: tuple[int, int] | None = None
    for word in words:
        start, end = at, at + len(word.word)
        at = end
        if any(word.flag.startswith(t) for t in tags):
            current = (current[0], end) if current else (start, end)
        else:
            if current:
                runs.append(current)
            current = None
    if current:
        runs.append(current)
    return runs


def _trim(norm: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces and clause punctuation at the edges of a span, and a leading 是/为/在."""
    while start < end and (norm[start].isspace() or norm[start] in CLAUSE_MARKS):
        start += 1
    while end > start and (norm[end - 1].isspace() or norm[end - 1] in CLAUSE_MARKS + "。"):
        end -= 1
    if end - start > 1 and norm[start] in "是为在于":
        start += 1
    return start, end
