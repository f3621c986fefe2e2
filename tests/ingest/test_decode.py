import opencc
import pytest

from qa.errors import UnreadableFileError
from qa.ingest.decode import decode_bytes, looks_binary

SIMPLIFIED = "重庆市位于中国西南部，长江上游地区。两江交汇，山城的夜景闻名全国。今年经济增长百分之六。\n"


def _traditional() -> str:
    return opencc.OpenCC("s2tw").convert(SIMPLIFIED)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
        (SIMPLIFIED.encode("gb18030"), "gb18030"),
    ],
)
def test_simplified_text_in_every_encoding_reads_the_same(data, encoding):
    assert decode_bytes(data) == (SIMPLIFIED, encoding)


@pytest.mark.parametrize(("codec", "encoding"), [("utf-8", "utf-8"), ("big5", "big5")])
def test_traditional_text_in_utf8_and_big5_reads_the_same(codec, encoding):
    text = _traditional()
    assert decode_bytes(text.encode(codec)) == (text, encoding)


def test_png_bytes_are_binary():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert looks_binary(png)
    with pytest.raises(UnreadableFileError, match="binary"):
        decode_bytes(png, "picture.txt")


def test_random_high_bytes_are_refused_with_a_reason():
    noise = bytes((i * 73 + 129) % 127 + 129 for i in range(400))
    with pytest.raises(UnreadableFileError, match=r"garbage|not valid"):
        decode_bytes(noise, "noise.txt")


def test_empty_is_empty():
    assert decode_bytes(b"") == ("", "empty")
