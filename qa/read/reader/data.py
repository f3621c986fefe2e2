"""Training examples from SQuAD-style files (no torch): a question, its paragraph, and the gold
answer's character span, or none (an unanswerable question, or a sibling paragraph of the same
article that does not hold the answer: the hard case of real documents).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.read.reader.features import reader_text


@dataclass(frozen=True)
class Example:
    id: str
    question: str
    context: str
    start: int  # gold answer's characters in ``context``; -1 when it holds no answer
    end: int
    article: str  # the article the paragraph belongs to (for hold-out splits)
    source: str  # file name


def read_squad(path: Path, contexts_from: Path | None = None) -> list[Example]:
    """Every question of a SQuAD-style file. ``contexts_from``: a file with the same question
    ids whose contexts to read them against (XQuAD's English questions over the Chinese text)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    other: dict[str, tuple[str, int, int, str]] = {}
    if contexts_from is not None:
        for ex in read_squad(contexts_from):
            other[ex.id] = (ex.context, ex.start, ex.end, ex.article)
    out: list[Example] = []
    for article in data:
        title = str(article.get("title", ""))
        for para in article["paragraphs"]:
            context = reader_text(para["context"])
            for qa in para["qas"]:
                qid = str(qa["id"])
                if contexts_from is not None:
                    if qid in other:
                        c, s, e, t = other[qid]
                        out.append(Example(qid, qa["question"], c, s, e, t, path.name))
                    continue
                answers = [a for a in qa.get("answers", []) if a.get("text")]
                if qa.get("is_impossible") or not answers:
                    out.append(Example(qid, qa["question"], context, -1, -1, title, path.name))
                    continue
                a = answers[0]
                start = int(a["answer_start"])
                text = reader_text(a["text"])
                if context[start : start + len(text)] != text:
                    found = context.find(text)
                    if found < 0:
                        continue
                    start = found
                out.append(Example(qid, qa["question"], context, start, start + len(text), title, path.name))
    return out


def gold_answers(path: Path) -> dict[str, list[str]]:
    """Every gold answer of each question of a SQuAD-style file, by id (CMRC has up to three;
    :func:`read_squad` keeps the first)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {
        str(q["id"]): [a["text"] for a in q.get("answers", []) if a.get("text")]
        for article in data
        for para in article["paragraphs"]
        for q in para["qas"]
    }


def read_question_set(path: Path, corpus: Path) -> tuple[list[Example], int]:
    """A question set in the eval format (JSONL with ``doc``/``article``/``paragraph``) over the
    documents of ``corpus`` read as ``qa index`` reads them: each question against its gold
    paragraph, the answer at the first place its text occurs there (an empty ``answers`` list:
    no answer in that paragraph). Returns the examples and how many questions had no usable
    gold paragraph or answer in it."""
    from qa.evaluation.questions import read_jsonl_questions
    from qa.ingest.documents import ingest

    documents, _ = ingest(corpus)
    paragraphs = {
        (doc.name, article.index, para.index): para.text
        for doc in documents
        for article in doc.articles
        for para in article.paragraphs
    }
    out: list[Example] = []
    missed = 0
    for q in read_jsonl_questions(path):
        text = paragraphs.get(q.gold_place) if q.gold_place else None
        if text is None:
            missed += 1
            continue
        context = reader_text(text)
        if not q.answers:
            out.append(Example(q.id, q.question, context, -1, -1, str(q.doc), path.name))
            continue
        found = [(context.find(reader_text(a)), len(a)) for a in q.answers if reader_text(a) in context]
        if not found:
            missed += 1
            continue
        start, length = found[0]
        out.append(Example(q.id, q.question, context, start, start + length, str(q.doc), path.name))
    return out, missed


def sibling_negatives(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """For a ``share`` of the answerable questions, the same question against another paragraph
    of its article that does not contain the answer text (it answers nothing there)."""
    by_article: dict[tuple[str, str], list[str]] = {}
    for ex in examples:
        paras = by_article.setdefault((ex.source, ex.article), [])
        if ex.context not in paras:
            paras.append(ex.context)
    out: list[Example] = []
    for ex in examples:
        if ex.start < 0 or rng.random() >= share:
            continue
        answer = ex.context[ex.start : ex.end]
        others = [c for c in by_article[(ex.source, ex.article)] if c != ex.context and answer not in c]
        if others:
            out.append(
                Example(ex.id + "#sibling", ex.question, rng.choice(others), -1, -1, ex.article, ex.source)
            )
    return out


def split_by_article(
    examples: list[Example], held_out: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Whole articles held out (a paragraph's questions never straddle the split)."""
    articles = sorted({ex.article for ex in examples})
    rng = random.Random(seed)
    rng.shuffle(articles)
    held = set(articles[: max(1, round(len(articles) * held_out))])
    return [ex for ex in examples if ex.article not in held], [ex for ex in examples if ex.article in held]


def describe(examples: list[Example]) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    for ex in examples:
        c = counts.setdefault(ex.source, {"answerable": 0, "unanswerable": 0})
        c["answerable" if ex.start >= 0 else "unanswerable"] += 1
    return counts
