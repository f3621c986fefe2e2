"""Follow-up questions read with the turns before them."""

from __future__ import annotations

import pytest

from qa.followup import resolve, topic


@pytest.mark.parametrize(
    ("question", "earlier", "read_as"),
    [
        ("它是哪一年成立的？", ["星河电子的总部在哪里？"], "星河电子是哪一年成立的？"),
        ("该公司有多少员工？", ["星河电子的总部在哪里？"], "星河电子有多少员工？"),
        ("其总部在哪里？", ["星河电子是哪一年成立的？"], "星河电子的总部在哪里？"),
        ("那2022年呢？", ["星河电子2023年的营业收入是多少？"], "星河电子2022年的营业收入是多少？"),
        ("那成都呢？", ["重庆有多少人口？"], "成都有多少人口？"),
        ("那研发投入呢？", ["星河电子2022年的营业收入是多少亿元？"], "星河电子2022年的研发投入是多少亿元？"),
        # a chain keeps its topic
        ("那2021年呢？", ["星河电子的总部在哪里？", "它2023年的营业收入是多少？"], "星河电子2021年的营业收入是多少？"),
    ],
)
def test_a_follow_up_is_read_as_a_whole_question(question, earlier, read_as):
    assert resolve(question, earlier) == read_as


def test_a_question_that_stands_alone_is_left_as_it_is():
    assert resolve("浦东新区设立于哪一年？", ["重庆有多少人口？"]) is None
    assert resolve("它是哪一年成立的？", []) is None
    assert topic("浦东新区设立于哪一年？") == "浦东新区"


def test_the_assistant_reads_a_follow_up_with_its_history(seed_assistant):
    alone = seed_assistant.ask("那行业扶贫指挥部呢？")
    assert alone.resolved is None
    answer = seed_assistant.ask("它建立了多少个行业扶贫指挥部？", history=["石柱组建了多少支驻村工作队？"])
    assert answer.resolved == "石柱建立了多少个行业扶贫指挥部？"
    assert answer.question == "它建立了多少个行业扶贫指挥部？"  # what was asked stays
    assert answer.to_dict()["resolved_question"] == answer.resolved
    assert not answer.abstained and "16" in answer.short_answer
    (c,) = answer.citations
    assert (c.article, c.paragraph) == (1, 2)
