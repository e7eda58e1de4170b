from __future__ import annotations

import sqlite3

import pytest

from emolab.gui import settings as gui_settings
from emolab.gui.main_window import MainWindow
from emolab.project.migrations import LATEST_VERSION
from emolab.project.store import Project


def test_main_window_opens_a_project(qtbot, tmp_path):
    path = tmp_path / "p.emolab"
    Project.create(path).close()
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    assert window.open_project(path, rater="tester")
    assert window.status.rater_label.text() == "rater: tester"
    assert "p.emolab" in window.windowTitle()
    assert gui_settings.value("recent_projects")[0] == str(path)
    window.close()


def _newer(path):
    Project.create(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    con.commit()
    con.close()


def _truncated(path):
    Project.create(path).close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


BROKEN = {
    "random bytes": (lambda p: p.write_bytes(bytes(range(256)) * 40), "not an SQLite database"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "truncated": (_truncated, "cannot|damaged|malformed|not an SQLite"),
    "newer": (_newer, "newer emolab"),
    "missing": (lambda p: None, "does not exist"),
    "folder": (lambda p: p.mkdir(), "is a folder"),
    "other application": (
        lambda p: sqlite3.connect(p).execute("PRAGMA application_id = 7").connection.close(),
        "another application",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_project_is_refused_with_a_message_and_the_window_keeps_its_own(
    qtbot, tmp_path, monkeypatch, kind
):
    make, message = BROKEN[kind]
    good = tmp_path / "good.emolab"
    Project.create(good).close()
    broken = tmp_path / "broken.emolab"
    make(broken)
    before = broken.read_bytes() if broken.is_file() else None
    shown = []
    monkeypatch.setattr(
        "emolab.gui.main_window.show_problem", lambda _w, _t, text: shown.append(text)
    )
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    assert window.open_project(good, rater="tester")
    assert not window.open_project(broken)
    assert len(shown) == 1
    assert str(broken) in shown[0]
    assert __import__("re").search(message, shown[0]), shown[0]
    assert window.project is not None and window.project.path == good
    assert gui_settings.value("recent_projects") == [str(good)]
    if before is not None:
        assert broken.read_bytes() == before
    window.close()


def test_a_broken_project_at_startup_leaves_the_app_running(qtbot, tmp_path, monkeypatch):
    from emolab.gui import app

    broken = tmp_path / "broken.emolab"
    broken.write_bytes(b"garbage" * 100)
    shown = []
    monkeypatch.setattr(
        "emolab.gui.main_window.show_problem", lambda _w, _t, text: shown.append(text)
    )
    windows = []
    monkeypatch.setattr(app, "_exec", lambda qapp, window: windows.append(window) or 0)
    assert app.run_app(project=broken) == 0
    (window,) = windows
    qtbot.addWidget(window)
    assert window.isVisible()
    assert window.project is None
    assert "not an SQLite database" in shown[0]
    assert gui_settings.value("recent_projects") == []
    window.close()


def test_emolab_with_a_file_argument_opens_the_app_on_it(tmp_path):
    from emolab.cli import run

    opened = []
    path = tmp_path / "x.emolab"
    assert run([str(path)], launch_gui=lambda p: opened.append(p) or 0) == 0
    assert opened == [path]
    assert run(["gui", str(path)], launch_gui=lambda p: opened.append(p) or 0) == 0
    assert opened == [path, path]
    with pytest.raises(SystemExit):  # a mistyped command is not taken for a file
        run(["improt", str(path)], launch_gui=lambda p: opened.append(p) or 0)
    assert opened == [path, path]
