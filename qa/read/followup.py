"""Follow-up questions: a question that leans on the one before, read as a whole question.

Two ways a Chinese follow-up leans on the previous turn, both general facts of the language:

- **a pronoun or a demonstrative** stands for the previous question's topic: 它/他/她(们), or
  该/这个/这家/此… with a noun ("该公司"). "它是哪一年成立的？" after "星河电子的总部在哪里？"
  reads "星河电子是哪一年成立的？".
- **an elliptical question**, "那X呢？", asks the previous question again about X: a year for a
  year ("那2022年呢？" after "星河电子2023年的营业收入是多少？" reads "星河电子2022年的营业收入是多少？"),
  otherwise X in place of the topic ("那成都呢？" after "重庆有多少人口？" reads "成都有多少人口？").

The topic is the previous question's leading run of nouns (jieba's part-of-speech tags), after
that question was itself resolved, so a chain of follow-ups keeps its topic. A question that
leans on nothing is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

PRONOUNS = frozenset({"它", "他", "她", "它们", "他们", "她们", "那里", "这里"})
PROPER = ("nr", "ns", "nt", "nrt", "nrfg")  # jieba's names of people, places, organisations
VERBS_BEFORE_WH = ("约为", "为", "是", "有", "达", "共有", "共")
# a demonstrative, and what it points at when a noun follows it ("该公司" -> the topic)
DETERMINERS = frozenset(
    {"该", "此", "这", "这个", "这家", "这座", "这位", "这所", "这部", "这项", "这一", "那个", "那家", "那座", "那位"}
)
POSSESSIVE = frozenset({"其"})  # "其总部" -> "TOPIC的总部"
_YEAR = re.compile(r"\d{2,4}\s*年(?:度)?")
_ELLIPSIS = re.compile(r"^(?:那么|那)?(?P<x>.+?)(?:呢|怎么样|如何)[？?]?$")
_END = "？?。！!"


@lru_cache(maxsize=1)
def _tagger():  # type: ignore[no-untyped-def]
    import jieba.posseg

    return jieba.posseg


def _tagged(text: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in _tagger().cut(text)]


def _nounish(flag: str) -> bool:
    return flag.startswith("n") or flag in ("eng", "j", "l")


def topic(question: str) -> str:
    """The previous question's topic: its leading run of nouns ("星河电子", "青川地铁5号线",
    "浦东新区"); a person's name alone ("李春")."""
    words = _tagged(question.strip())
    while words and words[0][0] in ("请问", "那么", "那"):
        words = words[1:]
    if words and words[0][1] in ("nr", "nrfg", "nrt"):
        return words[0][0]
    run: list[tuple[str, str]] = []
    for word, flag in words:
        if word in PRONOUNS or not (_nounish(flag) or flag in ("m", "q")):
            break
        run.append((word, flag))
    while run and run[-1][1] in ("m", "q"):  # "星河电子2023年" -> "星河电子"
        run.pop()
    return "".join(w for w, _ in run)


def _swap_names(x: str, before: str) -> str | None:
    """"以重庆为重点" after "…以成都为重点…": the names of X put in place of the previous
    question's names of the same kind."""
    theirs = [(w, f) for w, f in _tagged(before) if f in PROPER]
    out = before
    for word, flag in _tagged(x):
        if flag not in PROPER or word in before:
            continue
        same = next((w for w, f in theirs if f == flag and w not in x), None)
        if same is None:
            return None
        out = out.replace(same, word, 1)
    return out if out != before else None


def _swap_thing(x: str, before: str, subject: str) -> str | None:
    """"那研发投入呢？" after "星河电子2022年的营业收入是多少亿元？": X in place of what the
    previous question asked about (the noun after its question word and classifier, else the
    noun phrase after its last 的)."""
    from qa.read.question import analyse

    q = analyse(before.rstrip(_END))
    if not q.wh:
        return None
    at = before.find(q.wh)
    right = _tagged(before[at + len(q.wh) :].rstrip(_END))
    while right and right[0][1] in ("q", "m"):
        right = right[1:]
    if right and _nounish(right[0][1]):
        thing = "".join(w for w, f in right if _nounish(f) or f in ("v", "vn"))
        if thing and thing in before[at:]:
            return before[:at] + before[at:].replace(thing, x, 1)
    left = before[:at]
    cut = left.rfind("的")
    if cut < 0:  # no 的: what follows the topic ("5号线列车|最高运行速度|是")
        if not subject or not left.startswith(subject):
            return None
        cut = len(subject) - 1
    thing = left[cut + 1 :]
    for verb in VERBS_BEFORE_WH:
        if thing.endswith(verb):
            thing = thing[: -len(verb)]
            break
    if not thing:
        return None
    return left[: cut + 1] + x + left[cut + 1 + len(thing) :] + before[at:]


def resolve(question: str, previous: Sequence[str]) -> str | None:
    """``question`` as a whole question given the earlier questions of the conversation (oldest
    first), or None when it leans on none of them."""
    if not previous:
        return None
    before = previous[0]
    for earlier in previous[1:]:  # each earlier question as it was itself read
        before = _resolve_after(earlier, before) or earlier
    return _resolve_after(question, before)


def _resolve_after(question: str, before: str) -> str | None:
    subject = topic(before)
    q = question.strip()
    ellipsis = _ELLIPSIS.match(q)
    if ellipsis and len(q) <= 16:
        x = ellipsis.group("x").strip()
        year, earlier = _YEAR.fullmatch(x), _YEAR.search(before)
        if year and earlier:
            return before[: earlier.start()] + x + before[earlier.end() :]
        if not x or x == subject:
            return None
        if any(f in PROPER for _, f in _tagged(x)):
            return _swap_names(x, before) or (before.replace(subject, x, 1) if subject else None)
        return _swap_thing(x, before, subject) or (subject + "的" + x if subject else None)
    if not subject:
        return None
    words = _tagged(q)
    out: list[str] = []
    changed = False
    i = 0
    while i < len(words):
        word, _ = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word in PRONOUNS:
            out.append(subject)
            changed = True
        elif word in DETERMINERS and nxt is not None and _nounish(nxt[1]):
            out.append(subject)  # "该公司" stands for the topic as a whole
            changed = True
            i += 1
        elif word in POSSESSIVE and nxt is not None and _nounish(nxt[1]):
            out.append(subject + "的")
            changed = True
        else:
            out.append(word)
        i += 1
    return "".join(out) if changed else None
