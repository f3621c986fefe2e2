"""The reader re-reads the chosen paragraph's best sentences: the windows it reads, the spans it
finds inside each, and the sentence it prefers."""

from dataclasses import replace

import numpy as np
import pytest

from qa.read.evidence import FEATURES, Window
from qa.read.reader.choose import reread
from qa.read.reader.model import SHIPPED, NumpyReader, score_ceiling
from qa.settings import Settings
from tests.conftest import sentence_spans

pytestmark = pytest.mark.skipif(not (SHIPPED / "weights.npz").exists(), reason="no shipped reader in this checkout")

FILLER = "这里的山水风光秀丽，四季气候宜人，游客络绎不绝。" * 12
TEXT = "成都是四川省的省会。" + FILLER + "成都的大熊猫繁育研究基地建于1987年。" + FILLER + "成都的火锅也很有名。"



@pytest.fixture(scope="module")
def reader() -> NumpyReader:
    return NumpyReader()


def test_windows_are_read_only_for_ranges_no_window_holds(reader):
    spans = sentence_spans(TEXT)
    first, middle, last = spans[0], spans[13], spans[-1]
    far = reader.read_parts("大熊猫基地建于哪一年？", TEXT, [first, middle, last])
    assert len(far.rows) == 3  # the text is far longer than one window
    assert all(far.holds(*p) for p in (first, middle, last))
    near = reader.read_parts("大熊猫基地建于哪一年？", TEXT, [middle, spans[12], spans[14]])
    assert len(near.rows) == 1  # the neighbours sit in the window centred on the first
    assert not near.holds(*first) and near.best(*first) is None


def test_the_best_span_inside_a_range_lies_inside_it(reader):
    middle = sentence_spans(TEXT)[13]
    read = reader.read_parts("大熊猫繁育研究基地是哪一年建立的？", TEXT, [middle])
    span = read.best(*middle)
    assert span is not None and middle[0] <= span.start < span.end <= middle[1]
    assert "1987" in TEXT[span.start : span.end]


def test_reread_prefers_the_sentence_the_reader_finds_the_answer_in(reader):
    text = "成都是四川省的省会，被称为天府之国。成都的大熊猫繁育研究基地建于1987年。成都的火锅也很有名。"
    features = dict.fromkeys((*FEATURES, "context_focus"), 0.0)
    windows = [
        Window(0, k, -1 if k == 0 else sentence_spans(text)[k - 1][0], a, b, features, score)
        for k, ((a, b), score) in enumerate(zip(sentence_spans(text), (1.0, 0.9, 0.8), strict=True))
    ]
    question = "大熊猫繁育研究基地是哪一年建立的？"
    chosen, read = reread(reader, question, text, windows[0], windows, Settings())
    assert chosen is windows[1] and read.holds(windows[1].start, windows[1].end)
    # with the reader's weight at 0 the evidence alone decides; with one sentence there is no choice
    assert reread(reader, question, text, windows[0], windows, replace(Settings(), reader_rerank_weight=0.0))[0] is windows[0]
    assert reread(reader, question, text, windows[0], windows, replace(Settings(), reader_rerank=1))[0] is windows[0]


def _windows(text, scores):
    features = dict.fromkeys((*FEATURES, "context_focus"), 0.0)
    spans = sentence_spans(text)
    return [
        Window(0, k, -1 if k == 0 else spans[k - 1][0], a, b, features, score)
        for k, ((a, b), score) in enumerate(zip(spans, scores, strict=True))
    ]


def test_a_sentence_that_cannot_win_is_not_read(reader):
    spans = sentence_spans(TEXT)
    scores = [0.0] * len(spans)
    scores[0], scores[13], scores[-1] = 20.0, 1.0, 0.9  # far apart: each needs its own window
    windows = _windows(TEXT, scores)
    chosen, read = reread(reader, "成都是哪个省的省会？", TEXT, windows[0], windows, Settings())
    # 1.0 + 0.3 x the ceiling cannot reach 20 + 0.3 x any span score: one window is enough
    assert len(read.rows) == 1 and chosen is windows[0]
    # close scores: every sentence may win, so each is read, and the choice is reading all's
    scores[0], scores[13], scores[-1] = 1.0, 0.99, 0.98
    windows = _windows(TEXT, scores)
    question = "大熊猫繁育研究基地是哪一年建立的？"
    chosen, read = reread(reader, question, TEXT, windows[0], windows, Settings())
    assert len(read.rows) == 3
    every = reader.read_parts(question, TEXT, [spans[0], spans[13], spans[-1]])
    totals = {k: windows[k].score + 0.3 * every.best(*spans[k]).score for k in (0, 13, len(spans) - 1)}
    assert chosen is windows[max(totals, key=totals.get)] and chosen is windows[13]


def test_the_ceiling_is_the_highest_score_the_head_can_give():
    rng = np.random.default_rng(0)
    d = 48
    g, b = rng.normal(1, 0.3, d), rng.normal(0, 0.1, d)
    head_w, head_b = rng.normal(0, 0.2, (2, d)), rng.normal(0, 0.1, 2)
    ceiling = score_ceiling(g, b, head_w, head_b)
    # any layer norm output: mean 0, norm sqrt(d), scaled by g and shifted by b
    n = rng.normal(size=(5000, d))
    n -= n.mean(1, keepdims=True)
    n *= np.sqrt(d) / np.linalg.norm(n, axis=1, keepdims=True)
    logits = (n * g + b) @ head_w.T + head_b
    assert logits[:, 0].max() + logits[:, 1].max() < ceiling
    # and it is reached: each head's best output points along its weights (less their mean)
    best = 0.0
    for w, c in zip(head_w, head_b, strict=True):
        u = w * g - (w * g).mean()
        best += (u / np.linalg.norm(u) * np.sqrt(d) * g + b) @ w + c
    assert best == pytest.approx(ceiling)


def test_no_span_the_shipped_reader_reads_passes_its_ceiling(reader):
    spans = reader.read_all("成都的大熊猫繁育研究基地建于哪一年？", TEXT, per_row=20)
    assert spans and max(s.score for s in spans) <= reader.ceiling
