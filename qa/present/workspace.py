"""Private workspaces for a demo's visitors: the files one browser session uploads, indexed by
the same ingest and build as ``qa index`` into a folder of its own, answered together with the
host's index (or alone), and deleted when the session ends or has been idle too long.

The host's index is only read. A workspace is named by a random secret that only its session
holds; the source viewer's links name it by a public id, and the viewer shows its paragraphs
only to a browser holding the secret in the cookie ``qa_ws_<public id>`` (set at upload). So
no other visitor can list, search or view it, even with a link; the uploaded files themselves
are never served back.

An upload is indexed in a child process at low priority (:mod:`qa.present.workspace_build`).
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.answer import Answer, Source
from qa.errors import NothingToIndexError, QAError
from qa.index.corpus import ArticleOutline
from qa.index.local import Index
from qa.ingest.documents import Skipped
from qa.ingest.loaders import SUFFIXES
from qa.present import workspace_build
from qa.read.assistant import Assistant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadLimits:
    file_mb: float = 20.0  # per file
    files: int = 20  # per session
    idle_minutes: float = 30.0  # a workspace unused this long is deleted

    @property
    def file_bytes(self) -> int:
        return int(self.file_mb * 2**20)


@dataclass
class Workspace:
    token: str  # the secret its session holds
    public: str  # what links name it by
    folder: Path  # files/ (the uploads) and index/ (their index)
    assistant: Assistant | None = None
    # what its index holds, read once when it is built (its index changes only then)
    articles: list[ArticleOutline] = field(default_factory=list)
    corpus: str = ""  # its index's fingerprint
    used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cookie(self) -> str:
        return f"qa_ws_{self.public}"

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def names(self) -> list[str]:
        return sorted(p.name for p in self.files.iterdir()) if self.files.is_dir() else []

    def outline(self) -> list[ArticleOutline]:
        return self.articles

    @property
    def docs(self) -> set[str]:
        return {a.doc for a in self.articles}


@dataclass(frozen=True)
class Added:
    """What an upload did: the files taken, those refused with the reason, the build's summary."""

    taken: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]
    summary: str = ""


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder or hide (path parts, control characters and
    leading dots removed; at most 120 characters, the extension kept)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\:]", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).lstrip(". ")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot else name[:120]
    return name or "upload"


class Workspaces:
    """Every visitor's workspace, under one temporary root folder."""

    def __init__(
        self,
        host: Assistant,
        limits: UploadLimits = UploadLimits(),
        root: Path | None = None,
        host_articles: list[ArticleOutline] | None = None,
    ) -> None:
        """``host_articles``: the host index's outline, where the caller has read it already."""
        self.host = host
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="qa-uploads-", dir=root))
        self._spaces: dict[str, Workspace] = {}
        self._sessions: dict[str, str] = {}  # browser session -> its workspace's token
        self._lock = threading.Lock()
        articles = host.store.outline() if host_articles is None else host_articles
        self._host_docs = {a.doc for a in articles}

    def get(self, token: str | None) -> Workspace | None:
        with self._lock:
            ws = self._spaces.get(token) if token else None
        if ws is not None:
            ws.used = time.monotonic()
        return ws

    def open(self, token: str | None, session: str | None = None) -> Workspace:
        """The session's workspace, made on its first upload (two uploads of one browser
        session at once share one: ``session`` names it until its token is known)."""
        self.sweep()
        with self._lock:
            if not token and session:
                token = self._sessions.get(session)
            ws = self._spaces.get(token) if token else None
            if ws is None:
                token = secrets.token_urlsafe(18)
                ws = Workspace(token, secrets.token_hex(8), self.root / secrets.token_hex(8))
                ws.files.mkdir(parents=True)
                self._spaces[token] = ws
                if session:
                    self._sessions[session] = token
        ws.used = time.monotonic()
        return ws

    def viewable(self, public: str, cookies: dict[str, str]) -> Workspace | None:
        """The workspace a viewer link names, if this browser holds its secret."""
        with self._lock:
            ws = next((w for w in self._spaces.values() if w.public == public), None)
        held = cookies.get(ws.cookie, "") if ws is not None else ""
        if ws is None or not secrets.compare_digest(held.encode("utf-8", "replace"), ws.token.encode()):
            return None
        ws.used = time.monotonic()
        return ws

    def drop(self, token: str | None) -> None:
        """Delete a workspace and its files (the session ended)."""
        with self._lock:
            ws = self._spaces.pop(token, None) if token else None
            for session in [k for k, v in self._sessions.items() if v == token]:
                del self._sessions[session]
        if ws is not None:
            with ws.lock:  # not while an upload is being indexed into it
                shutil.rmtree(ws.folder, ignore_errors=True)

    def sweep(self) -> None:
        """Delete every workspace idle longer than the limit."""
        cutoff = time.monotonic() - self.limits.idle_minutes * 60
        with self._lock:
            stale = [t for t, ws in self._spaces.items() if ws.used < cutoff and not ws.lock.locked()]
        for token in stale:
            self.drop(token)

    def close(self) -> None:
        with self._lock:
            self._spaces.clear()
            self._sessions.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def add(
        self, ws: Workspace, uploads: Sequence[Path], progress: Callable[[str], None] = lambda _: None
    ) -> Added:
        """Copy ``uploads`` (Gradio's temporary files, deleted here) into the workspace within
        the limits, then index the workspace's files as ``qa index`` would."""
        taken: list[str] = []
        refused: list[tuple[str, str]] = []
        with ws.lock:
            have = len(ws.names())
            for path in uploads:
                name = safe_name(path.name)
                try:
                    reason = self._refusal(path, name, have)
                    if reason:
                        refused.append((name, reason))
                    else:
                        name = self._free_name(ws, name)
                        shutil.copyfile(path, ws.files / name)
                        taken.append(name)
                        have += 1
                except OSError as exc:
                    refused.append((name, f"无法读取（{exc.strerror or type(exc).__name__}）"))
                finally:
                    path.unlink(missing_ok=True)  # never kept where Gradio could serve it back
            if not taken:
                return Added((), tuple(refused))
            progress(f"正在索引 {len(taken)} 个文件 …")
            try:
                skipped, summary = self._build(ws)
            except QAError as exc:  # none of the files has text, or the build failed: they go
                for name in taken:
                    (ws.files / name).unlink(missing_ok=True)
                if not isinstance(exc, NothingToIndexError):
                    log.error("workspace build failed: %s", exc)
                    return Added((), tuple(refused) + tuple((n, "索引失败（服务器错误）") for n in taken))
                # (by file name only: the paths name the server's folders)
                reasons = {Path(path).name: reason for path, reason in exc.skipped}
                return Added((), tuple(refused) + tuple((n, reasons.get(n, "没有可索引的文字")) for n in taken))
            refused += [(Path(s.path).name, s.reason) for s in skipped if Path(s.path).name in taken]
            try:
                store = Index.load(ws.folder / "index", self.host.encoder.name)
            except QAError as exc:
                log.error("workspace index unreadable: %s", exc)
                return Added((), tuple(refused) + tuple((n, "索引失败（服务器错误）") for n in taken))
            ws.assistant = Assistant(store, self.host.encoder, self.host.settings, self.host.reader)
            ws.articles, ws.corpus = store.outline(), store.fingerprint()
            ws.used = time.monotonic()
            bad = {n for n, _ in refused}
            return Added(tuple(n for n in taken if n not in bad), tuple(refused), summary)

    def _free_name(self, ws: Workspace, name: str) -> str:
        """``name``, or ``stem（上传N）.ext`` where the host or an earlier upload has it."""
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        n = 1
        while name in self._host_docs or (ws.files / name).exists():
            name = f"{stem}（上传{n}）{dot}{ext}"
            n += 1
        return name

    def _build(self, ws: Workspace) -> tuple[list[Skipped], str]:
        return workspace_build.build(ws.files, ws.folder / "index", self.host.encoder)

    def _refusal(self, path: Path, name: str, have: int) -> str:
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            return f"不支持的文件类型 {suffix or '（无扩展名）'}（可上传 {' '.join(SUFFIXES)}）"
        size = path.stat().st_size
        if size > self.limits.file_bytes:
            return f"文件有 {size / 2**20:.1f} MB，超过了 {self.limits.file_mb:g} MB 的上限"
        if have >= self.limits.files:
            return f"每个会话最多上传 {self.limits.files} 个文件"
        return ""

    def ask(
        self,
        token: str | None,
        question: str,
        top_k: int | None = None,
        history: Sequence[str] = (),
        only_mine: bool = False,
        cited: str | None = None,
    ) -> tuple[Answer, set[str]]:
        """Answer from the host's index and the session's workspace together (or the
        workspace alone); returns the answer and which of its documents are the visitor's."""
        self.sweep()
        ws = self.get(token)
        mine = ws.assistant if ws is not None else None
        if mine is None:
            if only_mine:
                raise QAError("还没有上传文件：先上传文件，或取消“只问我的文件”")
            return self.host.ask(question, top_k, history, cited), set()
        theirs = mine.ask(question, top_k, history, cited)
        docs = ws.docs if ws is not None else set()
        if only_mine:
            return theirs, docs
        return merge(theirs, self.host.ask(question, top_k, history, cited), top_k or self.host.settings.top_k), docs


def merge(mine: Answer, host: Answer, top_k: int) -> Answer:
    """One answer from two indexes' answers: the one that answers with the higher calibrated
    confidence (an answer beats an abstention), with the sources of both interleaved by rank."""
    first, second = (mine, host) if (not mine.abstained, mine.confidence) >= (not host.abstained, host.confidence) else (host, mine)
    passages: list[Source] = []
    for pair in zip(first.passages, second.passages, strict=False):
        passages.extend(pair)
    longer = first.passages if len(first.passages) > len(second.passages) else second.passages
    passages.extend(longer[min(len(first.passages), len(second.passages)) :])
    return replace(first, passages=tuple(passages[:top_k]))

