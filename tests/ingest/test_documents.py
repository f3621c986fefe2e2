"""Ordinary files read right: the corpus in tests/data/corpus (made by make_corpus.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.ingest.documents import ingest, ingest_file
from qa.ingest.pdf_order import Segment, reading_order

CORPUS = Path(__file__).parent.parent / "data" / "corpus"


@pytest.fixture(scope="module")
def documents():
    docs, skipped = ingest(CORPUS)
    return {d.name: d for d in docs}, skipped


def texts(doc, article=0):
    return [p.text for p in doc.articles[article].paragraphs]


def test_a_newspaper_pdf_keeps_its_articles_headings_and_reading_order(documents):
    doc = documents[0]["qingchuan_daily_p3.pdf"]
    first, second = doc.articles
    # the masthead and the footer are furniture, not the title or a paragraph
    assert first.title == "青川地铁5号线今日开通运营"
    assert "青川日报" in doc.header and "第3版" in doc.header and "责任编辑" in doc.header
    assert first.author == "林晓" and second.author == "张岚"
    assert second.title == "老城区改造惠及三万居民"
    body = texts(doc)
    # headings are sections, not glued onto the text that follows them
    assert body[2].startswith("5号线一期工程于2019年11月开工建设")
    assert [p.section for p in first.paragraphs][2:] == [
        "一、建设历时五年",
        "一、建设历时五年",
        "二、票价与换乘",
        "二、票价与换乘",
        "三、沿线配套",
    ]
    # columns read left to right: the left column's paragraph is whole, then the right's
    assert body[3] == "据市轨道交通集团介绍，5号线采用6节编组A型列车，最高运行速度每小时80公里，全程运行时间约45分钟。"
    assert body[4].startswith("5号线实行按里程分段计价")
    assert len(texts(doc, 1)) == 4 and all(p.section == "" for p in second.paragraphs)


def test_a_notice_pdf_keeps_its_title_clauses_and_signature(documents):
    doc = documents[0]["heating_notice.pdf"]
    (article,) = doc.articles
    assert article.title == "关于做好2024—2025年度冬季供暖工作的通知"
    body = texts(doc)
    clauses = [t for t in body if t.startswith("第")]
    assert [c[:4] for c in clauses] == ["第一条 ", "第二条 ", "第三条 ", "第四条 ", "第五条 "]  # space kept
    # a clause of two sentences is one paragraph
    assert clauses[2] == "第三条 供热单位应当设立24小时服务热线，接到报修后2小时内到达现场。对不能立即修复的，应当在24小时内修复完毕。"
    assert body[-2:] == ["青川市城市管理局", "2024年10月20日"]
    assert doc.header == "— 1 —"  # the page number is furniture


def test_a_docx_table_keeps_its_header_in_each_row_and_says_it_is_a_table(documents):
    doc = documents[0]["xinghe_annual_report.docx"]
    rows = [p for p in doc.articles[0].paragraphs if p.section.endswith("表1")]
    assert [p.text for p in rows] == [
        "项目：营业收入（亿元） | 2023年：41.45 | 2022年：36.91 | 增减：12.3%",
        "项目：净利润（亿元） | 2023年：3.82 | 2022年：3.52 | 增减：8.6%",
        "项目：研发投入（亿元） | 2023年：3.27 | 2022年：2.74 | 增减：19.3%",
    ]
    assert rows[0].section == "二、主要财务数据 / 表1"


def test_a_cms_page_gives_its_div_and_br_body_without_menus_or_adverts(documents):
    doc = documents[0]["library_notice.html"]
    (article,) = doc.articles
    assert article.title == "青川市图书馆新馆开放公告"  # the <h1>, not the <title> with the site's name
    body = texts(doc)
    assert body[1].startswith("青川市图书馆新馆位于滨江路88号")
    assert body[-2:] == ["青川市文化和旅游局", "2024年12月20日"]  # a <br> parts them
    everything = "".join(body)
    for boilerplate in ("首页", "立即购买", "热点推荐", "版权所有", "消防安全检查"):
        assert boilerplate not in everything


def test_markdown_markup_is_stripped_and_its_byline_is_the_author(documents):
    doc = documents[0]["bamboo_interview.md"]
    assert doc.articles[0].author == "周明远"
    body = texts(doc)
    assert body[0].startswith("在青川市石门镇，李春已经")
    assert "**" not in "".join(body) and "](" not in "".join(body)
    assert [p.section for p in doc.articles[0].paragraphs] == ["", "从学徒到传承人", "让老手艺有新市场"]


def test_text_typed_one_paragraph_per_line_parts_its_lines_and_signature(documents):
    doc = documents[0]["clinic_lines.txt"]
    assert doc.articles[0].title == "青川市东湖社区开展冬季义诊活动"
    body = texts(doc)
    assert len(body) == 5 and body[-2:] == ["东湖社区居委会", "2024年12月16日"]


def test_encodings_and_bad_files_in_one_folder(documents):
    docs, skipped = documents
    assert texts(docs["vegetable_prices_gbk.txt"])[1].startswith("其中，白菜每斤1.1元")
    assert texts(docs["city_wall_big5.txt"])[0].startswith("青川古城牆始建於明朝洪武年間")
    assert "12.5万亩" in texts(docs["planting_utf16_truncated.txt"])[0]
    assert [(s.path, s.reason.split(" (")[0]) for s in skipped] == [("photo.png", "not a document type")]


def test_a_deck_under_a_title_is_text_and_a_second_title_starts_an_article(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    y = 780
    for size, text in [
        (20, "第一篇的标题"),
        (12.5, "副题写在这里"),
        (10, "第一篇的正文。"),
        (10, "第一篇的第二段。"),
        (20, "第二篇的标题"),
        (12.5, "一、小标题"),
        (10, "第二篇的正文。"),
    ]:
        pdf.setFont("STSong-Light", size)
        pdf.drawString(60, y, text)
        y -= 2.2 * size
    pdf.save()
    (tmp_path / "page.pdf").write_bytes(buf.getvalue())
    doc = ingest_file(tmp_path / "page.pdf")
    assert [a.title for a in doc.articles] == ["第一篇的标题", "第二篇的标题"]
    assert texts(doc)[0] == "副题写在这里"
    assert doc.articles[1].paragraphs[0].section == "一、小标题"


def _seg(x0, x1, top, text="字"):
    return Segment(text, x0, x1, top, top + 10, 10.0, 0)


def test_reading_order_reads_columns_after_a_spanning_headline_and_before_the_next_band():
    headline = _seg(50, 450, 0, "标题")
    left = [_seg(50, 240, 20 + 14 * i, f"左{i}") for i in range(5)]
    right = [_seg(260, 450, 20 + 14 * i, f"右{i}") for i in range(5)]
    below = _seg(50, 450, 120, "通栏")
    blocks = reading_order([below, *right, headline, *left], gutter=10)
    assert [[s.text for s in b] for b in blocks] == [
        ["标题"],
        [s.text for s in left],
        [s.text for s in right],
        ["通栏"],
    ]


def test_every_character_is_kept_set_apart_or_counted_as_dropped(documents):
    docs, _ = documents
    for name, doc in docs.items():
        c = doc.chars
        assert c["kept"] + c["furniture"] + c["dropped"] == c["in"] > 0, name
        if not name.endswith(".html"):
            assert c["dropped"] == 0, (name, c)  # only a web page has boilerplate
    assert docs["qingchuan_daily_p3.pdf"].chars["furniture"] == len("".join(docs["qingchuan_daily_p3.pdf"].header.split()))
    page = docs["library_notice.html"].chars
    assert page["dropped"] >= len("首页政务公开办事服务互动交流年终大促限时特惠立即购买")


def test_a_pdf_table_is_read_row_by_row_in_its_place(documents):
    body = documents[0]["heating_notice.pdf"].articles[0].paragraphs
    rows = [p for p in body if p.section == "表1"]
    assert [p.text for p in rows] == [
        "用户类别：居民住宅 | 收费标准：4.6元 | 计费方式：按面积",
        "用户类别：非居民用户 | 收费标准：6.8元 | 计费方式：按面积",
        "用户类别：工业用户 | 收费标准：32元 | 计费方式：按热量",
    ]
    assert body[rows[0].index - 2].text.endswith("各类用户的收费标准见下表。")
    assert body[rows[-1].index].text.startswith("第五条")


def test_running_heads_and_page_numbers_of_a_long_pdf_are_furniture(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)  # A4, 842 points high
    for page in range(1, 4):
        pdf.setFont("STSong-Light", 10)
        pdf.drawString(60, 800, f"青川市统计年鉴（2024） 第{page}章")  # the body's size, not small
        pdf.drawString(60, 400, f"第{page}页的正文写在这里，说明第{page}项统计数据。")
        pdf.drawString(290, 30, f"{page}")
        pdf.showPage()
    pdf.save()
    (tmp_path / "book.pdf").write_bytes(buf.getvalue())
    doc = ingest_file(tmp_path / "book.pdf")
    assert texts(doc) == [f"第{n}页的正文写在这里，说明第{n}项统计数据。" for n in range(1, 4)]
    assert doc.header.count("青川市统计年鉴") == 3
