import socket

import pytest

from qa.present.launch import examples as _examples
from qa.present.webapp import build_app
from tests.browser import page
from tests.conftest import ROOT
from tests.contract import ANSWER_FIELDS, CITATION_FIELDS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(request):
    """Serve the app for an assistant fixture named by the test's parameter; yield its URL."""
    assistant = request.getfixturevalue(request.param)
    examples = _examples(ROOT / "seeds") if request.param == "seed_assistant" else ["浦东新区设立于哪一年？"]
    demo = build_app(assistant, examples)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.mark.parametrize("served", ["fake_assistant"], indirect=True)
def test_api_endpoint_returns_the_json_contract(served, fake_assistant):
    from gradio_client import Client

    client = Client(served, verbose=False)
    result = client.predict("浦东新区设立于哪一年？", 3, api_name="/ask")
    assert result == fake_assistant.ask("浦东新区设立于哪一年？", 3).to_dict()
    assert set(result) == ANSWER_FIELDS
    assert set(result["citations"][0]) == CITATION_FIELDS
    assert len(result["passages"]) == 3


@pytest.mark.parametrize("served", ["seed_assistant"], indirect=True)
def test_api_reads_a_follow_up_with_its_history(served):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(served, verbose=False)
    result = client.predict("它建立了多少个行业扶贫指挥部？", 3, ["石柱组建了多少支驻村工作队？"], api_name="/ask")
    assert result["resolved_question"] == "石柱建立了多少个行业扶贫指挥部？"
    assert (result["citations"][0]["article"], result["citations"][0]["paragraph"]) == (1, 2)
    assert client.predict("石柱组建了多少支驻村工作队？", 3, None, api_name="/ask")["resolved_question"] is None
    with pytest.raises(AppError, match="history"):
        client.predict("它建立了多少个？", 3, "not a list", api_name="/ask")


@pytest.mark.parametrize("served", ["fake_assistant"], indirect=True)
def test_api_answers_bad_input_with_the_clis_words_and_logs_no_traceback(served, capfd):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(served, verbose=False)
    capfd.readouterr()
    cases = [("", 3, "empty"), ("很" * 301, 3, "limit"), ("很" * 100_000, 3, "limit"), (12, 3, "must be text"),
             ("重庆有多少人口", 0, "top_k"), ("重庆有多少人口", "x", "top_k")]
    for question, top_k, words in cases:
        with pytest.raises(AppError, match=words):
            client.predict(question, top_k, api_name="/ask")
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("served", ["fake_assistant"], indirect=True)
def test_the_app_takes_no_uploads_and_serves_no_dashboard(served):
    import os
    import urllib.error
    import urllib.request

    boundary = "qa-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * 100_000 + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        served + "gradio_api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (400, 413)
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(served + "monitoring", timeout=30)
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


@pytest.mark.parametrize("served", ["fake_assistant"], indirect=True)
def test_an_api_name_the_app_does_not_serve_is_a_clear_404_without_a_traceback(served, capfd):
    import json
    import urllib.error
    import urllib.request

    capfd.readouterr()
    for route in ("gradio_api/run/predict", "gradio_api/api/nothing"):
        request = urllib.request.Request(
            served + route, data=json.dumps({"data": ["重庆有多少人口"]}).encode(), headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 404
        assert "serves '/ask'" in json.loads(refused.value.read())["error"]
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("served", ["fake_assistant"], indirect=True)
def test_over_long_question_gets_a_friendly_message_in_the_chat(served):
    with page() as p:
        p.goto(served)
        p.wait_for_selector("#question textarea", timeout=30_000)
        p.fill("#question textarea", "很" * 400)
        p.keyboard.press("Enter")
        p.wait_for_selector("text=超过了 300 字的上限", timeout=30_000)
        content = p.content()
        assert "Traceback" not in content
        assert "很" * 400 not in p.inner_text("#chat")  # refused before it is shown
        assert p.input_value("#question textarea") == "很" * 400  # kept for editing


@pytest.mark.parametrize("served", ["seed_assistant"], indirect=True)
def test_browser_asks_a_seed_question_and_sees_the_citation(served, artifacts):
    with page() as p:
        p.goto(served)
        p.wait_for_selector("#question textarea", timeout=30_000)
        p.fill("#question textarea", "石柱摸排发现突出问题多少个？")
        p.keyboard.press("Enter")
        cite = p.wait_for_selector(".qa-cite", timeout=60_000)
        assert "〔1〕《全面彻底解决“两不愁三保障”突出问题》" in cite.inner_text()
        assert "第1段" in cite.inner_text()
        assert p.inner_text(".qa-quote mark") == "1475个"
        assert "1475个" in p.inner_text("#sources")
        p.wait_for_timeout(300)
        p.screenshot(path=str(artifacts / "app.png"), full_page=True)
