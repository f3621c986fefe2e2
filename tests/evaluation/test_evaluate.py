import json

from qa.evaluation import evaluate, report
from qa.evaluation.questions import read_jsonl_questions, read_squad
from qa.present.cli import main
from tests.browser import page

QUESTIONS = [
    {
        "id": "q1",
        "question": "浦东新区设立于哪一年？",
        "answers": ["1992年"],
        "doc": "上海.txt",
        "article": 1,
        "paragraph": 2,
        "type": "factoid",
    },
    {
        "id": "q2",
        "question": "成都被称为什么？",
        "answers": ["天府之国"],
        "doc": "成都.md",
        "article": 1,
        "paragraph": 1,
        "type": "factoid",
    },
    {
        "id": "q3",
        "question": "重庆有多少人口？",
        "answers": ["3400万"],
        "doc": "重庆.txt",
        "article": 1,
        "paragraph": 3,
        "type": "factoid",
    },
    {"id": "q4", "question": "火星上有多少座火山？", "answers": [], "type": "unanswerable"},
]

SQUAD = {
    "version": "test",
    "data": [
        {
            "title": "浦东",
            "paragraphs": [
                {
                    "context": "浦东新区设立于1992年。",
                    "qas": [
                        {
                            "id": "s1",
                            "question": "浦东新区设立于哪一年？",
                            "answers": [{"text": "1992年", "answer_start": 7}],
                        }
                    ],
                }
            ],
        },
        {
            "title": "成都",
            "paragraphs": [
                {
                    "context": "成都是四川省的省会。",
                    "qas": [
                        {
                            "id": "s2",
                            "question": "成都是哪个省的省会？",
                            "answers": [{"text": "四川省", "answer_start": 3}],
                        }
                    ],
                }
            ],
        },
    ],
}


def write_questions(tmp_path, rows):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_scores_on_a_small_set(fake_assistant, tmp_path):
    results = evaluate.run(fake_assistant, read_jsonl_questions(write_questions(tmp_path, QUESTIONS)))
    overall = evaluate.score(results)
    assert overall.questions == 4 and overall.answerable == 3
    assert 0 <= overall.hit1 <= overall.hit5 <= 1
    assert overall.citation == sum(r.cited == r.gold.gold_place for r in results if r.gold.answerable) / 3
    assert "best_threshold" in overall.extra
    groups = evaluate.by_type(results)
    assert set(groups) == {"factoid", "unanswerable"}
    text = report.table(overall, groups)
    assert "hit@1" in text and "factoid" in text and "abstention" in text


def test_squad_file_becomes_a_corpus_with_gold_paragraphs(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    documents, questions = read_squad(path)
    assert [d.articles[0].title for d in documents] == ["浦东", "成都"]
    assert documents[0].articles[0].paragraphs[0].text == "浦东新区设立于1992年。"
    assert questions[1].gold_place == (documents[1].name, 1, 1) and questions[1].answers == ("四川省",)


def test_eval_cli_on_squad_json_builds_an_index_and_prints_the_table(tmp_path, capsys):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    assert (
        main(["eval", str(path), "--index", str(tmp_path / "ix"), "--predictions", str(tmp_path / "p.jsonl")])
        == 0
    )
    out = capsys.readouterr().out
    assert "hit@1" in out
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["s1", "s2"] and all("citations" in r for r in rows)


def test_html_report_renders_plots_and_failures_in_a_browser(fake_assistant, tmp_path, artifacts):
    rows = [
        *QUESTIONS,
        {
            "id": "bad",
            "question": "成都的大熊猫基地建于哪一年？",
            "answers": ["不存在的答案<b>"],
            "type": "factoid",
        },
    ]
    results = evaluate.run(fake_assistant, read_jsonl_questions(write_questions(tmp_path, rows)))
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    paragraphs = {(p.doc, p.article, p.paragraph): p.text for p in fake_assistant.store.paragraph_table}
    out = tmp_path / "report.html"
    threshold = fake_assistant.abstain_threshold
    out.write_text(
        report.html_report("test report", overall, groups, results, paragraphs, threshold), encoding="utf-8"
    )
    assert "不存在的答案&lt;b&gt;" in out.read_text(encoding="utf-8")
    with page() as p:
        p.goto(out.as_uri())
        widths = p.eval_on_selector_all("figure svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
        assert len(widths) == 3 and all(w > 100 for w in widths)
        assert p.locator("#legend dt").count() == len(report.MEANING)
        assert p.locator("#plot-confidence g.threshold").count() == 1
        assert p.locator("#failures tbody tr").count() >= 1
        assert "bad" in p.inner_text("#failures")
        p.screenshot(path=str(artifacts / "report.png"), full_page=True)


def test_seed_question_set_quality_does_not_regress(seed_assistant):
    """Guards the figures quoted in the README (seeds/questions.jsonl with the default encoder)."""
    from tests.conftest import ROOT

    results = evaluate.run(seed_assistant, read_jsonl_questions(ROOT / "seeds" / "questions.jsonl"))
    overall = evaluate.score(results)
    chinese = evaluate.score([r for r in results if r.gold.type != "english"])
    # (0.947 and 0.947: the reader's threshold, chosen on CMRC and SQuAD 2.0, abstains on 3)
    assert chinese.citation >= 0.94 and chinese.containment >= 0.94
    assert overall.abstain_recall == 1.0  # every question the page does not answer abstains
    assert overall.answerable_abstained <= 3
    assert overall.hit5 >= 0.95
