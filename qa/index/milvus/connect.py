"""Reaching Milvus: the client (Lite or a server), one name prefix's collections and the calls
every part of the store makes on them, and reads that fail inside Milvus told in one line."""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from qa.errors import IndexCorruptError, QAError
from qa.index.milvus.schema import STAT_FIELDS

T = TypeVar("T")


def connect(uri: str, token: str | None) -> Any:
    lite = not uri.startswith(("http://", "https://", "tcp://", "unix:"))
    if lite:
        # Lite's in-process gRPC server and pymilvus's keep-alive pings disagree; gRPC logs each
        # GOAWAY it answers to stderr. Quiet that (before gRPC loads); errors still raise.
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise QAError("the Milvus back-end needs the `milvus` extra: pip install -e '.[milvus]'") from exc
    # Over Milvus Lite, pymilvus warns on every query iterator and the in-process gRPC server logs
    # a traceback for the timestamp call Lite does not implement (the iterator carries on).
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if lite:
        if not uri.endswith(".db"):
            raise QAError(f"{uri}: a Milvus Lite file must end in .db (or give http://host:19530)")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # pymilvus raises its own exception types for unreachable servers
        if lite and Path(uri).is_file():  # Milvus Lite keeps a folder at its .db path
            raise IndexCorruptError(
                f"{uri} is not a Milvus Lite store (a file, where Lite keeps a folder): move it away "
                f"or delete it, then build with `qa index --backend milvus`"
            ) from exc
        if lite and "Open local milvus failed" in str(exc):
            raise QAError(
                f"cannot open the Milvus Lite file {uri}: another process has it open (Lite serves one "
                f"process at a time; stop the other one, e.g. the app, or run a Milvus server for several)"
            ) from exc
        raise QAError(f"cannot connect to Milvus at {uri}: {exc}") from exc


def holder() -> dict[str, Any]:
    """This process, as a writer lease names it."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "at": time.time()}


def summary(exc: BaseException) -> str:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def reading(method: Callable[..., T]) -> Callable[..., T]:
    """A read that fails inside Milvus (a segment gone since the store was opened) raises
    :class:`qa.errors.IndexCorruptError` with the reason, not pymilvus's traceback."""

    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except QAError:
            raise
        except Exception as exc:
            raise IndexCorruptError(
                f"Milvus collection {self.name!r} at {self.uri} could not be read ({summary(exc)}): "
                "the store may be damaged; rebuild it with `qa index --backend milvus --rebuild`"
            ) from exc

    return guarded



class Collections:
    """The collections named ``NAME_*`` in one Milvus, and the calls made on them."""

    def __init__(self, client: Any, uri: str, name: str) -> None:
        self.client = client
        self.uri = uri
        self.name = name

    def upsert(self, suffix: str, rows: list[dict[str, Any]], batch: int = 1000) -> None:
        for start in range(0, len(rows), batch):
            self.client.upsert(f"{self.name}_{suffix}", rows[start : start + batch])

    def scan(self, suffix: str, fields: list[str], where: str = "") -> Iterable[dict[str, Any]]:
        iterator = self.client.query_iterator(
            f"{self.name}_{suffix}", batch_size=1000, filter=where, output_fields=fields
        )
        try:
            while rows := iterator.next():
                yield from rows
        finally:
            iterator.close()

    def rows(self, suffix: str, where: str = "") -> int:
        found = self.client.query(f"{self.name}_{suffix}", filter=where, output_fields=["count(*)"])
        return int(found[0]["count(*)"]) if found else 0

    def stats(self, ids: list[int]) -> list[dict[str, Any]]:
        """Rows of ``NAME_stats`` by key (asked for in batches Milvus accepts)."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 4096):
            rows += self.client.get(
                f"{self.name}_stats",
                ids=ids[start : start + 4096],
                output_fields=STAT_FIELDS,
            )
        return rows

    def damaged(self, what: str) -> IndexCorruptError:
        return IndexCorruptError(
            f"Milvus collection {self.name!r} at {self.uri} is damaged: {what}; "
            "rebuild it with `qa index --backend milvus --rebuild`"
        )
