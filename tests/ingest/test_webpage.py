"""An HTML page's main content as blocks (:func:`qa.ingest.webpage.html_blocks`)."""

from __future__ import annotations

from qa.ingest.webpage import html_blocks

STORY = "".join(
    f"<p>第{i}段：重庆市图书馆今年新增藏书十二万册，开放时间延长到每晚九点，读者可以在线预约座位。</p>" for i in range(1, 5)
)
ROWS = "".join(f"<tr><td>周{d}</td><td>上午九点至晚上九点开放，下午两点起可预约研讨室</td></tr>" for d in "一二三四五")
PAGE = f"""<html><head><title>图书馆延长开放时间 - 重庆新闻网</title><script>var x = "不是正文";</script></head>
<body>
<nav><ul><li>首页</li><li>新闻</li><li>图片</li><li>视频</li></ul></nav>
<div class="sidebar"><a href="/1">热点一</a><a href="/2">热点二</a></div>
<article><h1>图书馆延长开放时间</h1>{STORY}
<table><tr><th>日期</th><th>开放时间</th></tr>{ROWS}</table></article>
<footer>版权所有 重庆新闻网 渝ICP备000号</footer>
</body></html>"""


def test_the_main_content_is_kept_and_the_page_furniture_left_out():
    blocks, title, whole = html_blocks(PAGE)
    texts = [b.text for b in blocks]
    assert title == "图书馆延长开放时间"  # the <h1>, which the <title> holds with the site's name
    assert sum(t.startswith("第") and "藏书" in t for t in texts) == 4
    assert not any("首页" in t or "版权所有" in t or "不是正文" in t or "热点" in t for t in texts)
    assert "版权所有" in whole and "不是正文" not in whole  # the body's text, scripts aside


def test_table_rows_are_blocks_of_their_table():
    blocks, _, _ = html_blocks(PAGE)
    rows = [b for b in blocks if b.table]
    assert len(rows) == 6 and len({b.table for b in rows}) == 1
    assert rows[0].text == "日期 | 开放时间" and rows[1].text.startswith("周一 | 上午九点")


def test_text_broken_by_br_in_a_div_is_one_block_a_line():
    lines = ["一、开放时间：每天上午九点至晚上九点。", "二、预约方式：微信公众号或电话预约。", "三、注意事项：请勿携带食物进入阅览室。"]
    page = f"<html><body><div>{'<br>'.join(lines)}</div></body></html>"
    blocks, title, _ = html_blocks(page)
    assert [b.text for b in blocks] == lines and title == ""


def test_a_heading_keeps_its_level():
    blocks, _, _ = html_blocks(f"<html><body><h2>开放时间</h2>{STORY}</body></html>")
    assert (blocks[0].level, blocks[0].text) == (2, "开放时间") and all(b.level == 0 for b in blocks[1:])


SMALL = "<table><tr><th>馆区</th><th>座位</th></tr><tr><td>南馆</td><td>800个</td></tr></table>"
LINKS = "<table><tr><td><a href='/a'>友情链接</a></td></tr></table>"


def test_a_small_table_of_the_article_is_kept_in_its_place():
    page = PAGE.replace(f"{STORY}\n", f"{STORY}{SMALL}<p>新馆区明年开放，届时座位将增加到两千个，并设有儿童阅览区。</p>\n")
    page = page.replace("</footer>", f"</footer>{LINKS}")
    blocks, _, _ = html_blocks(page)
    texts = [b.text for b in blocks]
    at = texts.index("馆区：南馆 | 座位：800个")  # one row, each cell named by its header
    assert texts[at - 1].startswith("第4段") and texts[at + 1].startswith("新馆区明年开放")
    assert [b.table for b in blocks if b.table] == [1] + [2] * 6  # numbered as they are read
    assert not any("友情链接" in t for t in texts)  # a table outside the article stays out


def test_the_article_inside_a_layout_table_is_read_once():
    story = "".join(f"<p>第{i}段：重庆市图书馆今年新增藏书十二万册，开放时间延长到每晚九点，读者可以在线预约座位，研讨室也对外开放。</p>" for i in range(1, 9))
    menu = "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(15))
    page = (
        f"<html><body><ul>{menu}</ul><table><tr><td><ul>{menu}</ul></td><td><div>{story}</div></td></tr></table>"
        "<p>以上信息由重庆市图书馆提供，如有变动以馆内公告为准，欢迎读者来电咨询。</p></body></html>"
    )
    texts = [b.text for b in html_blocks(page)[0]]
    assert sum("第3段" in t for t in texts) == 1, texts


def test_a_table_that_lays_out_the_page_is_read_as_paragraphs():
    page = "<html><body><h1>图书馆延长开放时间</h1><table><tr><td><a href='/'>首页</a></td>"
    page += f"<td>{STORY}</td></tr></table>"
    page += "<p>以上信息由重庆市图书馆提供，如有变动以馆内公告为准。</p></body></html>"
    texts = [b.text for b in html_blocks(page)[0]]
    assert [t[:3] for t in texts if t.startswith("第")] == ["第1段", "第2段", "第3段", "第4段"], texts
    blocks, _, _ = html_blocks(PAGE)  # a table of figures is still read row by row
    assert sum(1 for b in blocks if b.table) == 6


def test_a_long_cell_wrapped_in_a_div_is_still_a_table_row():
    note = "本馆南区周末开放至晚上十点，节假日另行通知，请读者留意馆内公告与官方网站的最新消息。"
    table = f"<table><tr><th>馆区</th><th>说明</th></tr><tr><td>南区</td><td><div><p>{note}</p></div></td></tr></table>"
    page = PAGE.replace(f"{STORY}\n", f"{STORY}{table}\n")
    texts = [b.text for b in html_blocks(page)[0] if b.table]
    assert any(t.startswith("馆区：南区 | 说明：本馆南区") or t.startswith("南区 | 本馆南区") for t in texts), texts
