"""Index time stays linear in text size whatever the text's shape: one line of Chinese
characters without a single stop against the same number of bytes of ordinary prose (the
paragraphs of CMRC trial and DRCD from shared/data, each once: repeated text would be embedded
once and flatter the prose), each indexed from scratch with the default encoder in this run.

    python benchmarks/bench_long_line.py              # 100 KB each
    python benchmarks/bench_long_line.py --kb 1024    # 1 MB each (about 30 minutes on 2 cores)

Prints the seconds for each, their ratio (goal <= 2), and the longest sentence and paragraph
the long line was cut into.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from qa.index.build import build_index
from qa.index.encoders import get_encoder
from qa.index.local import Index
from qa.settings import Settings

DATA = ROOT.parent / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=int, default=100, help="size of each text in KB (default 100)")
    args = parser.parse_args()
    size = args.kb * 1024
    paragraphs: list[str] = []
    for name in ("cmrc2018_trial.json", "drcd_test.json"):
        data = json.loads((DATA / name).read_text(encoding="utf-8"))["data"]
        paragraphs += [p["context"] for a in data for p in a["paragraphs"]]
    prose = "\n\n".join(dict.fromkeys(paragraphs)).encode()[:size].decode("utf-8", "ignore")
    rng = random.Random(0)
    common = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    line = "".join(rng.choice(common) for _ in range(size // 3))
    encoder = get_encoder(Settings().encoder)
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("prose", prose), ("one unpunctuated line", line)):
            corpus = Path(tmp) / name.replace(" ", "-")
            corpus.mkdir()
            (corpus / "a.txt").write_text(text, encoding="utf-8")
            t = time.perf_counter()
            build_index(corpus, Path(tmp) / f"{corpus.name}-index", Settings(), encoder=encoder)
            seconds[name] = time.perf_counter() - t
            index = Index.load(Path(tmp) / f"{corpus.name}-index")
            longest_sentence = max(s.end - s.start for s in index.sentence_table)
            longest_paragraph = max(len(p.text) for p in index.paragraph_table)
            print(
                f"{name:>22}: {len(text.encode()) / 1024:.0f} KB indexed in {seconds[name]:.1f} s; "
                f"longest sentence {longest_sentence} chars, longest paragraph {longest_paragraph} chars",
                flush=True,
            )
    ratio = seconds["one unpunctuated line"] / seconds["prose"]
    print(f"ratio (unpunctuated line / prose): {ratio:.2f} (goal <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
