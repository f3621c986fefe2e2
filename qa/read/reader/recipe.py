"""The shipped reader's training data, from ``shared/data`` (see its README), and what is kept
out of it.

- CMRC 2018 trial is the development set the figures are reported on: the first stage never
  trains on it; a later stage may learn from half of its articles (measured on the other
  half) or, for a final model, all of it (``development``).
- SQuAD 2.0 zh is split by article; the held-out fifth measures abstention.
- XQuAD zh translates the same English paragraphs as SQuAD 2.0 zh: its questions in a held-out
  SQuAD 2.0 article (matched through the shared question ids) are dropped too, in both languages.
- DRCD (traditional, several paragraphs an article) adds, for a third of its questions, the
  question against a sibling paragraph that does not hold the answer: no answer there.
"""

from __future__ import annotations

import random
from pathlib import Path

from qa.read.reader.data import Example, read_squad, sibling_negatives, split_by_article

DRCD = "drcd_test.json"
SQUAD2 = "squad2_zh_dev.json"
XQUAD_ZH = "xquad_zh.json"
XQUAD_EN = "xquad_en.json"
DEVELOPMENT = "cmrc2018_trial.json"
FILES = (DRCD, SQUAD2, XQUAD_ZH, XQUAD_EN)
HELD_OUT_SHARE = 0.2
SIBLING_SHARE = 0.35
UNANSWERABLE_SHARE = 0.5  # of SQuAD 2.0 zh's training unanswerables (time on two cores)
SPLIT_SEED = 13  # the held-out fifth stays the same whatever seed a run trains with


def squad2_split(data: Path) -> tuple[list[Example], list[Example]]:
    return split_by_article(read_squad(data / SQUAD2), HELD_OUT_SHARE, SPLIT_SEED)


DEVELOPMENT_REPEAT = 6  # CMRC trial is small next to the rest: its questions are seen this often


def development_split(data: Path) -> tuple[list[Example], list[Example]]:
    """CMRC 2018 trial halved by article: (the half a reader may learn from, the half it is
    measured on)."""
    return split_by_article(read_squad(data / DEVELOPMENT), 0.5, SPLIT_SEED)


def training_examples(data: Path, seed: int, development: str = "none") -> tuple[list[Example], list[Path]]:
    """The recipe's examples and files. ``development``: "none" (CMRC trial kept out, the
    shipped reader's first stage), "half" (one half of its articles, to measure what its
    style of answer teaches on the other half), "all" (a final model, after its figures were
    measured without it)."""
    rng = random.Random(seed)
    drcd = read_squad(data / DRCD)
    squad_train, squad_held = squad2_split(data)
    held_ids = {ex.id for ex in squad_held}
    xquad_zh = read_squad(data / XQUAD_ZH)
    # XQuAD articles whose questions share ids with held-out SQuAD 2.0 questions are held out
    held_articles = {ex.article for ex in xquad_zh if ex.id in held_ids}
    xquad_zh = [ex for ex in xquad_zh if ex.article not in held_articles]
    xquad_en = [
        ex
        for ex in read_squad(data / XQUAD_EN, contexts_from=data / XQUAD_ZH)
        if ex.article not in held_articles
    ]
    squad_train = [ex for ex in squad_train if ex.start >= 0 or rng.random() < UNANSWERABLE_SHARE]
    examples = drcd + sibling_negatives(drcd, SIBLING_SHARE, rng) + squad_train + xquad_zh + xquad_en
    files = [data / f for f in FILES]
    if development != "none":
        learned = development_split(data)[0] if development == "half" else read_squad(data / DEVELOPMENT)
        examples += learned * DEVELOPMENT_REPEAT
        files.append(data / DEVELOPMENT)
    return examples, files
