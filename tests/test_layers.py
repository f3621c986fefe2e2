"""The package's layers, read from its import statements: reading documents knows nothing of
indexes, the library knows nothing of the web app, torch stays in training, and no module uses
another's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QA = ROOT / "qa"
# Reading documents: decode, repair the layout, split into articles and paragraphs. It may use the
# shared records and errors, nothing of the index, retrieval, reading or presenting.
INGEST_MAY_USE = {"errors", "records"}
WEB = {"present.webapp", "present.webhandlers", "present.webfeedback", "present.launch"}  # the Gradio shell and its start
TRAINING = {"read.reader.train", "read.reader.torch_model"}
STAGES = ("text", "ingest", "index", "retrieve", "read", "present", "evaluation")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(QA).with_suffix("").parts)


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Modules ``path`` imports (``qa.x.y`` as ``x.y``; ``from qa.x import y`` as ``x.y`` too when
    ``y`` is a module; others by their full name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}"))
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n.removeprefix("qa.") if n.startswith("qa.") else n for n in names} - {"qa"}


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "qa" and (QA.joinpath(*parts[1:]).with_suffix(".py").exists() or QA.joinpath(*parts[1:]).is_dir())


MODULES = {_module(p): p for p in QA.rglob("*.py")}


def test_the_ingest_stage_imports_only_itself():
    ingest = [name for name in MODULES if name.startswith("ingest.")]
    assert len(ingest) >= 8
    for name in ingest:
        ours = {m for m in _imports(MODULES[name]) if m in MODULES or m in STAGES}
        outside = {m for m in ours if m.split(".")[0] != "ingest" and m not in INGEST_MAY_USE}
        assert not outside, f"qa.{name} imports {sorted(outside)}, outside reading documents"


def test_each_stage_imports_only_the_stages_before_it():
    # text < ingest < index < retrieve < read < present, evaluation (the two shells may use each
    # other). Training a reader reads question sets in the evaluation format.
    order = {"text": 0, "ingest": 1, "index": 2, "retrieve": 3, "read": 4, "present": 5, "evaluation": 5}
    may_use_question_sets = {"read.reader.data"}
    for name, path in MODULES.items():
        stage = name.split(".")[0]
        if stage not in order:
            continue
        later = {m for m in _imports(path) if order.get(m.split(".")[0], -1) > order[stage]}
        if name in may_use_question_sets:
            later -= {"evaluation.questions"}
        assert not later, f"qa.{name} imports {sorted(later)}, a later stage"


def test_each_pipeline_stage_is_one_folder():
    flat = sorted(name for name in MODULES if "." not in name)
    assert flat == ["__init__", "answer", "errors", "records", "settings"], flat
    for stage in STAGES:
        assert (QA / stage / "__init__.py").is_file(), stage

def test_only_the_web_shell_knows_gradio_and_nothing_imports_it():
    web_libraries = ("gradio", "fastapi", "starlette")
    for name, path in MODULES.items():
        if name in WEB:
            continue
        imported = _imports(path)
        assert not imported & WEB, f"qa.{name} imports the web app"
        assert not [m for m in imported if m.split(".")[0] in web_libraries], f"qa.{name} imports a web library"


def test_torch_is_imported_only_by_training_and_training_only_when_asked():
    for name, path in MODULES.items():
        if name in TRAINING:
            continue
        assert not {m for m in _imports(path) if m.split(".")[0] == "torch"}, f"qa.{name} imports torch"
        assert not _imports(path, top_level_only=True) & TRAINING, f"qa.{name} loads training at import"


def test_the_shells_and_library_load_without_torch():
    blocked = (
        "import sys; sys.modules['torch'] = None;"
        "import app, qa.present.cli, qa.read.assistant, qa.present.webapp, qa.present.workspace"
    )
    run = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_no_module_imports_another_modules_private_names():
    files = [*QA.rglob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "benchmarks").glob("*.py"), ROOT / "app.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                assert not private, f"{path.relative_to(ROOT)} imports {private} from {node.module}"


def test_no_two_classes_of_the_package_share_a_name():
    where: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                where.setdefault(node.name, []).append(name)
    assert {c: m for c, m in where.items() if len(m) > 1} == {}


def test_the_public_face_loads_on_first_use_and_answers(seed_index):
    light = "import sys, qa.errors; assert 'qa.read.assistant' not in sys.modules and 'faiss' not in sys.modules"
    run = subprocess.run([sys.executable, "-c", light], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    import qa

    assert set(qa.__all__) >= {"Assistant", "Answer", "Citation", "build_index", "QAError"}
    answer = qa.Assistant.load(seed_index).ask("石柱摸排发现突出问题多少个？")
    assert isinstance(answer, qa.Answer) and isinstance(answer.citations[0], qa.Citation)
    assert "1475" in answer.citations[0].quote
    with pytest.raises(AttributeError):
        _ = qa.NoSuchThing
