import pytest

from qa.evaluation.metrics import (
    best_threshold,
    cmrc_em,
    cmrc_f1,
    cmrc_tokens,
    contains,
    percentile,
    prf,
    reciprocal_rank,
)


def test_cmrc_tokens_split_chinese_by_character_and_other_runs_by_word():
    assert cmrc_tokens("重庆2019年 Hello World！") == ["重", "庆", "2019", "年", "hello", "world"]
    assert cmrc_tokens("《两不愁》、“三保障”……") == ["两", "不", "愁", "三", "保", "障"]


def test_cmrc_f1_uses_the_longest_common_contiguous_run():
    # prediction 4分钟 -> [4, 分, 钟]; gold 4 -> [4]: run 1, P=1/3, R=1 -> F1 = 0.5
    assert cmrc_f1("4分钟", ["4"]) == pytest.approx(0.5)
    # 水枪小枪 vs 水枪、锤子: tokens 水枪小枪 (4) / 水枪锤子 (4), longest run 水枪 = 2 -> P=R=0.5
    assert cmrc_f1("水枪小枪", ["水枪、锤子"]) == pytest.approx(0.5)
    # not a subsequence measure: 重x庆 vs 重庆 has run 1 -> P=1/3, R=1/2 -> F1=0.4
    assert cmrc_f1("重x庆", ["重庆"]) == pytest.approx(0.4)
    assert cmrc_f1("成都", ["重庆"]) == 0.0
    assert cmrc_f1("重庆", ["成都", "重庆市"]) == pytest.approx(0.8)


def test_cmrc_em_ignores_case_and_punctuation():
    assert cmrc_em("“触网”", ["触网"]) == 1.0
    assert cmrc_em("GDP", ["gdp"]) == 1.0
    assert cmrc_em("触网了", ["触网"]) == 0.0


def test_containment_and_reciprocal_rank():
    assert contains("摸排发现突出问题1475个，分类分项", ["1475个"])
    assert not contains("摸排发现突出问题", ["1475个"])
    assert not contains("anything", [])
    # an annotator's stray full stop or space at a gold answer's edge is not asked for ...
    assert contains("全裸或者部分裸体都是受到鼓励的。", ["。全裸或者部分裸体", " 部分裸体 "])
    # ... but the words are, and a gold of punctuation alone is nothing to find
    assert not contains("全裸或者部分裸体都是受到鼓励的。", ["。全裸或部分裸体"])
    assert not contains("……。", ["。"])
    assert reciprocal_rank(["a", "b", "c"], "b") == 0.5
    assert reciprocal_rank(["a"], "z") == 0.0


def test_precision_recall_f1_and_the_best_threshold():
    score = prf([True, True, False, False], [True, False, True, False])
    assert (score.precision, score.recall, score.f1) == pytest.approx((0.5, 0.5, 0.5))
    score = prf([True, False, False], [True, True, False])
    assert (score.precision, score.recall, score.f1) == pytest.approx((1.0, 0.5, 2 / 3))
    confidences = [0.1, 0.2, 0.8, 0.9]
    unanswerable = [True, True, False, False]
    t, score = best_threshold(confidences, unanswerable)
    assert 0.2 < t <= 0.8
    assert score.f1 == 1.0


def test_percentile_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10
    assert percentile([], 50) == 0.0
