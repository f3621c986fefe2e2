"""The question's words to search and weigh with (qa.read.words.SearchWords)."""

import pytest

from qa.read.question import analyse
from qa.read.words import SearchWords


@pytest.fixture
def words(fake_assistant) -> SearchWords:
    return SearchWords(fake_assistant.store, None)


def test_a_chinese_question_keeps_its_own_tokens(words):
    q = analyse("成都的大熊猫基地建于哪一年？")
    same, tokens = words.search_words(q)
    assert same == q
    assert "大熊猫" in tokens and "成都" in tokens


def test_an_english_question_is_read_in_the_documents_words(words):
    q, tokens = words.search_words(analyse("When was Pudong set up?"))
    assert "浦东" in q.text or "浦东" in tokens
    assert any("\u4e00" <= c <= "\u9fff" for c in q.text)


def test_words_the_corpus_never_uses_weigh_most_and_make_the_unknown_share(words):
    weights, oov = words.weights(["重庆", "火锅", "喜马拉雅"])
    assert weights["喜马拉雅"] > weights["火锅"] > weights["重庆"] > 0  # unseen, in one passage, in three
    assert oov == pytest.approx(weights["喜马拉雅"] / sum(weights.values()))
    assert words.weights(["重庆"])[1] == 0.0
    assert words.weights([]) == ({}, 1.0)
