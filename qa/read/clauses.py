"""A normalised sentence's clauses: their boundaries (not a separator inside a number, 33,700),
a span's edges trimmed of punctuation (a quote the answer opens stays), and the numbers and
dates the short answer is made of."""

from __future__ import annotations

import re

from qa.text.normalize import normalize

CLAUSE_MARKS = ',，。;；!！?？:：、()（）"“”'  # trimmed off the edges of an answer
BREAKS = ",，。;；!！?？:："  # end a clause (a list joined by 、 stays one answer)
SENTENCE_MARKS = "。;；!！?？"
LIST_JOINERS = ("、", "和", "及", "以及", "与", "或")
UNITS_PATTERN = (
    r"(?:分钟|小时|公里|千米|平方公里|平方米|公顷|公斤|千克|公尺|公分|英里|英尺|亩"
    r"|[个名位人次年月日天号岁元万亿千百十倍米里斤吨度座所家项条支种类部件辆架艘层届场章集期册股首本张只头匹间块枚颗处片根份篇门栋%％]"
    r"|km|cm|mm|kg|mw|kw|m|g|t|hz)"
)
QUANTITY_TAIL = re.compile(r"(?:[0-9.]*\s*)?" + UNITS_PATTERN)
NUMBER = re.compile(
    r"(?:约|近|逾|超过)?[0-9一二三四五六七八九十百千万亿两零〇][0-9一二三四五六七八九十百千万亿两零〇.,%]*\s*(?:"
    + UNITS_PATTERN
    + r")?"
)
TIME = re.compile(
    r"(?:[0-9０-９一二三四五六七八九十〇零]+\s*年)?(?:[0-9０-９一二三四五六七八九十]+\s*月)?(?:[0-9０-９一二三四五六七八九十]+\s*[日号])?(?:至[0-9０-９一二三四五六七八九十]+\s*[日号])?|[0-9]+\s*世纪|[0-9]+\s*年代"
)

def normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise character by character, remembering each output character's source index."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for n in normalize(ch):
            out.append(n)
            where.append(i)
    return "".join(out), where


def is_break(text: str, i: int, marks: str) -> bool:
    """A clause boundary at i: a mark from ``marks``, but not a separator inside a number (3.5, 33,700)."""
    if text[i] not in marks:
        return False
    return not (text[i] in ",." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())


def clause_end(text: str, start: int, marks: str = BREAKS) -> int:
    for i in range(start, len(text)):
        if i > start and is_break(text, i, marks):
            return i
    return len(text)


def clause_start(text: str, end: int, marks: str = BREAKS) -> int:
    for i in range(end - 1, -1, -1):
        if i < end - 1 and is_break(text, i, marks):
            return i + 1
    return 0


TIME_SUFFIX = re.compile(r"(?:初|底|末|中|前后|左右|以来|以后|之后|后|前)?")


def dates_in(norm: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a gap to the dates in it: from the first to the last date of its last clause that
    has one, with a following 初/底/前后…; the gap itself when it holds no date."""
    dates = [
        m.span()
        for m in TIME.finditer(norm, start, end)
        if m.end() > m.start() and any(ch.isdigit() or ch in "一二三四五六七八九十" for ch in m.group())
    ]
    if not dates:
        return start, end
    lo, hi = dates[-1]
    clause = clause_start(norm, lo + 1)
    lo = min(a for a, _ in dates if a >= clause)
    if (m := TIME_SUFFIX.match(norm, hi, end)) is not None:
        hi = m.end()
    return lo, hi


OPENERS, CLOSERS = "“「『《（(", "”」』》）)"


def last_clause(norm: str, start: int, end: int) -> int:
    """Where the last clause of norm[start:end] starts: the words after the question word attach
    to their own clause ("1974年生，日本喜剧演员" -> "日本"). A comma inside quotes does not count."""
    clause = clause_start(norm, end)
    if clause <= start:
        return start
    tail = norm[clause:end]
    if sum(tail.count(c) for c in CLOSERS) > sum(tail.count(c) for c in OPENERS):
        return start
    return clause


def opens_inside(norm: str, start: int, end: int) -> bool:
    """norm[start] opens a quote or bracket that closes inside norm[start:end], before its
    last character: it belongs to the answer ("“宅”经济"); one around the whole span does not."""
    i = OPENERS.find(norm[start])
    return i >= 0 and CLOSERS[i] in norm[start + 1 : end - 1]


def closes_inside(norm: str, start: int, end: int) -> bool:
    """norm[end - 1] closes a quote or bracket opened inside norm[start:end] after its first
    character (see :func:`opens_inside`)."""
    i = CLOSERS.find(norm[end - 1])
    return i >= 0 and OPENERS[i] in norm[start + 1 : end - 1]


# Words that open with the character of the particle 的 (的确 "indeed", 的士 "taxi").
PARTICLE_WORDS = ("的确", "的士", "的卢", "的的")


def trim(norm: str, start: int, end: int, verb: bool = True) -> tuple[int, int]:
    """Drop spaces and clause punctuation at the edges of a span, and (``verb``) a leading
    是/为/在/于 or the particle 的 (kept when a clause or sentence is the answer: it is part of
    the statement): "寺庙的大殿…" aligned on "寺庙" leaves "的大殿…", whose answer is "大殿…"."""
    while (
        start < end
        and (norm[start].isspace() or norm[start] in CLAUSE_MARKS)
        and not opens_inside(norm, start, end)
    ):
        start += 1
    while (
        end > start
        and (norm[end - 1].isspace() or norm[end - 1] in CLAUSE_MARKS + "。")
        and not closes_inside(norm, start, end)
    ):
        end -= 1
    if verb and end - start > 1 and norm[start] in "是为在于":
        start += 1
    if verb and end - start > 1 and norm[start] == "的" and norm[start : start + 2] not in PARTICLE_WORDS:
        start += 1  # the particle ties the answer to what the question named before it
    return start, end
