import json
import subprocess
import sys

from qa.present.cli import main
from tests.conftest import ROOT, SEED


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa.present.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_help_lists_the_subcommands():
    out = _run("--help")
    assert out.returncode == 0
    for name in ("ingest", "index", "ask", "eval"):
        assert name in out.stdout
    for name in ("ingest", "index", "ask", "eval"):
        assert _run(name, "--help").returncode == 0


def test_ingest_json_prints_one_object_per_article(capsys):
    assert main(["ingest", str(SEED), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["article"] for r in records] == [1, 2, 3, 4]
    assert records[1]["author"] == "莫远明"
    assert records[0]["doc"] == SEED.name
    assert set(records[0]) == {"doc", "article", "title", "author", "note", "header", "paragraphs", "sections", "file_chars"}
    assert records[0]["file_chars"]["dropped"] == 0 and records[0]["file_chars"]["in"] > 0
    assert len(records[3]["paragraphs"]) == 5 and records[3]["title"] is None


def test_ingest_text_shows_titles_authors_and_paragraph_openings(capsys):
    assert main(["ingest", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "以“党建+”引领社区治理机制创新 — 曾巧 — 5 段" in out
    assert "李军锋" in out


def test_ingest_missing_path_is_a_clear_error(capsys, tmp_path):
    assert main(["ingest", str(tmp_path / "nope")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_reader_flags_map_onto_the_settings():
    from qa.present.cli import build_parser, settings_from

    plain = settings_from(build_parser().parse_args(["ask", "问题"]))
    assert plain.reader_rerank > 1 and plain.reader_extent
    flagged = settings_from(build_parser().parse_args(["eval", "q.jsonl", "--no-rerank", "--no-extent", "--reader-mode", "span"]))
    assert (flagged.reader_rerank, flagged.reader_extent, flagged.reader_mode) == (1, False, "span")
