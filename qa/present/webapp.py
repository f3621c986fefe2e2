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

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# No telemetry from a document tool: Gradio's analytics call home at every start unless told.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa.evaluation.feedback import FeedbackLog
from qa.present.webfeedback import feedback_events
from qa.present.webhandlers import Handlers, source_route
from qa.present.workspace import UploadLimits, Workspaces
from qa.read.assistant import Assistant

log = logging.getLogger(__name__)
CONCURRENCY = 4
QUEUE_SIZE = 64
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
    # (the host's index is only read while the app serves: its outline is read once)
    host_articles = assistant.store.outline()
    spaces = Workspaces(assistant, uploads, host_articles=host_articles) if uploads is not None else None
    on = Handlers(assistant, spaces, host_articles)
    log_file = FeedbackLog(feedback) if feedback is not None else None

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
                        placeholder=f"输入问题（不超过 {on.limit} 字），按回车提问",
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
                    feedback_events(chat, turns, token, log_file, on.lookup)
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
                    docs = gr.HTML(on.documents_panel(None), elem_id="documents")
        inputs = [box, chat, turns, top_k, show_scores, only_mine, token]
        outputs = [chat, sources, box, turns, saved, copy]
        box.submit(on.respond, inputs, outputs, api_visibility="private")
        send.click(on.respond, inputs, outputs, api_visibility="private")
        chat.select(on.pick_turn, [turns], [copy], api_visibility="private")
        clear.click(
            lambda: ([], "", "", [], {"chat": [], "turns": []}, ""), None, outputs, api_visibility="private"
        )
        demo.load(on.restore, [saved], [chat, turns], api_visibility="private")
        if uploads is not None:
            # "name=secret": the viewer shows the workspace to this browser only (a hidden box,
            # since a State's value never reaches the page's script)
            cookie = gr.Textbox(visible=False)
            files.upload(on.upload, [files, token], [token, status, files, docs, cookie], api_visibility="private").then(
                None, [cookie], None, js=SET_COOKIE
            )
        gr.api(on.ask, api_name="ask")  # type: ignore[attr-defined]
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    routes = [source_route(assistant, spaces)]
    return DemoApp(demo, routes, uploads.file_bytes if uploads else 0, spaces)
