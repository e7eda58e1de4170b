"""The window never says "Saved" before the commit returned: a second process holding the
write lock, a read-only project, a full disk."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from emolab.project.store import INTERACTIVE_BUSY_TIMEOUT_MS

NONE = Qt.KeyboardModifier.NoModifier

HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    print("LOCKED", flush=True)
    sys.stdin.readline()
    con.execute("ROLLBACK")
    con.close()
    print("RELEASED", flush=True)
    """
)


def _saved_emotion(path, recording_id):
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT r.emotion FROM ratings r JOIN raters t ON t.id = r.rater_id "
            "WHERE r.recording_id = ? AND t.name = 'tester'",
            (recording_id,),
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else None


@pytest.fixture
def form_texts(window, monkeypatch):
    """Every text the save label shows, in order."""
    texts = []
    original = window.rating_form.saved.setText

    def record(text):
        texts.append(text)
        original(text)

    monkeypatch.setattr(window.rating_form.saved, "setText", record)
    return texts


def test_a_rating_made_while_another_process_holds_the_lock_lands_after(
    qtbot, window, gui_copy, form_texts
):
    window.view.retry_timer.setInterval(20)
    assert window.project.execute("PRAGMA busy_timeout").fetchone()[0] == (
        INTERACTIVE_BUSY_TIMEOUT_MS
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(gui_copy)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        rid = window.recording_id
        window.handle_key(Qt.Key.Key_4, NONE)  # sad
        assert window.rating_form.emotion_group.checkedButton().text().endswith("sad")
        assert window.session.writes.state.value == "pending"
        tries = []
        window.view.retry_timer.timeout.connect(lambda: tries.append(1))
        qtbot.waitUntil(lambda: len(tries) >= 3, timeout=10_000)
        assert window.session.writes.state.value == "pending"
        assert "Not saved yet" in window.rating_form.saved.text()
        assert window.rating_form.retry_button.isVisible()
        assert "waiting to be saved" in window.status.save_label.text()
        assert _saved_emotion(gui_copy, rid) is None
        assert not any(t.startswith("Saved") for t in form_texts)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "RELEASED"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    qtbot.waitUntil(lambda: window.session.writes.state.value == "saved", timeout=10_000)
    assert _saved_emotion(gui_copy, rid) == "sad"
    assert window.rating_form.saved.text().startswith("Saved")
    assert not window.rating_form.retry_button.isVisible()
    assert not window.view.retry_timer.isActive()


def _read_only_window(qtbot, path, clock, rater: str):
    """A window on ``path`` made read-only, its first recording shown."""
    from emolab.gui.main_window import MainWindow

    path.chmod(0o444)
    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False)
    qtbot.addWidget(w)
    assert w.open_project(path, rater=rater)
    w.jobs.cancel("predict")
    assert w.wait_for_media()
    return w


def test_a_read_only_project_says_it_cannot_save(qtbot, gui_copy, clock):
    from emolab.project.store import Project

    with Project.open(gui_copy) as project:
        project.ensure_rater("tester")  # a returning rater; the file became read-only since
    w = _read_only_window(qtbot, gui_copy, clock, "tester")
    assert "[read-only]" in w.windowTitle()
    w.confirm_discard = lambda text: True
    w.handle_key(Qt.Key.Key_4, NONE)
    text = w.rating_form.saved.text()
    assert text.startswith("NOT SAVED") and "read-only" in text
    assert "NOT saved" in w.status.save_label.text()
    assert w.session.rating().emotion == "sad"  # the choice stays visible
    w.close()
    gui_copy.chmod(0o644)


def test_a_new_rater_on_a_read_only_project_can_look_but_not_rate(qtbot, gui_copy, clock):

    w = _read_only_window(qtbot, gui_copy, clock, "newcomer")
    assert not w.session.can_rate and w.session.rating_session is None
    assert "cannot rate" in w.status.rater_label.text()
    assert not w.rating_form.isEnabled()
    assert w.recording_id is not None  # recordings still open and play
    w.close()
    gui_copy.chmod(0o644)


def test_a_full_disk_says_so_and_retry_saves_once_there_is_room(window, gui_copy, form_texts):
    project = window.project
    pages = project.execute("PRAGMA page_count").fetchone()[0]
    project.execute(f"PRAGMA max_page_count = {pages}")
    rid = window.recording_id
    window.rating_form.notes.setPlainText("n" * 8000)
    window.rating_form.flush_notes()
    assert window.session.writes.state.value == "failed"
    assert "disk is full" in window.rating_form.saved.text()
    assert window.rating_form.notes.toPlainText() == "n" * 8000
    project.execute(f"PRAGMA max_page_count = {pages * 10}")
    window.rating_form.retry_button.click()
    assert window.session.writes.state.value == "saved"
    assert window.session.rating_session.rating(rid).notes == "n" * 8000
    assert not any(t.startswith("Saved") for t in form_texts[:-1])


def test_closing_with_unsaved_edits_keeps_them_in_a_recovery_file(qtbot, window, gui_copy):
    holder = sqlite3.connect(gui_copy, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        window.handle_key(Qt.Key.Key_5, NONE)
        asked = []
        window.confirm_discard = lambda text: asked.append(text) or False
        window.close()
        assert window.project is not None  # kept open: the user said no
        assert "recovery" in asked[0] or "could not be kept" in asked[0]
        from pathlib import Path

        path = Path(asked[0].split("written to ")[1].split(".json")[0] + ".json")
        assert '"angry"' in path.read_text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    window.retry_saving()
    assert window.session.writes.state.value == "saved"


def test_overlong_notes_are_refused_with_a_message(window):
    window.rating_form.notes.setPlainText("x" * 10_001)
    window.rating_form.flush_notes()
    assert "limited to 10,000 characters" in window.rating_form.saved.text()
    assert window.session.writes.state.value == "saved"
