import json
import threading
from dataclasses import replace

import pytest

from qa.errors import QuestionError
from qa.read.assistant import NO_ANSWER
from qa.read.pick import choose, neighbour
from qa.settings import Settings
from tests.conftest import ROOT
from tests.contract import ANSWER_FIELDS, CITATION_FIELDS, PASSAGE_FIELDS


def _check_invariants(assistant, answer):
    """The citation contract: the quote is the paragraph's own text at the cited offsets."""
    if answer.abstained:
        assert answer.citations == () and answer.answer == NO_ANSWER and answer.short_answer == ""
        return
    c = answer.citations[0]
    paragraph = next(
        p
        for p in assistant.store.paragraph_table
        if (p.doc, p.article, p.paragraph) == (c.doc, c.article, c.paragraph)
    )
    assert paragraph.text[c.start : c.end] == c.quote == answer.answer
    assert answer.short_answer in answer.answer
    assert answer.short_answer == c.quote[c.short_start : c.short_end]
    assert 0.0 <= answer.confidence <= 1.0


# These tests pin the sentence choice and its rule-based short answers (``--reader none``); the
# reader's own tests are in tests/read/test_reader.py, and the seed tests here run with it.
RULES = Settings(reader="none")


def _assistant_for(tmp_path, corpus, settings=RULES):
    """An assistant over ``corpus`` (file name -> text), indexed with the bigram-hash encoder."""
    from qa.index.build import build_index
    from qa.read.assistant import Assistant
    from tests.conftest import write_corpus
    from tests.fakes import FakeEncoder

    build_index(write_corpus(tmp_path / "corpus", corpus), tmp_path / "index", encoder=FakeEncoder())
    return Assistant.load(tmp_path / "index", settings=settings, encoder=FakeEncoder())


def _windows(assistant, question):
    """The sentences ``ask`` weighs for ``question``, with the paragraphs they stand in, and
    the question's search words."""
    from qa.read.assistant import PARAGRAPHS_CONSIDERED
    from qa.read.question import analyse

    q = analyse(question)
    qvec = assistant.encoder.encode_queries([q.text])[0]
    q, tokens = assistant.search_words(q, qvec)
    hits = assistant.retrieve(q, qvec, tokens)[:PARAGRAPHS_CONSIDERED]
    paras = assistant.store.paragraphs([h.para for h in hits])
    idf, _ = assistant.words.weights(tokens)
    return assistant.evidence.windows(q, qvec, idf, hits, paras), paras, tokens


def test_answer_quotes_and_cites_the_paragraph(fake_assistant):
    answer = fake_assistant.ask("浦东新区设立于哪一年？")
    _check_invariants(fake_assistant, answer)
    assert not answer.abstained
    assert answer.citations[0].doc == "上海.txt"
    assert answer.short_answer == "1992年"


def test_contract_has_exactly_the_documented_fields(fake_assistant):
    d = fake_assistant.ask("成都被称为什么？").to_dict()
    assert set(d) == ANSWER_FIELDS
    assert set(d["citations"][0]) == CITATION_FIELDS
    assert set(d["passages"][0]) == PASSAGE_FIELDS
    json.dumps(d, ensure_ascii=False)


@pytest.mark.parametrize("question", ["", "   ", "重" * 301])
def test_empty_and_over_long_questions_are_refused(fake_assistant, question):
    with pytest.raises(QuestionError):
        fake_assistant.ask(question)


def test_a_question_at_the_limit_is_answered(fake_assistant):
    limit = fake_assistant.settings.max_question_chars
    answer = fake_assistant.ask("重庆" * (limit // 2))
    assert answer.citations and answer.citations[0].doc == "重庆.txt"
    with pytest.raises(QuestionError):
        fake_assistant.ask("重庆" * (limit // 2) + "？")


def test_many_threads_get_the_same_answers(fake_assistant):
    questions = ["浦东新区设立于哪一年？", "成都被称为什么？", "重庆有多少人口？"] * 8
    expected = {q: fake_assistant.ask(q).to_dict() for q in set(questions)}
    results: list[tuple[str, dict]] = []
    errors: list[BaseException] = []

    def worker(q):
        try:
            results.append((q, fake_assistant.ask(q).to_dict()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(d == expected[q] for q, d in results) and len(results) == len(questions)


def test_seed_questions_keep_the_citation_invariants(seed_assistant):
    rows = [
        json.loads(line)
        for line in (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    for row in rows:
        _check_invariants(seed_assistant, seed_assistant.ask(row["question"]))


def test_seed_factoid_is_answered_with_its_number(seed_assistant):
    answer = seed_assistant.ask("石柱摸排发现突出问题多少个？")
    assert answer.short_answer == "1475个"
    c = answer.citations[0]
    assert (c.article, c.paragraph, c.author) == (1, 1, "中共石柱县委理论学习中心组")


def test_traditional_and_full_width_questions_cite_the_same_paragraph(seed_assistant):
    plain = seed_assistant.ask("石柱建立了多少个行业扶贫指挥部？").citations[0]
    traditional = seed_assistant.ask("石柱建立了多少個行業扶貧指揮部？").citations[0]
    full_width = seed_assistant.ask("石柱建立了多少个行业扶贫指挥部？").citations[0]
    assert (plain.article, plain.paragraph) == (traditional.article, traditional.paragraph)
    assert (plain.article, plain.paragraph) == (full_width.article, full_width.paragraph)


def test_off_topic_question_abstains_and_lists_related_passages(seed_assistant):
    answer = seed_assistant.ask("法国的首都是哪里？")
    assert answer.abstained and answer.passages


def test_short_mode_confidence_joins_the_sentence_and_the_readers_margin(seed_assistant):
    from qa.read.assistant import reader_confidence

    answer = seed_assistant.ask("石柱摸排发现突出问题多少个？")
    assert set(answer.evidence) == {"sentence", "margin", "score"}
    weights = seed_assistant.settings.short_confidence
    assert answer.confidence == pytest.approx(reader_confidence(weights, answer.evidence))
    assert answer.confidence >= seed_assistant.settings.short_abstain_below and not answer.abstained
    # the reader's margin counts: the same sentence with a much lower margin is less sure
    lower = reader_confidence(weights, {**answer.evidence, "margin": answer.evidence["margin"] - 5})
    assert lower < answer.confidence


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_traditional_and_full_width_versions_of_every_seed_question_cite_the_same_paragraph(seed_assistant):
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    rows = [
        json.loads(line)
        for line in (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    chinese = [r["question"] for r in rows if r["type"] != "english"]

    def place(question):
        a = seed_assistant.ask(question)
        return None if a.abstained else (a.citations[0].article, a.citations[0].paragraph)

    same = sum(
        place(q) == place(to_traditional.convert(q)) and place(q) == place(_full_width(q)) for q in chinese
    )
    assert same / len(chinese) >= 0.95, f"{same}/{len(chinese)}"


def test_romanised_names_in_a_foreign_question_find_the_corpus_words(fake_assistant):
    assert fake_assistant.words.romanised_names("How many people live in Chongqing?") == ["重庆"]
    assert "上海" in fake_assistant.words.romanised_names("When was Pudong in Shang Hai set up?")
    assert fake_assistant.words.romanised_names("What is this?") == []
    answer = fake_assistant.ask("How many people live in Chongqing?")
    assert answer.passages[0].doc == "重庆.txt"


SIBLINGS = {
    "马来穿山甲.md": "# 马来穿山甲\n\n"
    "马来穿山甲（学名：Manis javanica），又名爪哇穿山甲，是东南亚的一种穿山甲，分布在泰国、越南和马来西亚。"
    "牠们体长约65厘米，尾巴长约55厘米。"
    "马来穿山甲以蚂蚁和白蚁为食。\n",
    "中华穿山甲.md": "# 中华穿山甲\n\n中华穿山甲是穿山甲的一种，分布在中国南方和台湾。中华穿山甲在夜间觅食。\n",
}


@pytest.fixture
def sibling_assistant(tmp_path):
    return _assistant_for(tmp_path, SIBLINGS)


def test_the_article_topic_does_not_choose_among_sibling_sentences(sibling_assistant):
    # Every sentence of the article is about its title; the first names it most often. The
    # sentence that answers is the one with the question's other words (体长, 厘米).
    answer = sibling_assistant.ask("马来穿山甲的体长约是多少厘米？")
    _check_invariants(sibling_assistant, answer)
    assert not answer.abstained
    assert "65厘米" in answer.short_answer
    assert answer.citations[0].doc == "马来穿山甲.md"


def _window(para, row, score, **features):
    from qa.read.evidence import FEATURES, Window

    return Window(para, row, -1, 0, 1, {f: features.get(f, 0.0) for f in FEATURES}, score)


def test_a_paragraph_with_far_stronger_evidence_outranks_the_first_retrieved(fake_assistant):
    weak = [_window(0, 0, 1.0, paragraph=1.0, lexical=0.2), _window(0, 1, 0.5, paragraph=1.0)]
    strong = [_window(1, 2, 8.0, paragraph=0.95, lexical=1.0, bigrams=1.0, chars=1.0, align=1.0)]
    assert choose(weak + strong, fake_assistant.settings.paragraph_weights).row == 2
    # with equal evidence the retrieval order decides; inside the paragraph, the best sentence
    twin = [_window(1, 2, 1.0, paragraph=0.95, lexical=0.2)]
    assert choose(weak + twin, fake_assistant.settings.paragraph_weights).row == 0
    assert choose([], fake_assistant.settings.paragraph_weights) is None


def test_an_adjacent_sentence_scoring_nearly_as_well_is_quoted_too(fake_assistant):
    margin = fake_assistant.settings.pair_margin
    sentences = [
        _window(0, 10, 5.0),
        _window(0, 11, 5.0 - margin / 2),  # just after the best, nearly as good
        _window(0, 12, 5.0 - margin / 2),
    ]
    sentences = [replace(w, start=2 * i, end=2 * i + 2) for i, w in enumerate(sentences)]
    best = sentences[0]
    assert neighbour(best, sentences, margin).row == 11
    # a sentence two away does not pair, however close; nor does a clearly weaker neighbour
    far = [sentences[0], replace(sentences[1], score=5.0 - 2 * margin), sentences[2]]
    assert neighbour(best, far, margin) is None
    # a neighbour in another paragraph is no neighbour
    other = [best, replace(sentences[1], para=1)]
    assert neighbour(best, other, margin) is None


@pytest.mark.parametrize(
    ("question", "doc", "paragraph", "short"),
    [
        ("When was the giant panda breeding research base in Chengdu built?", "成都.md", 2, "1987年"),
        ("How many people live in Chongqing?", "重庆.txt", 3, "3400万"),
        ("When was Pudong New Area set up?", "上海.txt", 2, "1992年"),
    ],
)
def test_an_english_question_is_answered_in_the_documents_words(
    fake_assistant, question, doc, paragraph, short
):
    # The fake encoder embeds character bigrams: English shares none with the documents, so
    # only the question read in their words (CC-CEDICT backwards) can find and pick the sentence.
    answer = fake_assistant.ask(question)
    _check_invariants(fake_assistant, answer)
    assert not answer.abstained
    assert (answer.citations[0].doc, answer.citations[0].paragraph) == (doc, paragraph)
    assert short in answer.short_answer
    assert answer.question == question


def test_a_translated_question_keeps_its_alternatives_and_names(fake_assistant):
    from qa.read.question import analyse

    q, tokens = fake_assistant.search_words(analyse("What is the population of Shanghai?"))
    assert not q.ordered and q.names == ("上海",)
    assert "人口" in tokens and "上海" in tokens and "population" not in tokens


def test_a_paragraph_missing_the_name_asked_about_is_weak_evidence(fake_assistant):
    # "population" is 人口, which only the 重庆 paragraph uses; the question is about 上海.
    for question in ("What is the population of Shanghai?", "上海有多少人口？"):
        answer = fake_assistant.ask(question)
        assert answer.abstained, (question, answer.answer, answer.confidence)
        assert answer.passages  # still listed as possibly related
    assert not fake_assistant.ask("重庆有多少人口？").abstained


def test_names_and_coverage_are_paragraph_evidence(fake_assistant):
    windows, paras, _ = _windows(fake_assistant, "上海有多少人口？")
    for w in windows:
        text = paras[w.para].text
        assert w.features["names"] == float("上海" in text or "上海" in (paras[w.para].title or ""))
        assert w.features["coverage"] >= w.features["lexical"]
        if "人口" in text and "上海" not in text:
            assert 0.0 < w.features["coverage"] < 1.0


def test_a_sentence_drawing_a_consequence_is_quoted_with_its_reason(tmp_path):
    # the reason shares no word with the question: only the opening 因此 ties the two together
    corpus = {
        "猴面包树.md": "# 猴面包树\n\n猴面包树生长在非洲。其果实富含钙质，含量比菠菜高一倍。因此它有时也被称为超级水果。\n"
    }
    assistant = _assistant_for(tmp_path, corpus)
    answer = assistant.ask("为什么猴面包树被称为超级水果？")
    _check_invariants(assistant, answer)
    assert answer.answer == "其果实富含钙质，含量比菠菜高一倍。因此它有时也被称为超级水果。"


@pytest.mark.parametrize(
    "body, question, quote",
    [
        # a sentence announcing what follows is quoted with it (the list shares no question word)
        (
            "山楂树分布于亚洲。山楂树的果实用途如下。鲜食、入药、酿酒。",
            "山楂树的果实有什么用途？",
            "山楂树的果实用途如下。鲜食、入药、酿酒。",
        ),
        (
            "山楂树分布于亚洲。山楂树的果实可分为以下三类。红果、黄果、白果。",
            "山楂树的果实分为哪几类？",
            "山楂树的果实可分为以下三类。红果、黄果、白果。",
        ),
        # a fragment split off by its full stop is quoted with the sentence it ends
        (
            "皇后的兄长谋反，事发后皇帝大怒。降居北宫。此后再未复位。",
            "皇后降居何处？",
            "皇后的兄长谋反，事发后皇帝大怒。降居北宫。",
        ),
        # a sentence that stands alone is quoted alone ("以下" meaning "below" announces nothing)
        (
            "迦楼罗人面鸟身，头戴宝冠。迦楼罗肚脐以下也是鹰的形象。其尾下垂，散开。",
            "迦楼罗肚脐以下是什么形象？",
            "迦楼罗肚脐以下也是鹰的形象。",
        ),
        (
            "山楂树分布于亚洲。山楂树于1950年引入本地，次年开花。卒年不详。",
            "山楂树哪一年引入本地？",
            "山楂树于1950年引入本地，次年开花。",
        ),
    ],
)
def test_a_sentence_that_cannot_stand_alone_is_quoted_with_its_neighbour(tmp_path, body, question, quote):
    # (quoting, not confidence, is under test: the bigram-hash encoder is no judge of that)
    settings = replace(Settings(), abstain_below=0.0)
    assistant = _assistant_for(tmp_path, {"树.md": f"# 树\n\n{body}\n"}, settings)
    answer = assistant.ask(question)
    _check_invariants(assistant, answer)
    assert answer.answer == quote


def test_a_question_word_jieba_cuts_otherwise_in_the_sentence_still_counts(tmp_path):
    # jieba reads "在线上业态" as 在线 + 上 + 业态: the sentence holds 线上 all the same
    assistant = _assistant_for(
        tmp_path, {"业态.md": "# 新业态\n\n近年来大力发展在线上业态。在线消费持续增长。\n"}
    )
    windows, paras, tokens = _windows(assistant, "线上业态是什么？")
    assert "线上" in tokens
    lexical = {paras[w.para].text[w.start : w.end]: w.features["lexical"] for w in windows}
    assert lexical["近年来大力发展在线上业态。"] == pytest.approx(1.0)
    assert lexical["在线消费持续增长。"] == 0.0


def test_a_citation_names_the_section_its_paragraph_stands_under(tmp_path):
    from qa.present.render import answer_text

    assistant = _assistant_for(
        tmp_path,
        {
            "report.md": "# 星河电子年度报告\n\n## 一、公司简介\n\n星河电子成立于1998年，总部位于深圳。\n\n"
            "## 二、主要财务数据\n\n公司2023年营业收入为12.5亿元，同比增长22%。\n"
        },
    )
    answer = assistant.ask("星河电子2023年营业收入是多少？")
    (citation,) = answer.citations
    assert (citation.title, citation.section, citation.paragraph) == ("星河电子年度报告", "二、主要财务数据", 2)
    assert answer.to_dict()["citations"][0]["section"] == "二、主要财务数据"
    assert "《星河电子年度报告》 · 二、主要财务数据 · 第2段" in answer_text(answer)
