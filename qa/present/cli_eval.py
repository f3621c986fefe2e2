"""``qa eval``: score answers against a question set, on the local index or Milvus."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from qa.errors import QAError
from qa.index.encoders import encoder_name
from qa.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``qa eval``: score an assistant on a question file (SQuAD JSON or JSONL)."""
    from qa.evaluation.questions import is_squad, read_jsonl_questions, squad_index
    from qa.index.build import build_index
    from qa.read.assistant import Assistant

    path = Path(args.questions)
    if not path.is_file():
        raise QAError(f"{path}: no such question file")
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
    return report(args, path, str(index_dir), assistant, questions)


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
            encoder,
            known=backends.known_vectors(local, encoder_name(settings.encoder)),
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
    return report(args, path, f"{args.milvus_uri} [{name}]", assistant, questions)


def _reader_label(assistant: Any) -> str:
    s = assistant.settings
    return "reader none" if assistant.reader is None else f"reader {s.reader} ({s.reader_mode})"


def report(args: argparse.Namespace, path: Path, where: str, assistant: Any, questions: list[Any]) -> int:
    from qa.evaluation import evaluate
    from qa.evaluation import report as tables

    results = evaluate.run(assistant, questions)
    overall, groups = evaluate.score(results), evaluate.by_type(results)
    if args.json:
        print(json.dumps(tables.as_json(overall, groups), ensure_ascii=False, indent=1))
    else:
        print(f"{path.name} against {where} ({assistant.store.encoder_name}; {_reader_label(assistant)})")
        print(tables.table(overall, groups))
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps({"id": r.gold.id, **r.answer.to_dict()}, ensure_ascii=False) + "\n")
    if args.report:
        paragraphs = {(s.doc, s.article, s.paragraph): s.text for r in results for s in r.answer.passages}
        title = f"qa eval · {path.name} · {_reader_label(assistant)}"
        page = tables.html_report(title, overall, groups, results, paragraphs, assistant.abstain_threshold)
        Path(args.report).write_text(page, encoding="utf-8")
        print(f"report: {args.report}", file=sys.stderr)
    return 0
