"""The source viewer's links and pages, and the documents panel."""

import pytest

from qa.answer import Citation
from qa.index.corpus import ArticleOutline, ParagraphRecord, outline
from qa.present.viewer import SHOWN_AROUND, Place, cited_place, outline_html, parse_place, source_page


def _doc(n: int, text: str = "段落{}的文字。") -> list[ParagraphRecord]:
    return [ParagraphRecord("报纸.txt", 1, "标题", "作者", i, text.format(i)) for i in range(1, n + 1)]


def test_a_link_names_its_place_and_parses_back():
    place = Place("报 纸&1.txt", 2, 3, 4, 9, 5, 7, workspace="ab12")
    url = place.url()
    assert url.startswith("source?") and url.endswith("#a2p3")
    query = dict(pair.split("=", 1) for pair in url[len("source?") :].split("#")[0].split("&"))
    from urllib.parse import unquote_plus

    assert parse_place({k: unquote_plus(v) for k, v in query.items()}) == place


def test_a_citation_links_to_its_quote_and_short_answer_in_paragraph_offsets():
    c = Citation("a.txt", 1, "t", None, 2, 10, 20, "x" * 10, short_start=3, short_end=5)
    place = cited_place(c)
    assert (place.start, place.end, place.short_start, place.short_end) == (10, 20, 13, 15)


@pytest.mark.parametrize("query", [{}, {"doc": "a.txt", "a": "x"}, {"doc": "a.txt", "p": "-1"}])
def test_a_malformed_link_is_refused(query):
    with pytest.raises(ValueError):
        parse_place(query)


def test_the_page_marks_the_quote_and_the_short_answer_in_the_cited_paragraph():
    paragraphs = _doc(3, "第{}段说：水库库容为1200万立方米。")
    text = paragraphs[1].text
    s, e = text.index("水库"), text.index("。") + 1
    ss = text.index("1200")
    page = source_page(paragraphs, Place("报纸.txt", 1, 2, s, e, ss, ss + len("1200万立方米")))
    assert "<div class='para cited' id='a1p2'>" in page
    assert "<mark>水库库容为<b>1200万立方米</b>。</mark>" in page
    assert page.count("<mark>") == 1  # only the cited paragraph


def test_the_page_escapes_document_text():
    paragraphs = [ParagraphRecord("x.html", 1, "<b>标题</b>", None, 1, "<script>alert(1)</script>正文")]
    page = source_page(paragraphs, Place("x.html", 1, 1, 0, 8))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>标题</b>" not in page


def test_a_long_document_shows_the_paragraphs_around_the_cited_one():
    paragraphs = _doc(300)
    page = source_page(paragraphs, Place("报纸.txt", 1, 150))
    assert "id='a1p150'" in page and f"id='a1p{150 - SHOWN_AROUND}'" in page
    assert f"id='a1p{150 - SHOWN_AROUND - 1}'" not in page and "id='a1p1'" not in page
    assert f"前面还有 {149 - SHOWN_AROUND} 段" in page and f"后面还有 {150 - SHOWN_AROUND} 段" in page


def test_a_document_not_in_the_index_gets_a_page_that_says_so():
    assert "不在索引中" in source_page([], Place("gone.txt", 1, 1))


def test_the_outline_sums_each_article_and_lists_its_sections():
    rows = [
        ParagraphRecord("b.docx", 1, "年报", None, 1, "", "一、简介"),
        ParagraphRecord("b.docx", 1, "年报", None, 2, "", "一、简介"),
        ParagraphRecord("b.docx", 1, "年报", None, 3, "", "二、经营"),
        ParagraphRecord("a.txt", 2, None, "李四", 1, ""),
        ParagraphRecord("a.txt", 1, "甲", None, 1, ""),
    ]
    assert outline(rows) == [
        ArticleOutline("a.txt", 1, "甲", None, (), 1),
        ArticleOutline("a.txt", 2, None, "李四", (), 1),
        ArticleOutline("b.docx", 1, "年报", None, ("一、简介", "二、经营"), 3),
    ]
    panel = outline_html(outline(rows), heading="已索引的文档")
    assert "a.txt（2 篇，2 段）" in panel and "b.docx（1 篇，3 段）" in panel
    assert "一、简介 · 二、经营" in panel and "李四文（无标题）" in panel
    assert "source?doc=b.docx&amp;a=1&amp;p=1#a1p1" in panel


def test_the_local_index_gives_a_documents_paragraphs_in_order_and_its_outline(fake_assistant):
    store = fake_assistant.store
    paragraphs = store.document("重庆.txt")
    assert [p.paragraph for p in paragraphs] == sorted(p.paragraph for p in paragraphs) and paragraphs
    assert all(p.doc == "重庆.txt" for p in paragraphs)
    assert store.document("nothing.txt") == []
    assert {a.doc for a in store.outline()} == {"重庆.txt", "成都.md", "上海.txt"}
    assert len(store.fingerprint()) == 64


def test_a_section_heading_is_shown_where_it_changes():
    paragraphs = [
        ParagraphRecord("b.docx", 1, "年报", None, i, f"第{i}段。", "表1" if i < 4 else "二、经营") for i in range(1, 6)
    ]
    page = source_page(paragraphs, Place("b.docx", 1, 2))
    assert page.count("<div class='section'>表1</div>") == 1 and page.count("二、经营") == 1
