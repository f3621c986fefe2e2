"""``qa ask``: answer one question or a file of them from the local index or Milvus."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from qa.errors import QAError, QuestionError
from qa.settings import Settings

log = logging.getLogger(__name__)


def _load_assistant(args: argparse.Namespace, index: Path | str, settings: Settings) -> Any:
    from qa.index import backends
    from qa.read.assistant import Assistant

    if args.backend == "milvus":
        return Assistant.load(settings=settings, store=backends.open_milvus(args))
    return Assistant.load(index, settings)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``qa ask``: one question, or a JSONL file of them (a bad line is reported, the rest answered)."""
    from qa.present.render import answer_text
    from qa.read.assistant import Assistant

    if bool(args.question) == bool(args.file):
        raise QAError("give a question or --file QUESTIONS.jsonl (not both)")
    assistant: Assistant = _load_assistant(args, args.index, settings)
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
