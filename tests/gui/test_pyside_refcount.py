"""Regression guard for PySide6 6.12.0 on CPython 3.11: void-returning methods dropped a
reference to None per call until the interpreter aborted (see PLATFORM.md)."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from 3.12")
def test_void_qt_methods_do_not_leak_none_references(qtbot):
    from PySide6.QtGui import QColor, QPen
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    pen = QPen()
    before = sys.getrefcount(None)
    for i in range(3000):
        label.setText(str(i))
        label.resize(100 + i % 5, 20)
        pen.setColor(QColor(i % 255, 0, 0))
    after = sys.getrefcount(None)
    assert after >= before - 50, f"None refcount fell by {before - after}"


def test_pinned_pyside_range():
    import PySide6

    major, minor = (int(x) for x in PySide6.__version__.split(".")[:2])
    assert (6, 10) <= (major, minor) < (6, 12)
