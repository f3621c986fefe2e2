"""The Gradio chat app, built around any assistant (tests pass their own).

One named API endpoint, ``ask``, returns the JSON contract of ``qa ask --json`` for
``gradio_client``. Document text is escaped before highlighting; the queue is bounded and
concurrency limited; questions over the length limit get a friendly message.
"""

from __future__ import annotations

import logging
import os
from typing import Any

# No telemetry from a document tool: Gradio's analytics call home at every start unless told.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa.assistant import Assistant
from qa.errors import QAError, QuestionEmpty, QuestionError, QuestionTooLong
from qa.present import answer_html, sources_html

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
#sources {max-height: 620px; overflow-y: auto}
"""
TITLE = "文档问答 · 引用原文回答"


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


# What every launch of the app passes: it takes no uploads (Gradio's upload route would
# otherwise store anonymous files of any size), serves no monitoring dashboard, and answers an
# API name it does not serve with a clear 404.
LAUNCH_OPTIONS: dict[str, Any] = {
    "max_file_size": 0,
    "enable_monitoring": False,
    "app_kwargs": {"exception_handlers": _handlers()},
}


def build_app(assistant: Assistant, examples: list[str] | None = None) -> gr.Blocks:
    limit = assistant.settings.max_question_chars

    def respond(
        question: str, history: list[dict[str, Any]], top_k: float, show_scores: bool
    ) -> tuple[list[dict[str, Any]], str, str]:
        history = list(history or [])
        question = (question or "").strip()
        if not question:
            return history, gr.skip(), ""
        if len(question) > limit:  # refused before it is shown; the box keeps it for editing
            history.append({"role": "assistant", "content": f"⚠️ {_friendly(QuestionTooLong(len(question), limit), limit)}"})
            return history, gr.skip(), gr.skip()
        earlier = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        history.append({"role": "user", "content": question})
        try:
            answer = assistant.ask(question, int(top_k), history=earlier)
        except QAError as exc:
            history.append({"role": "assistant", "content": f"⚠️ {_friendly(exc, limit)}"})
            return history, "", ""
        except Exception:  # never show a traceback to a visitor
            log.exception("ask failed")
            history.append({"role": "assistant", "content": "⚠️ 出错了，请稍后再试。"})
            return history, "", ""
        history.append({"role": "assistant", "content": answer_html(answer, show_scores)})
        return history, sources_html(answer, show_scores), ""

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

    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\n用文档自己的话回答，并给出可核对的出处（文章、段落、字符位置）。")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="对话", height=460, elem_id="chat", sanitize_html=True)
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
                with gr.Accordion("设置", open=False):
                    top_k = gr.Slider(
                        1, 10, value=assistant.settings.top_k, step=1, label="列出的段落数 (top-k)"
                    )
                    show_scores = gr.Checkbox(value=False, label="显示分数")
                clear = gr.Button("清空对话")
            with gr.Column(scale=2):
                gr.Markdown("### 来源段落")
                sources = gr.HTML(elem_id="sources")
        inputs = [box, chat, top_k, show_scores]
        outputs = [chat, sources, box]
        box.submit(respond, inputs, outputs, api_visibility="private")
        send.click(respond, inputs, outputs, api_visibility="private")
        clear.click(lambda: ([], "", ""), None, outputs, api_visibility="private")
        gr.api(ask, api_name="ask")  # type: ignore[attr-defined]
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    return demo  # type: ignore[no-any-return]


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
