"""Stored content from elsewhere cannot hurt the window: media changed on disk since
import, overlong notes, markup in stored text."""

from __future__ import annotations

import os
from contextlib import contextmanager

import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from emolab.project.ratings import MAX_NOTE_CHARS
from tests.gui.conftest import show_recording


@contextmanager
def restored_afterwards(path):
    data, stat = path.read_bytes(), path.stat()
    try:
        yield
    finally:
        path.write_bytes(data)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _other_recording(window):
    return next(
        r.recording_id for r in window.browser.model.rows if r.recording_id != window.recording_id
    )


def test_a_media_file_changed_since_import_is_detected_marked_and_the_rating_kept(qtbot, window):
    project = window.project
    target = _other_recording(window)
    show_recording(qtbot, window, target)
    window.rate("emotion", "sad")
    path = project.media_path(project.media_of(target, "audio"))
    with restored_afterwards(path):  # the corpus is shared by the session's tests
        samples, rate = sf.read(path, dtype="float32")
        sf.write(path, samples[::-1].copy(), rate)  # same size, other content
        show_recording(qtbot, window, _other_recording(window))
        show_recording(qtbot, window, target)
    assert "changed on disk" in window.rating_form.notice.text()
    assert window.rating_form.notice.isVisible()
    assert window.session.writes.state.value == "saved"
    changed = project.media_of(target, "audio")
    assert changed.changed_at is not None
    assert project.media_status(changed) == "changed"
    assert (
        project.execute(
            "SELECT COUNT(*) FROM suggestions WHERE recording_id = ?", (target,)
        ).fetchone()[0]
        == 0
    )
    assert window.session.rating().emotion == "sad"


def test_a_touched_but_identical_file_is_not_marked_changed(qtbot, window):
    project = window.project
    target = _other_recording(window)
    path = project.media_path(project.media_of(target, "audio"))
    with restored_afterwards(path):
        os.utime(path, (1e9, 1e9))
        show_recording(qtbot, window, target)
    assert window.rating_form.notice.text() == ""
    media = project.media_of(target, "audio")
    assert media.changed_at is None
    assert media.mtime == 1e9  # checked once by hash, then remembered


def test_an_overlong_stored_note_is_shown_cut_and_read_only(qtbot, window):
    project = window.project
    rid = window.recording_id
    project.execute(
        "INSERT INTO ratings(recording_id, rater_id, notes, updated_at) VALUES (?, ?, ?, ?)",
        (rid, window.session.rater_id, "z" * 200_000, "2026-01-01T00:00:00"),
    )
    show_recording(qtbot, window, _other_recording(window))
    show_recording(qtbot, window, rid)
    assert len(window.rating_form.notes.toPlainText()) == MAX_NOTE_CHARS
    assert window.rating_form.notes.isReadOnly()
    assert "200,000" in window.rating_form.notes.toolTip()


def test_no_label_interprets_stored_text_as_markup(window):
    labels = window.findChildren(QLabel)
    assert labels
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)


def test_an_active_model_that_fails_to_load_gives_way_to_the_bundled_one(qtbot, gui_copy, clock):
    import sqlite3

    from emolab.gui.main_window import MainWindow

    con = sqlite3.connect(gui_copy)
    con.execute("UPDATE models SET blob = ?, name = 'shared' WHERE active = 1", (b"PK\x03\x04x",))
    con.execute("DELETE FROM suggestions")
    con.commit()
    con.close()
    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False)
    qtbot.addWidget(w)
    assert w.open_project(gui_copy, rater="tester")
    w.start_prediction()
    qtbot.waitUntil(lambda: w.predictions_ready, timeout=120_000)
    notice = w.suggestion_panel.notice.text()
    assert "'shared' could not be loaded" in notice
    assert "bundled default model" in notice
    assert not w.suggestion_panel.notice.isHidden()
    active = w.project.execute("SELECT bundled, name FROM models WHERE active = 1").fetchone()
    assert active[0] == 1 and active[1] != "shared"
    w.close()
