"""The evaluation report: "—" where a metric does not apply, the legend, the threshold on the
confidence plot, reliability bins that each hold enough questions, abstentions with their
nearest paragraph, wrong short answers beside the gold, and document text escaped."""

import argparse
import json
import re
from dataclasses import replace

from bs4 import BeautifulSoup

from qa.answer import Answer, Citation, Source
from qa.evaluation import evaluate, report, report_plots
from qa.evaluation.evaluate import Result
from qa.evaluation.questions import GoldQuestion, read_jsonl_questions
from qa.present import cli_eval
from tests.evaluation.test_evaluate import QUESTIONS, write_questions

PLACE = ("上海.txt", 1, 2)
TEXT = "上海介绍。浦东新区设立于1992年，是改革开放的窗口。"


def _result(
    qid: str,
    answers: tuple[str, ...] = ("1992年",),
    *,
    abstained: bool = False,
    confidence: float = 0.5,
    short: str = "1992年",
    text: str = TEXT,
    doc: str = PLACE[0],
    qtype: str = "factoid",
) -> Result:
    """A scored question built by hand: no index, no model."""
    gold = GoldQuestion(qid, f"问题{qid}？", answers, doc, 1, 2, qtype)
    source = Source(doc, 1, None, None, 2, text, 0.9)
    if abstained:
        answer = Answer(gold.question, "（未找到）", "", True, confidence, (), (source,))
    else:
        at = max(0, text.find(short))
        citation = Citation(doc, 1, None, None, 2, 0, len(text), text, at, at + len(short))
        answer = Answer(gold.question, text, short, False, confidence, (citation,), (source,))
    return Result(gold, answer, 0.01)


def _page(results: list[Result], threshold: float | None = 0.204) -> BeautifulSoup:
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    paragraphs = {(r.answer.passages[0].doc, 1, 2): r.answer.passages[0].text for r in results}
    page = report.html_report("t", overall, groups, results, paragraphs, threshold)
    return BeautifulSoup(page, "html.parser")


def _column(text: str, header: str, row: str) -> str:
    lines = text.splitlines()
    names = lines[0].split()
    names = [*names[: names.index("p50")], "p50 ms", "p95 ms"]  # the two-word headers
    cells = next(line.split() for line in lines[2:] if line.split()[0] == row)
    return cells[names.index(header)]


def test_a_set_without_unanswerable_questions_shows_a_dash_for_abstention():
    results = [_result(f"q{i}") for i in range(3)]
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    text = report.table(overall, groups)
    assert _column(text, "abst-F1", "all") == "—" and "0.00" not in text
    assert "abstention: — (no unanswerable questions" in text
    assert _column(text, "F1", "all") == "100.0"
    assert report.as_json(overall, groups)["overall"]["abstain_f1"] is None
    cells = [td.get_text() for td in _page(results).select("#summary tbody tr")[0].select("td")]
    headers = [th.get_text() for th in _page(results).select("#summary thead th")][1:]
    assert cells[headers.index("abst-F1")] == "—"


def test_a_set_of_unanswerable_questions_shows_a_dash_for_answer_metrics():
    results = [_result(f"u{i}", (), abstained=True, confidence=0.1, qtype="unanswerable") for i in range(2)]
    results.append(_result("q1"))
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    text = report.table(overall, groups)
    for header in ("hit@1", "cite", "contain", "EM", "F1"):
        assert _column(text, header, "unanswerable") == "—"
        assert _column(text, header, "factoid") != "—"
    assert _column(text, "abst-F1", "unanswerable") == "1.00"  # it applies: a real figure
    assert _column(text, "abst-F1", "factoid") == "—"
    assert report.as_json(overall, groups)["by_type"]["unanswerable"]["em"] is None


def test_the_legend_explains_every_column_and_the_dash():
    legend = _page([_result("q1")]).select_one("#legend")
    terms = [dt.get_text() for dt in legend.select("dt")]
    assert terms[:1] == ["type"] and "—" in terms and "threshold" in terms
    assert all(header in terms for header, *_ in report.COLUMNS)
    assert all(len(dd.get_text()) > 20 for dd in legend.select("dd"))
    tooltips = [th.get("title", "") for th in _page([_result("q1")]).select("#summary thead th")]
    assert all(tooltips)


def test_every_reliability_bin_holds_at_least_the_minimum():
    results = [_result(f"q{i}", confidence=i / 95, short="x" if i % 3 else "1992年") for i in range(95)]
    bins = report_plots.reliability_bins(results)
    assert len(bins) == 95 // report_plots.MIN_BIN
    assert all(b.n >= report_plots.MIN_BIN for b in bins) and sum(b.n for b in bins) == 95
    assert [b.lo for b in bins] == sorted(b.lo for b in bins)
    page = _page(results)
    shown = [int(g["data-n"]) for g in page.select("#plot-reliability g.bin")]
    assert shown == [b.n for b in bins]
    assert [f"n={n}" for n in shown] == [t.get_text() for t in page.select("#plot-reliability g.bin text")]
    assert [int(tr.select("td")[-1].get_text()) for tr in page.select("#bins tbody tr")] == shown


def test_a_small_set_gets_one_bin_not_bins_of_three():
    bins = report_plots.reliability_bins([_result(f"q{i}", confidence=i / 7) for i in range(7)])
    assert [b.n for b in bins] == [7]


def test_the_threshold_is_drawn_on_the_confidence_plot_at_its_value():
    results = [_result("q1", confidence=0.7), _result("u1", (), abstained=True, confidence=0.05)]
    line = _page(results, threshold=0.204).select_one("#plot-confidence g.threshold")
    assert line is not None and line["data-value"] == "0.204"
    assert float(line.line["x1"]) == float(line.line["x2"]) == round(report_plots._x(0.204), 1)
    assert float(line.line["x1"]) != round(report_plots._x(0.2), 1)  # the value, not a bin edge
    assert "abstain below 0.204" in line.get_text()
    best = _page(results).select_one("#plot-confidence g.best-threshold")
    assert best is not None and float(best["data-value"]) == evaluate.score(results).extra["best_threshold"]
    assert _page(results, threshold=None).select_one("#plot-confidence g.threshold") is None


def test_the_assistant_names_the_threshold_of_its_way_of_answering(fake_assistant):
    s = fake_assistant.settings
    assert fake_assistant.reader is None and fake_assistant.abstain_threshold == s.abstain_below
    fake_assistant.reader = object()  # stands in for a loaded reader
    assert fake_assistant.abstain_threshold == s.short_abstain_below
    fake_assistant.settings = replace(s, reader_mode="span")
    assert fake_assistant.abstain_threshold == s.reader_abstain_below


def test_an_abstention_on_an_answerable_question_shows_its_nearest_paragraph_escaped():
    text = "<script>alert(1)</script>浦东新区设立于1992年。"
    results = [
        _result("miss", abstained=True, confidence=0.15, text=text, doc="<b>浦东</b>.html"),
        _result("ok"),
    ]
    rows = _page(results).select("#abstentions tbody tr")
    assert len(rows) == 1 and rows[0].td.get_text().startswith("miss")
    nearest = rows[0].select_one("td.para")
    assert nearest.select_one(".cite").get_text() == "<b>浦东</b>.html · 1 · ¶2"
    assert nearest.ins.get_text() == "1992年"
    assert "<script>alert(1)</script>" in nearest.get_text() and nearest.script is None
    assert "gold paragraph at rank 1" in nearest.get_text()


def test_a_wrong_short_answer_appears_beside_its_gold():
    results = [
        _result("near", short="1992"),
        _result("wrong", short="改革开放"),
        _result("right"),
        _result("gone", abstained=True),
    ]
    rows = _page(results).select("#wrong-short tbody tr")
    assert [r.td.get_text() for r in rows] == ["wrongfactoid", "nearfactoid"]  # lowest F1 first
    assert [r.select("td.num")[0].get_text() for r in rows] == ["0.0", "66.7"]
    assert rows[0].select_one("td.short").get_text() == "改革开放"
    assert rows[0].select_one("td.gold").get_text() == "1992年"
    assert rows[0].select_one("td.para mark").get_text() == "改革开放"


def test_gold_answers_short_answers_and_ids_with_markup_are_escaped():
    results = [_result("x<i>", ("<img src=x>",), short="<b>")]
    page = report.html_report("<t>", evaluate.score(results), {}, results, {})
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page
    assert "x<i>" not in page and "<b>" not in page and "<t>" not in page


def test_eval_report_from_the_cli_draws_the_assistants_threshold(fake_assistant, tmp_path, capsys):
    questions = read_jsonl_questions(write_questions(tmp_path, QUESTIONS))
    out = tmp_path / "r.html"
    args = argparse.Namespace(json=False, predictions=None, report=str(out))
    assert cli_eval.report(args, tmp_path / "q.jsonl", "ix", fake_assistant, questions) == 0
    assert _column(capsys.readouterr().out.split("\n", 1)[1], "abst-F1", "factoid") == "—"
    page = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    line = page.select_one("#plot-confidence g.threshold")
    assert line is not None and line["data-value"] == f"{fake_assistant.settings.abstain_below:.3f}"
    args.json, args.report = True, None
    cli_eval.report(args, tmp_path / "q.jsonl", "ix", fake_assistant, questions)
    assert json.loads(capsys.readouterr().out)["by_type"]["factoid"]["abstain_f1"] is None
    assert re.search(r"<svg id=\"plot-types\"", out.read_text(encoding="utf-8"))
