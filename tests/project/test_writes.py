"""Interactive writes: queued while the project is locked, read-only or full; never
reported saved before they are committed; committed in the order asked."""

from __future__ import annotations

import sqlite3

import pytest

from emolab.core.errors import ProjectError
from emolab.project.ratings import MAX_NOTE_CHARS, RatingSession, get_rating
from emolab.project.store import INTERACTIVE_BUSY_TIMEOUT_MS, Project, WriteProblem
from emolab.project.writes import SaveState


@pytest.fixture
def project_with_recording(tmp_path):
    path = tmp_path / "p.emolab"
    with Project.create(path) as project, project.transaction():
        pid = project.ensure_participant("01", None)
        project.ensure_recording("03-01-01-01-01", "multimodal14", pid, {"emotion": "happy"}, {})
    return path


def _lock(path):
    """A second connection holding the write lock (as another program would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def _open(path):
    project = Project.open(path, busy_timeout_ms=INTERACTIVE_BUSY_TIMEOUT_MS)
    (recording,) = project.recordings()
    session = RatingSession(project, project.ensure_rater("r"))
    session.open_recording(recording.id)
    return project, session, recording.id


def test_a_locked_project_queues_edits_and_commits_them_in_order_later(project_with_recording):
    project, session, rid = _open(project_with_recording)
    other = _lock(project_with_recording)
    try:
        session.set("emotion", "sad")
        session.set("intensity", 4)
        session.set("emotion", "angry")
        assert session.save_state is SaveState.PENDING
        assert session.writes.problem is WriteProblem.BUSY
        assert "waiting" in session.writes.describe()
        # the rater sees what they chose, the file does not have it yet
        assert (session.rating().emotion, session.rating().intensity) == ("angry", 4)
        assert get_rating(project, rid, session.rater_id).emotion is None
        assert session.retry() is SaveState.PENDING
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert session.retry() is SaveState.SAVED
    saved = get_rating(project, rid, session.rater_id)
    assert (saved.emotion, saved.intensity) == ("angry", 4)
    log = project.execute("SELECT field, old_value, new_value FROM edit_log ORDER BY id").fetchall()
    assert [tuple(r) for r in log] == [
        ("emotion", None, "sad"),
        ("intensity", None, "4"),
        ("emotion", "sad", "angry"),
    ]
    project.close()


def test_undo_while_locked_is_queued_too(project_with_recording):
    project, session, rid = _open(project_with_recording)
    session.set("emotion", "sad")
    other = _lock(project_with_recording)
    try:
        session.set("emotion", "calm")
        session.undo()
        assert session.rating().emotion == "sad"
        assert session.save_state is SaveState.PENDING
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert session.retry() is SaveState.SAVED
    assert get_rating(project, rid, session.rater_id).emotion == "sad"
    sources = [r[0] for r in project.execute("SELECT source FROM edit_log ORDER BY id")]
    assert sources == ["human", "human", "undo"]
    project.close()


def test_a_read_only_project_says_so_and_keeps_the_value(project_with_recording):
    project, session, _ = _open(project_with_recording)
    rater = session.rater_id
    project.close()
    project_with_recording.chmod(0o444)
    project = Project.open(project_with_recording, busy_timeout_ms=INTERACTIVE_BUSY_TIMEOUT_MS)
    assert project.read_only
    (recording,) = project.recordings()
    session = RatingSession(project, rater)
    session.open_recording(recording.id)
    session.set("emotion", "sad")
    assert session.save_state is SaveState.FAILED
    assert session.writes.problem is WriteProblem.READ_ONLY
    assert "NOT saved" in session.writes.describe()
    assert "read-only" in session.writes.describe()
    assert session.rating().emotion == "sad"
    assert "sad" in session.writes.recovery_json()
    project.close()


def test_a_full_disk_says_so_and_the_edit_lands_when_there_is_room(project_with_recording):
    project, session, rid = _open(project_with_recording)
    pages = project.execute("PRAGMA page_count").fetchone()[0]
    project.execute(f"PRAGMA max_page_count = {pages}")
    session.set("notes", "x" * 9000)
    assert session.save_state is SaveState.FAILED
    assert session.writes.problem is WriteProblem.FULL
    assert "disk is full" in session.writes.describe()
    project.execute(f"PRAGMA max_page_count = {pages * 10}")
    assert session.retry() is SaveState.SAVED
    assert get_rating(project, rid, session.rater_id).notes == "x" * 9000
    project.close()


def test_overlong_notes_and_bad_values_are_refused_with_a_message(project_with_recording):
    project, session, _ = _open(project_with_recording)
    with pytest.raises(ProjectError, match="limited to 10,000 characters"):
        session.set("notes", "x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(ProjectError, match="1–5"):
        session.set("intensity", 9)
    with pytest.raises(ProjectError, match="printable"):
        session.set("emotion", "sad\x1b[31m")
    with pytest.raises(ProjectError, match="at most 80"):
        project.ensure_rater("r" * 81)
    assert session.save_state is SaveState.SAVED
    assert not session.can_undo
    project.close()


def test_times_since_opening_come_from_the_injected_clock(project_with_recording):
    project = Project.open(project_with_recording)
    (recording,) = project.recordings()
    now = [100.0]
    session = RatingSession(project, project.ensure_rater("r"), clock=lambda: now[0])
    session.open_recording(recording.id)
    now[0] = 102.5
    session.set("emotion", "sad")
    assert project.execute("SELECT since_open FROM edit_log").fetchone()[0] == 2.5
    project.close()
