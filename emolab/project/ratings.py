"""Ratings: every change is its own committed transaction plus an append-only edit-log
row (who, what, old → new, when, seconds since the recording was opened, and whether a
human or a model set it). Undo and redo are new edits that restore a value, so the log
keeps the whole history."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from emolab.core.errors import ProjectError
from emolab.project.schema import utc_now
from emolab.project.store import Project
from emolab.project.writes import PendingWrite, SaveState, WriteQueue

FIELDS = ("emotion", "intensity", "genuineness", "notes")
#: The choices a rater makes for a recording; notes are optional.
CHOICES = ("emotion", "intensity", "genuineness")


def rating_status(made: Sequence[bool]) -> str:
    """'rated' (complete) if every one of :data:`CHOICES` is made, 'partial' if some are."""
    if all(made):
        return "rated"
    return "partial" if any(made) else "unrated"


def rating_status_sql(alias: str) -> str:
    """:func:`rating_status` of the ``ratings`` row ``alias`` as an SQL expression."""
    # tabulated from rating_status for every combination of choices made, so the browser's
    # query and Rating.complete cannot disagree (a row a LEFT JOIN did not find: none made)
    made = " + ".join(f"({alias}.{c} IS NOT NULL) * {1 << i}" for i, c in enumerate(CHOICES))
    answers = " ".join(
        f"WHEN {sum(1 << i for i, m in enumerate(combo) if m)} THEN '{rating_status(combo)}'"
        for combo in itertools.product((False, True), repeat=len(CHOICES))
    )
    return f"CASE {made} {answers} END"


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
    def status(self) -> str:
        """'rated', 'partial' or 'unrated' (see :func:`rating_status`)."""
        return rating_status([getattr(self, c) is not None for c in CHOICES])

    @property
    def complete(self) -> bool:
        return self.status == "rated"


@dataclass(frozen=True)
class Edit:
    id: int
    recording_id: int
    field: str
    old: object
    new: object
    #: who set the emotion before and after: ('human' | 'model', model id); undo and redo
    #: restore it, so undoing back to an accepted suggestion never makes it a human choice
    old_origin: tuple[str, int | None] = ("human", None)
    new_origin: tuple[str, int | None] = ("human", None)


def get_rating(project: Project, recording_id: int, rater_id: int) -> Rating:
    row = project.execute(
        "SELECT emotion, intensity, genuineness, notes, emotion_source, source_model_id, "
        "updated_at FROM ratings WHERE recording_id = ? AND rater_id = ?",
        (recording_id, rater_id),
    ).fetchone()
    if row is None:
        return Rating(recording_id, rater_id)
    return Rating(recording_id, rater_id, *row)


#: Longest note a rating keeps (characters); longer text is refused with a message.
MAX_NOTE_CHARS = 10_000
#: Longest label (an emotion or another choice) a rating keeps (characters).
MAX_LABEL_CHARS = 64


def _check(field: str, value: object) -> object:
    if field not in FIELDS:
        raise ProjectError(f"'{field}' is not a rating field")
    if field in ("intensity", "genuineness") and value is not None:
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ProjectError(f"{field} must be a whole number 1–5, not {value!r:.20}") from None
        if not 1 <= value <= 5:
            raise ProjectError(f"{field} must be 1–5, not {value}")
    if field == "notes":
        value = "" if value is None else str(value)
        if len(value) > MAX_NOTE_CHARS:
            raise ProjectError(
                f"a note is limited to {MAX_NOTE_CHARS:,} characters (this one has "
                f"{len(value):,}); it was not saved"
            )
    if field == "emotion" and value is not None:
        value = str(value)
        if not value or len(value) > MAX_LABEL_CHARS or not value.isprintable():
            raise ProjectError(f"an emotion label must be 1–{MAX_LABEL_CHARS} printable characters")
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
    at: str | None = None,
    origin: tuple[str, int | None] | None = None,
    study: str | None = None,
) -> Edit | None:
    """Write one rating field in its own transaction and log it; None if unchanged.

    ``at`` is when the rater made the change (ISO UTC), if earlier than now (a queued write).
    ``origin``: who set the emotion being restored (undo, redo); by default ``source``
    says it (a model for an accepted suggestion, else a human). ``study``: the study
    settings the rater works under (JSON), kept with the rating and the edit.
    """
    value = _check(field, value)
    at = at or utc_now()
    with project.transaction():
        old_rating = get_rating(project, recording_id, rater_id)
        old = getattr(old_rating, field)
        if old == value:
            return None
        project.execute(
            "INSERT INTO ratings(recording_id, rater_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(recording_id, rater_id) DO NOTHING",
            (recording_id, rater_id, at),
        )
        assignments = f"{field} = ?, updated_at = ?, study = ?"
        params: list = [value, at, study]
        if field == "emotion":
            assignments += ", emotion_source = ?, source_model_id = ?"
            params += list(origin or ("model" if source == "model" else "human", model_id))
        project.execute(
            f"UPDATE ratings SET {assignments} WHERE recording_id = ? AND rater_id = ?",
            (*params, recording_id, rater_id),
        )
        cur = project.execute(
            "INSERT INTO edit_log(at, rater_id, recording_id, field, old_value, new_value, "
            "since_open, source, model_id, study) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (at, rater_id, recording_id, field,
             None if old is None else str(old), None if value is None else str(value),
             since_open, source, model_id, study),
        )  # fmt: skip
    return Edit(int(cur.lastrowid), recording_id, field, old, value)


class RatingSession:
    """One rater's editing session: writes, times since opening, undo and redo.

    Writes go through a :class:`WriteQueue`: an edit that cannot be committed yet (the
    project is locked, read-only or the disk is full) stays queued and visible in
    :meth:`rating`, and :attr:`save_state` says so; nothing reports saved before it is.
    """

    def __init__(self, project: Project, rater_id: int, writes: WriteQueue | None = None,
                 clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.project = project
        self.rater_id = rater_id
        self.writes = writes if writes is not None else WriteQueue(project)
        self.recording_id: int | None = None
        self._clock = clock
        self._opened = clock()
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self.study: str | None = None  # JSON of the study settings edits are made under

    def open_recording(self, recording_id: int) -> Rating:
        self.recording_id = recording_id
        self._opened = self._clock()
        return self.rating()

    def rating(self, recording_id: int | None = None) -> Rating:
        """The rating as the rater sees it: saved values with queued ones on top."""
        rid = self.recording_id if recording_id is None else recording_id
        if rid is None:
            raise ProjectError("no recording is open")
        rating = get_rating(self.project, rid, self.rater_id)
        changes = {}
        for f in FIELDS:
            found, value = self.writes.pending_value(("rating", rid, self.rater_id, f))
            if found:
                changes[f] = value
        return replace(rating, **changes) if changes else rating

    @property
    def save_state(self) -> SaveState:
        return self.writes.state

    def retry(self) -> SaveState:
        """Try the queued writes again now."""
        return self.writes.flush()

    def _write(self, recording_id: int, field: str, value: object, since_open: float | None,
               source: str, model_id: int | None,
               origin: tuple[str, int | None] | None = None) -> None:  # fmt: skip
        rater = self.rater_id
        at = utc_now()

        study = self.study

        def apply(project: Project) -> Edit | None:
            return set_field(project, recording_id, rater, field, value, since_open, source,
                             model_id, at, origin, study)  # fmt: skip

        self.writes.submit(PendingWrite(
            f"{field} of recording {recording_id}", apply,
            ("rating", recording_id, rater, field), value, at))  # fmt: skip

    def set(self, field: str, value: object, source: str = "human",
            model_id: int | None = None) -> Edit | None:  # fmt: skip
        """Change one field of the open recording's rating; None when nothing changed.

        Invalid values raise :class:`ProjectError` at once; a value that cannot be written
        yet is queued (see :attr:`save_state`)."""
        if self.recording_id is None:
            raise ProjectError("no recording is open")
        value = _check(field, value)
        rating = self.rating()
        old = getattr(rating, field)
        if old == value:
            return None
        edit = Edit(0, self.recording_id, field, old, value,
                    (rating.emotion_source, rating.source_model_id),
                    ("model" if source == "model" else "human", model_id))  # fmt: skip
        self._write(self.recording_id, field, value, self._clock() - self._opened, source,
                    model_id)  # fmt: skip
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def undo(self) -> Edit | None:
        """Restore the value before the last edit; returns that edit (or None)."""
        return self._replay(self._undo, self._redo, "undo")

    def redo(self) -> Edit | None:
        """Apply the last undone edit again; returns it (or None)."""
        return self._replay(self._redo, self._undo, "redo")

    def _replay(self, source: list[Edit], target: list[Edit], how: str) -> Edit | None:
        if not source:
            return None
        edit = source.pop()
        value, origin = (
            (edit.old, edit.old_origin) if how == "undo" else (edit.new, edit.new_origin)
        )
        self._write(edit.recording_id, edit.field, value, None, how, None, origin)
        target.append(edit)
        return edit

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
