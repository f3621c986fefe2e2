from qa.answer import Answer, Citation, Source
from qa.present.render import answer_html, answer_text, citation_label, highlight, sources_html

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _answer(quote: str = "浦东新区设立于1992年。", short=(7, 12), abstained=False) -> Answer:
    c = Citation("上海.txt", 1, "上海介绍", "张三", 2, 0, len(quote), quote, *short)
    p = Source("上海.txt", 1, "上海介绍", "张三", 2, quote, 0.5)
    if abstained:
        return Answer("q", "未在文档中找到答案。", "", True, 0.1, (), (p,))
    return Answer("q", quote, quote[short[0] : short[1]], False, 0.9, (c,), (p,))


def test_citation_label_and_fallback_title():
    c = Citation("a.txt", 4, None, "李军锋", 3, 0, 1, "x")
    assert citation_label(c, 1) == "〔1〕《李军锋文（无标题）》 李军锋 · 第3段"
    assert citation_label(Source("a.txt", 1, "标题", None, 2, "t", 0.1), 2) == "〔2〕《标题》 · 第2段"


def test_highlight_escapes_text_and_marks_spans():
    assert highlight("a<b>c", [(1, 4, "mark")]) == "a<mark>&lt;b&gt;</mark>c"
    assert highlight("abc", []) == "abc"
    assert highlight("abcdef", [(0, 2, "mark"), (1, 3, "ins")]) == "<mark>ab</mark>cdef"  # overlaps dropped


def test_answer_html_marks_the_short_answer_inside_the_quote():
    out = answer_html(_answer())
    assert "「浦东新区设立于<mark>1992年</mark>。」" in out
    assert "〔1〕《上海介绍》 张三 · 第2段" in out


def test_document_markup_is_shown_as_text_everywhere():
    answer = _answer(EVIL + "。", short=(0, 8))
    for out in (answer_html(answer), sources_html(answer)):
        assert "<script>" not in out and "<img" not in out
        assert "&lt;script&gt;" in out and "&lt;img" in out


def test_abstention_looks_different_and_lists_related_passages():
    out = answer_html(_answer(abstained=True))
    assert "qa-abstain" in out and "可能相关" in out and "《上海介绍》" in out
    assert "未在文档中找到答案" in answer_text(_answer(abstained=True))


def test_confidence_is_shown_as_a_word_and_a_bar_and_the_number_only_on_request():
    from dataclasses import replace

    sure, unsure = _answer(), replace(_answer(), confidence=0.25)
    assert "把握 高 ▮▮▮▮▯" in answer_html(sure) and "0.90" not in answer_html(sure).split("title=")[0]
    assert "把握 低 ▮▯▯▯▯" in answer_html(unsure)
    assert "置信度 0.90" in answer_html(sure, show_scores=True)
