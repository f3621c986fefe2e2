"""The app's feedback loop: 👍/👎 on each answer; after 👎 the visitor picks one of the answer's
paragraphs, selects the right words in it (or says the documents do not answer), and the
verdict becomes a line of a question set (:mod:`qa.evaluation.feedback`).

Each answer is remembered as a :class:`Turn` (in the browser's storage with the chat), so a
verdict can be given on any answer of the conversation, also after a reload. What the browser
hands back is not trusted: the paragraph shown for selecting, the words recorded and the
corpus fingerprint are read from the index again (``lookup``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import gradio as gr

from qa.answer import Answer
from qa.evaluation.feedback import Feedback, FeedbackLog, Verdict


@dataclass(frozen=True)
class Turn:
    index: int  # the chat message the answer is
    question: str  # as asked (a follow-up: as it was read)
    shown: str  # the short answer, else the quote ("" for an abstention)
    cited: int | None  # which of ``sources`` holds the quote
    sources: tuple[dict[str, Any], ...]  # doc, article, paragraph, text, label, mine
    corpus: str
    plain: str  # the answer as plain text, to copy

    @classmethod
    def of(
        cls, index: int, answer: Answer, mine: set[str], corpus: str, plain: str, labels: list[str]
    ) -> Turn:
        sources = tuple(
            {"doc": p.doc, "article": p.article, "paragraph": p.paragraph, "text": p.text, "label": label,
             "mine": p.doc in mine}
            for p, label in zip(answer.passages, labels, strict=True)
        )
        cited = None
        if answer.citations:
            c = answer.citations[0]
            cited = next(
                (i for i, s in enumerate(sources) if (s["doc"], s["article"], s["paragraph"]) == (c.doc, c.article, c.paragraph)),
                None,
            )
        shown = "" if answer.abstained else (answer.short_answer or answer.answer)
        return cls(index, answer.resolved or answer.question, shown, cited, sources, corpus, plain)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def find(cls, turns: list[dict[str, Any]], index: Any) -> Turn | None:
        """The turn that is chat message ``index`` (Gradio gives an int or a ``[row, col]``)."""
        if isinstance(index, (list, tuple)):
            index = index[0] if index else None
        for t in turns or []:
            if t.get("index") == index:
                return cls(**{**t, "sources": tuple(t.get("sources") or ())})
        return None

    @staticmethod
    def last_cited(turns: list[dict[str, Any]]) -> str | None:
        """The document the conversation's last answer cited (a follow-up prefers it)."""
        try:
            at = turns[-1]["cited"] if turns else None
            return None if at is None else str(turns[-1]["sources"][int(at)]["doc"])
        except (KeyError, IndexError, TypeError, ValueError):  # a turn restored from the browser
            return None

    def verdict(self, verdict: Verdict, source: dict[str, Any] | None, answers: tuple[str, ...]) -> Feedback:
        return Feedback(
            question=self.question,
            verdict=verdict,
            answers=answers,
            doc=source["doc"] if source else None,
            article=source["article"] if source else None,
            paragraph=source["paragraph"] if source else None,
            shown=self.shown,
            corpus=self.corpus,
            uploaded=bool(source and source.get("mine")),
        )


# (a turn's source, the session's workspace token) -> (the paragraph's text as indexed, the
# fingerprint of the index holding it), or None where it is no longer indexed; for no source:
# ("", the host's fingerprint).
Lookup = Callable[[dict[str, Any] | None, str | None], tuple[str, str] | None]


def feedback_events(chat: gr.Chatbot, turns: gr.State, token: gr.State, log: FeedbackLog, lookup: Lookup) -> None:
    """Build the correction panel (inside the current Blocks) and wire 👍/👎 to ``log``."""
    pending = gr.State(None)  # the turn being corrected
    picked = gr.State(None)  # [start, end] selected in the paragraph shown
    status = gr.Markdown(elem_id="feedback-status")
    with gr.Group(visible=False, elem_id="correction") as panel:
        gr.Markdown("**这条回答不对？** 选一个段落，在其中选中正确答案的文字后提交；或告诉我们文档里没有答案。")
        which = gr.Dropdown(label="段落", choices=[], elem_id="correction-paragraph")
        text = gr.Textbox(label="段落原文（选中正确答案）", lines=6, interactive=True, elem_id="correction-text")
        chosen = gr.Markdown(elem_id="correction-chosen")
        with gr.Row():
            submit = gr.Button("提交所选文字为正确答案", variant="primary", elem_id="correction-submit")
            none = gr.Button("文档里没有答案", elem_id="correction-none")
            cancel = gr.Button("取消")

    def source_of(turn: Turn | None, label: str | None) -> dict[str, Any] | None:
        return next((s for s in turn.sources if s["label"] == label), None) if turn else None

    def on_like(turns_: list[dict[str, Any]], token_: str | None, event: gr.LikeData) -> tuple[Any, ...]:
        turn = Turn.find(turns_, event.index)
        hide = (gr.update(visible=False), None, gr.skip(), gr.skip(), None)
        if turn is None:
            return ("这条消息不是回答。", *hide)
        if event.liked is True:
            if not turn.shown:
                return ("（没有回答可评价：这是一次拒答。若文档里有答案，请点 👎 选出它。）", *hide)
            cited = turn.sources[turn.cited] if turn.cited is not None else None
            found = lookup(cited, token_)
            if cited is None or found is None or turn.shown not in found[0]:
                return ("这条回答的段落已不在索引中，无法记录。", *hide)
            log.append(replace(turn.verdict("right", cited, (turn.shown,)), corpus=found[1]))
            return ("已记录：回答正确。谢谢！", *hide)
        labels = [s["label"] for s in turn.sources]
        if turn.cited is not None:
            labels.insert(0, labels.pop(turn.cited))
        found = lookup(source_of(turn, labels[0]), token_) if labels else None
        return (
            "", gr.update(visible=True), turn.index,
            gr.update(choices=labels, value=labels[0] if labels else None), found[0] if found else "", None,
        )

    def on_choose(
        turn_index: int | None, turns_: list[dict[str, Any]], label: str | None, token_: str | None
    ) -> tuple[Any, ...]:
        found = lookup(source_of(Turn.find(turns_, turn_index), label), token_)
        return (found[0] if found else "（这个段落已不在索引中）"), None, ""

    def on_select(event: gr.SelectData) -> tuple[Any, ...]:
        if not isinstance(event.index, (list, tuple)) or len(event.index) != 2 or event.index[1] <= event.index[0]:
            return None, ""
        return [int(event.index[0]), int(event.index[1])], f"已选：「{event.value}」"

    def on_submit(
        turn_index: int | None,
        turns_: list[dict[str, Any]],
        label: str | None,
        span: list[int] | None,
        shown: str,
        token_: str | None,
    ) -> tuple[Any, ...]:
        turn = Turn.find(turns_, turn_index)
        source = source_of(turn, label)
        if turn is None or source is None:
            return "请先点 👎 选一条回答。", gr.skip(), gr.skip()
        if not span:
            return "请先在段落原文中选中正确答案的文字。", gr.skip(), gr.skip()
        found = lookup(source, token_)
        if found is None:
            return "这个段落已不在索引中，无法记录。", gr.skip(), gr.skip()
        words = found[0][span[0] : span[1]].strip()
        if (shown or "")[span[0] : span[1]].strip() != words:
            return "段落原文被改动过：请重新选择段落，再选中文字。", gr.skip(), gr.skip()
        if not words:
            return "选中的文字为空，请重新选择。", gr.skip(), gr.skip()
        log.append(replace(turn.verdict("corrected", source, (words,)), corpus=found[1]))
        return f"已记录正确答案：「{words}」。谢谢！", gr.update(visible=False), None

    def on_none(turn_index: int | None, turns_: list[dict[str, Any]], token_: str | None) -> tuple[Any, ...]:
        turn = Turn.find(turns_, turn_index)
        if turn is None:
            return "请先点 👎 选一条回答。", gr.skip(), gr.skip()
        found = lookup(None, token_)
        log.append(replace(turn.verdict("unanswerable", None, ()), corpus=found[1] if found else turn.corpus))
        return "已记录：文档里没有这个问题的答案。谢谢！", gr.update(visible=False), None

    chat.like(on_like, [turns, token], [status, panel, pending, which, text, picked], api_visibility="private")
    which.change(on_choose, [pending, turns, which, token], [text, picked, chosen], api_visibility="private")
    text.select(on_select, None, [picked, chosen], api_visibility="private")
    submit.click(
        on_submit, [pending, turns, which, picked, text, token], [status, panel, pending], api_visibility="private"
    )
    none.click(on_none, [pending, turns, token], [status, panel, pending], api_visibility="private")
    cancel.click(lambda: (gr.update(visible=False), None), None, [panel, pending], api_visibility="private")
