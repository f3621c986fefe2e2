"""Read files into text (``.txt``, ``.pdf``) or heading/paragraph blocks (``.md``, ``.docx``, ``.html``).

Plain text goes through layout repair; block formats already mark their paragraphs and
headings, so they keep them. Every loader raises :class:`UnreadableFileError` with the reason
when a file cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import UnreadableFileError, describe
from qa.ingest.decode import decode_bytes, display_name, show_controls, strip_controls

SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")


@dataclass(frozen=True)
class Block:
    """A paragraph or a heading (``level`` > 0) of a structured document."""

    text: str
    level: int = 0
    table: int = 0  # a table's row: the table's number in the file


@dataclass(frozen=True)
class LoadedText:
    """What a loader read: either plain ``text`` for layout repair, or ready ``blocks``."""

    text: str = ""
    blocks: tuple[Block, ...] = ()
    encoding: str = ""
    title: str = ""  # the file's own title (DOCX properties, HTML <title>), if it has one
    # Page furniture kept out of the text (a PDF's masthead, running heads, page numbers).
    furniture: tuple[str, ...] = ()
    # Whether each top-level heading starts an article (a PDF page of several stories).
    titled_articles: bool = False
    # All the file's text before anything was set apart or dropped (where that is more than
    # ``text`` or ``blocks``): what ``qa ingest`` counts its characters against.
    whole: str = ""


def load(path: Path, data: bytes | None = None) -> LoadedText:
    """What ``path`` holds (``data``: its bytes, if already read), without control characters
    (NUL, ESC, ...) whatever the format."""
    source = _load(path, path.read_bytes() if data is None else data)
    return LoadedText(
        text=strip_controls(source.text),
        blocks=tuple(Block(strip_controls(b.text), b.level, b.table) for b in source.blocks),
        encoding=source.encoding,
        title=" ".join(strip_controls(source.title).split()),
        furniture=tuple(strip_controls(f) for f in source.furniture),
        titled_articles=source.titled_articles,
        whole=strip_controls(source.whole),
    )


def _load(path: Path, data: bytes) -> LoadedText:
    suffix, name = path.suffix.lower(), display_name(path.name)
    if suffix == ".pdf":
        return _pdf(data, name)
    if suffix == ".docx":
        blocks, title, whole = _docx_blocks(data, name)
        return LoadedText(blocks=blocks, encoding="docx", title=title, whole=whole)
    text, encoding = decode_bytes(data, name)
    if suffix in (".md", ".markdown"):
        return LoadedText(blocks=markdown_blocks(text), encoding=encoding)
    if suffix in (".html", ".htm"):
        from qa.ingest.webpage import html_blocks

        blocks, title, whole = html_blocks(text)
        return LoadedText(blocks=blocks, encoding=encoding, title=title, whole=whole)
    return LoadedText(text=text, encoding=encoding)


def _pdf(data: bytes, name: str) -> LoadedText:
    """A PDF read from its layout (:mod:`qa.ingest.pdf`): headings, paragraphs, furniture apart."""
    from qa.ingest.pdf import read_pdf

    try:
        pdf = read_pdf(data)
    except Exception as exc:  # pdfminer raises its own errors, and others, on damaged files
        raise UnreadableFileError(f"{name}: not a readable PDF ({show_controls(describe(exc))})") from exc
    blocks = tuple(b for b in pdf.blocks if b.text.strip())
    if not blocks:
        raise UnreadableFileError(f"{name}: the PDF has no text layer (scanned pages need OCR first)")
    return LoadedText(blocks=blocks, encoding="pdf", furniture=pdf.furniture, titled_articles=True, whole=pdf.text)


# A DOCX part larger than this uncompressed is refused before it is parsed (a zip bomb, or
# a document.xml of zeros, would otherwise take the memory of the whole run).
DOCX_PART_LIMIT = 64 * 1024 * 1024


def _docx_blocks(data: bytes, name: str) -> tuple[tuple[Block, ...], str, str]:
    import io
    import zipfile

    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.file_size > DOCX_PART_LIMIT:
                    raise UnreadableFileError(
                        f"{name}: {show_controls(info.filename)} is {info.file_size // 2**20} MB uncompressed "
                        f"(limit {DOCX_PART_LIMIT // 2**20} MB)"
                    )
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFileError(f"{name}: not a readable DOCX file ({show_controls(str(exc))})") from exc
    blocks: list[Block] = []
    tables = 0
    whole: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            tables += 1
            rows = _docx_rows(item)
            whole += [cell for row in rows for cell in row]
            blocks += table_blocks(rows, tables)
            continue
        whole.append(item.text)
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
    return tuple(blocks), (document.core_properties.title or "").strip(), "\n".join(whole)


def _docx_rows(table: object) -> list[list[str]]:
    """A DOCX table's rows of cell texts (a cell merged across columns appears once)."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        # python-docx lists a cell once per grid column it spans; step over the repeats.
        cells, at = row.cells, 0
        texts: list[str] = []
        while at < len(cells):
            texts.append(" ".join(cells[at].text.split()))
            at += max(1, cells[at].grid_span)
        rows.append(texts)
    return rows


# A figure, with a unit or a percent sign after it at most: 41.45, 12.3%, 4.6元, 2023年.
_NUMBER = re.compile(r"^[-+−]?\d[\d,.，]*\s*(?:[%％‰]|[^\W\d_]{1,4})?$")


def has_header(rows: list[list[str]]) -> bool:
    """Whether a table's first row names its columns: some column holds figures below a
    first cell that is not one."""
    for j, name in enumerate(rows[0] if len(rows) > 1 else []):
        below = [r[j] for r in rows[1:] if j < len(r) and r[j]]
        if name and not _NUMBER.match(name) and below and 2 * sum(1 for c in below if _NUMBER.match(c)) >= len(below):
            return True
    return False


def table_blocks(rows: list[list[str]], number: int) -> list[Block]:
    """One block per row of table ``number``. Where the first row is a header
    (:func:`has_header`), each cell below is named by it: ``项目：营业收入（亿元） |
    2023年：41.45 | 2022年：36.91``; the header row itself is not repeated as a block. Otherwise the cells are joined by `` | ``."""
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        return []
    if has_header(rows):
        header = rows[0]
        out = []
        for row in rows[1:]:
            parts = []
            for name, cell in zip(header, row, strict=False):
                if cell:
                    parts.append(f"{name}：{cell}" if name else cell)
            parts += [c for c in row[len(header) :] if c]
            out.append(Block(" | ".join(parts), 0, number))
        return out
    return [Block(" | ".join(c for c in row if c), 0, number) for row in rows]


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
    from qa.ingest.layout import join_lines, remove_justification_spaces

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
