"""English questions read in the documents' words: CC-CEDICT backwards (qa.read.lexicon)."""

from __future__ import annotations

import pytest

from qa.read.lexicon import Lexicon, cedict, lemmas, question_word, translate

LINES = """\
# a comment line
需求 需求 [xu1 qiu2] /requirement/to require/(economics) demand/
訴求 诉求 [su4 qiu2] /to appeal/to demand (an answer)/requirement/demand/
清單 清单 [qing1 dan1] /list of items/
芯片 芯片 [xin1 pian4] /computer chip/microchip/
成渝 成渝 [cheng2 yu2] /Chengdu and Chongqing/
制定 制定 [zhi4 ding4] /to draw up/to formulate/
人口 人口 [ren2 kou3] /population/people/
省 省 [sheng3] /province/
""".splitlines()
USED = {"需求", "诉求", "清单", "芯片", "成渝", "制定", "人口"}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.parse(LINES)


def words(lexicon: Lexicon, phrase: str) -> list[str]:
    return [s.word for s in lexicon.senses(phrase)]


def no_names(keys: list[str]) -> dict[str, list[str]]:
    return {}


def used(candidates: list[str]) -> set[str]:
    return USED & set(candidates)


def test_glosses_are_keys_as_they_are_and_by_their_head(lexicon):
    assert words(lexicon, "demand") == ["诉求", "需求"]  # exact glosses, earlier senses first
    assert words(lexicon, "list") == ["清单"]  # "list of items": the head before "of"
    assert words(lexicon, "chip") == ["芯片"]  # "computer chip": the last word
    assert words(lexicon, "draw up") == ["制定"]
    assert words(lexicon, "chongqing") == []  # "Chengdu and Chongqing" joins two things
    assert words(lexicon, "province") == []  # one-character words are not kept


def test_regular_endings_are_undone_on_every_word_of_a_phrase(lexicon):
    assert words(lexicon, "draws up") == ["制定"]
    assert words(lexicon, "chips") == ["芯片"]
    assert "demand" in lemmas("demands") and "study" in lemmas("studies")


@pytest.mark.parametrize(
    ("question", "chinese"),
    [
        ("How many people live in Chongqing?", "多少"),
        ("When did the visit take place?", "什么时候"),
        ("On what date was it issued?", "哪天"),
        ("In which year was it built?", "哪一年"),
        ("Which city should focus on chip design?", "哪个城市"),
        ("Where is the base?", "哪里"),
        ("Who draws up the demand list?", "谁"),
        ("Why does it matter?", "为什么"),
        ("What is the population?", "什么"),
        ("Tell me about it", ""),
    ],
)
def test_the_question_word_becomes_its_chinese_counterpart(question, chinese):
    assert question_word(question)[0] == chinese


def test_a_question_is_read_in_the_documents_words_question_word_last(lexicon):
    t = translate("Who draws up the demand list?", lexicon, no_names, used)
    assert t.text == "制定诉求清单谁"
    assert t.words == [("制定",), ("诉求", "需求"), ("清单",)]
    assert t.untranslated == [] and t.names == []


def test_the_retrieved_passages_words_come_first(lexicon):
    t = translate("Who draws up the demand list?", lexicon, no_names, used, prefer=lambda w: w == "需求")
    assert t.text == "制定需求清单谁"
    assert ("需求", "诉求") in t.words


def test_only_words_the_documents_use_stand_in(lexicon):
    t = translate("Who draws up the demand list?", lexicon, no_names, lambda c: {"需求", "清单"} & set(c))
    assert t.words[0] == ("draws",) and t.untranslated == ["draws"]
    assert t.text == "需求清单谁"  # an untranslated English word is searched for, not matched as Chinese


def test_romanised_names_are_read_before_the_dictionary(lexicon):
    def names(keys: list[str]) -> dict[str, list[str]]:
        table = {"chengdu": ["成都"], "xijinping": ["习近平"]}
        return {k: table[k] for k in keys if k in table}

    t = translate("What is the population of Chengdu?", lexicon, names, used)
    assert t.text == "人口成都什么" and t.names == ["成都"]
    t = translate("When did Xi Jinping draw up the list?", lexicon, names, used)
    assert t.names == ["习近平"] and t.text.startswith("习近平制定清单")


def test_cc_cedict_ships_with_the_package():
    lexicon = cedict()
    assert "制定" in words(lexicon, "draw up")
    assert "人口" in words(lexicon, "population")
    assert "芯片" in words(lexicon, "chips")
    assert cedict() is lexicon  # parsed once per process


def test_without_the_dictionary_english_questions_go_untranslated(monkeypatch, caplog):
    import qa.read.lexicon

    monkeypatch.setattr(qa.read.lexicon, "_lexicon", None)
    monkeypatch.setattr(qa.read.lexicon, "CEDICT", ("qa", "no-such-dictionary.txt"))
    lexicon = qa.read.lexicon.cedict()
    assert lexicon.senses("population") == []
    assert "no English-Chinese dictionary" in caplog.text
    t = translate("What is the population?", lexicon, no_names, used)
    assert t.untranslated == ["population"] and t.text == "什么"


def test_the_documents_are_asked_once_for_names_and_once_for_words(lexicon):
    calls: list[str] = []

    def names(keys: list[str]) -> dict[str, list[str]]:
        calls.append("names")
        return {"chengdu": ["成都"]} if "chengdu" in keys else {}

    def counted_used(candidates: list[str]) -> set[str]:
        calls.append("used")
        return used(candidates)

    t = translate("Who draws up the demand list of the population of Chengdu?", lexicon, names, counted_used)
    assert calls == ["names", "used"]  # a remote store (Milvus) answers each in one round trip
    assert t.text == "制定诉求清单人口成都谁"
