"""Bytes to text: detect binary files and the encoding of Chinese text files.

UTF-8 (with or without BOM) is tried first: text in GBK or Big5 is almost never valid UTF-8.
Otherwise GB18030 (a superset of GBK) and Big5 are both tried, and the reading that yields
more *common* Chinese characters wins: a wrong legacy decoding still succeeds byte-wise but
produces rare characters (Big5 read as GBK lands outside GB2312; GBK read as Big5 lands in
Big5's level-2 block of rare characters).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from qa.errors import UnreadableFileError

_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"PK\x03\x04",  # zip containers (docx/xlsx) read as text
    b"%PDF",
    b"\x7fELF",
    b"\x1f\x8b",  # gzip
)


def _is_common_han(ch: str) -> bool:
    """True for characters in GB2312 level 1 or Big5 level 1: the few thousand frequent ones."""
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0A1 <= int.from_bytes(gb, "big") <= 0xD7F9:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b5 = ch.encode("big5")
        return len(b5) == 2 and 0xA440 <= int.from_bytes(b5, "big") <= 0xC67E
    except UnicodeEncodeError:
        return False


def _plausibility(text: str) -> float:
    """Share of characters that look like real Chinese prose (common Han, ASCII, CJK punctuation)."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        if (
            ch.isascii()
            or _is_common_han(ch)
            or unicodedata.category(ch).startswith("P")
            or ch in "\u3000\ufeff"
        ):
            good += 1
    return good / len(text)


# C0 and C1 control characters other than tab, line and page breaks: no document means them,
# and they would reach a terminal (ESC) or stop an encoder (NUL). Removed at decode.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A file is binary when this share of its first 8 KiB is control bytes (one stray NUL is not).
_BINARY_SHARE = 0.03


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(head) * _BINARY_SHARE)


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def display_name(name: str) -> str:
    """A file name as it can be printed and written to JSON: bytes that are not UTF-8 (kept by
    the OS's surrogate escapes) are shown as ``\\xff``, control characters as ``\\x1b``."""
    return show_controls(name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def show_controls(text: str) -> str:
    """``text`` safe to print: control characters (ESC, NUL, line breaks...) spelt ``\\x1b``."""
    return re.sub("[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _utf16_without_bom(data: bytes) -> str | None:
    """The byte order of UTF-16 text without a byte-order mark, told by where its zero bytes
    fall (ASCII and Latin text in UTF-16 has one in every other byte)."""
    head = data[:8192]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = max(1, len(head) // 2)
    if odd > 0.3 * pairs and even < 0.02 * pairs:
        return "utf-16-le"
    if even > 0.3 * pairs and odd < 0.02 * pairs:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes, encoding: str) -> tuple[str, str]:
    """UTF-16 text; a file cut short (an odd byte, half a surrogate pair) loses only its last
    incomplete character."""
    whole = data[: len(data) - len(data) % 2]
    text = whole.decode(encoding, errors="replace")
    label = encoding
    if len(whole) != len(data) or text.endswith("\ufffd"):
        text, label = text.rstrip("\ufffd"), encoding + " (truncated)"
    if text.count("\ufffd") > max(2, len(text) // 100):
        raise ValueError("not UTF-16")
    return text, label


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)``; raise :class:`UnreadableFileError` for binary or undecodable
    data. Control characters (NUL, ESC, ...) are removed from the text."""
    text, encoding = _decode(data, name)
    return strip_controls(text), encoding


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if not data:
        return "", "empty"
    utf16 = (
        "utf-16"
        if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)
        else _utf16_without_bom(data)
    )
    if utf16:
        try:
            return _decode_utf16(data, utf16)
        except ValueError:
            raise UnreadableFileError(f"{name}: looks like UTF-16 but does not decode as it") from None
    if looks_binary(data):
        raise UnreadableFileError(f"{name}: binary content, not a text document")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(f"{name}: UTF-8 BOM but invalid UTF-8 at byte {exc.start}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), encoding, text))
    for encoding in ("utf-16-le", "utf-16-be"):  # Chinese UTF-16 has no zero bytes to tell it by
        try:
            text, label = _decode_utf16(data, encoding)
        except ValueError:
            continue
        candidates.append((_plausibility(text), label, text))
    if not candidates:
        raise UnreadableFileError(f"{name}: not valid UTF-8, GBK/GB18030 or Big5 text")
    score, encoding, text = max(candidates, key=lambda c: c[0])
    if score < 0.8:
        raise UnreadableFileError(
            f"{name}: cannot tell the encoding (best guess {encoding} reads as garbage); save it as UTF-8"
        )
    return text, encoding
