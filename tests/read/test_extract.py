"""The short answer inside a sentence: the aligned gap, widened where the question asks for it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.read.extract import MAX_UNIT, Unit, answer_span
from qa.read.question import analyse


def _short(question: str, sentence: str) -> str:
    span = answer_span(analyse(question), sentence)
    assert 0 <= span.start < span.end <= len(sentence)
    return sentence[span.start : span.end]


def test_a_word_for_word_question_gets_the_gap():
    assert _short("该公司主要生产什么？", "该公司主要生产智能手机，年产量逾千万台。") == "智能手机"


def test_what_kind_question_keeps_the_noun_it_asks_for():
    # "什么产业": the answer names the industry, "产业" included.
    assert (
        _short("该市重点发展什么产业？", "该市重点发展新能源汽车产业，带动了大量就业。") == "新能源汽车产业"
    )


def test_a_number_keeps_its_unit():
    assert _short("该县建立了多少个服务站？", "该县建立了16个服务站，覆盖全部乡镇。") == "16个"


def test_why_question_is_answered_by_the_sentence():
    sentence = "由于地下温泉不断涌出，这条河流冬天不结冰。"
    assert _short("为什么这条河流冬天不结冰？", sentence) == "由于地下温泉不断涌出，这条河流冬天不结冰"


def test_a_paraphrased_question_is_answered_by_the_sentence():
    # Only "寺庙" aligns and "特别之处" is not in the text: the whole statement answers it.
    sentence = "寺庙的大殿全部采用木榫结构，没有使用一根铁钉。"
    assert _short("这座寺庙有什么特别之处？", sentence) == "寺庙的大殿全部采用木榫结构，没有使用一根铁钉"


def test_an_over_long_sentence_keeps_the_gap():
    sentence = (
        "寺庙的大殿全部采用木榫结构，没有使用一根铁钉，据说是清代一位姓陈的木匠带领村民"
        "花了整整十二年的时间才陆续修建完成的，至今保存完好。"
    )
    assert len(sentence) > MAX_UNIT[Unit.SENTENCE]
    # the gap after the aligned "寺庙", without the particle that tied it to "寺庙"
    assert _short("这座寺庙有什么特别之处？", sentence) == "大殿全部采用木榫结构"


def test_a_gap_loses_a_leading_particle_but_not_a_word_that_opens_with_it():
    from qa.read.clauses import trim

    assert trim("的大殿", 0, 3) == (1, 3)
    assert trim("的确可行", 0, 4) == (0, 4)  # 的确 "indeed"
    assert trim("的士", 0, 2) == (0, 2)  # 的士 "taxi"
    assert trim("的大殿", 0, 3, verb=False) == (0, 3)  # a clause or sentence keeps its words
    assert trim("的", 0, 1) == (0, 1)


@pytest.mark.parametrize("question", ["什么是木榫结构？", "木榫结构是什么？"])
def test_a_definition_question_is_answered_by_the_defining_sentence(question):
    sentence = "木榫结构是一种不用钉子、靠构件互相咬合的传统木工做法。"
    assert _short(question, sentence) == "木榫结构是一种不用钉子、靠构件互相咬合的传统木工做法"


def test_a_time_question_gets_the_date_out_of_a_long_gap():
    sentence = "该站经过多年规划，在1998年动工，2003年初启用。"
    assert _short("该站是何时启用的？", sentence) == "2003年初"


@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        ("这些文物分为几类？", "馆内收藏的这些文物分为两类，即青铜器和陶器。", "两类"),
        ("图书馆藏书量是多少？", "目前，图书馆藏书量为81.6万册。", "81.6万册"),
    ],
)
def test_a_count_keeps_its_classifier(question, sentence, short):
    assert _short(question, sentence) == short


def test_the_words_after_the_question_word_attach_to_their_own_clause():
    assert _short("王某是哪个国家的演员？", "王某（1974年2月22日生），日本演员。") == "日本"


def test_a_comma_inside_quotes_does_not_cut_the_answer():
    sentence = "要形成“抓生产促发展，抓发展保民生”的效应。"
    assert _short("要形成什么样的效应？", sentence) == "抓生产促发展，抓发展保民生"


@pytest.mark.parametrize(
    "question",
    [
        "这座寺庙有什么特别之处？",
        "为什么这条河流冬天不结冰？",
        "该市重点发展什么产业？",
        "谁修建了这座寺庙？",
    ],
)
def test_offsets_stay_inside_a_traditional_full_width_sentence(question):
    sentence = "據說，寺廟的大殿由清代木匠陳某修建，全部採用木榫結構（ＡＢＣ），没有使用一根铁钉。"
    _short(question, sentence)


def test_a_sentence_answer_keeps_its_first_word():
    sentence = "在地下温泉的作用下，这条河流冬天不结冰。"
    assert _short("为什么这条河流冬天不结冰？", sentence) == "在地下温泉的作用下，这条河流冬天不结冰"


def test_a_quoted_word_keeps_both_its_marks_and_no_piece_of_the_next_word():
    # "哪些线上领域": jieba tags only "线" of "线上领域" as a noun; that one character is no
    # kind name to append, and the answer's own quotation marks stay paired.
    sentence = "疫情暴发以来，“宅”经济、线上办公以及在线教育等备受青睐。"
    assert _short("疫情暴发以来，哪些线上领域备受青睐？", sentence) == "“宅”经济"


def test_a_bracket_around_the_whole_answer_is_still_trimmed():
    assert _short("该馆位于哪里？", "该馆位于（北京）。") == "北京"


_TEXT = st.text(alphabet="甲乙丙丁戊，。", max_size=30)


@given(_TEXT, _TEXT)
def test_longest_common_substring_matches_difflib(a, b):
    from difflib import SequenceMatcher

    from qa.read.evidence import longest_common

    expected = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
    assert longest_common(a, b) == expected


@given(_TEXT, _TEXT)
def test_anchor_search_finds_the_longest_piece_as_a_full_scan_does(context, haystack):
    from qa.read.align import MIN_CONTEXT, longest_head_in, longest_tail_in

    def scan(piece_of, locate):  # every size, longest first
        best = None
        for drop in range(4):
            for size in range(min(len(context) - drop, 24), MIN_CONTEXT - 1, -1):
                if (at := locate(piece_of(drop, size))) >= 0:
                    if best is None or size - 2.0 * drop > best[0]:
                        best = (size - 2.0 * drop, (at, at + size, drop))
                    break
        return best[1] if best else None

    n = len(context)
    assert longest_head_in(context, haystack) == scan(
        lambda d, s: context[d : d + s], lambda p: haystack.find(p, 0)
    )
    assert longest_tail_in(context, haystack) == scan(
        lambda d, s: context[n - d - s : n - d], lambda p: haystack.rfind(p, 0, len(haystack))
    )


def test_a_translated_question_finds_its_number_in_the_clause_of_its_words():
    from dataclasses import replace

    # "How many party members does Shizhu have?", read in the documents' words: no word order
    q = replace(analyse("石柱党员多少"), ordered=False)
    sentence = "全县共有乡镇32个，石柱现有党员33,700名，其中农村党员2万名。"
    span = answer_span(q, sentence)
    assert sentence[span.start : span.end] == "33,700名"  # the comma inside the number splits nothing


def test_an_organisation_keeps_the_nouns_that_name_it():
    from dataclasses import replace

    # "Who draws up the list?": the organisation is 街道党工委, not its last word 党工委
    q = replace(analyse("谁制定清单"), ordered=False)
    sentence = "由街道党工委汇总制定清单，辖区各单位提供资源。"
    span = answer_span(q, sentence)
    assert sentence[span.start : span.end] == "街道党工委"


@given(_TEXT, st.sampled_from(["什么", "多少", "谁", "哪里"]), _TEXT, _TEXT)
def test_a_sentence_sharing_no_character_pair_with_the_question_does_not_align(left, wh, right, sentence):
    from qa.read.align import alignment, context_pairs

    # (the assistant skips alignment for such sentences: the shortcut must change nothing)
    q = analyse(left + wh + right + "？")
    if not any(pair in sentence for pair in context_pairs(q)):
        assert alignment(q, sentence) == 0.0
