"""What an answer quotes: the chosen sentence, and the one beside it where it cannot stand alone."""

from qa.index.corpus import ParagraphRecord
from qa.read.evidence import FEATURES, Window
from qa.read.question import analyse
from qa.read.quote import cite, quote
from tests.conftest import sentence_spans

TEXT = "石柱县位于重庆东部。该县户籍人口约有五十万人。这是全市人口最少的县之一。全县的地形大致分为以下三类。平坝、丘陵和山地各有分布。降居顺成宫。"


def para(text: str = TEXT) -> ParagraphRecord:
    return ParagraphRecord("doc.txt", 1, "标题", None, 3, text, "一、概况")



def window(k: int, text: str = TEXT, **features: float) -> Window:
    spans = sentence_spans(text)
    start, end = spans[k]
    return Window(
        0, k, spans[k - 1][0] if k else -1, start, end, {**dict.fromkeys((*FEATURES, "context_focus"), 0.0), **features}, 1.0
    )


def quoted(k: int, question: str = "石柱县有多少人口？", **kw) -> str:
    citation = quote(analyse(question), window(k), para(), **kw)
    assert TEXT[citation.start : citation.end] == citation.quote
    return citation.quote


def test_a_sentence_that_stands_alone_is_quoted_alone():
    assert quoted(1) == "该县户籍人口约有五十万人。"


def test_a_sentence_that_points_back_brings_the_one_before():
    assert quoted(2) == "该县户籍人口约有五十万人。这是全市人口最少的县之一。"


def test_a_sentence_that_announces_a_list_brings_the_next():
    assert quoted(3, following=window(4)) == "全县的地形大致分为以下三类。平坝、丘陵和山地各有分布。"
    assert quoted(3) == "全县的地形大致分为以下三类。"  # nothing follows to bring


def test_a_close_runner_up_is_quoted_with_it():
    assert quoted(0, neighbour=window(1)) == "石柱县位于重庆东部。该县户籍人口约有五十万人。"


def test_a_fragment_is_quoted_with_the_sentence_before():
    assert quoted(5) == "平坝、丘陵和山地各有分布。降居顺成宫。"


def test_the_question_words_held_before_bring_that_sentence():
    citation = quote(analyse("石柱县有多少人口？"), window(1, context_focus=0.5), para())
    assert citation.quote == "石柱县位于重庆东部。该县户籍人口约有五十万人。"


def test_a_citation_carries_its_place_and_short_answer_offsets():
    c = cite(para(), 10, 19, 2, 5)
    assert (c.doc, c.article, c.paragraph, c.section) == ("doc.txt", 1, 3, "一、概况")
    assert c.quote == TEXT[10:19] and (c.start, c.end) == (10, 19)
    assert c.quote[c.short_start : c.short_end] == TEXT[12:15]
