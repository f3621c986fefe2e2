"""Records that the ingest stage produces: documents, articles and numbered paragraphs.

Every field keeps ``pos``, the character offset in the decoded source text where it starts,
so the pieces can be laid back in source order (see :meth:`Document.segments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article: ``index`` is 1-based, ``text`` the repaired source text."""

    index: int
    text: str
    pos: int = 0
    section: str = ""  # the heading path it stands under ("三、主要财务数据"), "" for none


@dataclass(frozen=True)
class Field:
    """A piece of article metadata (title, author, note) with where it stood in the source."""

    text: str
    pos: int


@dataclass(frozen=True)
class Article:
    index: int
    paragraphs: tuple[Paragraph, ...]
    title_field: Field | None = None
    author_field: Field | None = None
    note_field: Field | None = None
    # The byline marker (e.g. "□", "文/", "作者：") that stood before the author's name.
    byline_marker: str = ""
    # the headings inside the article (they name its paragraphs' sections), in source order
    heading_fields: tuple[Field, ...] = ()

    @property
    def title(self) -> str | None:
        return self.title_field.text if self.title_field else None

    @property
    def author(self) -> str | None:
        return self.author_field.text if self.author_field else None

    @property
    def note(self) -> str | None:
        return self.note_field.text if self.note_field else None


@dataclass(frozen=True)
class Document:
    path: str
    sha256: str
    articles: tuple[Article, ...]
    header_field: Field | None = None
    name: str = field(default="")
    # Characters (not counting spaces) of the file's text, and how many of them are kept as
    # text, set apart as page furniture, or dropped (navigation, adverts): ``qa ingest --json``.
    chars: dict[str, int] | None = field(default=None, compare=False)

    @property
    def header(self) -> str | None:
        return self.header_field.text if self.header_field else None

    def segments(self) -> list[str]:
        """Every output field in source order: header, then each article's pieces by position."""
        items: list[tuple[int, int, str]] = []
        if self.header_field:
            items.append((self.header_field.pos, 0, self.header_field.text))
        for article in self.articles:
            if article.author_field:
                items.append((article.author_field.pos, 1, article.byline_marker + article.author_field.text))
            for p in article.paragraphs:
                items.append((p.pos, 2, p.text))
            for h in article.heading_fields:
                items.append((h.pos, 2, h.text))
            for rank, f in ((3, article.note_field), (4, article.title_field)):
                if f and f.pos >= 0:  # a negative position marks a fallback, not source text
                    items.append((f.pos, rank, f.text))
        items.sort(key=lambda t: (t[0], t[1]))
        return [text for _, _, text in items]

    def article_dicts(self) -> list[dict[str, Any]]:
        """The ``qa ingest --json`` records: one dict per article."""
        return [
            {
                "doc": self.name,
                "article": a.index,
                "title": a.title,
                "author": a.author,
                "note": a.note,
                "header": self.header,
                "paragraphs": [p.text for p in a.paragraphs],
                "sections": [p.section for p in a.paragraphs],
                **({"file_chars": self.chars} if self.chars else {}),
            }
            for a in self.articles
        ]


@dataclass(frozen=True)
class Span:
    """Character offsets ``[start, end)`` in some text (a sentence's in its paragraph, a short
    answer's in its sentence)."""

    start: int
    end: int
