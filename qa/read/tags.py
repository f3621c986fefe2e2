"""What jieba's part-of-speech tags tell: the names a text holds, the noun a "什么X" question
asks for, and a span of the asked form (a number, a date, a person, a place)."""

from __future__ import annotations

import functools
import re
import threading

import jieba
import jieba.posseg

from qa.read.clauses import LIST_JOINERS, NUMBER, TIME
from qa.read.question import Form, Question

_pos_lock = threading.Lock()
jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO


NUMERAL = re.compile(r"[\d一二三四五六七八九十百千万亿两]")


def has_typed_answer(question: Question, norm: str) -> float:
    """1 when ``norm`` holds a number (quantity questions) or a date (time questions) that the
    question itself does not contain; 0 otherwise, and for other question forms."""
    pattern = {Form.QUANTITY: NUMBER, Form.TIME: TIME}.get(question.form)
    if pattern is None or not NUMERAL.search(norm):
        return 0.0
    for m in pattern.finditer(norm):
        found = m.group().strip(",，. ")
        if found and NUMERAL.search(found) and found not in question.norm:
            return 1.0
    return 0.0


NOUN_TAGS = ("n", "ng", "nz", "nt", "nr", "ns")


def head_noun(right: str) -> str:
    """The nouns that open ``right`` (the words after "什么"/"哪些"), which name what is asked for."""
    head = ""
    for word, flag in pos_tags(right):
        if flag not in NOUN_TAGS:
            break
        head += word
    return head


FORM_TAGS = {
    Form.PERSON: ("nr", "nrt", "nt", "nz"),
    Form.PLACE: ("ns", "nt", "s"),
    Form.TIME: ("t",),
    Form.ENTITY: ("n", "nz", "nt", "ns", "nr", "vn", "eng"),
}


def typed_candidate(q: Question, norm: str, lo: int, hi: int, last: bool = False) -> tuple[int, int] | None:
    """A span of the asked form inside norm[lo:hi]: the first (or ``last``) one."""
    if hi <= lo:
        return None
    found: list[tuple[int, int]] = []
    if q.form is Form.QUANTITY:
        found = [(m.start(), m.end()) for m in NUMBER.finditer(norm, lo, hi) if m.group().strip(",，.")]
    elif q.form is Form.TIME:
        found = [(m.start(), m.end()) for m in TIME.finditer(norm, lo, hi) if m.end() > m.start()]
    if not found and q.form in FORM_TAGS:
        found = tagged(norm, lo, hi, FORM_TAGS[q.form])
    if not found:
        return None
    return found[-1] if last else found[0]


NAME_TAGS = ("nr", "ns", "nt", "nz")


def proper_names(text: str) -> list[str]:
    """The words of ``text`` that jieba tags as names of people, places or organisations."""
    return list(dict.fromkeys(w for w, flag in pos_tags(text) if flag.startswith(NAME_TAGS) and len(w) > 1))


@functools.lru_cache(maxsize=8192)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words of ``text`` with their part-of-speech tags. Kept per text: its HMM for
    unknown words is slow (milliseconds on a sentence full of foreign names), and the sentences
    that answer recur across questions."""
    with _pos_lock:  # jieba.posseg's default tokenizer is shared global state
        return tuple((w.word, w.flag) for w in jieba.posseg.cut(text))


def tagged(norm: str, lo: int, hi: int, tags: tuple[str, ...]) -> list[tuple[int, int]]:
    """Runs of adjacent words carrying one of ``tags`` in norm[lo:hi]."""
    runs: list[tuple[int, int]] = []
    at = lo
    current: tuple[int, int] | None = None
    pending = False  # a list connector (、 和 及 与) after the current run
    nouns_from: int | None = None  # where the run of common nouns just before this word starts
    for word, flag in pos_tags(norm[lo:hi]):
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
    tagged("重庆市位于中国西南部", 0, 10, ("ns",))
