"""The demo in a real browser: uploads into a private workspace, the source viewer, follow-up
questions, the conversation across a reload, and feedback that becomes a question set."""

import json
import socket

import pytest

from qa.present.webapp import build_app
from qa.present.workspace import UploadLimits
from tests.browser import browser
from tests.conftest import DATA

CORPUS = DATA / "corpus"
VIEWPORT = {"viewport": {"width": 1300, "height": 1000}}


@pytest.fixture(scope="module")
def demo(seed_assistant, tmp_path_factory):
    """The seed page served with uploads and feedback on; yields (url, feedback file)."""
    feedback = tmp_path_factory.mktemp("feedback")
    app = build_app(seed_assistant, ["石柱摸排发现突出问题多少个？"], UploadLimits(), feedback)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", feedback / "feedback.jsonl"
    finally:
        app.close()


def _open(chromium, url):
    """A visitor of their own (own storage, own cookies) on the app's page."""
    page = chromium.new_context(**VIEWPORT).new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=30_000)
    return page


def _ask(page, question, answers):
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#chat .qa-cite, #chat .qa-abstain').length >= {answers}",
        timeout=60_000, polling=200,
    )


def test_a_visitor_uploads_a_pdf_and_a_docx_asks_and_opens_the_cited_paragraph(demo, artifacts):
    url, _ = demo
    with browser() as chromium:
        page = _open(chromium, url)
        mine = page.context
        page.get_by_role("tab", name="文档").click()
        page.set_input_files(
            "#upload input[type=file]",
            [str(CORPUS / "heating_notice.pdf"), str(CORPUS / "xinghe_annual_report.docx"), str(CORPUS / "photo.png")],
        )
        page.wait_for_selector("#upload-status >> text=已加入", timeout=120_000)
        status = page.inner_text("#upload-status")
        assert "heating_notice.pdf" in status and "xinghe_annual_report.docx" in status
        assert "未加入 photo.png" in status  # the CLI's kind of reason, not silence
        panel = page.inner_text("#documents")
        assert "heating_notice.pdf（1 篇" in panel and "000_aa1ebb4fc6edc8ba.txt（4 篇，18 段）" in panel

        _ask(page, "供暖期共计多少天？", 1)
        cite = page.inner_text("#chat .qa-cite")
        assert "heating_notice.pdf" in cite
        assert page.inner_text("#chat .qa-quote mark") == "121天"
        _ask(page, "星河电子成立于哪一年？", 2)
        assert "xinghe_annual_report.docx" in page.query_selector_all("#chat .qa-cite")[-1].inner_text()
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "chat.png"), full_page=True)

        link = page.get_attribute("#chat .qa-cite a", "href")
        with mine.expect_page() as opened:
            page.click("#chat .qa-cite a")
        viewer = opened.value
        viewer.wait_for_selector(".cited mark", timeout=30_000)
        assert "共计121天" in viewer.inner_text(".cited mark")
        assert viewer.inner_text(".cited mark b") == "121天"
        assert viewer.evaluate("location.hash") == "#a1p4"
        assert viewer.query_selector_all(".para:not(.cited)")  # the surrounding paragraphs
        viewer.screenshot(path=str(artifacts / "viewer.png"), full_page=True)

        theirs = _open(chromium, url)
        other = theirs.context
        theirs.get_by_role("tab", name="文档").click()
        assert "heating_notice.pdf" not in theirs.inner_text("#documents")
        _ask(theirs, "供暖期共计多少天？", 1)
        assert "heating_notice.pdf" not in theirs.inner_text("#chat")
        peek = other.new_page()
        response = peek.goto(url + link)
        assert response.status == 404 and "共计121天" not in peek.inner_text("body")


def test_a_follow_up_is_read_with_the_previous_turn_and_the_conversation_survives_a_reload(demo):
    url, _ = demo
    with browser() as chromium:
        page = _open(chromium, url)
        _ask(page, "石柱组建了多少支驻村工作队？", 1)
        _ask(page, "它建立了多少个行业扶贫指挥部？", 2)
        assert page.query_selector_all("#chat .qa-resolved")[-1].inner_text() == "理解为：石柱建立了多少个行业扶贫指挥部？"
        assert "第2段" in page.query_selector_all("#chat .qa-cite")[-1].inner_text()
        page.reload()
        page.wait_for_selector("#chat .qa-cite", timeout=30_000)
        chat = page.inner_text("#chat")
        assert "石柱组建了多少支驻村工作队？" in chat and "理解为：石柱建立了多少个行业扶贫指挥部？" in chat
        _ask(page, "那驻村工作队呢？", 3)  # the history came back with the conversation
        assert page.query_selector_all("#chat .qa-resolved")[-1].inner_text().startswith("理解为：石柱")
        page.click("#new-conversation")
        page.wait_for_function("!document.querySelector('#chat .qa-cite')", timeout=10_000, polling=200)
        page.reload()
        page.wait_for_selector("#question textarea", timeout=30_000)
        page.wait_for_timeout(1000)
        assert not page.query_selector("#chat .qa-cite")


def test_a_wrong_answer_corrected_in_its_paragraph_becomes_a_feedback_line(demo):
    url, feedback = demo
    with browser() as chromium:
        page = _open(chromium, url)
        _ask(page, "石柱摸排发现突出问题多少个？", 1)
        assert "1475个" in page.input_value("#copy textarea")  # plain text to copy, no markup
        assert "<" not in page.input_value("#copy textarea")
        page.click("#chat button[aria-label=Dislike]")
        page.wait_for_selector("#correction textarea", timeout=20_000)
        page.wait_for_timeout(500)
        text = page.input_value("#correction textarea")
        start = text.index("6 轮")
        page.evaluate(
            """([s, e]) => {const t = document.querySelector('#correction textarea');
               t.focus(); t.setSelectionRange(s, e); t.dispatchEvent(new Event('select', {bubbles: true}));}""",
            [start, start + 3],
        )
        page.wait_for_selector("#correction-chosen >> text=已选", timeout=10_000)
        page.click("#correction-submit")
        page.wait_for_selector("#feedback-status >> text=已记录正确答案", timeout=10_000)
        rows = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
        row = rows[-1]
        assert row["verdict"] == "corrected" and row["answers"] == ["6 轮"]
        assert row["question"] == "石柱摸排发现突出问题多少个？" and row["shown"] == "1475个"
        assert (row["doc"], row["article"], row["paragraph"]) == ("000_aa1ebb4fc6edc8ba.txt", 1, 1)
        assert len(row["corpus"]) == 64
        page.click("#chat button[aria-label=Like]")
        page.wait_for_selector("#feedback-status >> text=回答正确", timeout=10_000)
        assert json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])["verdict"] == "right"
