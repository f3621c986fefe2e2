"""How much of the text around the reader's span is the answer, learned from data.

Question sets disagree on how long an answer is. DRCD and SQuAD-style sets mark the shortest
phrase ("晋国"); CMRC 2018 marks, for a why / what-is / which-ones question, the clause or the
whole sentence that answers it (its trial set's answers: median 19 characters, against 4 in
DRCD). The reader, trained on the short style, finds the right place but stops short. This
model picks, per question, one of a few extents of the reader's span (the span, its clause, its
sentence, or the span run on to the end of its clause or sentence) by the F1 each is expected
to reach: one ridge regression per extent over what kind of question it is (its interrogatives
and head nouns, a general fact of Chinese, not any one question's wording). ``scripts/fit_extent.py`` fits it on one half of
CMRC 2018 trial's articles and on part of held-out SQuAD 2.0 zh (the short style), and
measures it on the rest of both; the figures are in ``extent.json`` beside the reader's weights.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.read.reader.features import reader_text

EXTENT = "extent.json"
CLAUSE_MARKS = "，；。！？,;!?"
SENTENCE_MARKS = "。！？!?"
EXTENTS = ("span", "clause", "sentence", "span to sentence end", "span to clause end")

# Kinds of question, by the interrogatives and head nouns that mark them (traditional text is
# read as simplified first). A question may be of several kinds.
QUESTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reason", ("为什么", "为何", "原因", "何以", "怎么会")),
    ("definition", ("什么是", "是什么", "指什么", "是指", "定义", "含义", "意思", "指的是")),
    ("manner", ("如何", "怎样", "怎么", "方式", "方法", "过程")),
    ("list", ("哪些", "有什么", "包括", "包含")),
    ("person", ("谁", "何人", "哪位")),
    ("time", ("哪一年", "何时", "什么时候", "哪年", "时间", "哪天", "年份", "日期", "时期")),
    ("number", ("多少", "几", "多大", "多长", "多高", "多远", "多久")),
    ("place", ("哪里", "哪儿", "何地", "何处", "在哪")),
    ("which", ("哪",)),
    ("what", ("什么",)),
    ("yes-no", ("吗", "是否", "有没有", "能否")),
    ("aspect", ("特点", "作用", "意义", "影响", "区别", "评价", "结果", "目的", "内容", "关系", "不同")),
)
FEATURES = ("bias", *(f"question: {name}" for name, _ in QUESTION_KINDS))


def _grow(text: str, start: int, end: int, marks: str, left: bool = True) -> tuple[int, int]:
    """[start, end) grown to the marks around it (leftwards only when ``left``); a sentence's
    own closing mark is kept, a clause's comma is not."""
    a = start
    if left:
        while a > 0 and text[a - 1] not in marks and text[a - 1] != "\n":
            a -= 1
    b = end
    while b < len(text) and text[b] not in marks and text[b] != "\n":
        b += 1
    if b < len(text) and text[b] in SENTENCE_MARKS:
        b += 1
    return a, b


def extents(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The candidate answers around a span, in the order of :data:`EXTENTS`."""
    return [
        (start, end),
        _grow(text, start, end, CLAUSE_MARKS),
        _grow(text, start, end, SENTENCE_MARKS),
        _grow(text, start, end, SENTENCE_MARKS, left=False),
        _grow(text, start, end, CLAUSE_MARKS, left=False),
    ]


def question_kinds(question: str) -> list[float]:
    q = reader_text(question)
    return [1.0 if any(w in q for w in words) else 0.0 for _, words in QUESTION_KINDS]


def features(question: str) -> np.ndarray:
    """What the expected F1 of each extent is read from: the kinds of the question. (The
    lengths of the span, clause and sentence and the reader's margin were tried as well: on
    held-out data they chose worse, and on a newspaper page with long sentences far worse.)"""
    return np.array([1.0, *question_kinds(question)])


@dataclass(frozen=True)
class ExtentModel:
    weights: np.ndarray  # [features, extents]
    card: dict[str, Any]

    def choose(
        self,
        question: str,
        text: str,
        start: int,
        end: int,
        within: tuple[int, int] | None = None,
    ) -> tuple[int, int]:
        """The extent of [start, end) expected to score best, kept inside ``within``."""
        spans = extents(text, start, end)
        if within is not None:
            lo, hi = within
            spans = [(max(lo, a), min(hi, b)) for a, b in spans]
        expected = features(question) @ self.weights
        return spans[int(np.argmax(expected))]

    def save(self, folder: Path) -> None:
        payload = {
            **self.card,
            "features": list(FEATURES),
            "extents": list(EXTENTS),
            "weights": [[round(float(w), 6) for w in row] for row in self.weights],
        }
        (folder / EXTENT).write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def load_extent(folder: Path) -> ExtentModel | None:
    """The folder's extent model, or None when it has none (answers are the reader's spans)."""
    path = folder / EXTENT
    if not path.exists():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("features") != list(FEATURES) or payload.get("extents") != list(EXTENTS):
        raise ValueError(f"{path} was fitted on other features or extents than this version reads")
    weights = np.array(payload.pop("weights"), dtype=np.float64)
    if weights.shape != (len(FEATURES), len(EXTENTS)):
        raise ValueError(f"{path} holds weights of shape {weights.shape}")
    card = {k: v for k, v in payload.items() if k not in ("features", "extents")}
    return ExtentModel(weights, card)


def fit(rows: Sequence[tuple[np.ndarray, Sequence[float]]], sample_weight: Sequence[float], ridge: float) -> np.ndarray:
    """Per extent, the weighted ridge regression of its F1 on the features."""
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.asarray(sample_weight, dtype=np.float64)[:, None]
    a = x.T @ (w * x) + ridge * np.eye(x.shape[1])
    return np.linalg.solve(a, x.T @ (w * y))
