"""The report's tables of questions worth reading (:mod:`qa.evaluation.report_rows`)."""

from __future__ import annotations

from qa.answer import Answer, Citation, Source
from qa.evaluation.evaluate import Result
from qa.evaluation.questions import GoldQuestion
from qa.evaluation.report_rows import abstention_rows, failure_rows, snippet, wrong_short_rows

PARAGRAPH = "重庆位于长江上游，<b>人口</b>是3200万，面积8.24万平方公里。"
PLACE = ("a.txt", 1, 2)


def _result(qid: str, answers: tuple[str, ...], *, abstained: bool, short: str = "", quote: str = "", confidence: float = 0.5) -> Result:
    gold = GoldQuestion(qid, f"问题{qid}？", answers, *PLACE)
    at = PARAGRAPH.find(quote) if quote else 0
    citations = () if abstained or not quote else (Citation("a.txt", 1, None, None, 2, at, at + len(quote), quote),)
    passages = (Source("a.txt", 1, None, None, 2, PARAGRAPH, 1.0),)
    answer = Answer(f"问题{qid}？", "" if abstained else quote, short, abstained, confidence, citations, passages)
    return Result(gold, answer, 0.01)


def _ids(rows: list[str]) -> list[str]:
    return [r.split("<td>")[1].split("<br>")[0] for r in rows]


def test_a_snippet_is_centred_on_the_gold_answer_escaped_and_marked():
    long = "甲" * 300 + PARAGRAPH + "乙" * 300
    out = snippet(long, ("3200万",), chars=40)
    assert "<ins>3200万</ins>" in out and out.startswith("…") and out.endswith("…")
    assert "&lt;b&gt;" in snippet(PARAGRAPH, ("人口",)) and "<b>" not in snippet(PARAGRAPH, ("人口",))
    assert snippet("短文", ("没有",)) == "短文"  # no gold answer in it: its beginning, uncut


def test_abstentions_on_answerable_questions_are_listed_most_confident_first():
    results = [
        _result("1", ("3200万",), abstained=True, confidence=0.1),
        _result("2", ("3200万",), abstained=True, confidence=0.4),
        _result("3", (), abstained=True),  # rightly abstained: not listed
    ]
    rows = abstention_rows(results, {PLACE: PARAGRAPH})
    assert _ids(rows) == ["2", "1"] and "gold paragraph at rank 1" in rows[0]


def test_wrong_short_answers_come_lowest_f1_first_and_right_ones_are_left_out():
    quote = "人口</b>是3200万，"
    results = [
        _result("1", ("3200万",), abstained=False, short="3200万", quote=quote),
        _result("2", ("3200万",), abstained=False, short="3200", quote=quote),
        _result("3", ("3200万",), abstained=False, short="长江", quote=quote),
    ]
    rows = wrong_short_rows(results)
    assert _ids(rows) == ["3", "2"]
    assert "<mark>长江</mark>" in rows[0]


def test_failures_are_wrong_abstentions_wrong_answers_and_answers_to_unanswerable_questions():
    results = [
        _result("ok", ("3200万",), abstained=False, short="3200万", quote="人口</b>是3200万，"),
        _result("missed", ("3200万",), abstained=True),
        _result("elsewhere", ("3200万",), abstained=False, short="长江", quote="重庆位于长江上游，"),
        _result("answered", (), abstained=False, short="长江", quote="重庆位于长江上游，"),
        _result("abstained", (), abstained=True),
    ]
    rows = failure_rows(results, {PLACE: PARAGRAPH})
    assert _ids(rows) == ["missed", "elsewhere", "answered"]
    assert "（弃答）" in rows[0] and "<mark>重庆位于长江上游，</mark>" in rows[1]
