from __future__ import annotations

import sqlite3

from emolab.gui.main_window import MainWindow
from emolab.project.migrations import LATEST_VERSION
from emolab.project.store import Project


def test_main_window_opens_a_project(qtbot, tmp_path):
    path = tmp_path / "p.emolab"
    Project.create(path).close()
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    assert window.open_project(path, rater="tester")
    assert window.rater_label.text() == "rater: tester"
    assert "p.emolab" in window.windowTitle()
    window.close()


def test_newer_project_is_refused_and_the_window_keeps_running(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "new.emolab"
    Project.create(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    con.commit()
    con.close()
    shown = []
    monkeypatch.setattr("emolab.gui.main_window.QMessageBox.warning", lambda *a: shown.append(a[2]))
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    assert not window.open_project(path)
    assert "newer emolab" in shown[0]
    assert window.project is None
