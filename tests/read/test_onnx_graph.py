"""The ONNX graph answering runs is the numpy forward pass: the same logits from the same rows,
padded rows included, for the shipped reader's weights."""

from __future__ import annotations

import copy

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="the onnx engine needs onnxruntime")

from qa.read.reader.encoder import pad
from qa.read.reader.model import NumpyReader, Passage
from qa.read.reader.onnx_graph import OnnxHead, build

QUESTION = "大熊猫繁育研究基地是哪一年建立的？"
PASSAGES = [
    Passage("重庆的火锅闻名全国。"),
    Passage("成都的大熊猫繁育研究基地建于1987年，位于成都北郊，是世界著名的大熊猫迁地保护基地。"),
]


@pytest.fixture(scope="module")
def readers() -> tuple[NumpyReader, NumpyReader]:
    return NumpyReader(engine="onnx"), NumpyReader(engine="numpy")


def test_the_graph_gives_the_numpy_logits_on_padded_rows(readers: tuple[NumpyReader, NumpyReader]) -> None:
    onnx, plain = readers
    assert (onnx.engine, plain.engine) == ("onnx", "numpy")
    rows, _ = onnx.rows(QUESTION, PASSAGES)
    assert len({len(r.ids) for r in rows}) == 2  # one row is padded to the other's length
    _, mask = pad([r.ids for r in rows], onnx.tokenizer.vocabulary.pad)
    keep = mask > 0
    for a, b in zip(onnx.logits(rows), plain.logits(rows), strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a[keep], b[keep], atol=1e-4)


def test_the_graph_follows_the_weights_it_is_built_from(readers: tuple[NumpyReader, NumpyReader]) -> None:
    """A change to one layer's weights moves the graph's logits as it moves numpy's."""
    onnx, _ = readers
    rows, _ = onnx.rows(QUESTION, PASSAGES[1:])
    ids, mask = pad([r.ids for r in rows], onnx.tokenizer.vocabulary.pad)
    changed = copy.copy(onnx.encoder)
    changed.p = {**onnx.encoder.p, "l6.fo.b": onnx.encoder.p["l6.fo.b"] + np.linspace(-1, 1, onnx.encoder.config.hidden, dtype=np.float32)}
    graph = OnnxHead(build(onnx.encoder.config, changed.p, onnx.head_w, onnx.head_b))
    got = graph.run(onnx.encoder.embed(ids), mask)
    want = changed.hidden(ids, mask) @ onnx.head_w.T + onnx.head_b
    before = OnnxHead(build(onnx.encoder.config, onnx.encoder.p, onnx.head_w, onnx.head_b)).run(onnx.encoder.embed(ids), mask)
    keep = mask > 0
    np.testing.assert_allclose(got[keep], want[keep], atol=1e-4)
    assert np.abs(got[keep] - before[keep]).max() > 1e-2
