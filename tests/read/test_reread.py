"""The reader re-reads the chosen paragraph's best sentences: the windows it reads, the spans it
finds inside each, and the sentence it prefers."""

from dataclasses import replace

import pytest

from qa.read.evidence import FEATURES, Window
from qa.read.reader.choose import reread
from qa.read.reader.model import SHIPPED, NumpyReader
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
