"""Starting the app: the index is built when missing or stale, rebuilt when damaged, and read
(checksummed) once otherwise."""

from pathlib import Path

import pytest

import app
import qa.index.local
from qa.present import launch
from tests.conftest import write_corpus


class _Page:
    def launch(self, **_):
        pass


@pytest.fixture
def started(monkeypatch, tmp_path):
    monkeypatch.setattr(launch, "build_app", lambda assistant, examples, *_: _Page())
    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"

    def start() -> int:
        return app.main(["--index", str(index), "--corpus", str(corpus)])

    return start, index


def _artefact(index: Path) -> Path:
    return max(
        (p for p in index.rglob("*") if p.is_file() and p.name != "manifest.json"),
        key=lambda p: p.stat().st_size,
    )


def test_the_app_builds_a_missing_index_then_reads_each_artefact_once(started, monkeypatch, capsys):
    start, _ = started
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    read: list[Path] = []
    digest = qa.index.local.manifest.sha256_file
    monkeypatch.setattr(qa.index.local.manifest, "sha256_file", lambda path: read.append(path) or digest(path))
    assert start() == 0
    assert "building the index" not in capsys.readouterr().out
    assert read and len(read) == len(set(read))  # every artefact checked, none twice


def test_the_app_rebuilds_a_damaged_index(started, capsys):
    start, index = started
    assert start() == 0
    path = _artefact(index)
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0x01]))  # same size, wrong checksum
    capsys.readouterr()
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    qa.index.local.Index.load(index)  # sound again


def test_the_app_rebuilds_an_index_whose_manifest_lost_a_key(started, capsys):
    start, index = started
    assert start() == 0
    manifest = index / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"sha256"', '"sha2X6"', 1), encoding="utf-8")
    capsys.readouterr()
    assert start() == 0
    assert "building the index" in capsys.readouterr().out
    qa.index.local.Index.load(index)


_SPY = r"""
import json, os, socket, sys, threading, time, urllib.request
hosts, peers = [], []
real_lookup, real_connect = socket.getaddrinfo, socket.socket.connect
def lookup(host, *args, **kwargs):
    hosts.append(host if isinstance(host, str) or host is None else host.decode())
    return real_lookup(host, *args, **kwargs)
def connect(self, address):
    peers.append(address[0] if isinstance(address, tuple) else str(address))
    return real_connect(self, address)
socket.getaddrinfo, socket.socket.connect = lookup, connect
import app
port = sys.argv[1]
threading.Thread(target=app.main, args=(sys.argv[2:] + ["--port", port],), daemon=True).start()
for _ in range(600):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5).read()
        break
    except OSError:
        time.sleep(0.2)
urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
time.sleep(3)  # what a start sends in its background threads
print(json.dumps({"hosts": hosts, "peers": peers}))
sys.stdout.flush()
os._exit(0)
"""


def test_the_app_looks_up_no_host_and_connects_nowhere_but_itself(tmp_path):
    """No telemetry, version check or font fetch at start: every name looked up and every
    connection made (the app's own readiness checks) is this machine's."""
    import json
    import socket
    import subprocess
    import sys

    from tests.conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("GRADIO_")}
    run = subprocess.run(
        [sys.executable, "-c", _SPY, port, "--index", str(index), "--corpus", str(corpus), "--reader", "none"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    local = {"127.0.0.1", "localhost", "::1", None, ""}
    assert set(seen["hosts"]) <= local, seen["hosts"]
    assert set(seen["peers"]) <= local, seen["peers"]
