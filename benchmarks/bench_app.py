"""Many users at once: 20 concurrent gradio_client users x 10 questions against the app.

    python benchmarks/bench_app.py [--users 20] [--questions 10] [--flood 150]

Starts `app.py` on a free port with the seed index, measures single-user latency first, then
the concurrent run, in the same process. Prints errors, p50/p95 latency, and the ratio of the
concurrent p50 to the single-user p50. Then a flood: ``--flood`` clients ask one question each
at the same moment, more than the app's queue (64) holds; each is answered or rejected with
the queue's own message ("queue is full"), any other failure counts as an error, and a single
user must be answered again afterwards (recovered).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from common import ROOT, percentile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--flood", type=int, default=150, help="clients at once in the flood (0: none)")
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
                client = Client(url, verbose=False)
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
            started = time.perf_counter()
            with ThreadPoolExecutor(args.users) as pool:
                results = list(pool.map(user, range(args.users)))
            wall = time.perf_counter() - started
            flood = _flood(url, questions, args.flood) if args.flood else None
            recovered, recovery_errors = user(1) if args.flood else ([], 0)
        finally:
            server.terminate()
            server.wait(timeout=30)
    times = [t for r in results for t in r[0]]
    errors = sum(r[1] for r in results) + single_errors
    s50, c50, c95 = percentile(single, 50), percentile(times, 50), percentile(times, 95)
    print(f"single user: {len(single)} questions, p50 {s50:.0f} ms, p95 {percentile(single, 95):.0f} ms")
    print(
        f"{args.users} users x {args.questions}: {len(times)} questions in {wall:.1f} s, errors {errors}, "
        f"p50 {c50:.0f} ms, p95 {c95:.0f} ms, p50 ratio to single user {c50 / s50:.1f}x"
    )
    if flood is not None:
        answered, rejected, other = flood
        ok = len(recovered) == args.questions and not recovery_errors
        print(
            f"flood of {args.flood} clients at once: answered {answered}, rejected cleanly {rejected}, "
            f"other errors {other}; recovered after: {'yes' if ok else 'no'}"
        )
        errors += other + (not ok)
    return 1 if errors else 0


def _flood(url: str, questions: list[str], clients: int) -> tuple[int, int, int]:
    """``clients`` one-question clients released together: (answered, rejected, other errors)."""
    import contextlib
    import threading

    from gradio_client import Client

    ready = threading.Barrier(clients)

    def one(n: int) -> str:
        try:
            client = Client(url, verbose=False)
        except Exception:
            ready.abort()
            return "other"
        with contextlib.suppress(threading.BrokenBarrierError):  # start together where they can
            ready.wait(timeout=300)
        try:
            result = client.predict(questions[n % len(questions)], 5, api_name="/ask")
            return "answered" if isinstance(result, dict) and "answer" in result else "other"
        except Exception as exc:  # the queue's refusal is the clean outcome
            text = str(exc).lower()
            return "rejected" if "queue" in text and "full" in text else "other"

    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(one, range(clients)))
    return outcomes.count("answered"), outcomes.count("rejected"), outcomes.count("other")


if __name__ == "__main__":
    sys.exit(main())
