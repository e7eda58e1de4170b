"""The layering of ARCHITECTURE.md: nothing outside ``emolab.gui`` imports Qt, and
imports point down only."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import emolab

PACKAGE = Path(emolab.__file__).parent
ALLOWED = {
    "core": set(),
    "io": {"core"},
    "demo": {"io", "core"},
    "features": {"io", "core"},
    "models": {"features", "io", "core"},
    # the project layer also builds the demo project (emolab.project.demo)
    "project": {"models", "features", "io", "demo", "core"},
    "cli": {"project", "models", "features", "io", "demo", "core", "benchmarks"},
    "benchmarks": {"project", "models", "features", "io", "demo", "core"},
    "gui": {"project", "models", "features", "io", "demo", "core", "cli", "benchmarks"},
}
TOP_LEVEL = {"__init__", "__main__", "resources"}


def non_gui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="emolab."):
        if not info.name.startswith("emolab.gui"):
            names.append(info.name)
    return names


def test_every_non_gui_module_imports_with_qt_unimportable():
    modules = non_gui_modules()
    assert len(modules) > 15
    code = f"""
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
for name in {modules!r}:
    importlib.import_module(name)
print('ok', len({modules!r}))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "emolab" or len(parts) < 2:
        return None
    return None if parts[1] in TOP_LEVEL else parts[1]


def test_imports_point_down_only():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        own = _layer(".".join(rel.parts))
        if own is None:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            for target in targets:
                layer = _layer(target)
                if layer and layer != own and layer not in ALLOWED[own]:
                    problems.append(f"{rel}: imports {target}")
    assert problems == []
