import io
from pathlib import Path

import opencc
import pytest

from qa.errors import UnreadableFileError
from qa.ingest.documents import ingest, ingest_file, iter_files

BODY = [
    "重庆市位于中国西南部，是长江上游地区的经济中心。",
    "两江交汇，山城的夜景闻名全国，每年吸引大量游客。",
]
PAGE = "重庆概况\n\n□张三\n\n" + "\n\n".join(BODY) + "\n"


def _paragraphs(path: Path) -> list[list[str]]:
    return [[p.text for p in a.paragraphs] for a in ingest_file(path).articles]


def test_same_text_in_utf8_bom_and_gbk_gives_identical_paragraphs(tmp_path):
    for name, data in {
        "u8.txt": PAGE.encode("utf-8"),
        "bom.txt": b"\xef\xbb\xbf" + PAGE.encode("utf-8"),
        "gbk.txt": PAGE.encode("gbk"),
    }.items():
        (tmp_path / name).write_bytes(data)
    results = [_paragraphs(tmp_path / n) for n in ("u8.txt", "bom.txt", "gbk.txt")]
    assert results[0] == [BODY]
    assert results[0] == results[1] == results[2]


def test_traditional_text_in_utf8_and_big5_gives_identical_paragraphs(tmp_path):
    page = opencc.OpenCC("s2tw").convert(PAGE)
    (tmp_path / "u8.txt").write_text(page, encoding="utf-8")
    (tmp_path / "b5.txt").write_bytes(page.encode("big5"))
    assert _paragraphs(tmp_path / "u8.txt") == _paragraphs(tmp_path / "b5.txt")
    assert _paragraphs(tmp_path / "u8.txt")[0][0].startswith("重慶市位於")


def test_png_renamed_txt_is_skipped_with_a_message_and_others_still_load(tmp_path, caplog):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    (tmp_path / "c.txt").write_bytes(b"")
    documents, skipped = ingest(tmp_path)
    assert [d.name for d in documents] == ["a.txt"]
    assert [s.path for s in skipped] == ["b.txt", "c.txt"]
    assert "binary" in skipped[0].reason
    assert "empty" in skipped[1].reason  # an empty file is said, not silently dropped
    assert "b.txt" in caplog.text


def test_folders_are_read_recursively_in_a_stable_order(tmp_path):
    for rel in ["z.txt", "a/b.md", "a/a.txt", ".hidden/x.txt", "userdict.txt", "notes.csv"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("重庆。\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)] == [
        "a/a.txt",
        "a/b.md",
        "z.txt",
    ]


def test_pdf_text_layer_is_read(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setFont("STSong-Light", 12)
    y = 800
    for line in [
        "□张三",
        "",
        "重庆市位于中国西南部，是长江",
        "上游地区的经济中心。",
        "",
        "两江交汇，山城的夜景闻名",
        "全国。",
    ]:
        if line:
            pdf.drawString(50, y, line)
        y -= 20
    pdf.save()
    (tmp_path / "page.pdf").write_bytes(buf.getvalue())
    doc = ingest_file(tmp_path / "page.pdf")
    assert doc.articles[0].author == "张三"
    assert [p.text for p in doc.articles[0].paragraphs] == [
        "重庆市位于中国西南部，是长江上游地区的经济中心。",
        "两江交汇，山城的夜景闻名全国。",
    ]


def test_broken_pdf_is_refused_with_a_reason(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    with pytest.raises(UnreadableFileError, match=r"bad\.pdf"):
        ingest_file(tmp_path / "bad.pdf")


def test_a_docx_is_one_document_its_title_its_own_and_headings_its_sections(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "城市概况"
    document.add_heading("重庆概况", level=1)
    document.add_paragraph("文/张三")
    for text in BODY:
        document.add_paragraph(text)
    document.add_heading("交通", level=2)
    document.add_paragraph("重庆有轨道交通。")
    document.add_heading("成都概况", level=1)
    document.add_paragraph("成都是四川省的省会。")
    document.save(str(tmp_path / "two.docx"))
    doc = ingest_file(tmp_path / "two.docx")
    (article,) = doc.articles
    assert (article.title, article.author) == ("城市概况", "张三")
    assert [(p.section, p.text) for p in article.paragraphs] == [
        *(("重庆概况", t) for t in BODY),
        ("重庆概况 / 交通", "重庆有轨道交通。"),
        ("成都概况", "成都是四川省的省会。"),
    ]


def test_a_docx_title_style_titles_it_and_without_one_the_file_name_does(tmp_path):
    import docx

    titled = docx.Document()
    titled.add_heading("星河电子2023年年度报告", level=0)  # the Title style
    titled.add_heading("三、主要财务数据", level=1)
    titled.add_paragraph("营业收入增长。")
    titled.save(str(tmp_path / "report.docx"))
    (article,) = ingest_file(tmp_path / "report.docx").articles
    assert article.title == "星河电子2023年年度报告"
    assert article.paragraphs[0].section == "三、主要财务数据"
    plain = docx.Document()
    plain.add_paragraph("营业收入增长。")
    plain.save(str(tmp_path / "plain.docx"))
    assert ingest_file(tmp_path / "plain.docx").articles[0].title == "plain"


def test_markdown_headings_make_sections_and_soft_breaks_join(tmp_path):
    (tmp_path / "n.md").write_text(
        "# 重庆概况\n\n重庆市位于中国西南部，\n是长江上游地区的经济中心。\n\n## 交通\n\n重庆有轨道交通。\n",
        encoding="utf-8",
    )
    (article,) = ingest_file(tmp_path / "n.md").articles
    assert article.title == "重庆概况"
    assert [(p.section, p.text) for p in article.paragraphs] == [
        ("", "重庆市位于中国西南部，是长江上游地区的经济中心。"),
        ("交通", "重庆有轨道交通。"),
    ]
    (tmp_path / "m.md").write_text("# 重庆\n\n重庆是直辖市。\n\n# 成都\n\n成都是省会。\n", encoding="utf-8")
    (article,) = ingest_file(tmp_path / "m.md").articles  # two top headings: both sections
    assert article.title == "m" and [p.section for p in article.paragraphs] == ["重庆", "成都"]


def test_html_blocks_scripts_dropped(tmp_path):
    html = (
        "<html><head><title>x</title><script>alert(1)</script></head><body>"
        "<h1>重庆概况</h1><p>重庆市位于<b>中国</b>西南部。</p><p>两江交汇。</p></body></html>"
    )
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    doc = ingest_file(tmp_path / "p.html")
    assert doc.articles[0].title == "重庆概况"
    assert [p.text for p in doc.articles[0].paragraphs] == ["重庆市位于中国西南部。", "两江交汇。"]


def test_markdown_markup_is_not_text_and_an_emphasised_byline_is_the_author(tmp_path):
    (tmp_path / "a.md").write_text(
        "# 山城的夜\n\n*文/周明远*\n\n重庆的夜景由**李春**设计，参见[官网](http://example.cn)与`代码`。3 * 4 = 12。\n\n"
        "- 第一点：江边步道。\n- 第二点：洪崖洞。\n\n> 引用的一句话。\n",
        encoding="utf-8",
    )
    documents, _ = ingest(tmp_path)
    article = documents[0].articles[0]
    assert article.author == "周明远"
    assert [p.text for p in article.paragraphs] == [
        "重庆的夜景由李春设计，参见官网与代码。3 * 4 = 12。",
        "第一点：江边步道。",
        "第二点：洪崖洞。",
        "引用的一句话。",
    ]


def test_docx_tables_are_kept_row_by_row_in_reading_order(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("公司营业收入增长。")
    table = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["项目", "2023年", "2022年"], ["营业收入", "12.5亿元", "10.2亿元"], ["净利润", "1.3亿元", "0.9亿元"]]):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    d.add_paragraph("以上数据经审计。")
    d.save(tmp_path / "r.docx")
    documents, _ = ingest(tmp_path)
    assert [p.text for p in documents[0].articles[0].paragraphs] == [
        "公司营业收入增长。",
        "项目 | 2023年 | 2022年",
        "营业收入 | 12.5亿元 | 10.2亿元",
        "净利润 | 1.3亿元 | 0.9亿元",
        "以上数据经审计。",
    ]


def test_a_docx_cell_merged_across_columns_is_read_once(tmp_path):
    import docx

    d = docx.Document()
    table = d.add_table(rows=2, cols=3)
    for i, row in enumerate([["地区", "", "人口"], ["重庆", "渝", "3191万"]]):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    table.cell(0, 0).merge(table.cell(0, 1)).text = "地区与简称"
    d.save(tmp_path / "m.docx")
    documents, _ = ingest(tmp_path)
    rows = [p.text for p in documents[0].articles[0].paragraphs]
    assert rows[0] == "地区与简称 | 人口", rows
    assert "重庆 | 渝 | 3191万" in rows[1], rows
