"""What the reader reads and what it returns, shared by training and answering (no torch).

A question and a window of a paragraph's tokens make one row:
``<s> query: QUESTION </s> </s> CONTEXT </s>``, at most ``max_tokens`` long. The model scores a
start and an end for every context token; position 0 (``<s>``) is "no answer in this window".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.read.reader.tokenizer import Tokenizer, Tokens
from qa.text.normalize import to_simplified

MAX_TOKENS = 192
MAX_QUESTION_TOKENS = 48
MAX_ANSWER_TOKENS = 32


def reader_text(text: str) -> str:
    """Traditional characters read as simplified, where that keeps every offset (OpenCC's t2s
    maps almost every character to one character); otherwise the text as it is."""
    converted = to_simplified(text)
    return converted if len(converted) == len(text) else text


@dataclass(frozen=True)
class Row:
    ids: list[int]
    context_at: int  # index in ``ids`` of the window's first context token
    window: slice  # the window, as token indices into the paragraph's tokens


def question_ids(tokenizer: Tokenizer, question: str) -> list[int]:
    ids: list[int] = tokenizer.tokenize("query: " + reader_text(question)).ids.tolist()
    return ids[:MAX_QUESTION_TOKENS]


def context_room(question: list[int], max_tokens: int = MAX_TOKENS) -> int:
    return max_tokens - len(question) - 4


def make_row(tokenizer: Tokenizer, question: list[int], context: Tokens, window: slice) -> Row:
    ids = [tokenizer.bos, *question, tokenizer.eos, tokenizer.eos]
    at = len(ids)
    ids += context.ids[window].tolist()
    ids.append(tokenizer.eos)
    return Row(ids, at, window)


def windows(length: int, room: int, stride: int) -> list[slice]:
    """Windows of ``room`` tokens covering ``length`` tokens, each starting ``stride`` after
    the one before (the last ends at the end)."""
    if length <= room:
        return [slice(0, length)]
    starts = [*range(0, length - room, stride), length - room]
    return [slice(s, s + room) for s in dict.fromkeys(starts)]


def token_span(context: Tokens, start: int, end: int) -> tuple[int, int] | None:
    """The first and last token covering characters [start, end) of the context, or None."""
    inside = np.nonzero((context.ends > start) & (context.starts < end))[0]
    if not len(inside):
        return None
    return int(inside[0]), int(inside[-1])


@dataclass(frozen=True)
class ReadSpan:
    score: float  # start + end logit
    null: float  # the window's no-answer score (start + end logit at <s>)
    start: int  # character offsets in the paragraph
    end: int
    window: int  # which row


def best_spans(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    rows: list[Row],
    contexts: list[Tokens],
    per_row: int = 1,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
    within: tuple[int, int] | None = None,
) -> list[ReadSpan]:
    """The best-scoring spans of each row (start <= end, at most ``max_answer_tokens``, inside
    characters ``within`` of the paragraph when given), best first, with character offsets in
    their paragraph."""
    out: list[ReadSpan] = []
    for r, (row, context) in enumerate(zip(rows, contexts, strict=True)):
        n = row.window.stop - row.window.start
        s = start_logits[r, row.context_at : row.context_at + n]
        e = end_logits[r, row.context_at : row.context_at + n]
        grid = s[:, None] + e[None, :]
        i, j = np.indices(grid.shape)
        ok = (j >= i) & (j - i < max_answer_tokens)
        if within is not None:
            tokens = slice(row.window.start, row.window.start + n)
            inside = (context.starts[tokens] >= within[0]) & (context.ends[tokens] <= within[1])
            ok &= inside[:, None] & inside[None, :]
        grid = np.where(ok, grid, -np.inf)
        null = float(start_logits[r, 0] + end_logits[r, 0])
        flat = np.argsort(grid, axis=None)[::-1][:per_row]
        for k in flat:
            a, b = divmod(int(k), n)
            if not np.isfinite(grid[a, b]):
                continue
            first, last = row.window.start + a, row.window.start + b
            out.append(ReadSpan(float(grid[a, b]), null, int(context.starts[first]), int(context.ends[last]), r))
    out.sort(key=lambda sp: sp.score - sp.null, reverse=True)
    return out
