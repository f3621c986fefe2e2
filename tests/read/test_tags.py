"""What jieba's part-of-speech tags tell the short answer."""

from qa.read.question import analyse
from qa.read.tags import has_typed_answer, head_noun, proper_names, typed_candidate


def test_proper_names_are_people_places_and_organisations():
    names = proper_names("习近平在重庆考察，石柱县委书记陪同")
    assert "重庆" in names and "石柱" in "".join(names)
    assert all(len(n) > 1 for n in names)
    assert proper_names("今天天气很好") == []


def test_the_noun_a_what_question_asks_for_is_the_one_after_its_question_word():
    assert head_noun("长效机制？") == "长效机制"
    assert head_noun("很重要？") == ""


def test_a_span_of_the_asked_form_is_found_in_the_clause():
    q = analyse("浦东新区设立于哪一年？")
    norm = "浦东新区于1992年设立，面积1210平方公里"
    span = typed_candidate(q, norm, 0, len(norm))
    assert span is not None and norm[slice(*span)] == "1992年"
    quantity = analyse("浦东新区面积多少平方公里？")
    first, last = typed_candidate(quantity, norm, 0, len(norm)), typed_candidate(quantity, norm, 0, len(norm), last=True)
    assert first is not None and last is not None and norm[slice(*last)].startswith("1210")


def test_a_typed_answer_is_a_number_the_question_does_not_already_hold():
    q = analyse("2020年重庆有多少人口？")
    assert has_typed_answer(q, "重庆有3400万人口") == 1.0
    assert has_typed_answer(q, "2020年重庆的人口") == 0.0  # only the year the question gives
    assert has_typed_answer(analyse("谁修建了这座寺庙？"), "1992年修建") == 0.0  # not a number question
