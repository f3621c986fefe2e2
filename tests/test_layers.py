"""The package's layers, read from its import statements: reading documents knows nothing of
indexes, the library knows nothing of the web app, torch stays in training, and no module uses
another's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

QA = ROOT / "qa"
# Reading documents: decode, repair the layout, split into articles and paragraphs.
INGEST = {"decode", "errors", "layout", "loaders", "pdf", "webpage", "structure", "ingest", "chunk", "records"}
WEB = {"webapp", "webfeedback"}  # the Gradio shell
TRAINING = {"reader.train", "reader.torch_model"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(QA).with_suffix("").parts)


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Modules ``path`` imports (``qa.x`` as ``x``; others by their full name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "qa":
                names.update(a.name for a in node.names)
            else:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n.removeprefix("qa.") if n.startswith("qa.") else n for n in names}


MODULES = {_module(p): p for p in QA.rglob("*.py")}


def test_the_ingest_stage_imports_only_itself():
    for name in INGEST:
        ours = {m for m in _imports(MODULES[name]) if m in MODULES}
        assert ours <= INGEST, f"qa.{name} imports {sorted(ours - INGEST)}, outside reading documents"


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
    blocked = "import sys; sys.modules['torch'] = None; import app, qa.cli, qa.assistant, qa.webapp, qa.workspace"
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
