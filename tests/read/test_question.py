"""What a question asks for: its form, its question word and the words either side of it."""

from __future__ import annotations

import pytest

from qa.read.question import Form, analyse


@pytest.mark.parametrize(
    ("text", "form", "wh"),
    [
        ("会议在什么时候召开？", Form.TIME, "什么时候"),
        ("他哪一年出生？", Form.TIME, "哪一年"),
        ("总部在哪里？", Form.PLACE, "哪里"),
        ("它位于哪个城市？", Form.PLACE, "哪个城市"),
        ("谁提出了这个方案？", Form.PERSON, "谁"),
        ("为什么要建立台账？", Form.CLAUSE, "为什么"),
        ("摸排发现突出问题多少个？", Form.QUANTITY, "多少"),
        ("该公司生产哪些产品？", Form.ENTITY, "哪些"),
        ("石柱是否完成了任务？", Form.YESNO, "是否"),
    ],
)
def test_the_question_word_gives_the_form(text, form, wh):
    q = analyse(text)
    assert (q.form, q.wh) == (form, wh)
    assert q.left + q.wh + q.right == q.norm  # the question word splits the question


def test_the_longest_question_word_wins_over_its_prefix():
    assert analyse("哪些人参加了会议？").form is Form.PERSON  # not 哪些, an entity
    assert analyse("多久以前发生的？").form is Form.TIME  # not 多久, a quantity


def test_trailing_punctuation_and_particles_are_not_part_of_it():
    q = analyse("  石柱在哪里呢？ ")
    assert q.text == "石柱在哪里呢?"  # stripped and NFKC (full-width ？ is ?)
    assert q.right == "" and q.left == "石柱在"


def test_what_is_x_is_aligned_as_x_is_what():
    q = analyse("什么是两不愁三保障？")
    assert q.definition and q.form is Form.ENTITY
    assert q.left == "两不愁三保障是" and q.right == ""
    assert analyse("两不愁三保障是什么？").definition


def test_full_width_forms_and_traditional_script_are_read_alike():
    assert analyse("總部在哪裡？").form is Form.PLACE
    assert analyse("ＡＢＣ公司有多少员工？").text.startswith("ABC")


def test_english_questions_get_a_form_and_no_chinese_question_word():
    assert analyse("How many problems were found?").form is Form.QUANTITY
    assert analyse("When was it founded?").form is Form.TIME
    assert analyse("Who draws up the list?").form is Form.PERSON
    assert analyse("Where is the headquarters?").wh == ""


def test_a_statement_has_no_form():
    q = analyse("石柱县的脱贫攻坚")
    assert q.form is Form.OTHER and q.wh == "" and q.left == q.norm
