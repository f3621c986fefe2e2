"""Write the test corpus of ordinary files (``tests/data/corpus/``) that ingest is checked on:
a two-column newspaper PDF with a masthead, headings and two articles; a one-column notice PDF
with 第X条 clauses; an annual-report DOCX with headings and a table; a CMS-style HTML page whose
body is <div>/<br> text between menus and a sidebar; Markdown with emphasis and a byline; text
typed one paragraph per line; GBK and Big5 text; a truncated UTF-16 file; and an image.

The files are committed; rerun this (needs the dev extra: reportlab, python-docx) only to
change them:

    python tests/data/make_corpus.py
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).parent / "corpus"
BODY_FONT = "STSong-Light"


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(BODY_FONT))


def _wrap(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    """Lines of ``text`` that fit ``width`` points (the first one ``indent`` narrower)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    room = width - indent
    for ch in text:
        if stringWidth(line + ch, BODY_FONT, size) > room and line:
            if ch in "，。、；：！？”）》":  # no line starts with a closing mark
                line += ch
                continue
            lines.append(line)
            line, room = ch, width
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


class Column:
    """Flowing text down one column of a page."""

    def __init__(self, pdf, x: float, top: float, width: float, size: float = 10.5) -> None:
        self.pdf, self.x, self.y, self.width, self.size = pdf, x, top, width, size

    def paragraph(self, text: str, indent: bool = True) -> None:
        pad = 2 * self.size if indent else 0.0
        for n, line in enumerate(_wrap(text, self.width, self.size, pad)):
            self.pdf.setFont(BODY_FONT, self.size)
            self.pdf.drawString(self.x + (pad if n == 0 else 0), self.y, line)
            self.y -= self.size * 1.6
        self.y -= self.size * 0.3

    def heading(self, text: str, size: float = 12.5) -> None:
        self.y -= size * 0.4
        self.pdf.setFont(BODY_FONT, size)
        self.pdf.drawString(self.x, self.y, text)
        self.y -= size * 1.7


def newspaper_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    left, right = 50.0, w - 50.0
    pdf.setFont(BODY_FONT, 28)
    pdf.drawString(left, h - 70, "青川日报")
    pdf.setFont(BODY_FONT, 9)
    pdf.drawRightString(right, h - 52, "2024年12月28日 星期六")
    pdf.drawRightString(right, h - 66, "第3版 · 城市")
    pdf.line(left, h - 82, right, h - 82)

    pdf.setFont(BODY_FONT, 20)
    pdf.drawCentredString(w / 2, h - 118, "青川地铁5号线今日开通运营")
    pdf.setFont(BODY_FONT, 12)
    pdf.drawCentredString(w / 2, h - 140, "全长28.6公里，设站19座，串联城北新区与高铁站")
    pdf.setFont(BODY_FONT, 10)
    pdf.drawString(left, h - 164, "本报记者 林晓")

    gutter = 22.0
    col_w = (right - left - gutter) / 2
    a = Column(pdf, left, h - 186, col_w)
    a.paragraph(
        "12月28日上午10时，青川地铁5号线一期工程正式开通初期运营。线路北起城北新区的北山公园站，"
        "南至青川高铁站，全长28.6公里，共设车站19座，其中换乘站6座，为全地下线路。"
    )
    a.heading("一、建设历时五年")
    a.paragraph(
        "5号线一期工程于2019年11月开工建设，历时五年建成。建设期间，施工单位克服了穿越老城区密集"
        "建筑群、下穿青川河等技术难题，其中青川河隧道段长1.2公里，是全市首条采用泥水平衡盾构法施工的过河隧道。"
    )
    a.paragraph("据市轨道交通集团介绍，5号线采用6节编组A型列车，最高运行速度每小时80公里，全程运行时间约45分钟。")
    b = Column(pdf, left + col_w + gutter, h - 186, col_w)
    b.heading("二、票价与换乘")
    b.paragraph(
        "5号线实行按里程分段计价，起步价2元可乘坐6公里，全程最高票价6元。乘客可在人民广场站与1号线换乘，"
        "在青川东站与3号线换乘。"
    )
    b.paragraph("开通初期，5号线每日运营时间为6时30分至22时30分，高峰时段行车间隔为4分30秒，平峰时段为7分钟。")
    b.heading("三、沿线配套")
    b.paragraph(
        "为方便市民出行，沿线19座车站共设置出入口68个，配建自行车停车位3200个。市公交集团同步调整了12条"
        "公交线路，与地铁站实现接驳。"
    )

    top2 = min(a.y, b.y) - 24
    pdf.line(left, top2 + 12, right, top2 + 12)
    pdf.setFont(BODY_FONT, 16)
    pdf.drawString(left, top2 - 10, "老城区改造惠及三万居民")
    pdf.setFont(BODY_FONT, 10)
    pdf.drawString(left, top2 - 32, "□张岚")
    c = Column(pdf, left, top2 - 54, col_w)
    c.paragraph("今年以来，青川市启动老城区有机更新工程，涉及老旧小区42个、居民1.1万户，惠及居民约3万人。")
    c.paragraph("改造内容包括加装电梯、更换供水管网和整治背街小巷。截至11月底，已完成加装电梯156部，改造供水管网37公里。")
    d = Column(pdf, left + col_w + gutter, top2 - 54, col_w)
    d.paragraph("市住房和城乡建设委员会表示，明年将继续推进剩余18个小区的改造，计划于2025年底前全部完工。")
    d.paragraph("改造期间，各小区设立临时便民服务点，居民可就近反映施工噪音、停车等问题。")

    pdf.line(left, 52, right, 52)
    pdf.setFont(BODY_FONT, 8)
    pdf.drawString(left, 40, "责任编辑：王敏　美术编辑：陈立")
    pdf.drawRightString(right, 40, "3")
    pdf.save()
    return buf.getvalue()


def notice_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    left, right = 72.0, w - 72.0
    pdf.setFont(BODY_FONT, 17)
    pdf.drawCentredString(w / 2, h - 90, "关于做好2024—2025年度冬季供暖工作的通知")
    pdf.setFont(BODY_FONT, 11)
    pdf.drawCentredString(w / 2, h - 116, "青城管发〔2024〕18号")
    col = Column(pdf, left, h - 150, right - left, size=11)
    col.paragraph("各供热单位，各区县城市管理部门：", indent=False)
    col.paragraph("为保障全市居民温暖过冬，根据《青川市供热管理条例》，现就2024—2025年度冬季供暖工作通知如下。")
    for clause in (
        "第一条 供暖期为2024年11月15日至2025年3月15日，共计121天。遇气温异常，可视情况提前或延长供暖。",
        "第二条 供暖期间，居民住宅室内温度不得低于18℃，学校、医院、养老机构不得低于20℃。",
        "第三条 供热单位应当设立24小时服务热线，接到报修后2小时内到达现场。对不能立即修复的，应当在24小时内修复完毕。",
        "第四条 居民供暖费标准为每平方米每月4.6元，按实际供暖面积收取。享受最低生活保障的家庭可申请减免50%。"
        "各类用户的收费标准见下表。",
    ):
        col.paragraph(clause)
    _table(
        pdf,
        left + 40,
        col.y - 4,
        [120, 110, 110],
        [("用户类别", "收费标准", "计费方式"), ("居民住宅", "4.6元", "按面积"), ("非居民用户", "6.8元", "按面积"), ("工业用户", "32元", "按热量")],
    )
    col.y -= 4 * 22 + 18
    col.paragraph("第五条 本通知自发布之日起施行，由青川市城市管理局负责解释。")
    y = col.y - 30
    pdf.setFont(BODY_FONT, 11)
    pdf.drawRightString(right, y, "青川市城市管理局")
    pdf.drawRightString(right, y - 20, "2024年10月20日")
    pdf.setFont(BODY_FONT, 9)
    pdf.drawCentredString(w / 2, 40, "— 1 —")
    pdf.save()
    return buf.getvalue()


def _table(pdf, x: float, top: float, widths: list[float], rows: list[tuple[str, ...]], pitch: float = 22.0) -> None:
    """A table with ruling lines, its top-left corner at (x, top)."""
    right = x + sum(widths)
    for r in range(len(rows) + 1):
        pdf.line(x, top - r * pitch, right, top - r * pitch)
    edge = x
    for w in [0.0, *widths]:
        edge += w
        pdf.line(edge, top, edge, top - len(rows) * pitch)
    pdf.setFont(BODY_FONT, 10.5)
    for r, row in enumerate(rows):
        cx = x
        for w, cell in zip(widths, row, strict=False):
            pdf.drawString(cx + 6, top - r * pitch - 15, cell)
            cx += w


def report_docx() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = "星河电子2023年年度报告"
    d.add_heading("星河电子股份有限公司2023年年度报告", level=0)
    d.add_heading("一、公司简介", level=1)
    d.add_paragraph(
        "星河电子股份有限公司成立于2008年，总部位于青川市高新区，主要从事智能传感器和工业控制模块的研发、"
        "生产与销售。公司于2016年在深圳证券交易所创业板上市。"
    )
    d.add_paragraph("截至2023年末，公司共有员工2,316人，其中研发人员684人，占员工总数的29.5%。")
    d.add_heading("二、主要财务数据", level=1)
    d.add_paragraph("2023年，公司实现营业收入41.45亿元，同比增长12.3%；归属于上市公司股东的净利润3.82亿元，同比增长8.6%。")
    rows = [
        ("项目", "2023年", "2022年", "增减"),
        ("营业收入（亿元）", "41.45", "36.91", "12.3%"),
        ("净利润（亿元）", "3.82", "3.52", "8.6%"),
        ("研发投入（亿元）", "3.27", "2.74", "19.3%"),
    ]
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    d.add_heading("三、经营情况讨论与分析", level=1)
    d.add_heading("（一）主营业务", level=2)
    d.add_paragraph("报告期内，智能传感器业务收入26.8亿元，占营业收入的64.7%，是公司最主要的收入来源。")
    d.add_heading("（二）研发进展", level=2)
    d.add_paragraph("公司全年新获授权发明专利47项，完成新一代MEMS压力传感器的量产验证。")
    d.add_heading("四、未来展望", level=1)
    d.add_paragraph("2024年，公司计划在青川市新建智能制造基地，总投资约15亿元，预计2026年投产。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>青川市图书馆新馆开放公告_青川市人民政府网</title>
<style>.nav a{margin:0 8px}</style><script>var _hmt = [];</script>
</head><body>
<div class="top"><div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/bsfw">办事服务</a><a href="/hdjl">互动交流</a></div></div>
<div class="wrap">
 <div class="main">
  <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
  <h1>青川市图书馆新馆开放公告</h1>
  <div class="info">发布时间：2024-12-20　来源：市文化和旅游局　浏览次数：1024</div>
  <div class="content" id="zoom">
   市民朋友们：<br>
   　　青川市图书馆新馆位于滨江路88号，建筑面积4.2万平方米，藏书容量300万册，将于2025年1月1日正式对外开放。<br>
   　　新馆开放时间为每周二至周日9:00—21:00，每周一闭馆（法定节假日除外）。读者凭身份证或社保卡可免费办理借阅证，每证最多可借图书10册，借期30天。<br>
   　　新馆设有少儿阅览区、古籍文献区和数字体验区，其中古籍文献区收藏地方志及古籍善本1.8万册。<br>
   　　特此公告。<br>
   <div style="text-align:right">青川市文化和旅游局<br>2024年12月20日</div>
  </div>
  <div class="share">分享到：<a>微信</a><a>微博</a></div>
 </div>
 <div class="sidebar">
  <div class="ad"><a href="/ad">年终大促 限时特惠 立即购买</a></div>
  <h3>热点推荐</h3>
  <ul><li><a href="/a1">我市开展冬季消防安全检查</a></li><li><a href="/a2">2025年青川市民生实事项目征集</a></li></ul>
 </div>
</div>
<div class="footer">版权所有：青川市人民政府　主办：青川市人民政府办公室　备案号：青ICP备12345678号</div>
</body></html>
"""

MARKDOWN = """# 非遗传承人李春：让竹编走进现代生活

*文/周明远*

在青川市石门镇，**李春**已经和竹子打了三十年交道。2019年，她的竹编技艺入选省级非物质文化遗产代表性项目名录。

## 从学徒到传承人

李春16岁拜师学艺，师从竹编艺人王德顺。她说，一件精细的竹编作品要经过破竹、分丝、编织等**十几道工序**，最薄的竹丝只有0.1毫米。

## 让老手艺有新市场

2021年，李春创办了竹编工作室，开发了茶具、灯具等[文创产品](https://example.com/shop)。工作室现有学员35名，年销售额超过200万元。
"""

LINES = """青川市东湖社区开展冬季义诊活动
12月15日，东湖社区卫生服务中心在社区广场开展冬季义诊活动，为居民免费测量血压、血糖。
本次义诊共有12名医护人员参加，服务居民300余人次，发放健康宣传资料500余份。
社区卫生服务中心主任刘芳表示，今后每月第一个周六都将开展义诊，重点关注65岁以上老年人。
东湖社区居委会
2024年12月16日
"""

GBK = """青川市蔬菜价格保持稳定

据市发展和改革委员会监测，12月第二周全市15种主要蔬菜平均零售价格为每斤3.2元，环比下降1.5%。

其中，白菜每斤1.1元，土豆每斤1.8元，西红柿每斤4.5元。市场供应充足，价格总体平稳。
"""

BIG5 = """青川古城牆

青川古城牆始建於明朝洪武年間，周長約6.3公里，現存城牆長2.1公里。

1988年，古城牆被列為省級文物保護單位。城牆共有四座城門，其中北門保存最為完整。
"""

UTF16 = "青川市植树造林\n\n2024年，青川市共完成植树造林12.5万亩，森林覆盖率达到46.8%。\n"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + chunk(
        b"IDAT", zlib.compress(raw)
    ) + chunk(b"IEND", b"")


def main() -> None:
    _fonts()
    OUT.mkdir(exist_ok=True)
    files = {
        "qingchuan_daily_p3.pdf": newspaper_pdf(),
        "heating_notice.pdf": notice_pdf(),
        "xinghe_annual_report.docx": report_docx(),
        "library_notice.html": HTML.encode("utf-8"),
        "bamboo_interview.md": MARKDOWN.encode("utf-8"),
        "clinic_lines.txt": LINES.encode("utf-8"),
        "vegetable_prices_gbk.txt": GBK.encode("gbk"),
        "city_wall_big5.txt": BIG5.encode("big5"),
        "planting_utf16_truncated.txt": ("\ufeff" + UTF16).encode("utf-16-le")[:-1],
        "photo.png": png(),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
