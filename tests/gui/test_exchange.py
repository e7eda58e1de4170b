"""File → Export and File → Merge in the window."""

from __future__ import annotations

from emolab.project.ratings import set_field
from tests.conftest import throwaway_copy


def test_export_writes_every_format_from_the_window(qtbot, window, tmp_path):
    project = window.project
    rid = project.recordings()[0].id
    set_field(project, rid, project.ensure_rater("ann"), "emotion", "sad")
    window.exchange.export(tmp_path / "out")
    qtbot.waitUntil(lambda: window.exchange.last is not None, timeout=60_000)
    report = window.exchange.last
    assert report.rows >= 1
    assert (tmp_path / "out" / "ratings_long.csv").is_file()
    assert (tmp_path / "out" / "export.json").is_file()
    assert any((tmp_path / "out" / "eaf").glob("*.eaf"))


def test_merge_brings_another_raters_copy_in(qtbot, window, gui_demo, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "emolab.gui.exchange.show_problem", lambda _w, title, text, *_: shown.append((title, text))
    )
    with throwaway_copy(gui_demo, "other") as other:
        from emolab.project.store import Project

        with Project.open(other) as project:
            rid = project.recordings()[2].id
            set_field(project, rid, project.ensure_rater("ben"), "emotion", "angry",
                      at="2026-11-02T09:00:00.000+00:00")  # fmt: skip
        window.exchange.merge([other])
        qtbot.waitUntil(lambda: window.exchange.last is not None, timeout=60_000)
    (report,) = window.exchange.last
    assert report.log_rows_added == 1
    names = dict((i, n) for i, n in window.project.raters())
    rows = window.project.execute("SELECT rater_id, emotion FROM ratings WHERE recording_id = ?",
                                  (rid,)).fetchall()  # fmt: skip
    assert [(names[r[0]], r[1]) for r in rows] == [("ben", "angry")]
    assert shown and shown[0][0] == "Merged"
