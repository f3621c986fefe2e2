"""Read files into text (``.txt``, ``.pdf``) or heading/paragraph blocks (``.md``, ``.docx``, ``.html``).

Plain text goes through layout repair; block formats already mark their paragraphs and
headings, so they keep them. Every loader raises :class:`UnreadableFileError` with the reason
when a file cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.decode import decode_bytes, strip_controls
from qa.errors import UnreadableFileError

SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")


@dataclass(frozen=True)
class Block:
    """A paragraph or a heading (``level`` > 0) of a structured document."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Source:
    """What a loader read: either plain ``text`` for layout repair, or ready ``blocks``."""

    text: str = ""
    blocks: tuple[Block, ...] = ()
    encoding: str = ""
    title: str = ""  # the file's own title (DOCX properties, HTML <title>), if it has one


def load(path: Path, data: bytes | None = None) -> Source:
    """What ``path`` holds (``data``: its bytes, if already read), without control characters
    (NUL, ESC, ...) whatever the format."""
    source = _load(path, path.read_bytes() if data is None else data)
    return Source(
        text=strip_controls(source.text),
        blocks=tuple(Block(strip_controls(b.text), b.level) for b in source.blocks),
        encoding=source.encoding,
        title=" ".join(strip_controls(source.title).split()),
    )


def _load(path: Path, data: bytes) -> Source:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return Source(text=_pdf_text(data, path.name), encoding="pdf")
    if suffix == ".docx":
        blocks, title = _docx_blocks(data, path.name)
        return Source(blocks=blocks, encoding="docx", title=title)
    text, encoding = decode_bytes(data, path.name)
    if suffix in (".md", ".markdown"):
        return Source(blocks=markdown_blocks(text), encoding=encoding)
    if suffix in (".html", ".htm"):
        blocks, title = html_blocks(text)
        return Source(blocks=blocks, encoding=encoding, title=title)
    return Source(text=text, encoding=encoding)


def _pdf_text(data: bytes, name: str) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise UnreadableFileError(f"{name}: not a readable PDF ({exc})") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFileError(f"{name}: the PDF has no text layer (scanned pages need OCR first)")
    return text


# A DOCX part larger than this uncompressed is refused before it is parsed (a zip bomb, or
# a document.xml of zeros, would otherwise take the memory of the whole run).
DOCX_PART_LIMIT = 64 * 1024 * 1024


def _docx_blocks(data: bytes, name: str) -> tuple[tuple[Block, ...], str]:
    import io
    import zipfile

    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.file_size > DOCX_PART_LIMIT:
                    raise UnreadableFileError(
                        f"{name}: {info.filename} is {info.file_size // 2**20} MB uncompressed "
                        f"(limit {DOCX_PART_LIMIT // 2**20} MB)"
                    )
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFileError(f"{name}: not a readable DOCX file ({exc})") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks += _table_blocks(item)
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = 0  # the Title style above Heading 1, Heading 2, ...
        if style == "Title":
            level = 1
        elif m := re.match(r"Heading (\d)", style):
            level = int(m.group(1)) + 1
        blocks.append(Block(text, level))
    return tuple(blocks), (document.core_properties.title or "").strip()


def _table_blocks(table: object) -> list[Block]:
    """One block per table row, its cells joined by `` | `` (a cell merged across columns
    appears once)."""
    out = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            out.append(Block(" | ".join(cells)))
    return out


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Inline Markdown that is markup, not text: images and links keep their words, emphasis and
# code marks go (an asterisk between spaces, as in "3 * 4", is not emphasis and stays).
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])"), r"\2"),
    (re.compile(r"`([^`]+)`"), r"\1"),
)
_MD_LINE_MARK = re.compile(r"^(?:>\s?)+|^[-*+]\s+(?=\S)")


def markdown_inline(text: str) -> str:
    """A Markdown line's text without its inline markup."""
    for pattern, keep in _MD_INLINE:
        text = pattern.sub(keep, text)
    return text


def markdown_blocks(text: str) -> tuple[Block, ...]:
    """Headings and blank-line separated paragraphs; soft line breaks are joined."""
    from qa.layout import join_lines, remove_justification_spaces

    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(Block(join_lines([remove_justification_spaces(x) for x in lines])))
            lines.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if m := _MD_HEADING.match(line):
            flush()
            blocks.append(Block(markdown_inline(m.group(2)), len(m.group(1))))
        elif not line or re.fullmatch(r"[-*_]{3,}", line):  # a blank line or a rule
            flush()
        else:
            if _MD_LINE_MARK.match(line):  # a list item or a quote starts its own paragraph
                flush()
            lines.append(markdown_inline(_MD_LINE_MARK.sub("", line)))
    flush()
    return tuple(blocks)


def html_blocks(text: str) -> tuple[tuple[Block, ...], str]:
    """Headings and paragraph-level elements of an HTML page (scripts and styles dropped), and
    its ``<title>`` (where sites append their name: the first heading is preferred where the
    title holds it)."""
    from bs4 import BeautifulSoup

    from qa.layout import remove_justification_spaces

    soup = BeautifulSoup(text, "html.parser")
    head = soup.find("title")
    title = head.get_text(" ").strip() if head else ""
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    blocks = []
    block_tags = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td"]
    for element in soup.find_all(block_tags):
        if element.find(block_tags):
            continue  # an outer element: its inner blocks are read on their own
        content = remove_justification_spaces(" ".join(element.get_text(" ").split()))
        if content:
            level = int(element.name[1]) if element.name[0] == "h" and element.name[1:].isdigit() else 0
            blocks.append(Block(content, level))
    if not blocks:
        loose = [" ".join(line.split()) for line in soup.get_text("\n").splitlines()]
        blocks = [Block(line) for line in loose if line]
    return tuple(blocks), title
