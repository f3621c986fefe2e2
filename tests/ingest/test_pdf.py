"""A PDF page's layout read into blocks (:func:`qa.ingest.pdf.layout`), from segments placed by
hand: furniture kept apart, headings by their size, paragraphs by indent and line ends."""

from __future__ import annotations

from qa.ingest.pdf import Page, layout
from qa.ingest.pdf_order import Segment

BODY = 10.0
WIDTH = 20  # characters a full line holds


def _line(text: str, top: float, page: int = 0, indent: bool = False, size: float = BODY) -> Segment:
    x0 = 50.0 + (2 * size if indent else 0.0)
    return Segment(text, x0, x0 + len(text) * size, top, top + size, size, page)


def _paragraph(text: str, top: float, page: int = 0) -> list[Segment]:
    """``text`` set in full lines of ``WIDTH`` characters, the first indented by two."""
    lines, first = [], True
    while text:
        n = WIDTH - 2 if first else WIDTH
        lines.append(_line(text[:n], top, page, indent=first))
        text, top, first = text[n:], top + 1.5 * BODY, False
    return lines


def _page(segs: list[Segment], number: int) -> Page:
    return (800.0, [*segs, _line(f"第{number + 1}版", 10.0, number, size=8.0), _line(str(number + 1), 780.0, number)], [])


FIRST = "重庆市今年新建城市公园三十二个，绿地面积比去年增加了百分之十二，市民步行十五分钟即可到达。"
SECOND = "公园建设资金来自市级财政和区县配套，其中市级财政投入四亿元，区县配套两亿元。"


def test_titles_paragraphs_and_furniture_come_apart():
    segs = [_line("城市公园建设提速", 60.0, size=16.0), *_paragraph(FIRST, 100.0), *_paragraph(SECOND, 160.0)]
    pdf = layout([_page(segs, 0)])
    assert [(b.level, b.text) for b in pdf.blocks] == [(1, "城市公园建设提速"), (0, FIRST), (0, SECOND)]
    assert set(pdf.furniture) == {"第1版", "1"}  # small print and the page number in the margins


def test_a_paragraph_broken_by_a_page_end_goes_on_and_a_section_heading_is_level_two():
    lines = _paragraph(FIRST, 720.0)
    on_first = [s for s in lines if s.top < 740]
    rest = FIRST[sum(len(s.text) for s in on_first) :]
    second_page = [_line(rest, 60.0, 1), _line("资金来源", 90.0, 1, size=12.0), *_paragraph(SECOND, 110.0, 1)]
    pdf = layout([_page(on_first, 0), _page(second_page, 1)])
    assert [(b.level, b.text) for b in pdf.blocks] == [(0, FIRST), (2, "资金来源"), (0, SECOND)]


def test_lines_repeated_in_the_margins_of_most_pages_are_furniture():
    pages = [_page([_line("青川日报 2026年3月5日", 30.0, n), *_paragraph(FIRST, 100.0, n)], n) for n in range(4)]
    pdf = layout(pages)
    assert all("青川日报" not in b.text for b in pdf.blocks) and pdf.furniture.count("青川日报 2026年3月5日") == 4
    assert [b.text for b in pdf.blocks] == [FIRST] * 4


def test_an_empty_pdf_has_no_blocks():
    assert layout([(800.0, [], [])]).blocks == ()
