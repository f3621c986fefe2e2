"""What a question asks for: its form (quantity, person, place, time, entity, reason…) and
where its question word stands, so the answer can be aligned to a sentence."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from qa.text.normalize import normalize


class Form(Enum):
    QUANTITY = "quantity"
    PERSON = "person"
    PLACE = "place"
    TIME = "time"
    ENTITY = "entity"
    CLAUSE = "clause"  # why / how
    YESNO = "yesno"
    OTHER = "other"


# Longest alternatives first: the regex engine takes the first that matches at a position.
_WH = [
    (r"什么时候|何时|哪一?(?:年|天|日|月|个月|年代|世纪)|几(?:月|号|点|时)|何年|多久以前", Form.TIME),
    (
        r"什么地方|哪个地方|哪里|哪儿|何地|何处|在哪(?![里儿])|哪(?:个|座|所)?(?:城市|国家|省|市|县|地区)",
        Form.PLACE,
    ),
    (r"什么人|哪位|哪些人|哪个人|谁", Form.PERSON),
    (r"为什么|为何|怎么样|怎样|如何|怎么|什么原因|何以", Form.CLAUSE),
    (r"多少|多大|多高|多长|多久|多远|多重|多深|多宽|几", Form.QUANTITY),
    (r"哪些|哪一?个|哪一?种|哪一?项|哪一?家|哪一?部|哪一?条|哪|什么|何种|啥", Form.ENTITY),
    (r"是否|是不是|有没有|能否|吗", Form.YESNO),
]
_WH_RE = re.compile("|".join(f"(?P<g{i}>{pattern})" for i, (pattern, _) in enumerate(_WH)))
_EN = [
    (r"\bhow (?:many|much|long|old|far|large|big)\b", Form.QUANTITY),
    (r"\bwhen\b|\bwhat year\b|\bwhich year\b", Form.TIME),
    (r"\bwhere\b", Form.PLACE),
    (r"\bwho(?:m|se)?\b", Form.PERSON),
    (r"\bwhy\b|\bhow\b", Form.CLAUSE),
    (r"\bwhat\b|\bwhich\b", Form.ENTITY),
]
TRAILING = "？?。.！!呢吗啊呀 "


@dataclass(frozen=True)
class Question:
    text: str  # as asked (stripped, NFKC)
    norm: str  # normalised for matching
    form: Form
    left: str  # normalised text before the question word
    right: str  # normalised text after it
    wh: str  # the question word itself ("" if none)
    definition: bool = False  # "什么是X" / "X是什么": the answer is what the text says X is
    # Other words that stand for one of its words (a translated question: "demand" -> 需求 or
    # 诉求): (word, alternative, ...) each; a sentence with an alternative holds the word.
    alternatives: tuple[tuple[str, ...], ...] = ()
    # The names (people, places, organisations) it asks about; None: not known yet.
    names: tuple[str, ...] | None = None
    # False for a question put into the documents' words from another language: its words are
    # not in a Chinese sentence's order, so the words next to the question word locate nothing.
    ordered: bool = True

    @property
    def alternative_words(self) -> list[str]:
        return [w for group in self.alternatives for w in group[1:]]


def analyse(text: str) -> Question:
    asked = unicodedata.normalize("NFKC", text).strip()
    norm = normalize(asked).rstrip(TRAILING)
    m = _WH_RE.search(norm)
    if m and m.lastgroup:
        form = _WH[int(m.lastgroup[1:])][1]
        left, right = norm[: m.start()], norm[m.end() :]
        if form is Form.ENTITY and not left.strip() and right.startswith(("是", "叫", "称为")):
            # "什么是X" asks what the text says after "X是": align it as "X是什么".
            verb = right[0] if right[0] in "是叫" else right[:2]
            return Question(asked, norm, form, right[len(verb) :] + verb, "", m.group(), True)
        definition = form is Form.ENTITY and not right.strip() and left.endswith(("是", "指的是", "指"))
        return Question(asked, norm, form, left, right, m.group(), definition)
    for pattern, form in _EN:
        if re.search(pattern, norm):
            return Question(asked, norm, form, "", "", "")
    return Question(asked, norm, Form.OTHER, norm, "", "")
