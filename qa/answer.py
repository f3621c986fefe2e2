"""The records an answer is made of, and their one JSON shape (``qa ask --json``)::

    {"question", "resolved_question", "answer", "short_answer", "abstained", "confidence",
     "citations": [{"doc", "article", "title", "author", "paragraph", "start", "end", "quote"}],
     "passages":  [{"doc", "article", "title", "paragraph", "text", "score"}]}

``citations[0]`` is the primary citation and ``answer`` equals its quote. ``resolved_question``
is how a follow-up was read with the turns before it ("它是哪一年成立的？" -> "星河电子是哪一年
成立的？"), or null when the question stood on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    doc: str
    article: int
    title: str | None
    author: str | None
    paragraph: int
    start: int
    end: int
    quote: str
    # Where the short answer sits inside the quote (offsets into ``quote``).
    short_start: int = 0
    short_end: int = 0
    section: str | None = None  # the heading path the paragraph stands under, if any

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["short_start"], d["short_end"]
        return d


@dataclass(frozen=True)
class Source:
    doc: str
    article: int
    title: str | None
    author: str | None
    paragraph: int
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "article": self.article,
            "title": self.title,
            "paragraph": self.paragraph,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    short_answer: str
    abstained: bool
    confidence: float
    citations: tuple[Citation, ...] = ()
    passages: tuple[Source, ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    # what the confidence was computed from (the reader's margin and span score), for calibration
    evidence: dict[str, float] = field(default_factory=dict, compare=False)
    resolved: str | None = None  # a follow-up read as a whole question (qa.read.followup)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "resolved_question": self.resolved,
            "answer": self.answer,
            "short_answer": self.short_answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
        }
