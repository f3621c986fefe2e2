from qa.ingest.layout import (
    display_width,
    ends_sentence,
    is_hard_wrapped,
    join_lines,
    paragraph_text,
    remove_justification_spaces,
    split_lines,
    split_paragraphs,
)


def test_justification_spaces_between_chinese_characters_are_removed():
    assert remove_justification_spaces("工 作 ，推 动 农 村 贫 困") == "工作，推动农村贫困"


def test_spaces_next_to_numbers_and_latin_words_are_kept():
    assert remove_justification_spaces("精细开展 6 轮全覆盖") == "精细开展 6 轮全覆盖"
    assert remove_justification_spaces("科技创新 2030-重大项目") == "科技创新 2030-重大项目"
    assert remove_justification_spaces("MIT OpenCourseWare 课程") == "MIT OpenCourseWare 课程"


def test_join_lines_inserts_nothing_between_chinese_and_a_space_between_words():
    assert join_lines(["习近平总书", "记亲临石柱"]) == "习近平总书记亲临石柱"
    assert join_lines(["the open", "course"]) == "the open course"
    assert join_lines(["年出栏", "30 万头"]) == "年出栏30 万头"


def test_sentence_end_sees_through_closing_quotes():
    assert ends_sentence("制度规则”。")
    assert ends_sentence("是大势所趋。”")
    assert not ends_sentence("突出问题座")
    assert not ends_sentence("")


def test_display_width_counts_latin_as_half_and_squeezed_punctuation():
    assert display_width("重庆") == 2
    assert display_width("2019年") == 3
    assert display_width("重庆，", punct=0.5) == 2.5


def test_split_lines_keeps_positions_and_marks_blank_and_indent():
    text = " 标题\n\n　　第一行\n第二行\n"
    lines = split_lines(text)
    assert [line.text for line in lines] == ["标题", "第一行", "第二行"]
    assert [text[line.pos] for line in lines] == ["标", "第", "第"]
    assert [line.blank_before for line in lines] == [True, True, False]
    assert [line.indented for line in lines] == [False, True, False]


def _lines(rows: str):
    return split_lines(rows)


def test_column_break_inside_a_sentence_is_not_a_paragraph_break():
    rows = (
        "一二三四五六七八九十\n一二三四五六七八九十\n\n一二三四五六七八九十\n一二三四五六七八九十\n一二三。\n"
    )
    paragraphs = split_paragraphs(_lines(rows))
    assert len(paragraphs) == 1
    assert paragraph_text(paragraphs[0]) == "一二三四五六七八九十" * 4 + "一二三。"


def test_sentence_end_on_a_short_line_ends_the_paragraph_without_a_blank():
    rows = "一二三四五六七八\n一二三四五六七八九十\n一二三。\n一二三四五六七八\n一二三四五六七八九十\n一二三四。\n"
    assert [len(p) for p in split_paragraphs(_lines(rows))] == [3, 3]


def test_sentence_end_before_a_blank_ends_the_paragraph():
    rows = "一二三四五六七八\n一二三四五六七八九十\n一二三四五六七八九。\n\n一二三四五六七八\n一二三四五六七八九十\n一二。\n"
    assert [len(p) for p in split_paragraphs(_lines(rows))] == [3, 3]


def test_unwrapped_text_keeps_one_paragraph_per_line():
    rows = "重庆是直辖市。\n长江从这里流过，两江交汇，山城的夜景闻名全国。\n火锅。\n它的人口超过三千万。\n"
    lines = _lines(rows)
    assert not is_hard_wrapped(lines, [line.width for line in lines])
    assert len(split_paragraphs(lines)) == 4
