"""Fit the sentence-choice weights and the confidence model on question sets.

    python scripts/calibrate.py ../shared/data/cmrc2018_trial.json [seeds/questions.jsonl ...]

For every question, every candidate window (a sentence or two adjacent sentences of the top
retrieved paragraphs) gets its features (qa.assistant.FEATURES); a window is a positive when it
contains a gold answer and lies in the gold paragraph. The choice weights minimise a softmax
cross-entropy over each question's windows. The confidence model is a logistic regression on
the chosen window's features, with the chosen window of questions whose gold paragraph was
removed from the candidates standing in for questions the documents do not answer. It prints
both as Python literals for qa/settings.py. SQuAD-style files are indexed as `qa eval` does.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.assistant import FEATURES, PARAGRAPHS_CONSIDERED, Assistant, Window
from qa.build import build_from_documents, is_current_files
from qa.question import analyse
from qa.questions import GoldQuestion, is_squad, read_jsonl_questions, read_squad
from qa.retrieve import retrieve
from qa.settings import Settings
from qa.tokenize import tokenize

CONF_FEATURES = ("dense", "lexical", "bigrams", "align", "oov")


def load(path: Path, index: str | None) -> tuple[Assistant, list[GoldQuestion]]:
    if is_squad(path):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        index_dir = Path(index or Path("embeddings") / "eval" / f"{path.stem}-{digest[:12]}")
        documents, questions = read_squad(path)
        files = {path.name: digest}
        if not is_current_files(index_dir, files, Settings()):
            build_from_documents(documents, index_dir, Settings(), str(path), files)
        return Assistant.load(index_dir), questions
    return Assistant.load(index or "embeddings"), read_jsonl_questions(path)


def collect(assistant: Assistant, questions: list[GoldQuestion]):
    """Per question: (feature matrix, positive mask, gold-removed matrix, oov share)."""
    rows = []
    table = assistant.store.paragraph_table
    for g in questions:
        q = analyse(g.question)
        qvec = assistant.encoder.encode_queries([q.text])[0]
        tokens = tokenize(q.text, assistant._userdict)
        hits = retrieve(
            assistant.store, qvec, tokens, q.norm, assistant.settings.candidates, assistant.settings.rrf_k
        )
        idf, oov = assistant.idf(tokens)
        windows = assistant.windows(q, qvec, idf, hits[:PARAGRAPHS_CONSIDERED], dict(enumerate(table)))
        place = lambda w: (lambda p: (p.doc, p.article, p.paragraph))(table[w.para])  # noqa: E731
        text = lambda w: table[w.para].text[w.start : w.end]  # noqa: E731
        # a sentence is a positive when it holds a gold answer in the gold paragraph
        pos = np.array(
            [
                bool(g.answers)
                and any(a in text(w) for a in g.answers)
                and (g.gold_place in (None, place(w)))
                for w in windows
            ]
        )
        matrix = _matrix(windows)
        removed = None
        if g.gold_place is not None and g.answers:
            # The same question against the corpus without its gold document: words only that
            # document used become unknown, as they are for a question the documents do not answer.
            gold_doc = g.gold_place[0]
            others = [h for h in hits if table[h.para].doc != gold_doc]
            removed = _matrix(
                assistant.windows(q, qvec, idf, others[:PARAGRAPHS_CONSIDERED], dict(enumerate(table)))
            )
            removed_oov = _oov_without(assistant, tokens, gold_doc)
        rows.append(
            (matrix, pos, (removed, removed_oov) if removed is not None else None, oov, bool(g.answers))
        )
    return rows


def _oov_without(assistant: Assistant, tokens: list[str], doc: str) -> float:
    """Share of the question's IDF mass in words no passage outside ``doc`` contains."""
    index = assistant.store
    idf, _ = assistant.idf(tokens)
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


def fit_choice(rows, start: np.ndarray, steps: int = 3000, lr: float = 0.5, l2: float = 1e-3) -> np.ndarray:
    w = start.copy()
    usable = [(m, p) for m, p, *_ in rows if p.any()]
    for _ in range(steps):
        grad = l2 * w
        for m, p in usable:
            s = m @ w
            s -= s.max()
            e = np.exp(s)
            all_p = e / e.sum()
            pos_p = (e * p) / (e * p).sum()
            grad += (all_p - pos_p) @ m / len(usable)
        w -= lr * grad
    return w


def top1(rows, w: np.ndarray) -> float:
    usable = [(m, p) for m, p, *_ in rows if len(p)]
    answerable = [r for r in rows if r[4]]
    return sum(bool(p[int(np.argmax(m @ w))]) for m, p in usable) / max(1, len(answerable))


def fit_confidence(rows, w: np.ndarray, steps: int = 5000, lr: float = 0.5, l2: float = 1e-3):
    xs, ys = [], []
    index = [FEATURES.index(f) for f in CONF_FEATURES if f != "oov"]
    for m, p, removed, oov, _answerable in rows:
        if len(p):
            best = int(np.argmax(m @ w))
            xs.append([*m[best, index], oov])
            ys.append(float(p[best]))
        if removed is not None and len(removed[0]):
            best = int(np.argmax(removed[0] @ w))
            xs.append([*removed[0][best, index], removed[1]])
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--index", action="append", help="index for each question set (in order)")
    parser.add_argument("--keep-weights", action="store_true", help="fit only the confidence model")
    parser.add_argument(
        "--repeat",
        type=int,
        action="append",
        help="weight of each question set (its rows repeated), in order",
    )
    args = parser.parse_args()
    rows = []
    for n, path in enumerate(args.questions):
        assistant, questions = load(
            Path(path), (args.index or [None] * len(args.questions))[n] if args.index else None
        )
        assistant = Assistant(assistant.store, assistant.encoder, replace(Settings()))
        part = collect(assistant, questions)
        print(
            f"{path}: {len(questions)} questions, {sum(r[1].any() for r in part)} with a positive window",
            file=sys.stderr,
        )
        rows += part * (args.repeat[n] if args.repeat else 1)
    start = np.array([Settings().weights.get(f, 0.0) for f in FEATURES])
    print(f"top-1 window accuracy with current weights: {top1(rows, start):.3f}")
    w = start
    if not args.keep_weights:
        w = fit_choice(rows, start)
        print(f"top-1 window accuracy with fitted weights:  {top1(rows, w):.3f}")
        print("weights =", {f: round(float(v), 3) for f, v in zip(FEATURES, w, strict=True)})
    conf, acc = fit_confidence(rows, w)
    print(f"confidence = {conf}  (training accuracy {acc:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
