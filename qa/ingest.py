"""Files and folders -> :class:`Document` records (articles with numbered paragraphs).

One unreadable file never stops the others: it is skipped and the reason is logged and
returned, so callers can show it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import UnreadableFileError
from qa.layout import split_lines
from qa.loaders import SUFFIXES, Block, Source, load
from qa.records import Article, Document, Field, Paragraph
from qa.structure import NOTE_START, match_byline, split_articles

log = logging.getLogger(__name__)

# Files in a corpus folder that configure the index rather than being documents.
RESERVED_NAMES = frozenset({"userdict.txt", "readme.md"})


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def iter_files(root: Path) -> Iterator[Path]:
    """Document files under ``root`` (or ``root`` itself), recursively, in a stable order."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.name.lower() not in RESERVED_NAMES:
            yield path


def ingest_file(path: Path, name: str | None = None) -> Document:
    """Read one file; raise :class:`UnreadableFileError` when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot read ({exc.strerror})") from exc
    source = load(path)
    return build_document(source, name or path.name, str(path), hashlib.sha256(data).hexdigest())


def build_document(source: Source, name: str, path: str = "", sha256: str = "") -> Document:
    fallback = Path(name).stem
    if source.blocks:
        header, articles = None, split_block_articles(source.blocks, fallback)
    elif source.text.strip():
        header, articles = split_articles(split_lines(source.text), fallback)
    else:
        header, articles = None, []
    # Drop only articles with no text of their own (a fallback title alone); renumber the rest.
    kept = (a for a in articles if a.paragraphs or a.author_field or a.note_field or _own_title(a))
    articles = [replace(a, index=n) for n, a in enumerate(kept, start=1)]
    return Document(path=path, sha256=sha256, articles=tuple(articles), header_field=header, name=name)


def _own_title(article: Article) -> bool:
    return article.title_field is not None and article.title_field.pos >= 0


def ingest(root: Path) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``root``; unreadable files are skipped with a reason."""
    documents: list[Document] = []
    skipped: list[Skipped] = []
    base = root if root.is_dir() else root.parent
    for path in iter_files(root):
        name = path.relative_to(base).as_posix()
        try:
            doc = ingest_file(path, name)
        except UnreadableFileError as exc:
            log.warning("skipped %s", exc)
            skipped.append(Skipped(name, str(exc)))
            continue
        if doc.articles:
            documents.append(doc)
    return documents, skipped


def split_block_articles(blocks: tuple[Block, ...], fallback_title: str) -> list[Article]:
    """Headings start articles; a byline paragraph gives the author, an author note the note."""
    levels = [b.level for b in blocks if b.level]
    split_level = 0
    if levels:
        repeated = [lvl for lvl in sorted(set(levels)) if levels.count(lvl) > 1]
        split_level = repeated[0] if repeated else min(levels)
    sections: list[tuple[Field | None, list[tuple[Block, int]]]] = []
    pos = 0
    for block in blocks:
        if block.level and block.level <= split_level:
            sections.append((Field(block.text, pos), []))
        else:
            if not sections:
                sections.append((None, []))
            sections[-1][1].append((block, pos))
        pos += len(block.text) + 1
    articles: list[Article] = []
    for title, items in sections:
        author: Field | None = None
        marker = ""
        note: Field | None = None
        paragraphs: list[Paragraph] = []
        for block, at in items:
            byline = match_byline(block.text) if not paragraphs and author is None else None
            if byline:
                author, marker = Field(byline.name, at + len(byline.marker)), byline.marker
            elif NOTE_START.match(block.text) and block.text.endswith(("）", ")")):
                note = Field(block.text, at)
            else:
                paragraphs.append(Paragraph(len(paragraphs) + 1, block.text, at))
        articles.append(
            Article(
                index=len(articles) + 1,
                paragraphs=tuple(paragraphs),
                title_field=title or Field(fallback_title, -1),
                author_field=author,
                note_field=note,
                byline_marker=marker,
            )
        )
    return articles
