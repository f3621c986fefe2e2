"""What the chat app does when a visitor acts: answer a question (in the chat and through the
``ask`` API), upload files into their workspace, bring a conversation back after a reload,
copy an answer; and the source viewer's route. :mod:`qa.present.webapp` lays the page out
and wires these to it."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import gradio as gr

from qa.answer import Answer, Citation, Source
from qa.errors import QAError, QuestionEmpty, QuestionError, QuestionTooLong
from qa.index.corpus import ArticleOutline
from qa.present.render import answer_html, answer_plain, citation_label, sources_html
from qa.present.viewer import Place, cited_place, outline_html, parse_place, source_page
from qa.present.webfeedback import Turn
from qa.present.workspace import Workspaces
from qa.read.assistant import Assistant

log = logging.getLogger(__name__)
TURNS_KEPT = 50  # answers remembered (for copy and feedback) in the browser's storage
PROGRESS = gr.Progress(track_tqdm=True)  # Gradio fills in a handler's progress argument per call


class Handlers:
    """The app's event handlers over one assistant (and the visitors' workspaces, if any)."""

    def __init__(self, assistant: Assistant, spaces: Workspaces | None, host_articles: list[ArticleOutline]) -> None:
        self.assistant = assistant
        self.spaces = spaces
        self.limit = assistant.settings.max_question_chars
        self.host_panel = outline_html(host_articles, None, "已索引的文档")
        self.host_corpus = assistant.store.fingerprint()

    def linker(self, token: str | None, mine: set[str]) -> Any:
        """Links to the source viewer for this visitor (their own documents in their workspace)."""
        ws = self.spaces.get(token) if self.spaces is not None else None
        public = ws.public if ws is not None else None

        def link(c: Citation | Source) -> str:
            workspace = public if c.doc in mine else None
            if isinstance(c, Citation):
                return cited_place(c, workspace).url()
            return Place(c.doc, c.article, c.paragraph, workspace=workspace).url()

        return link

    def respond(
        self,
        question: str,
        chat: list[dict[str, Any]],
        turns: list[dict[str, Any]],
        top_k: float,
        show_scores: bool,
        only_mine: bool,
        token: str | None,
    ) -> tuple[Any, ...]:
        chat, turns = list(chat or []), list(turns or [])
        question = (question or "").strip()
        if not question:
            return chat, gr.skip(), "", turns, gr.skip(), gr.skip()
        if len(question) > self.limit:  # refused before it is shown; the box keeps it for editing
            chat.append({"role": "assistant", "content": f"⚠️ {_friendly(QuestionTooLong(len(question), self.limit), self.limit)}"})
            return chat, gr.skip(), gr.skip(), turns, gr.skip(), gr.skip()
        earlier = [t for m in chat if m.get("role") == "user" and (t := _text(m.get("content")))]
        chat.append({"role": "user", "content": question})
        try:
            cited = Turn.last_cited(turns)
            if self.spaces is not None:
                answer, mine = self.spaces.ask(token, question, int(top_k), earlier, only_mine, cited)
            else:
                answer, mine = self.assistant.ask(question, int(top_k), history=earlier, cited=cited), set()
        except QAError as exc:
            chat.append({"role": "assistant", "content": f"⚠️ {_friendly(exc, self.limit)}"})
            return chat, "", "", turns, gr.skip(), gr.skip()
        except Exception:  # never show a traceback to a visitor
            log.exception("ask failed")
            chat.append({"role": "assistant", "content": "⚠️ 出错了，请稍后再试。"})
            return chat, "", "", turns, gr.skip(), gr.skip()
        link = self.linker(token, mine)
        chat.append({"role": "assistant", "content": answer_html(answer, show_scores, link)})
        turns.append(self._turn(len(chat) - 1, answer, mine, token).to_dict())
        turns = turns[-TURNS_KEPT:]
        plain = answer_plain(answer)
        return chat, sources_html(answer, show_scores, link), "", turns, {"chat": chat, "turns": turns}, plain

    def ask(self, question: str, top_k: int = 5, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question; returns the `qa ask --json` contract. ``history``: the
        conversation's earlier questions, oldest first, which a follow-up is read with. A
        client's mistake (an empty, over-long or non-text question, a bad top_k or history)
        gets the CLI's words as a ``gr.Error``, and the server logs no traceback for it."""
        try:
            if history is not None and (
                not isinstance(history, list) or not all(isinstance(h, str) for h in history)
            ):
                raise QuestionError("history must be a list of the earlier questions (text)")
            return self.assistant.ask(question, _top_k(top_k), history=history or ()).to_dict()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception:
            log.exception("ask failed")
            raise gr.Error(
                "the question could not be answered (server error)", print_exception=False
            ) from None

    def lookup(self, source: dict[str, Any] | None, token: str | None) -> tuple[str, str] | None:
        """A feedback source's paragraph as indexed now, and its index's fingerprint."""
        if source is None:
            return "", self.host_corpus
        ws = self.spaces.get(token) if self.spaces is not None and source.get("mine") else None
        store = ws.assistant.store if ws is not None and ws.assistant is not None else None
        if source.get("mine") and store is None:
            return None
        corpus = ws.corpus if ws is not None else self.host_corpus
        store = store or self.assistant.store
        try:
            key = (str(source["doc"]), int(source["article"]), int(source["paragraph"]))
            paragraph = next(
                (p for p in store.document(key[0]) if (p.article, p.paragraph) == key[1:]), None
            )
        except (KeyError, TypeError, ValueError, QAError):
            return None
        return (paragraph.text, corpus) if paragraph is not None else None

    def documents_panel(self, token: str | None) -> str:
        ws = self.spaces.get(token) if self.spaces is not None else None
        mine = outline_html(ws.outline(), ws.public, "我上传的文件") if ws is not None else ""
        return mine + self.host_panel

    def upload(
        self, files: list[str] | None, token: str | None, request: gr.Request, progress: Any = PROGRESS
    ) -> tuple[Any, ...]:
        if self.spaces is None or not files:
            return token, gr.skip(), None, gr.skip(), gr.skip()
        ws = self.spaces.open(token, getattr(request, "session_hash", None))
        try:
            added = self.spaces.add(ws, [Path(f) for f in files], lambda text: progress(0, desc=text))
        except Exception:  # never a traceback for a visitor
            log.exception("upload failed")
            return ws.token, "⚠️ 上传失败，请稍后再试。", None, gr.skip(), f"{ws.cookie}={ws.token}"
        lines = [f"已加入：{html.escape('、'.join(added.taken))}"] if added.taken else []
        lines += [f"未加入 {html.escape(name)}：{html.escape(reason)}" for name, reason in added.refused]
        return ws.token, "\n\n".join(lines), None, self.documents_panel(ws.token), f"{ws.cookie}={ws.token}"

    @staticmethod
    def restore(saved: dict[str, Any] | None) -> tuple[Any, ...]:
        saved = saved or {}
        return list(saved.get("chat") or []), list(saved.get("turns") or [])

    @staticmethod
    def pick_turn(turns: list[dict[str, Any]], event: gr.SelectData) -> str:
        turn = Turn.find(turns, event.index)
        return turn.plain if turn is not None else gr.skip()

    def _turn(self, index: int, answer: Answer, mine: set[str], token: str | None) -> Turn:
        ws = self.spaces.get(token) if self.spaces is not None else None
        from_upload = bool(answer.citations) and answer.citations[0].doc in mine
        corpus = ws.corpus if ws is not None and from_upload else self.host_corpus
        labels = [citation_label(p, n) for n, p in enumerate(answer.passages, 1)]
        return Turn.of(index, answer, mine, corpus, answer_plain(answer), labels)


def source_route(assistant: Assistant, spaces: Workspaces | None) -> Any:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    def source(request: Request) -> HTMLResponse:
        try:
            place = parse_place(dict(request.query_params))
        except ValueError as exc:
            return HTMLResponse(f"<p>这个链接不完整：{html.escape(str(exc))}</p>", status_code=400)
        if place.workspace:
            ws = spaces.viewable(place.workspace, dict(request.cookies)) if spaces is not None else None
            store = ws.assistant.store if ws is not None and ws.assistant is not None else None
        else:
            store = assistant.store
        try:
            paragraphs = store.document(place.doc) if store is not None else []
        except QAError as exc:
            return HTMLResponse(f"<p>索引无法读取：{html.escape(str(exc))}</p>", status_code=503)
        return HTMLResponse(source_page(paragraphs, place), status_code=200 if paragraphs else 404)

    return Route("/source", source, methods=["GET"])


def _text(content: Any) -> str:
    """A chat message's text: Gradio hands messages back as a string or as a list of parts
    (``{"type": "text", "text": …}``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type", "text") == "text")
    return ""


def _top_k(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 50:
        raise QuestionError("top_k must be a number from 1 to 50")
    return int(value)


def _friendly(exc: QAError, limit: int) -> str:
    if isinstance(exc, QuestionTooLong):
        return f"问题有 {exc.length} 字，超过了 {exc.limit} 字的上限，请缩短后再问。"
    if isinstance(exc, QuestionEmpty):
        return "请输入问题。"
    return "无法回答这个问题：" + str(exc)
