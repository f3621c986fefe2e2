"""Starting the chat app (``app.py``): its flags, the assistant they ask for, and serving it,
with a public share link when asked and reachable."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path

from qa.errors import IndexCorruptError, IndexMismatchError, QAError
from qa.index import backends
from qa.index.build import build_index
from qa.index.freshness import is_current
from qa.present.webapp import build_app
from qa.present.workspace import UploadLimits
from qa.read.assistant import Assistant
from qa.read.lexicon import cedict
from qa.settings import Settings


def examples(corpus: Path, count: int = 6) -> list[str]:
    path = corpus / "questions.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [r["question"] for r in rows if r.get("answers") and r.get("type") in (None, "factoid")]
    step = max(1, len(answerable) // count)
    return answerable[::step][:count]


def _build(corpus: Path, index: Path, rebuild: bool = False) -> None:
    print(f"building the index from {corpus} into {index} …", flush=True)
    report = build_index(corpus, index, show_progress=True, rebuild=rebuild)
    for skip in report.skipped:
        print(f"skipped {skip.path}: {skip.reason}", flush=True)
    print(report.summary(), flush=True)


def parser() -> argparse.ArgumentParser:
    """``app.py``'s flags."""
    parser = argparse.ArgumentParser(description="Start the chat app.")
    parser.add_argument("--index", default="embeddings", help="index folder (default: embeddings)")
    parser.add_argument("--corpus", default="seeds", help="documents to index when needed (default: seeds)")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument(
        "--reader", default="shipped", help="shipped (default), a reader folder, or none (sentence choice alone)"
    )
    parser.add_argument(
        "--uploads", action="store_true", help="let visitors upload files into a private workspace of their session"
    )
    limits = UploadLimits()
    parser.add_argument("--upload-mb", type=float, default=limits.file_mb, help="largest file a visitor may upload (MB)")
    parser.add_argument("--upload-files", type=int, default=limits.files, help="files a session may upload")
    parser.add_argument(
        "--upload-idle-minutes", type=float, default=limits.idle_minutes,
        help="a workspace idle this long is deleted (it is also deleted when its session ends)",
    )
    parser.add_argument("--feedback", metavar="DIR", help="append visitors' 👍/👎 and corrections to DIR/feedback.jsonl")
    backends.add_arguments(parser)
    return parser


def open_assistant(args: argparse.Namespace) -> Assistant:
    """The assistant the flags ask for: the local index, built or rebuilt from the corpus when it is
    missing, stale or damaged, or a Milvus collection (fed from the corpus first). Raises QAError."""
    index, corpus = Path(args.index), Path(args.corpus)
    settings = replace(Settings(), reader=args.reader)
    if args.backend == "milvus":
        if corpus.exists():  # incremental: files already in the collection are skipped
            report = backends.index_milvus(args, corpus, Settings())
            print(backends.milvus_summary(args, report), flush=True)
        return Assistant.load(settings=settings, store=backends.open_milvus(args))
    # (the load checks the artefacts' checksums; is_current need not read them first)
    if corpus.exists() and not is_current(index, corpus, Settings(), verify=False):
        _build(corpus, index)
    try:
        return Assistant.load(index, settings)
    except (IndexCorruptError, IndexMismatchError) as exc:
        if not corpus.exists():
            raise
        print(f"{exc}", flush=True)
        _build(corpus, index, rebuild=True)  # a damaged index is rebuilt from its documents
        return Assistant.load(index, settings)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        assistant = open_assistant(args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # The English-Chinese dictionary is read on the first English question: read it now, while
    # the page loads, so that question does not wait for it.
    threading.Thread(target=cedict, name="cedict", daemon=True).start()
    uploads = UploadLimits(args.upload_mb, args.upload_files, args.upload_idle_minutes) if args.uploads else None
    demo = build_app(assistant, examples(Path(args.corpus)), uploads, Path(args.feedback) if args.feedback else None)
    print(f"serving on http://{args.host}:{args.port}", flush=True)
    if args.share:
        try:
            demo.launch(server_name=args.host, server_port=args.port, share=True, prevent_thread_lock=True)
            if not demo.share_url:
                print(
                    "no public share link (the share server cannot be reached); serving locally only",
                    flush=True,
                )
            demo.block_thread()
            return 0
        except Exception as exc:  # the share tunnel needs network access
            print(f"no public share link ({type(exc).__name__}: {exc}); serving locally only", flush=True)
            demo.close()
    demo.launch(server_name=args.host, server_port=args.port)
    return 0
