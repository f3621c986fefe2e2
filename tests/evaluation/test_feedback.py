"""Feedback lines form a question set that qa eval reads."""

import json

from qa.answer import Answer, Citation, Source
from qa.evaluation.feedback import Feedback, FeedbackLog
from qa.evaluation.questions import read_jsonl_questions
from qa.present.webfeedback import Turn


def _answer() -> Answer:
    c = Citation("a.txt", 1, "标题", None, 2, 0, 9, "水库库容为1200万", short_start=5, short_end=9)
    passages = (Source("b.txt", 1, None, None, 1, "别的段落", 0.2), Source("a.txt", 1, "标题", None, 2, "水库库容为1200万。", 0.1))
    return Answer("水库库容多大？", c.quote, "1200万", False, 0.8, (c,), passages)


def test_a_turn_remembers_which_source_holds_the_quote_and_round_trips():
    turn = Turn.of(3, _answer(), {"a.txt"}, "f" * 64, "plain", ["〔1〕b", "〔2〕a"])
    assert turn.cited == 1 and turn.shown == "1200万" and turn.sources[1]["mine"] is True
    found = Turn.find([{"index": 1}, json.loads(json.dumps(turn.to_dict()))], [3, 0])
    assert found == turn
    assert Turn.find([turn.to_dict()], 2) is None


def test_verdicts_become_lines_of_a_question_set(tmp_path):
    log = FeedbackLog(tmp_path / "fb")
    turn = Turn.of(1, _answer(), set(), "f" * 64, "plain", ["〔1〕b", "〔2〕a"])
    log.append(turn.verdict("right", turn.sources[1], (turn.shown,)))
    log.append(turn.verdict("corrected", turn.sources[0], ("别的",)))
    log.append(turn.verdict("unanswerable", None, ()))
    rows = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert [r["verdict"] for r in rows] == ["right", "corrected", "unanswerable"]
    assert all(r["corpus"] == "f" * 64 and r["shown"] == "1200万" for r in rows)
    assert len({r["id"] for r in rows}) == 3
    questions = read_jsonl_questions(log.path)
    assert [q.answers for q in questions] == [("1200万",), ("别的",), ()]
    assert questions[0].gold_place == ("a.txt", 1, 2) and questions[1].gold_place == ("b.txt", 1, 1)
    assert questions[2].gold_place is None and not questions[2].answerable


def test_an_unanswerable_verdict_names_no_paragraph():
    row = Feedback("问", "unanswerable", (), "a.txt", 1, 2, "", "f").to_dict()
    assert row["doc"] is None and row["answers"] == []


def test_feedback_on_a_visitors_upload_goes_to_its_own_file(tmp_path):
    log = FeedbackLog(tmp_path)
    turn = Turn.of(1, _answer(), {"a.txt"}, "f" * 64, "plain", ["〔1〕b", "〔2〕a"])
    log.append(turn.verdict("right", turn.sources[1], (turn.shown,)))  # a.txt is the visitor's
    log.append(turn.verdict("corrected", turn.sources[0], ("别的",)))  # b.txt is the host's
    assert [q.doc for q in read_jsonl_questions(log.path)] == ["b.txt"]
    assert [q.doc for q in read_jsonl_questions(log.uploads_path)] == ["a.txt"]
