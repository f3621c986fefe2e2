"""Visitors' verdicts on answers, kept as a question set: one JSONL line per verdict in the eval
format (``id``, ``question``, ``answers``, ``doc``/``article``/``paragraph``), so the file is
ready for ``qa eval --questions`` and ``qa train-reader --data`` as it grows.

A right answer is kept with its short answer (or quote) as gold; a wrong one with the span the
visitor selected in its paragraph, or with no answers when they say the documents do not
answer it. Each line also names the corpus it was given on (its fingerprint) and the answer
that was shown.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["right", "corrected", "unanswerable"]
FILE_NAME = "feedback.jsonl"  # about the host's documents
UPLOADS_FILE_NAME = "feedback-uploads.jsonl"  # about visitors' own uploads (not in the corpus)


@dataclass(frozen=True)
class Feedback:
    question: str
    verdict: Verdict
    answers: tuple[str, ...]  # the gold the verdict gives (none: the documents do not answer)
    doc: str | None
    article: int | None
    paragraph: int | None
    shown: str  # the answer that was shown (its short answer, else its quote; "" for an abstention)
    corpus: str  # fingerprint of the index the answer came from
    uploaded: bool = False  # the paragraph is in the visitor's own upload, not the host's corpus

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["answers"] = list(self.answers)
        if not self.answers:  # an unanswerable question names no gold paragraph
            row.update(doc=None, article=None, paragraph=None)
        return {"id": f"fb-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}", **row}


class FeedbackLog:
    """Appends feedback lines to ``folder/feedback.jsonl``, or ``feedback-uploads.jsonl`` for an
    answer from a visitor's upload (so the first stays a question set over the host's corpus),
    one writer at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / FILE_NAME
        self.uploads_path = self.folder / UPLOADS_FILE_NAME
        self._lock = threading.Lock()

    def append(self, feedback: Feedback) -> dict[str, Any]:
        row = feedback.to_dict()
        line = json.dumps(row, ensure_ascii=False) + "\n"
        path = self.uploads_path if feedback.uploaded else self.path
        with self._lock, path.open("a", encoding="utf-8") as f:
            f.write(line)
        return row
