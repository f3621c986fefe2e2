"""Headless Chromium for end-to-end tests: Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def page(width: int = 1300, height: int = 900) -> Iterator[Any]:
    """One page in a browser of its own."""
    with browser() as chromium:
        yield chromium.new_page(viewport={"width": width, "height": height})


@contextmanager
def browser() -> Iterator[Any]:
    """A browser in which each ``new_context()`` is a visitor of its own (own storage, own
    cookies)."""
    if not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
