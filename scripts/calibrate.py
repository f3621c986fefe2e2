"""Fit the sentence-choice weights, the paragraph-choice weights and the confidence model.

    python scripts/calibrate.py ../shared/data/cmrc2018_trial.json [seeds/questions.jsonl ...]
    python scripts/calibrate.py --training ../shared/data --measure ../shared/data/cmrc2018_trial.json

``--training DATA`` fits on the reader's own training data instead: the answerable questions of
SQuAD 2.0 zh's training articles (its held-out fifth stays out) and two fifths of DRCD test's
articles (traditional, with sibling paragraphs; a fixed sample), so that CMRC 2018 trial, given to ``--measure``, stays a development set:
the current and the fitted settings are scored on it without fitting on it.

For every question, every sentence of the top retrieved paragraphs gets its features
(qa.read.assistant.FEATURES); a sentence is a positive when it contains a gold answer and lies in the
gold paragraph. The sentence weights minimise a softmax cross-entropy over the gold paragraph's
sentences; the paragraph weights (qa.read.assistant.PARAGRAPH_FEATURES) one over the retrieved
paragraphs, the gold one the positive. The confidence model is a logistic regression on the
chosen sentence's features, with the chosen sentence of questions whose gold document was
removed from the candidates standing in for questions the documents do not answer. It prints
all three as Python literals for qa/settings.py, with five-fold cross-validated accuracies
(folds by document). SQuAD-style files are indexed as `qa eval` does.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.evaluation.questions import GoldQuestion, is_squad, read_jsonl_questions, squad_index
from qa.read.assistant import PARAGRAPHS_CONSIDERED, Assistant
from qa.read.evidence import FEATURES, Window, sentence_score
from qa.read.pick import PARAGRAPH_FEATURES, choose, paragraph_features
from qa.read.question import analyse
from qa.settings import Settings
from qa.text.normalize import has_han

CONF_FEATURES = ("dense", "lexical", "bigrams", "align", "coverage", "names", "oov")


def load(path: Path, index: str | None) -> tuple[Assistant, list[GoldQuestion]]:
    if is_squad(path):
        index_dir, questions = squad_index(path, Settings(), Path(index) if index else None)
        return Assistant.load(index_dir), questions
    return Assistant.load(index or "embeddings"), read_jsonl_questions(path)


@dataclass
class Item:
    """One question's candidates: every sentence of its retrieved paragraphs."""

    windows: list[Window]
    positive: np.ndarray  # per window: holds a gold answer, in the gold paragraph
    gold: int | None  # the gold paragraph's key
    doc: str  # the gold document (cross-validation folds by it)
    han: bool  # a Chinese question (others are answered by the dense score alone)
    oov: float
    removed: tuple[list[Window], float] | None  # the same without the gold document, and its oov


def collect(assistant: Assistant, questions: list[GoldQuestion]) -> list[Item]:
    items = []
    table = assistant.store.paragraph_table
    paras = dict(enumerate(table))
    for g in questions:
        if not g.question.strip():
            continue
        q = analyse(g.question)
        qvec = assistant.encoder.encode_queries([q.text])[0]
        q, tokens = assistant.search_words(q, qvec)
        hits = assistant.retrieve(q, qvec, tokens)
        idf, oov = assistant.words.weights(tokens)
        windows = assistant.evidence.windows(q, qvec, idf, hits[:PARAGRAPHS_CONSIDERED], paras)
        gold = next((k for k, p in enumerate(table) if (p.doc, p.article, p.paragraph) == g.gold_place), None)
        positive = np.array(
            [
                bool(g.answers)
                and any(a in table[w.para].text[w.start : w.end] for a in g.answers)
                and (gold is None or w.para == gold)
                for w in windows
            ],
            dtype=bool,
        )
        removed = None
        if gold is not None and g.answers:
            # The same question against the corpus without its gold document: words only that
            # document used become unknown, as they are for a question the documents do not answer.
            gold_doc = table[gold].doc
            others = [h for h in hits if table[h.para].doc != gold_doc]
            removed = (
                assistant.evidence.windows(q, qvec, idf, others[:PARAGRAPHS_CONSIDERED], paras),
                _oov_without(assistant, tokens, gold_doc),
            )
        doc = table[gold].doc if gold is not None else g.id
        items.append(Item(windows, positive, gold, doc, has_han(q.text), oov, removed))
    return items


def _oov_without(assistant: Assistant, tokens: list[str], doc: str) -> float:
    """Share of the question's IDF mass in words no passage outside ``doc`` contains."""
    index = assistant.store
    idf, _ = assistant.words.weights(tokens)
    total = sum(idf.values())
    indptr, indices = index.bm25.scores["indptr"], index.bm25.scores["indices"]
    unknown = 0.0
    for token, weight in idf.items():
        tid = index.bm25.vocab_dict.get(token)
        passages = indices[indptr[tid] : indptr[tid + 1]] if tid is not None else []
        if all(index.paragraph_table[index.passages[int(p)].para].doc == doc for p in passages):
            unknown += weight
    return unknown / total if total else 1.0


def _matrix(windows: list[Window]) -> np.ndarray:
    return np.array([[w.features[f] for f in FEATURES] for w in windows], dtype=np.float64).reshape(
        len(windows), len(FEATURES)
    )


def _softmax_fit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1e-2) -> np.ndarray:
    """Weights minimising the softmax cross-entropy of each group's positives, plus an L2 term."""
    groups = [(x, p) for x, p in groups if p.any()]
    x = np.vstack([x for x, _ in groups])
    pos = np.concatenate([p for _, p in groups]).astype(np.float64)
    group = np.concatenate([np.full(len(p), i) for i, (_, p) in enumerate(groups)])
    n = len(groups)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, group, s)
        e = np.exp(s - top[group])
        z, zp = np.bincount(group, e, n), np.bincount(group, e * pos, n)
        value = float((np.log(z) - np.log(zp)).mean() + l2 * w @ w)
        grad = ((e / z[group] - e * pos / zp[group])[:, None] * x).sum(0) / n + 2 * l2 * w
        return value, grad

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def _rescored(item: Item, weights: dict[str, float]) -> list[Window]:
    return [replace(w, score=sentence_score(weights, w.features, item.han)) for w in item.windows]


def _paragraph_groups(items: list[Item], weights: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = []
    for item in items:
        by_para: dict[int, list[Window]] = {}
        for w in _rescored(item, weights):
            by_para.setdefault(w.para, []).append(w)
        x = [
            [paragraph_features(g, rank)[f] for f in PARAGRAPH_FEATURES]
            for rank, g in enumerate(by_para.values())
        ]
        groups.append(
            (
                np.array(x).reshape(len(x), len(PARAGRAPH_FEATURES)),
                np.array([p == item.gold for p in by_para]),
            )
        )
    return groups


def fit(items: list[Item]) -> Settings:
    """Sentence weights (on the gold paragraphs' sentences), then paragraph weights."""
    sentences = [
        (
            _matrix([w for w in item.windows if w.para == item.gold]),
            item.positive[[w.para == item.gold for w in item.windows]],
        )
        for item in items
        if item.gold is not None and item.han
    ]
    weights = dict(zip(FEATURES, (round(float(v), 3) for v in _softmax_fit(sentences)), strict=True))
    weights.pop("paragraph")  # the same for every sentence of a paragraph
    paragraph = _softmax_fit(_paragraph_groups([i for i in items if i.gold is not None], weights))
    return replace(
        Settings(),
        weights=weights,
        paragraph_weights=dict(zip(PARAGRAPH_FEATURES, (round(float(v), 3) for v in paragraph), strict=True)),
    )


def chosen(assistant: Assistant, item: Item, settings: Settings) -> Window | None:
    return choose(_rescored(item, settings.weights), settings.paragraph_weights)


def _positive(item: Item, window: Window) -> bool:
    return bool(next(p for w, p in zip(item.windows, item.positive, strict=True) if w.row == window.row))


def accuracy(assistant: Assistant, items: list[Item], settings: Settings) -> tuple[float, float]:
    """Share of answerable questions whose chosen sentence holds a gold answer, and whose chosen
    paragraph is the gold one."""
    answerable = [i for i in items if i.gold is not None]
    right = cited = 0
    for item in answerable:
        best = chosen(assistant, item, settings)
        if best is not None:
            right += bool(_positive(item, best))
            cited += best.para == item.gold
    return right / max(1, len(answerable)), cited / max(1, len(answerable))


def cross_validated(assistant: Assistant, items: list[Item], folds: int = 5) -> tuple[float, float]:
    items = [i for i in items if i.gold is not None]
    docs = sorted({i.doc for i in items})
    folds = min(folds, len(docs))
    if folds < 2:
        return float("nan"), float("nan")  # one document: nothing to hold out
    fold = {d: n % folds for n, d in enumerate(docs)}
    right = cited = 0.0
    for k in range(folds):
        test = [i for i in items if fold[i.doc] == k]
        r, c = accuracy(assistant, test, fit([i for i in items if fold[i.doc] != k]))
        n = sum(i.gold is not None for i in test)
        right, cited = right + r * n, cited + c * n
    n = sum(i.gold is not None for i in items)
    return right / n, cited / n


def fit_confidence(
    assistant: Assistant,
    items: list[Item],
    settings: Settings,
    steps: int = 5000,
    lr: float = 0.5,
    l2: float = 1e-3,
):
    xs, ys = [], []
    names = [f for f in CONF_FEATURES if f != "oov"]
    for item in items:
        best = chosen(assistant, item, settings)
        if best is not None:
            xs.append([*(best.features[f] for f in names), item.oov])
            ys.append(float(_positive(item, best)))
        if item.removed is not None:
            windows, oov = item.removed
            best = chosen(assistant, replace(item, windows=windows), settings)
            if best is not None:
                xs.append([*(best.features[f] for f in names), oov])
                ys.append(0.0)
    x, y = np.array(xs), np.array(ys)
    theta, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        z = x @ theta + bias
        pr = 1 / (1 + np.exp(-z))
        theta -= lr * ((pr - y) @ x / len(y) + l2 * theta)
        bias -= lr * float((pr - y).mean())
    accuracy = float(((x @ theta + bias > 0) == (y > 0.5)).mean())
    return {
        "bias": round(bias, 3),
        **{f: round(float(t), 3) for f, t in zip(CONF_FEATURES, theta, strict=True)},
    }, accuracy


DRCD_SHARE = 0.4  # of DRCD test's articles: indexing all of them takes most of an hour on two cores


def drcd_sample(path: Path, share: float = DRCD_SHARE, seed: int = 13) -> Path:
    """A fixed sample of whole articles of DRCD test (traditional, as it is; siblings kept)."""
    import json
    import random

    data = json.loads(path.read_text(encoding="utf-8"))
    articles = list(data["data"])
    kept = sorted(random.Random(seed).sample(range(len(articles)), round(len(articles) * share)))
    out = Path("embeddings") / "eval" / f"{path.stem}_sample.json"
    text = json.dumps({**data, "data": [articles[i] for i in kept]}, ensure_ascii=False)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="*")
    parser.add_argument("--training", metavar="DATA", help="fit on DATA's SQuAD 2.0 zh training articles and DRCD test")
    parser.add_argument("--measure", action="append", default=[], help="a question set to score on, never fitted on")
    parser.add_argument("--index", action="append", help="index for each question set (in order)")
    parser.add_argument("--keep-weights", action="store_true", help="fit only the confidence model")
    args = parser.parse_args()
    if args.training:
        from calibrate_reader import training_squad

        from qa.read.reader.recipe import DRCD

        args.questions += [str(training_squad(Path(args.training))), str(drcd_sample(Path(args.training) / DRCD))]
    if not args.questions:
        parser.error("give question sets or --training DATA")
    items: list[Item] = []
    assistant = None
    for n, path in enumerate(args.questions):
        assistant, questions = load(Path(path), args.index[n] if args.index else None)
        part = collect(assistant, questions)
        print(
            f"{path}: {len(part)} questions, {sum(i.positive.any() for i in part)} with a positive sentence",
            file=sys.stderr,
        )
        items += part
    assert assistant is not None
    current = Settings()

    def show(label: str, scores: tuple[float, float]) -> None:
        print(f"{label:16} right sentence {scores[0]:.3f}, right paragraph {scores[1]:.3f}")

    show("current weights:", accuracy(assistant, items, current))
    settings = current
    if not args.keep_weights:
        show("cross-validated:", cross_validated(assistant, items))
        settings = fit(items)
        show("fitted weights:", accuracy(assistant, items, settings))
        print("weights =", settings.weights)
        print("paragraph_weights =", settings.paragraph_weights)
    conf, acc = fit_confidence(assistant, items, settings)
    print(f"confidence = {conf}  (training accuracy {acc:.3f})")
    for path in args.measure:
        measured, questions = load(Path(path), None)
        part = collect(measured, questions)
        show(f"{Path(path).name}, current:", accuracy(measured, part, current))
        show(f"{Path(path).name}, fitted:", accuracy(measured, part, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
