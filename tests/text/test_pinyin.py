"""Words by their sound."""

from qa.text.pinyin import is_han_word, pinyin_key


def test_a_word_is_spelt_by_its_toneless_pinyin_run_together():
    assert pinyin_key("重庆") == "chongqing"  # 重 read as in 重庆, not zhong
    assert pinyin_key("石柱") == "shizhu" and pinyin_key("浦东新区") == "pudongxinqu"


def test_only_words_of_two_or_more_han_characters_are_spelt():
    assert is_han_word("浦东") and is_han_word("天府之国")
    assert not is_han_word("浦")  # one character: too many homophones
    assert not is_han_word("G20") and not is_han_word("浦东2")
