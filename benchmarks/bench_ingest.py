"""Ingest throughput against the bare text extraction of the same library, in the same run.

- PDF: the test corpus's two-column newspaper page and one-column notice, read ``--rounds``
  times by ``ingest_file`` (pdfplumber's characters, layout, paragraphs, articles) against
  pdfplumber's own ``extract_text`` of every page: pages/s and the ratio (goal <= 2).
- HTML: the corpus's CMS page repeated into one ~1 MB page, read by ``ingest_file`` (readability
  main content, blocks) against BeautifulSoup's ``get_text``: MB/s and the ratio.
- Text: the seed page repeated to ~2 MB, read by ``ingest_file`` (decode, layout repair,
  articles) against decoding alone: MB/s and the ratio.

    python benchmarks/bench_ingest.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from qa.ingest.documents import ingest_file

CORPUS = ROOT / "tests" / "data" / "corpus"


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def pdf_figures(rounds: int) -> dict[str, float]:
    import pdfplumber

    files = [CORPUS / "qingchuan_daily_p3.pdf", CORPUS / "heating_notice.pdf"]
    datas = [f.read_bytes() for f in files]
    pages = 0
    for data in datas:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages += len(pdf.pages)

    def bare() -> None:
        for _ in range(rounds):
            for data in datas:
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    for page in pdf.pages:
                        page.extract_text()

    def ours() -> None:
        for _ in range(rounds):
            for f in files:
                ingest_file(f)

    floor, full = _best(bare), _best(ours)
    n = pages * rounds
    return {"pages": n, "extract_pages_per_s": round(n / floor, 1), "ingest_pages_per_s": round(n / full, 1), "ratio": round(full / floor, 2)}


def html_figures(tmp: Path) -> dict[str, float]:
    from bs4 import BeautifulSoup

    page = (CORPUS / "library_notice.html").read_text(encoding="utf-8")
    head, body = page.split("<body>", 1)
    body = body.replace("</body></html>", "")
    copies = max(1, 1_000_000 // len(body.encode()))
    big = head + "<body>" + body * copies + "</body></html>"
    path = tmp / "big.html"
    path.write_text(big, encoding="utf-8")
    size = path.stat().st_size / 1e6
    floor = _best(lambda: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text("\n"))
    full = _best(lambda: ingest_file(path))
    return {"mb": round(size, 2), "extract_mb_per_s": round(size / floor, 2), "ingest_mb_per_s": round(size / full, 2), "ratio": round(full / floor, 2)}


def text_figures(tmp: Path) -> dict[str, float]:
    seed = (ROOT / "seeds" / "000_aa1ebb4fc6edc8ba.txt").read_bytes()
    path = tmp / "big.txt"
    path.write_bytes(b"\n\n".join([seed] * max(1, 2_000_000 // len(seed))))
    size = path.stat().st_size / 1e6
    floor = _best(lambda: path.read_bytes().decode("utf-8"))
    full = _best(lambda: ingest_file(path))
    return {"mb": round(size, 2), "decode_mb_per_s": round(size / floor, 1), "ingest_mb_per_s": round(size / full, 2), "ratio": round(full / floor, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="times each PDF is read per timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = {"pdf": pdf_figures(args.rounds), "html": html_figures(Path(tmp)), "text": text_figures(Path(tmp))}
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
