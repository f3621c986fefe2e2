"""The shipped reader's training data (:mod:`qa.read.reader.recipe`): what it keeps out, on
small files in the shape of ``shared/data``'s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.read.reader import recipe


def _squad(path: Path, articles: dict[str, list[tuple[str, str, bool]]]) -> None:
    """``articles``: title -> (id, question, answerable) over one paragraph each."""
    data = []
    for title, questions in articles.items():
        context = f"{title}位于长江边上，人口是三百万。"
        qas = [
            {"id": qid, "question": q, "answers": [{"text": "三百万", "answer_start": context.index("三百万")}] if ok else [],
             "is_impossible": not ok}
            for qid, q, ok in questions
        ]  # fmt: skip
        data.append({"title": title, "paragraphs": [{"context": context, "qas": qas}]})
    path.write_text(json.dumps({"data": data}, ensure_ascii=False), encoding="utf-8")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    squad = {f"城{a}": [(f"s{a}-{i}", f"城{a}有多少人口？{i}", i % 2 == 0) for i in range(4)] for a in range(10)}
    _squad(tmp_path / recipe.SQUAD2, squad)
    # XQuAD translates some of SQuAD's questions: the same ids, articles of its own
    xquad = {f"译{a}": [(f"s{a}-0", f"城{a}人口多少？", True)] for a in range(10)}
    _squad(tmp_path / recipe.XQUAD_ZH, xquad)
    _squad(tmp_path / recipe.XQUAD_EN, {t: [(q, "How many people?", ok) for q, _, ok in qs] for t, qs in xquad.items()})
    _squad(tmp_path / recipe.DRCD, {f"鎮{a}": [(f"d{a}", f"鎮{a}人口多少？", True)] for a in range(3)})
    _squad(tmp_path / recipe.DEVELOPMENT, {f"县{a}": [(f"c{a}", f"县{a}人口多少？", True)] for a in range(6)})
    return tmp_path


def test_the_development_set_and_held_out_squad_articles_are_never_trained_on(data):
    examples, files = recipe.training_examples(data, seed=1)
    held = recipe.squad2_split(data)[1]
    assert held and not {ex.id for ex in held} & {ex.id for ex in examples}
    assert not any(ex.source == recipe.DEVELOPMENT for ex in examples)
    assert data / recipe.DEVELOPMENT not in files
    # an XQuAD article that shares a question with a held-out SQuAD article is out, in both languages
    held_ids = {ex.id for ex in held}
    assert not any(ex.id in held_ids for ex in examples if ex.source in (recipe.XQUAD_ZH, recipe.XQUAD_EN))
    assert any(ex.source == recipe.XQUAD_EN for ex in examples)


def test_the_held_out_fifth_does_not_move_with_the_training_seed(data):
    assert recipe.squad2_split(data) == recipe.squad2_split(data)
    one = {ex.id for ex in recipe.training_examples(data, seed=1)[0] if ex.source == recipe.SQUAD2 and ex.start >= 0}
    two = {ex.id for ex in recipe.training_examples(data, seed=2)[0] if ex.source == recipe.SQUAD2 and ex.start >= 0}
    assert one == two  # only the sample of unanswerable questions is the seed's


def test_a_later_stage_learns_half_of_the_development_set_and_is_measured_on_the_other(data):
    learned, measured = recipe.development_split(data)
    examples, files = recipe.training_examples(data, seed=1, development="half")
    trained = [ex for ex in examples if ex.source == recipe.DEVELOPMENT]
    assert {ex.id for ex in trained} == {ex.id for ex in learned}
    assert not {ex.id for ex in trained} & {ex.id for ex in measured}
    assert len(trained) == recipe.DEVELOPMENT_REPEAT * len(learned) and data / recipe.DEVELOPMENT in files
    everything = recipe.training_examples(data, seed=1, development="all")[0]
    assert {ex.id for ex in everything if ex.source == recipe.DEVELOPMENT} == {f"c{a}" for a in range(6)}
