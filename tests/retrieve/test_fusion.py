"""Reciprocal rank fusion, and the lift from passages to paragraphs both stores share."""

from __future__ import annotations

import pytest

from qa.index.store import PassageHit
from qa.retrieve.fusion import fuse, rrf


def _hits(*pairs: tuple[int, int]) -> list[PassageHit]:
    return [PassageHit(passage=p, para=para, score=1.0 / (i + 1)) for i, (p, para) in enumerate(pairs)]


def test_rrf_sums_one_over_k_plus_rank_across_rankings():
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert max(fused, key=fused.__getitem__) == 1


def test_an_item_both_rankers_find_beats_one_only_a_single_ranker_puts_first():
    fused = rrf([[7, 5], [8, 5]])
    assert fused[5] > fused[7] and fused[5] > fused[8]


def test_a_paragraph_takes_its_best_passage_not_their_sum():
    # paragraph 10 has two passages ranked 1st and 2nd by BM25; paragraph 20 one passage, 1st by dense.
    lexical = _hits((100, 10), (101, 10))
    dense = _hits((200, 20))
    hits = fuse([lexical, dense], k=60)
    assert [h.para for h in hits] == [10, 20]  # a tie at 1/61, broken by first appearance
    assert hits[0].score == pytest.approx(1 / 61) and hits[1].score == pytest.approx(1 / 61)
    assert [h.rank for h in hits] == [0, 1]


def test_ties_break_by_first_appearance_so_both_back_ends_rank_alike():
    a = fuse([_hits((1, 5), (2, 6)), _hits((2, 6), (1, 5))])
    b = fuse([_hits((9, 5), (8, 6)), _hits((8, 6), (9, 5))])  # other passage keys, same paragraphs
    assert [h.para for h in a] == [h.para for h in b] == [5, 6]


def test_no_rankings_fuse_to_nothing():
    assert fuse([]) == [] and fuse([[], []]) == []
