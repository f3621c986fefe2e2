"""The extent model: which run of text around the reader's span is the answer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.read.reader.extent import EXTENT, EXTENTS, FEATURES, ExtentModel, extents, features, fit, load_extent
from qa.read.reader.model import SHIPPED

TEXT = "该舰于1944年沉没，原因是遭到鱼雷攻击，舰上人员大多获救。战后，残骸被打捞。"


def _span(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_extents_are_the_span_its_clause_and_its_sentence() -> None:
    spans = extents(TEXT, *_span("鱼雷"))
    got = {name: TEXT[a:b] for name, (a, b) in zip(EXTENTS, spans, strict=True)}
    assert got["span"] == "鱼雷"
    assert got["clause"] == "原因是遭到鱼雷攻击"
    assert got["sentence"] == "该舰于1944年沉没，原因是遭到鱼雷攻击，舰上人员大多获救。"
    assert got["span to sentence end"] == "鱼雷攻击，舰上人员大多获救。"
    assert got["span to clause end"] == "鱼雷攻击"
    # a span at the start of a later sentence grows no further back than that sentence
    a, b = extents(TEXT, *_span("残骸"))[2]
    assert TEXT[a:b] == "战后，残骸被打捞。"


def _model_preferring(extent: str, when: str) -> ExtentModel:
    """Weights that expect the span to score best, except for questions of kind ``when``,
    where ``extent`` does."""
    w = np.zeros((len(FEATURES), len(EXTENTS)))
    w[FEATURES.index("bias"), EXTENTS.index("span")] = 0.5
    w[FEATURES.index(f"question: {when}"), EXTENTS.index(extent)] = 1.0
    return ExtentModel(w, {})


def test_the_model_chooses_by_the_kind_of_question() -> None:
    model = _model_preferring("clause", when="reason")
    start, end = _span("鱼雷")
    a, b = model.choose("该舰为什么沉没？", TEXT, start, end)
    assert TEXT[a:b] == "原因是遭到鱼雷攻击"
    # traditional questions are read as simplified
    a, b = model.choose("該艦為什麼沉沒？", TEXT, start, end)
    assert TEXT[a:b] == "原因是遭到鱼雷攻击"
    assert model.choose("该舰被什么击中？", TEXT, start, end) == (start, end)
    # never outside the range it is kept within (a quote)
    lo = TEXT.index("遭到")
    a, b = model.choose("该舰为什么沉没？", TEXT, start, end, within=(lo, len(TEXT)))
    assert TEXT[a:b] == "遭到鱼雷攻击"


def test_fit_learns_which_extent_scores_best_and_round_trips(tmp_path: Path) -> None:
    start, end = _span("鱼雷")
    rows = []
    for question, best in [("为什么沉没？", "clause"), ("被什么击中？", "span")] * 20:
        f1 = [1.0 if name == best else 0.2 for name in EXTENTS]
        rows.append((features(question), f1))
    weights = fit(rows, [1.0] * len(rows), ridge=0.01)
    model = ExtentModel(weights, {"fitted on": "a test"})
    assert TEXT[slice(*model.choose("为什么沉没？", TEXT, start, end))] == "原因是遭到鱼雷攻击"
    assert model.choose("被什么击中？", TEXT, start, end) == (start, end)
    model.save(tmp_path)
    loaded = load_extent(tmp_path)
    assert loaded is not None and loaded.card == {"fitted on": "a test"}
    assert np.allclose(loaded.weights, weights, atol=1e-5)


def test_an_extent_file_for_other_features_is_refused(tmp_path: Path) -> None:
    assert load_extent(tmp_path) is None  # no file: the reader's spans as read
    (tmp_path / EXTENT).write_text(
        json.dumps({"features": ["bias"], "extents": list(EXTENTS), "weights": [[0.0] * len(EXTENTS)]}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="other features"):
        load_extent(tmp_path)


@pytest.mark.skipif(not (SHIPPED / EXTENT).exists(), reason="no shipped extent model")
def test_the_shipped_extent_model_loads_with_its_figures() -> None:
    model = load_extent(SHIPPED)
    assert model is not None
    held = model.card["measured on (never fitted on)"]
    # it was measured on data it was not fitted on, and helps there against the span alone
    cmrc = held["cmrc2018_trial.json (other half of its articles)"]
    assert cmrc["extent model"]["f1"] > cmrc["span only"]["f1"]


def test_the_assistant_grows_the_short_answer_inside_its_quote(seed_index):
    import copy
    from dataclasses import replace

    from qa.read.assistant import Assistant

    base = Assistant.load(seed_index)
    assert base.reader is not None
    reader = copy.copy(base.reader)  # the loaded reader is shared: change a copy
    w = np.zeros((len(FEATURES), len(EXTENTS)))
    w[FEATURES.index("bias"), EXTENTS.index("sentence")] = 1.0  # always the whole sentence
    reader.extent = ExtentModel(w, {})
    question = "石柱摸排发现突出问题多少个？"
    off = Assistant(base.store, base.encoder, replace(base.settings, reader_extent=False), reader).ask(question)
    grown = Assistant(base.store, base.encoder, base.settings, reader).ask(question)
    (c,) = grown.citations
    assert off.citations[0].quote == c.quote  # the quote is the sentence choice's, as before
    assert off.short_answer in grown.short_answer and len(grown.short_answer) > len(off.short_answer)
    assert grown.short_answer == c.quote[c.short_start : c.short_end]
    # grown to the end of its sentence (its closing mark left out), inside the quote
    assert c.quote[c.short_end : c.short_end + 1] in {"", "。", "！", "？"}
