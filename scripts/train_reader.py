"""Train the shipped reader on shared/data (needs the `train` extra). Resumes from
OUT/checkpoint.pt when it exists. Same as `qa train-reader --recipe shared`.

    python scripts/train_reader.py --data ../shared/data --out qa/read/reader/shipped
"""

from __future__ import annotations

import sys

from qa.present.cli import main

if __name__ == "__main__":
    sys.exit(main(["train-reader", "--recipe", "shared", *sys.argv[1:]]))
