"""Files and folders -> :class:`Document` records (articles with numbered paragraphs).

One unreadable file never stops the others: it is skipped and the reason is logged and
returned, so callers can show it.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import UnreadableFileError, describe
from qa.ingest.decode import display_name, show_controls
from qa.ingest.layout import split_lines
from qa.ingest.loaders import SUFFIXES, Block, LoadedText, load
from qa.ingest.structure import NOTE_START, match_byline, split_articles
from qa.records import Article, Document, Field, Paragraph

log = logging.getLogger(__name__)

# Files in a corpus folder that configure the index rather than being documents.
USERDICT = "userdict.txt"  # a corpus's jieba user dictionary, beside its documents
RESERVED_NAMES = frozenset({USERDICT, "readme.md"})


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def walk(root: Path, follow_links: bool = False) -> tuple[list[Path], list[Skipped]]:
    """Document files under ``root`` (or ``root`` itself), recursively, in a stable order, and
    what was passed over with the reason: folders that cannot be listed, files that are not
    documents, links that lead outside ``root`` (followed only with ``follow_links``).
    Hidden files and folders, and the reserved names, are left out without a word."""
    if not root.is_dir():
        if root.is_file():
            return [root], []
        return [], [Skipped(display_name(root.name), "cannot be read (not a file or folder)")]
    files: list[Path] = []
    skipped: list[Skipped] = []
    inside = root.resolve()

    def rel(path: Path) -> str:
        return display_name(path.relative_to(root).as_posix())

    def unlisted(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        skipped.append(Skipped(rel(where) + "/", f"folder cannot be read ({exc.strerror})"))

    for folder, dirs, names in os.walk(root, onerror=unlisted, followlinks=follow_links):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if not follow_links:
            for d in [d for d in dirs if (here / d).is_symlink()]:
                dirs.remove(d)
                if not _within(here / d, inside):
                    skipped.append(
                        Skipped(
                            rel(here / d) + "/",
                            "a link to a folder outside the corpus (--follow-links to index it)",
                        )
                    )
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or name.lower() in RESERVED_NAMES:
                continue
            if not follow_links and path.is_symlink() and not _within(path, inside):
                skipped.append(
                    Skipped(rel(path), "a link to a file outside the corpus (--follow-links to index it)")
                )
                continue
            if path.suffix.lower() not in SUFFIXES:
                skipped.append(
                    Skipped(
                        rel(path),
                        f"not a document type ({path.suffix or 'no suffix'}; reads {' '.join(SUFFIXES)})",
                    )
                )
                continue
            if path.is_file():
                files.append(path)
            elif not path.exists():
                skipped.append(Skipped(rel(path), "a link to nothing"))
    files.sort(key=lambda p: p.relative_to(root).as_posix())
    return files, skipped


def _within(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def iter_files(root: Path, follow_links: bool = False) -> Iterator[Path]:
    """Document files under ``root`` (or ``root`` itself); see :func:`walk`."""
    yield from walk(root, follow_links)[0]


def ingest_file(path: Path, name: str | None = None) -> Document:
    """Read one file; raise :class:`UnreadableFileError` when it cannot be read, whatever the
    reason (a library's own error included: one bad file must not stop a folder)."""
    shown = name or display_name(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{shown}: cannot read ({exc.strerror})") from exc
    try:
        source = load(path, data)
    except UnreadableFileError:
        raise
    except Exception as exc:
        log.debug("reading %s failed", shown, exc_info=True)
        raise UnreadableFileError(f"{shown}: cannot be read ({show_controls(describe(exc))})") from exc
    return build_document(source, shown, display_name(str(path)), hashlib.sha256(data).hexdigest())


def build_document(source: LoadedText, name: str, path: str = "", sha256: str = "") -> Document:
    fallback = Path(name).stem
    if source.blocks:
        header = Field(" ".join(source.furniture), -1) if source.furniture else None
        articles = split_block_articles(source.blocks, fallback, source.title, source.titled_articles)
    elif source.text.strip():
        header, articles = split_articles(split_lines(source.text), fallback)
    else:
        header, articles = None, []
    # Drop only articles with no text of their own (a fallback title alone); renumber the rest.
    kept = (a for a in articles if a.paragraphs or a.author_field or a.note_field or _own_title(a))
    articles = [replace(a, index=n, paragraphs=bounded(a.paragraphs)) for n, a in enumerate(kept, start=1)]
    doc = Document(path=path, sha256=sha256, articles=tuple(articles), header_field=header, name=name)
    return replace(doc, chars=count_chars(source, doc))


def count_chars(source: LoadedText, doc: Document) -> dict[str, int]:
    """How many of the file's characters (spaces aside) ``doc`` keeps as text, sets apart as
    furniture, and drops; counted as multisets, so text moved into reading order still counts
    and a table's header cells repeated in its rows count once."""
    whole = source.whole or source.text or "\n".join(b.text for b in source.blocks)
    have = Counter(ch for ch in whole if not ch.isspace())
    furniture = Counter(ch for ch in (doc.header or "") if not ch.isspace())
    kept = Counter(ch for text in doc.segments() for ch in text if not ch.isspace()) - furniture
    kept_n = sum((have & kept).values())
    furniture_n = sum(((have - kept) & furniture).values())
    total = sum(have.values())
    return {"in": total, "kept": kept_n, "furniture": furniture_n, "dropped": total - kept_n - furniture_n}


# A paragraph longer than this (a text without line breaks, a dump) is cut at its last
# sentence end before the limit: every store can hold it (Milvus's 65,535-byte text field
# takes 10,000 characters of any script) and the reader reads it in bounded time.
MAX_PARAGRAPH = 10_000


def bounded(paragraphs: tuple[Paragraph, ...]) -> tuple[Paragraph, ...]:
    """The paragraphs with any over :data:`MAX_PARAGRAPH` characters cut in pieces (each
    keeping its place in the source); numbered again from 1."""
    if all(len(p.text) <= MAX_PARAGRAPH for p in paragraphs):
        return paragraphs
    from qa.ingest.chunk import split_sentences

    pieces: list[tuple[str, int, str]] = []
    for p in paragraphs:
        start = 0
        ends = [sp.end for sp in split_sentences(p.text)]
        while len(p.text) - start > MAX_PARAGRAPH:
            cut = max((e for e in ends if start < e <= start + MAX_PARAGRAPH), default=start + MAX_PARAGRAPH)
            pieces.append((p.text[start:cut], p.pos + start, p.section))
            start = cut
            while start < len(p.text) and p.text[start].isspace():
                start += 1
        pieces.append((p.text[start:], p.pos + start, p.section))
    return tuple(
        Paragraph(n, t, pos, sec) for n, (t, pos, sec) in enumerate((x for x in pieces if x[0]), start=1)
    )


def _own_title(article: Article) -> bool:
    return article.title_field is not None and article.title_field.pos >= 0


def ingest(root: Path, follow_links: bool = False) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``root``; what cannot be read, or holds no text, is
    skipped with a reason."""
    return ingest_walked(root, *walk(root, follow_links))


def ingest_walked(
    root: Path, files: list[Path], skipped: list[Skipped]
) -> tuple[list[Document], list[Skipped]]:
    """:func:`ingest` of what :func:`walk` found under ``root``."""
    documents: list[Document] = []
    skipped = list(skipped)
    for path in files:
        read = read_document(path, document_name(root, path))
        if isinstance(read, Skipped):
            skipped.append(read)
        else:
            documents.append(read)
    return documents, skipped


def corpus_folder(root: Path) -> Path:
    """The folder a corpus's names start from: ``root`` itself, or a single file's folder."""
    return root if root.is_dir() else root.parent


def document_name(root: Path, path: Path) -> str:
    """The name a document file under corpus ``root`` goes by: its path from the corpus folder."""
    return display_name(path.relative_to(corpus_folder(root)).as_posix())


def corpus_userdict(root: Path) -> Path | None:
    """The corpus's user dictionary (:data:`USERDICT` in its folder), if it has one."""
    path = corpus_folder(root) / USERDICT
    return path if path.is_file() else None


def read_document(path: Path, name: str) -> Document | Skipped:
    """One file as a document with text to index, or why it was skipped (it cannot be read, or
    it holds no text)."""
    try:
        doc = ingest_file(path, name)
    except UnreadableFileError as exc:
        log.warning("skipped %s", exc)
        return Skipped(name, str(exc).removeprefix(name + ": ").removeprefix(display_name(path.name) + ": "))
    return doc if doc.articles else Skipped(name, "no text to index (empty file)")


def split_block_articles(
    blocks: tuple[Block, ...], fallback_title: str, own_title: str = "", titled: bool = False
) -> list[Article]:
    """A structured file (Markdown, DOCX, HTML) is one article; a page of stories (``titled``:
    a PDF) is one article per top-level heading where it has several. See :func:`block_article`."""
    starts = [i for i, b in enumerate(blocks) if b.level == 1]
    if not titled or len(starts) < 2:
        return [block_article(blocks, fallback_title, own_title)]
    cuts = ([0] if starts[0] > 0 else []) + starts + [len(blocks)]
    articles: list[Article] = []
    for a, b in itertools.pairwise(cuts):
        offset = sum(len(x.text) + 1 for x in blocks[:a])
        article = block_article(blocks[a:b], fallback_title, "", offset)
        articles.append(replace(article, index=len(articles) + 1))
    return articles


# A byline stands before the body, after a deck (subtitle) at most: within the first this many.
BYLINE_WITHIN = 2


def block_article(blocks: Sequence[Block], fallback_title: str, own_title: str = "", offset: int = 0) -> Article:
    """Blocks as one article: its title is its only top-level heading when it opens the blocks
    (or, where the file's own title ``own_title`` holds the first heading, that heading), else
    ``own_title``, else the file name. Every other heading names a section: each paragraph
    records the heading path it stands under. A byline among the first paragraphs gives the
    author, an author note the note. Positions count from ``offset``."""
    headings = [b for b in blocks if b.level]
    named = next((i for i, b in enumerate(blocks) if b.level and own_title and b.text in own_title), None)
    if named is None and blocks and blocks[0].level:
        top = min(b.level for b in headings)
        if blocks[0].level == top and sum(1 for b in headings if b.level == top) == 1:
            named = 0
    if named is not None:
        title = Field(blocks[named].text, offset + sum(len(b.text) + 1 for b in blocks[:named]))
    else:
        title = Field(own_title or fallback_title, -1)
    author: Field | None = None
    marker = ""
    note: Field | None = None
    paragraphs: list[Paragraph] = []
    path: list[tuple[int, str]] = []  # the open headings: (level, text)
    heading_fields: list[Field] = []
    pos = offset
    for n, block in enumerate(blocks):
        at, pos = pos, pos + len(block.text) + 1
        if n == named:
            continue
        if block.level:
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text))
            heading_fields.append(Field(block.text, at))
            continue
        byline = match_byline(block.text) if len(paragraphs) < BYLINE_WITHIN and author is None else None
        if byline:
            author, marker = Field(byline.name, at + len(byline.marker)), byline.marker
        elif NOTE_START.match(block.text) and block.text.endswith(("）", ")")):
            note = Field(block.text, at)
        else:
            section = " / ".join([text for _, text in path] + ([f"表{block.table}"] if block.table else []))
            paragraphs.append(Paragraph(len(paragraphs) + 1, block.text, at, section))
    return Article(
        index=1,
        paragraphs=tuple(paragraphs),
        title_field=title,
        author_field=author,
        note_field=note,
        byline_marker=marker,
        heading_fields=tuple(heading_fields),
    )
