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
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.errors import QAError

PREVIEW_CHARS = 24


def _cmd_ingest(args: argparse.Namespace) -> int:
    from qa.ingest import ingest

    path = Path(args.path)
    if not path.exists():
        raise QAError(f"{path}: no such file or folder")
    documents, skipped = ingest(path)
    for doc in documents:
        if args.json:
            for record in doc.article_dicts():
                print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"== {doc.name}" + (f"  [{doc.header}]" if doc.header else ""))
        for article in doc.articles:
            title = article.title or f"（无标题，{article.display_title(doc.name)}）"
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
    from qa.loaders import SUFFIXES

    return list(SUFFIXES)


def _not_yet(name: str) -> int:
    print(f"qa {name}: not available in this version yet", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions of Chinese documents; get quoted, cited answers."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and skipped files")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{ingest,index,ask,eval}")

    p = sub.add_parser("ingest", help="show the articles and paragraphs read from files")
    p.add_argument("path", help="a file or a folder (read recursively)")
    p.add_argument("--json", action="store_true", help="one JSON object per article per line")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("index", help="build or update the search index")
    p.add_argument("corpus", nargs="?", default="seeds", help="folder of documents (default: seeds)")
    p.add_argument("--index", default="embeddings", help="index folder (default: embeddings)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=lambda a: _not_yet("index"))

    p = sub.add_parser("ask", help="answer a question with a quoted, cited sentence")
    p.add_argument("question", nargs="?")
    p.add_argument("--index", default="embeddings")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: _not_yet("ask"))

    p = sub.add_parser("eval", help="score answers against a question set")
    p.add_argument("questions")
    p.set_defaults(func=lambda a: _not_yet("eval"))
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


if __name__ == "__main__":
    sys.exit(main())
