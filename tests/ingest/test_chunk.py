import itertools

from qa.ingest.chunk import passage_spans, split_sentences


def _texts(text, spans):
    return [text[s.start : s.end] for s in spans]


def test_sentences_end_at_chinese_stops_and_closing_quotes():
    text = "他说：“好！”然后走了；价格是3.5元。真的吗？"
    assert _texts(text, split_sentences(text)) == ["他说：“好！”", "然后走了；", "价格是3.5元。", "真的吗？"]


def test_no_split_inside_numbers_or_after_abbreviations():
    text = "Dr. Smith came to the U.S. today. It cost 3.5 dollars. 好。"
    assert _texts(text, split_sentences(text)) == [
        "Dr. Smith came to the U.S. today.",
        "It cost 3.5 dollars.",
        "好。",
    ]


def test_text_without_a_stop_is_one_sentence_and_spans_cover_the_text():
    text = "一段没有句号的文字"
    assert _texts(text, split_sentences(text)) == [text]
    assert split_sentences("") == []


def test_short_paragraph_is_one_passage():
    text = "短段落。只有两句。"
    assert [(s.start, s.end) for s in passage_spans(text, split_sentences(text), 400, 120)] == [
        (0, len(text))
    ]


def test_long_paragraph_windows_respect_the_budget_overlap_and_keep_offsets():
    sentence = "这是一个用来测试切分窗口的句子，长度大约三十个字符左右。"
    text = sentence * 40
    windows = passage_spans(text, split_sentences(text), 400, 120)
    assert len(windows) > 1
    assert windows[0].start == 0 and windows[-1].end == len(text)
    for a, b in itertools.pairwise(windows):
        assert b.start < a.end, "consecutive windows overlap"
        assert a.end - b.start <= 120
    for w in windows:
        assert w.end - w.start <= 400
        assert text[w.start : w.end].endswith("。")


def test_a_single_sentence_longer_than_the_budget_is_cut():
    text = "很" * 1000 + "。"
    windows = passage_spans(text, split_sentences(text), 400, 120)
    assert all(w.end - w.start <= 400 for w in windows)
    assert windows[-1].end == len(text)
