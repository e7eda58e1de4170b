"""Ratings: every change is its own committed transaction plus an append-only edit-log
row (who, what, old → new, when, seconds since the recording was opened, and whether a
human or a model set it). Undo and redo are new edits that restore a value, so the log
keeps the whole history."""

from __future__ import annotations

import time
from dataclasses import dataclass

from emolab.core.errors import ProjectError
from emolab.project.store import Project, utc_now

FIELDS = ("emotion", "intensity", "genuineness", "notes")


@dataclass(frozen=True)
class Rating:
    recording_id: int
    rater_id: int
    emotion: str | None = None
    intensity: int | None = None
    genuineness: int | None = None
    notes: str = ""
    emotion_source: str = "human"
    source_model_id: int | None = None
    updated_at: str | None = None

    @property
    def complete(self) -> bool:
        return None not in (self.emotion, self.intensity, self.genuineness)


@dataclass(frozen=True)
class Edit:
    id: int
    recording_id: int
    field: str
    old: object
    new: object


def get_rating(project: Project, recording_id: int, rater_id: int) -> Rating:
    row = project.execute(
        "SELECT emotion, intensity, genuineness, notes, emotion_source, source_model_id, "
        "updated_at FROM ratings WHERE recording_id = ? AND rater_id = ?",
        (recording_id, rater_id),
    ).fetchone()
    if row is None:
        return Rating(recording_id, rater_id)
    return Rating(recording_id, rater_id, *row)


def _check(field: str, value: object) -> object:
    if field not in FIELDS:
        raise ProjectError(f"'{field}' is not a rating field")
    if field in ("intensity", "genuineness") and value is not None:
        value = int(value)
        if not 1 <= value <= 5:
            raise ProjectError(f"{field} must be 1–5, not {value}")
    if field == "notes":
        value = "" if value is None else str(value)
    return value


def set_field(
    project: Project,
    recording_id: int,
    rater_id: int,
    field: str,
    value: object,
    since_open: float | None = None,
    source: str = "human",
    model_id: int | None = None,
) -> Edit | None:
    """Write one rating field in its own transaction and log it; None if unchanged."""
    value = _check(field, value)
    with project.transaction():
        old_rating = get_rating(project, recording_id, rater_id)
        old = getattr(old_rating, field)
        if old == value:
            return None
        project.execute(
            "INSERT INTO ratings(recording_id, rater_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(recording_id, rater_id) DO NOTHING",
            (recording_id, rater_id, utc_now()),
        )
        assignments = f"{field} = ?, updated_at = ?"
        params: list = [value, utc_now()]
        if field == "emotion":
            assignments += ", emotion_source = ?, source_model_id = ?"
            params += ["model" if source == "model" else "human", model_id]
        project.execute(
            f"UPDATE ratings SET {assignments} WHERE recording_id = ? AND rater_id = ?",
            (*params, recording_id, rater_id),
        )
        cur = project.execute(
            "INSERT INTO edit_log(at, rater_id, recording_id, field, old_value, new_value, "
            "since_open, source, model_id) VALUES (?,?,?,?,?,?,?,?,?)",
            (utc_now(), rater_id, recording_id, field,
             None if old is None else str(old), None if value is None else str(value),
             since_open, source, model_id),
        )  # fmt: skip
    return Edit(int(cur.lastrowid), recording_id, field, old, value)


class RatingSession:
    """One rater's editing session: writes, times since opening, undo and redo."""

    def __init__(self, project: Project, rater_id: int):
        self.project = project
        self.rater_id = rater_id
        self.recording_id: int | None = None
        self._opened = time.monotonic()
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []

    def open_recording(self, recording_id: int) -> Rating:
        self.recording_id = recording_id
        self._opened = time.monotonic()
        return self.rating()

    def rating(self, recording_id: int | None = None) -> Rating:
        rid = self.recording_id if recording_id is None else recording_id
        if rid is None:
            raise ProjectError("no recording is open")
        return get_rating(self.project, rid, self.rater_id)

    def set(self, field: str, value: object, source: str = "human",
            model_id: int | None = None) -> Edit | None:  # fmt: skip
        if self.recording_id is None:
            raise ProjectError("no recording is open")
        edit = set_field(self.project, self.recording_id, self.rater_id, field, value,
                         time.monotonic() - self._opened, source, model_id)  # fmt: skip
        if edit is not None:
            self._undo.append(edit)
            self._redo.clear()
        return edit

    def _restore(self, edit: Edit, value: object, source: str) -> None:
        set_field(self.project, edit.recording_id, self.rater_id, edit.field, value,
                  None, source)  # fmt: skip

    def undo(self) -> Edit | None:
        """Restore the value before the last edit; returns that edit (or None)."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._restore(edit, edit.old, "undo")
        self._redo.append(edit)
        return edit

    def redo(self) -> Edit | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._restore(edit, edit.new, "redo")
        self._undo.append(edit)
        return edit

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
