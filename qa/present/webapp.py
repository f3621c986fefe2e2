"""The Gradio chat app, built around any assistant (tests pass their own).

One named API endpoint, ``ask``, returns the JSON contract of ``qa ask --json`` for
``gradio_client``. Document text is escaped before highlighting; the queue is bounded and
concurrency limited; questions over the length limit are refused before they are shown.
Citations link to the source viewer (``/source``, :mod:`qa.present.viewer`); the conversation is kept
in the browser across a reload. With ``uploads`` a visitor's files are indexed into a private
workspace (:mod:`qa.present.workspace`); with ``feedback`` each answer's 👍/👎 (and the right span,
selected in its paragraph) is appended to a question set (:mod:`qa.evaluation.feedback`).
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# No telemetry from a document tool: Gradio's analytics call home at every start unless told.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa.answer import Answer, Citation, Source
from qa.errors import QAError, QuestionEmpty, QuestionError, QuestionTooLong
from qa.evaluation.feedback import FeedbackLog
from qa.present.render import answer_html, answer_plain, citation_label, sources_html
from qa.present.viewer import Place, cited_place, outline_html, parse_place, source_page
from qa.present.webfeedback import Turn, feedback_events
from qa.present.workspace import UploadLimits, Workspaces
from qa.read.assistant import Assistant

log = logging.getLogger(__name__)
CONCURRENCY = 4
QUEUE_SIZE = 64
TURNS_KEPT = 50  # answers remembered (for copy and feedback) in the browser's storage
CSS = """
.qa-quote {border-left: 4px solid #f5c400; margin: .4em 0; padding: .2em .8em; background: #fffbe6}
.qa-quote mark, .qa-source mark {background: #ffe066; padding: 0 .1em}
.qa-cite {color: #555; font-size: .9em}
.qa-resolved {color: #666; font-size: .85em; margin-bottom: .2em}
.qa-abstain {background: #fdecea; border-left: 4px solid #d93025; padding: .4em .8em}
.qa-source {border-bottom: 1px solid #eee; padding: .4em 0}
.qa-source-head {font-weight: 600; font-size: .9em}
.qa-score {color: #888; font-size: .85em; margin-left: .5em}
.qa-docs-head {font-weight: 600; margin: .6em 0 .2em}
.qa-docs-sections {color: #777; font-size: .85em}
#sources {max-height: 620px; overflow-y: auto}
"""
TITLE = "文档问答 · 引用原文回答"
SET_COOKIE = """(c) => { if (c) document.cookie = c + "; path=/; SameSite=Strict"; }"""
PROGRESS = gr.Progress(track_tqdm=True)  # Gradio fills in a handler's progress argument per call


async def _no_such_endpoint(request: Any, exc: Exception) -> Any:
    """Gradio's ``/run/NAME`` and ``/api/NAME`` for a NAME the app does not serve: a 404 that
    names the one it does, not a 500 with a traceback in the server's log."""
    from fastapi.responses import JSONResponse

    return JSONResponse(
        {"error": f"no API endpoint {request.url.path.rstrip('/').rsplit('/', 1)[-1]!r}; this app serves '/ask'"},
        status_code=404,
    )


def _handlers() -> dict[Any, Any]:
    from gradio.route_utils import FnIndexInferError

    return {FnIndexInferError: _no_such_endpoint}


# What every launch of the app passes: no uploads unless the host allows them (Gradio's upload
# route would otherwise store anonymous files of any size), no monitoring dashboard, and a
# clear 404 for an API name it does not serve.
LAUNCH_OPTIONS: dict[str, Any] = {
    "max_file_size": 0,
    "enable_monitoring": False,
    "app_kwargs": {"exception_handlers": _handlers()},
}


@dataclass
class DemoApp:
    """The Blocks and what its launch needs beside them (the source viewer's route, the upload
    size limit). ``launch`` takes Gradio's own arguments."""

    blocks: gr.Blocks
    routes: list[Any] = field(default_factory=list)
    max_file_size: int = 0
    workspaces: Workspaces | None = None

    def launch(self, **kwargs: Any) -> Any:
        options = {**LAUNCH_OPTIONS, "max_file_size": self.max_file_size, "css": CSS}
        options["app_kwargs"] = {**LAUNCH_OPTIONS["app_kwargs"], "routes": self.routes}
        return self.blocks.launch(**{**options, **kwargs})

    @property
    def share_url(self) -> str | None:
        return getattr(self.blocks, "share_url", None)

    def block_thread(self) -> None:
        self.blocks.block_thread()

    def close(self) -> None:
        self.blocks.close()
        if self.workspaces is not None:
            self.workspaces.close()


def build_app(
    assistant: Assistant,
    examples: list[str] | None = None,
    uploads: UploadLimits | None = None,
    feedback: Path | None = None,
) -> DemoApp:
    """The app for ``assistant``; ``uploads``: let visitors add files within these limits;
    ``feedback``: the folder feedback lines are appended to (no 👍/👎 without it)."""
    limit = assistant.settings.max_question_chars
    # (the host's index is only read while the app serves: its outline is read once)
    host_articles = assistant.store.outline()
    host_panel = outline_html(host_articles, None, "已索引的文档")
    spaces = Workspaces(assistant, uploads, host_articles=host_articles) if uploads is not None else None
    log_file = FeedbackLog(feedback) if feedback is not None else None
    host_corpus = assistant.store.fingerprint()

    def linker(token: str | None, mine: set[str]) -> Any:
        ws = spaces.get(token) if spaces is not None else None
        public = ws.public if ws is not None else None

        def link(c: Citation | Source) -> str:
            workspace = public if c.doc in mine else None
            if isinstance(c, Citation):
                return cited_place(c, workspace).url()
            return Place(c.doc, c.article, c.paragraph, workspace=workspace).url()

        return link

    def respond(
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
        if len(question) > limit:  # refused before it is shown; the box keeps it for editing
            chat.append({"role": "assistant", "content": f"⚠️ {_friendly(QuestionTooLong(len(question), limit), limit)}"})
            return chat, gr.skip(), gr.skip(), turns, gr.skip(), gr.skip()
        earlier = [t for m in chat if m.get("role") == "user" and (t := _text(m.get("content")))]
        chat.append({"role": "user", "content": question})
        try:
            cited = Turn.last_cited(turns)
            if spaces is not None:
                answer, mine = spaces.ask(token, question, int(top_k), earlier, only_mine, cited)
            else:
                answer, mine = assistant.ask(question, int(top_k), history=earlier, cited=cited), set()
        except QAError as exc:
            chat.append({"role": "assistant", "content": f"⚠️ {_friendly(exc, limit)}"})
            return chat, "", "", turns, gr.skip(), gr.skip()
        except Exception:  # never show a traceback to a visitor
            log.exception("ask failed")
            chat.append({"role": "assistant", "content": "⚠️ 出错了，请稍后再试。"})
            return chat, "", "", turns, gr.skip(), gr.skip()
        link = linker(token, mine)
        chat.append({"role": "assistant", "content": answer_html(answer, show_scores, link)})
        turns.append(_turn(len(chat) - 1, answer, mine, host_corpus, spaces, token).to_dict())
        turns = turns[-TURNS_KEPT:]
        plain = answer_plain(answer)
        return chat, sources_html(answer, show_scores, link), "", turns, {"chat": chat, "turns": turns}, plain

    def ask(question: str, top_k: int = 5, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question; returns the `qa ask --json` contract. ``history``: the
        conversation's earlier questions, oldest first, which a follow-up is read with. A
        client's mistake (an empty, over-long or non-text question, a bad top_k or history)
        gets the CLI's words as a ``gr.Error``, and the server logs no traceback for it."""
        try:
            if history is not None and (
                not isinstance(history, list) or not all(isinstance(h, str) for h in history)
            ):
                raise QuestionError("history must be a list of the earlier questions (text)")
            return assistant.ask(question, _top_k(top_k), history=history or ()).to_dict()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception:
            log.exception("ask failed")
            raise gr.Error(
                "the question could not be answered (server error)", print_exception=False
            ) from None

    def lookup(source: dict[str, Any] | None, token: str | None) -> tuple[str, str] | None:
        """A feedback source's paragraph as indexed now, and its index's fingerprint."""
        if source is None:
            return "", host_corpus
        ws = spaces.get(token) if spaces is not None and source.get("mine") else None
        store = ws.assistant.store if ws is not None and ws.assistant is not None else None
        if source.get("mine") and store is None:
            return None
        corpus = ws.corpus if ws is not None else host_corpus
        store = store or assistant.store
        try:
            key = (str(source["doc"]), int(source["article"]), int(source["paragraph"]))
            paragraph = next(
                (p for p in store.document(key[0]) if (p.article, p.paragraph) == key[1:]), None
            )
        except (KeyError, TypeError, ValueError, QAError):
            return None
        return (paragraph.text, corpus) if paragraph is not None else None

    def documents_panel(token: str | None) -> str:
        ws = spaces.get(token) if spaces is not None else None
        mine = outline_html(ws.outline(), ws.public, "我上传的文件") if ws is not None else ""
        return mine + host_panel

    def upload(
        files: list[str] | None, token: str | None, request: gr.Request, progress: Any = PROGRESS
    ) -> tuple[Any, ...]:
        if spaces is None or not files:
            return token, gr.skip(), None, gr.skip(), gr.skip()
        ws = spaces.open(token, getattr(request, "session_hash", None))
        try:
            added = spaces.add(ws, [Path(f) for f in files], lambda text: progress(0, desc=text))
        except Exception:  # never a traceback for a visitor
            log.exception("upload failed")
            return ws.token, "⚠️ 上传失败，请稍后再试。", None, gr.skip(), f"{ws.cookie}={ws.token}"
        lines = [f"已加入：{html.escape('、'.join(added.taken))}"] if added.taken else []
        lines += [f"未加入 {html.escape(name)}：{html.escape(reason)}" for name, reason in added.refused]
        return ws.token, "\n\n".join(lines), None, documents_panel(ws.token), f"{ws.cookie}={ws.token}"

    def restore(saved: dict[str, Any] | None) -> tuple[Any, ...]:
        saved = saved or {}
        return list(saved.get("chat") or []), list(saved.get("turns") or [])

    def pick_turn(turns: list[dict[str, Any]], event: gr.SelectData) -> str:
        turn = Turn.find(turns, event.index)
        return turn.plain if turn is not None else gr.skip()

    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\n用文档自己的话回答，并给出可核对的出处（文章、段落、字符位置）。点引用可打开原文。")
        # (no time_to_live: Gradio would count it from the upload, not from the last question;
        # Workspaces.sweep deletes a workspace idle for the limit)
        token = gr.State(None, delete_callback=spaces.drop if spaces else lambda _: None)
        turns = gr.State([])
        saved = gr.BrowserState({"chat": [], "turns": []}, storage_key="qa-conversation")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="对话", height=460, elem_id="chat", sanitize_html=True, buttons=[])
                with gr.Row():
                    box = gr.Textbox(
                        label="问题",
                        placeholder=f"输入问题（不超过 {limit} 字），按回车提问",
                        max_lines=3,
                        scale=5,
                        elem_id="question",
                    )
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                if examples:
                    gr.Examples(examples=[[q] for q in examples], inputs=[box], label="示例问题")
                copy = gr.Textbox(
                    label="复制回答（纯文本；点选一条回答可换成它）", lines=2, interactive=False,
                    buttons=["copy"], elem_id="copy",
                )
                with gr.Accordion("设置", open=False):
                    top_k = gr.Slider(
                        1, 10, value=assistant.settings.top_k, step=1, label="列出的段落数 (top-k)"
                    )
                    show_scores = gr.Checkbox(value=False, label="显示分数（校准后的置信度、检索相关度）")
                    only_mine = gr.Checkbox(value=False, label="只问我上传的文件", visible=uploads is not None)
                clear = gr.Button("新对话", elem_id="new-conversation")
                if log_file is not None:
                    feedback_events(chat, turns, token, log_file, lookup)
            with gr.Column(scale=2):
                with gr.Tab("来源段落"):
                    sources = gr.HTML(elem_id="sources")
                with gr.Tab("文档"):
                    if uploads is not None:
                        files = gr.File(
                            label=f"上传文件（{' '.join(sorted({'.txt', '.md', '.pdf', '.docx', '.html'}))}；"
                            f"每个不超过 {uploads.file_mb:g} MB，最多 {uploads.files} 个；只有你能看到）",
                            file_count="multiple", elem_id="upload",
                        )
                        status = gr.Markdown(elem_id="upload-status")
                    docs = gr.HTML(documents_panel(None), elem_id="documents")
        inputs = [box, chat, turns, top_k, show_scores, only_mine, token]
        outputs = [chat, sources, box, turns, saved, copy]
        box.submit(respond, inputs, outputs, api_visibility="private")
        send.click(respond, inputs, outputs, api_visibility="private")
        chat.select(pick_turn, [turns], [copy], api_visibility="private")
        clear.click(
            lambda: ([], "", "", [], {"chat": [], "turns": []}, ""), None, outputs, api_visibility="private"
        )
        demo.load(restore, [saved], [chat, turns], api_visibility="private")
        if uploads is not None:
            # "name=secret": the viewer shows the workspace to this browser only (a hidden box,
            # since a State's value never reaches the page's script)
            cookie = gr.Textbox(visible=False)
            files.upload(upload, [files, token], [token, status, files, docs, cookie], api_visibility="private").then(
                None, [cookie], None, js=SET_COOKIE
            )
        gr.api(ask, api_name="ask")  # type: ignore[attr-defined]
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    routes = [_source_route(assistant, spaces)]
    return DemoApp(demo, routes, uploads.file_bytes if uploads else 0, spaces)


def _turn(
    index: int, answer: Answer, mine: set[str], host_corpus: str, spaces: Workspaces | None, token: str | None
) -> Turn:
    ws = spaces.get(token) if spaces is not None else None
    from_upload = bool(answer.citations) and answer.citations[0].doc in mine
    corpus = ws.corpus if ws is not None and from_upload else host_corpus
    return Turn.of(index, answer, mine, corpus, answer_plain(answer), [citation_label(p, n) for n, p in enumerate(answer.passages, 1)])


def _source_route(assistant: Assistant, spaces: Workspaces | None) -> Any:
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
