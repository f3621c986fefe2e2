"""Follow-up questions read with the turns before them."""

from __future__ import annotations

import pytest

from qa.read.followup import resolve, topic


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


def test_a_follow_up_draws_first_on_the_document_cited_last(tmp_path):
    from dataclasses import replace

    from qa.index.build import build_index
    from qa.read.assistant import Assistant
    from qa.settings import Settings
    from tests.conftest import write_corpus
    from tests.fakes import FakeEncoder

    corpus = write_corpus(
        tmp_path / "c",
        {
            "年报.txt": "星河电子年报\n\n星河电子成立于2008年。\n\n公司共有员工2316人。\n",
            "新闻.txt": "本地新闻\n\n据报道，星河电子共有员工约两千人，另有外包人员。\n",
        },
    )
    build_index(corpus, tmp_path / "i", encoder=FakeEncoder())
    settings = Settings(reader="none", abstain_below=0.0)
    assistant = Assistant.load(tmp_path / "i", settings, encoder=FakeEncoder())
    history = ["星河电子成立于哪一年？"]
    for cited in ("年报.txt", "新闻.txt"):
        answer = assistant.ask("它共有多少名员工？", history=history, cited=cited)
        assert answer.resolved == "星河电子共有多少名员工？"
        assert answer.passages[0].doc == cited
    # off, or for a question that stands alone, the document cited last changes nothing
    off = Assistant.load(tmp_path / "i", replace(settings, followup_prefers_cited=False), encoder=FakeEncoder())
    plain = off.ask("它共有多少名员工？", history=history)
    assert off.ask("它共有多少名员工？", history=history, cited="年报.txt").passages == plain.passages
    alone = assistant.ask("星河电子共有多少名员工？")
    assert assistant.ask("星河电子共有多少名员工？", cited="年报.txt").passages == alone.passages
