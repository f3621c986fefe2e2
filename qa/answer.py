"""The records an answer is made of, and their one JSON shape (``qa ask --json``)::

    {"question", "answer", "short_answer", "abstained", "confidence",
     "citations": [{"doc", "article", "title", "author", "paragraph", "start", "end", "quote"}],
     "passages":  [{"doc", "article", "title", "paragraph", "text", "score"}]}

``citations[0]`` is the primary citation and ``answer`` equals its quote.
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "short_answer": self.short_answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
        }
