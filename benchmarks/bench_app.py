"""Many users at once: 20 concurrent gradio_client users x 10 questions against the app.

    python benchmarks/bench_app.py [--users 20] [--questions 10] [--flood 150]

Starts `app.py` on a free port with the seed index, measures single-user latency first, then
the concurrent run, in the same process. Prints errors, p50/p95 latency, and the ratio of the
concurrent p50 to the single-user p50, and the app's peak resident set (``VmHWM``: the index
built and the reader loaded in that process; goal <= 1.5 GB). Then a flood: ``--flood`` clients connect (timed, with a
browser's patience), then ask one question each at the same moment, more than the app's queue
(64) holds; a client that cannot connect is an error; each is answered or rejected with
the queue's own message ("queue is full"), any other failure counts as an error, and a single
user must be answered again afterwards (recovered).

Last, uploads (``--upload-users 4``, 0: skip): that many users ask for a while, then ask again
while one visitor uploads a 5 MB PDF (about 20 pages of text and a photo) through the page in
Chromium; prints both p95s, their ratio (goal <= 2) and how long the upload took to index.
Needs chromium and the dev extra (playwright, reportlab).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import ROOT, percentile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_mb(pid: int) -> float:
    """The peak resident set of process ``pid`` so far, in MB (``VmHWM`` in /proc; 0 elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
    return int(kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--flood", type=int, default=150, help="clients at once in the flood (0: none)")
    parser.add_argument("--upload-users", type=int, default=4, help="users asking during the upload (0: skip)")
    args = parser.parse_args()
    from gradio_client import Client

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "app.py"),
                "--index",
                f"{tmp}/ix",
                "--corpus",
                str(ROOT / "seeds"),
                "--port",
                str(port),
                "--uploads",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.time() + 300
            while True:
                try:
                    Client(url, verbose=False)
                    break
                except Exception:
                    if time.time() > deadline or server.poll() is not None:
                        print("the app did not start", file=sys.stderr)
                        return 1
                    time.sleep(1)

            def user(n: int) -> tuple[list[float], int]:
                client = _connect(url)
                times, errors = [], 0
                for k in range(args.questions):
                    q = questions[(n * args.questions + k) % len(questions)]
                    t = time.perf_counter()
                    try:
                        result = client.predict(q, 5, api_name="/ask")
                        errors += not isinstance(result, dict) or "answer" not in result
                    except Exception:
                        errors += 1
                    times.append(1000 * (time.perf_counter() - t))
                return times, errors

            single, single_errors = user(0)
            single_peak = peak_mb(server.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.users) as pool:
                results = list(pool.map(user, range(args.users)))
            wall = time.perf_counter() - started
            flood = _flood(url, questions, args.flood) if args.flood else None
            recovered, recovery_errors = user(1) if args.flood else ([], 0)
            uploaded = _uploads(url, questions, args.upload_users, Path(tmp)) if args.upload_users else None
            peak = peak_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    times = [t for r in results for t in r[0]]
    errors = sum(r[1] for r in results) + single_errors
    s50, c50, c95 = percentile(single, 50), percentile(times, 50), percentile(times, 95)
    print(f"single user: {len(single)} questions, p50 {s50:.0f} ms, p95 {percentile(single, 95):.0f} ms")
    print(f"app.py peak resident (VmHWM): {single_peak:.0f} MB after the single user, {peak:.0f} MB at the end (goal <= 1536)")
    print(
        f"{args.users} users x {args.questions}: {len(times)} questions in {wall:.1f} s, errors {errors}, "
        f"p50 {c50:.0f} ms, p95 {c95:.0f} ms, p50 ratio to single user {c50 / s50:.1f}x"
    )
    if flood is not None:
        answered, rejected, other, unconnected, connect_s = flood
        ok = len(recovered) == args.questions and not recovery_errors
        print(
            f"flood of {args.flood} clients: {args.flood - unconnected} connected in {connect_s:.1f} s "
            f"(failed {unconnected}), then asking at once: answered {answered}, rejected cleanly "
            f"{rejected}, other errors {other}; recovered after: {'yes' if ok else 'no'}"
        )
        errors += other + unconnected + (not ok)
    if uploaded is not None:
        quiet, busy, seconds, upload_errors, size = uploaded
        q95, b95 = percentile(quiet, 95), percentile(busy, 95)
        print(
            f"{args.upload_users} users asking while one uploads a {size / 2**20:.1f} MB PDF: p95 {q95:.0f} ms before, "
            f"{b95:.0f} ms during, ratio {b95 / q95:.2f} (goal <= 2); indexed in {seconds:.1f} s; "
            f"errors {upload_errors}"
        )
        errors += upload_errors
    return 1 if errors else 0


def _connect(url: str, within_s: float = 120) -> Any:
    """A client, retried while the server is still working off a flood's queue."""
    from gradio_client import Client

    deadline = time.time() + within_s
    while True:
        try:
            return Client(url, verbose=False)
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(2)


def _uploads(
    url: str, questions: list[str], users: int, tmp: Path
) -> tuple[list[float], list[float], float, int, int]:
    """Latencies of ``users`` askers for 30 s without uploads, then while a browser uploads a
    5 MB PDF (until it is indexed): (quiet, busy, seconds to index, errors, the PDF's bytes)."""
    import threading

    from gradio_client import Client

    pdf = _five_mb_pdf(tmp / "upload.pdf")
    stop = threading.Event()

    def asker(n: int, out: list[float], errors: list[int]) -> None:
        client = Client(url, verbose=False)
        k = 0
        while not stop.is_set():
            t = time.perf_counter()
            try:
                result = client.predict(questions[(n * 7 + k) % len(questions)], 5, api_name="/ask")
                errors[0] += not isinstance(result, dict)
            except Exception:
                errors[0] += 1
            out.append(1000 * (time.perf_counter() - t))
            k += 1

    def phase(during: Callable[[], None]) -> tuple[list[float], int]:
        out: list[float] = []
        errors = [0]
        stop.clear()
        threads = [threading.Thread(target=asker, args=(n, out, errors)) for n in range(users)]
        for t in threads:
            t.start()
        during()
        stop.set()
        for t in threads:
            t.join()
        return out, errors[0]

    quiet, quiet_errors = phase(lambda: time.sleep(30))
    took = [0.0, 0]

    def upload() -> None:
        from playwright.sync_api import sync_playwright

        from tests.browser import ARGS, CHROMIUM

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("tab", name="文档").click()
            t = time.perf_counter()
            page.set_input_files("#upload input[type=file]", str(pdf))
            page.wait_for_selector("#upload-status >> text=已加入", timeout=900_000)
            took[0] = time.perf_counter() - t
            browser.close()

    busy, busy_errors = phase(upload)
    return quiet, busy, took[0], quiet_errors + busy_errors, pdf.stat().st_size


def _five_mb_pdf(path: Path) -> Path:
    """About 20 pages of Chinese text from the test articles and one 4.5 MB photo-like image."""
    import numpy as np
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    articles = json.loads((ROOT / "tests" / "data" / "articles.json").read_text(encoding="utf-8"))
    pdf = canvas.Canvas(str(path))
    for round_ in range(2):
        for a in articles:
            y = 800
            pdf.setFont("STSong-Light", 16)
            pdf.drawString(60, y, f"{a['title']}（{round_ + 1}）")
            pdf.setFont("STSong-Light", 10.5)
            for para in a["paragraphs"]:
                y -= 24
                for start in range(0, len(para), 44):
                    if y < 60:
                        pdf.showPage()
                        pdf.setFont("STSong-Light", 10.5)
                        y = 800
                    pdf.drawString(60, y, para[start : start + 44])
                    y -= 16
            pdf.showPage()
    noise = np.random.default_rng(0).integers(0, 256, (1150, 1150, 3), dtype=np.uint8)
    pdf.drawImage(ImageReader(Image.fromarray(noise)), 40, 200, width=500, height=500)
    pdf.showPage()
    pdf.save()
    return path


def _flood(url: str, questions: list[str], clients: int) -> tuple[int, int, int, int, float]:
    """``clients`` one-question clients, connected first, then asking together.

    Returns (answered, rejected, other errors, failed connects, seconds to connect them all).
    Connecting is timed on its own: 150 clients fetching the page's config at once on two
    shared cores take longer than gradio_client's default five seconds, which is a client's
    impatience, not the queue under test, so they get a browser's patience (60 s).
    """
    import threading

    from gradio_client import Client

    def connect(_: int) -> Any:
        try:
            return Client(url, verbose=False, httpx_kwargs={"timeout": 60})
        except Exception:
            return None

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        connected = [c for c in pool.map(connect, range(clients)) if c is not None]
    connect_s = time.perf_counter() - started
    ready = threading.Barrier(len(connected)) if connected else None

    def one(n: int) -> str:
        assert ready is not None
        ready.wait(timeout=300)
        try:
            result = connected[n].predict(questions[n % len(questions)], 5, api_name="/ask")
            return "answered" if isinstance(result, dict) and "answer" in result else "other"
        except Exception as exc:  # the queue's refusal is the clean outcome
            text = str(exc).lower()
            return "rejected" if "queue" in text and "full" in text else "other"

    with ThreadPoolExecutor(max(1, len(connected))) as pool:
        outcomes = list(pool.map(one, range(len(connected))))
    for client in connected:
        client.close()
    return (
        outcomes.count("answered"),
        outcomes.count("rejected"),
        outcomes.count("other"),
        clients - len(connected),
        connect_s,
    )


if __name__ == "__main__":
    sys.exit(main())
