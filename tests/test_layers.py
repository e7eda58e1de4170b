"""Nothing outside ``emolab.gui`` needs Qt to import.

The layers themselves (imports point down only, Qt only in the GUI, no cycles) are
import-linter contracts in pyproject.toml, checked by ``lint-imports`` in CI. Those read
emolab's own import statements; this test imports every non-GUI module with Qt
unimportable, so it also catches Qt pulled in by a third-party package or by name."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import emolab

PACKAGE = Path(emolab.__file__).parent


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
