"""Ratings: every change is its own committed transaction plus an append-only edit-log
row (who, what, old → new, when, seconds since the recording was opened, and whether a
human or a model set it). Undo and redo are new edits that restore a value, so the log
keeps the whole history."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from emolab.core.errors import ProjectError
from emolab.project.forms import (
    CORE,
    MAX_OPTION_CHARS,
    MAX_TEXT_CHARS,
    RatingForm,
    segment_fields,
)
from emolab.project.schema import utc_now
from emolab.project.store import Project
from emolab.project.writes import PendingWrite, SaveState, WriteQueue

#: The fields kept as columns of ``ratings`` (a project's form may add others; see
#: :mod:`emolab.project.forms`).
FIELDS = CORE
#: The choices of the default form; a project's form says which fields are required.
CHOICES = ("emotion", "intensity", "genuineness")
#: Edit-log field of a segment label: ``segment:UID``.
SEGMENT_PREFIX = "segment:"


def is_segment_field(name: str) -> bool:
    return name.startswith(SEGMENT_PREFIX)


def rating_status(made: Sequence[bool], judged: Sequence[bool] | None = None) -> str:
    """'rated' (complete) when every required field is made (``made``), 'partial' when
    any judgement (``judged``, by default ``made``) is, else 'unrated'."""
    judged = made if judged is None else judged
    if made and all(made):
        return "rated"
    return "partial" if any(judged) else "unrated"


def _made_sql(alias: str, key: str, form: RatingForm) -> str:
    if key in CORE:
        if key == "notes":
            return f"(COALESCE({alias}.notes, '') != '')"
        return f"({alias}.{key} IS NOT NULL)"
    return (f"EXISTS (SELECT 1 FROM rating_values rv WHERE rv.recording_id = "
            f"{alias}.recording_id AND rv.rater_id = {alias}.rater_id AND rv.field = "
            f"'{key}' AND rv.value IS NOT NULL AND rv.value != '')")  # fmt: skip


def rating_status_sql(alias: str, form: RatingForm | None = None) -> str:
    """:func:`rating_status` of the ``ratings`` row ``alias`` as an SQL expression, for
    the project's rating form (keys are checked identifiers, so they are inlined)."""
    form = form or RatingForm.default()
    required = [_made_sql(alias, k, form) for k in form.required]
    judged = [_made_sql(alias, f.key, form) for f in form.judged] or ["0"]
    rated = " AND ".join(required) if required else "0"
    return (f"CASE WHEN {alias}.recording_id IS NULL THEN 'unrated' WHEN {rated} THEN 'rated' "
            f"WHEN {' OR '.join(judged)} THEN 'partial' ELSE 'unrated' END")  # fmt: skip


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
    #: the form's other fields that hold a value: ((key, value), ...)
    values: tuple[tuple[str, object], ...] = ()
    #: the form's required fields and its judgements (not free text)
    required: tuple[str, ...] = CHOICES
    judged: tuple[str, ...] = CHOICES

    def value(self, key: str) -> object:
        """A field's value (None when not given; notes: "")."""
        if key in CORE:
            return getattr(self, key)
        return dict(self.values).get(key)

    def made(self, key: str) -> bool:
        value = self.value(key)
        return value is not None and value != ""

    def with_value(self, key: str, value: object) -> Rating:
        if key in CORE:
            return replace(self, **{key: value})
        values = dict(self.values)
        values[key] = value
        return replace(self, values=tuple((k, v) for k, v in values.items() if v is not None))

    @property
    def status(self) -> str:
        """'rated', 'partial' or 'unrated' (see :func:`rating_status`)."""
        return rating_status([self.made(k) for k in self.required],
                             [self.made(k) for k in self.judged])  # fmt: skip

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


def get_rating(project: Project, recording_id: int, rater_id: int,
               form: RatingForm | None = None) -> Rating:  # fmt: skip
    """A rater's rating of a recording, with the project's form's other fields."""
    form = form or RatingForm.of(project)
    shape = {"required": form.required, "judged": tuple(f.key for f in form.judged)}
    row = project.execute(
        "SELECT emotion, intensity, genuineness, notes, emotion_source, source_model_id, "
        "updated_at FROM ratings WHERE recording_id = ? AND rater_id = ?",
        (recording_id, rater_id),
    ).fetchone()
    if row is None:
        return Rating(recording_id, rater_id, **shape)
    values: tuple[tuple[str, object], ...] = ()
    if form.extra:
        stored = dict(project.execute(
            "SELECT field, value FROM rating_values WHERE recording_id = ? AND rater_id = ? "
            "AND value IS NOT NULL", (recording_id, rater_id)).fetchall())  # fmt: skip
        values = tuple((f.key, f.typed(stored[f.key])) for f in form.extra if f.key in stored)
    return Rating(recording_id, rater_id, *row, values=values, **shape)


@dataclass(frozen=True)
class Segment:
    """A time-range label: a rater's range of the recording (seconds of audio time) with
    values of the form's segment fields."""

    uid: str
    recording_id: int
    rater_id: int
    start: float
    end: float
    fields: tuple[tuple[str, object], ...] = ()

    def value(self, key: str) -> object:
        return dict(self.fields).get(key)

    def state(self) -> dict:
        """What the edit log keeps of it (JSON)."""
        return {"start": self.start, "end": self.end, "fields": dict(self.fields)}


def segment_state_json(state: dict | None) -> str | None:
    return None if state is None else json.dumps(state, sort_keys=True, ensure_ascii=False)


def check_segment(state: object, form: RatingForm) -> dict | None:
    """A segment's state (start, end, fields) as stored, or ProjectError saying why not."""
    if state is None:
        return None
    if isinstance(state, str):
        try:
            state = json.loads(state)
        except ValueError:
            raise ProjectError("a segment's stored state is not JSON") from None
    if not isinstance(state, dict):
        raise ProjectError("a segment is a start, an end and values")
    try:
        start, end = float(state["start"]), float(state["end"])
    except (KeyError, TypeError, ValueError):
        raise ProjectError("a segment needs a start and an end time in seconds") from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
        raise ProjectError(f"a segment must end after it starts (not {start:g}–{end:g} s)")
    fields = state.get("fields") or {}
    if not isinstance(fields, dict):
        raise ProjectError("a segment's values must be a mapping of field to value")
    checked = {}
    for key, value in fields.items():
        if not form.has(str(key)):  # a field the form no longer asks (a merge, a form change)
            if value is not None and value != "":
                checked[str(key)] = value
            continue
        f = form.field(str(key))
        if not f.segment:
            raise ProjectError(f"'{key}' is asked of whole recordings, not of segments")
        value = f.check(value)
        if value is not None and value != "":
            checked[f.key] = value
    return {"start": round(start, 4), "end": round(end, 4), "fields": checked}


def segments(project: Project, recording_id: int, rater_id: int | None = None) -> list[Segment]:
    """The recording's segments (one rater's, or everyone's) by start time."""
    sql = ("SELECT uid, recording_id, rater_id, start, end, fields FROM segments "
           "WHERE recording_id = ?")  # fmt: skip
    params: tuple = (recording_id,)
    if rater_id is not None:
        sql += " AND rater_id = ?"
        params += (rater_id,)
    out = []
    for uid, rid, rater, start, end, fields in project.execute(
        sql + " ORDER BY start, uid", params
    ):
        values = segment_fields(fields)
        out.append(Segment(uid, rid, rater, start, end, tuple(values.items())))
    return out


#: Longest note a rating keeps (characters); longer text is refused with a message.
MAX_NOTE_CHARS = MAX_TEXT_CHARS
#: Longest label (an emotion or another choice) a rating keeps (characters).
MAX_LABEL_CHARS = MAX_OPTION_CHARS


def _check(field: str, value: object, form: RatingForm | None = None) -> object:
    """``value`` as stored for ``field`` of ``form`` (by default the default form), or a
    ProjectError saying why not. The core fields are checked even when the project's form
    does not ask them (imported or merged ratings)."""
    form = form or RatingForm.default()
    if is_segment_field(field):
        return check_segment(value, form)
    if field in CORE:
        # the columns' own limits (scales 1–5, a note's length, a printable label) are the
        # default form's fields; the project's form may narrow them
        if (
            field == "emotion"
            and value is not None
            and not (0 < len(str(value)) <= MAX_LABEL_CHARS and str(value).isprintable())
        ):  # any label of another scheme is kept, but not just any text
            raise ProjectError(f"an emotion label must be 1–{MAX_LABEL_CHARS} printable characters")
        value = RatingForm.default().field(field).check(value)
        return form.field(field).check(value) if form.has(field) else value
    if not form.has(field):
        raise ProjectError(f"'{field}' is not a field of this project's rating form")
    return form.field(field).check(value)


def new_segment_uid() -> str:
    return uuid.uuid4().hex[:16]


def _segment_uid(field: str) -> str:
    return field[len(SEGMENT_PREFIX) :]


def _stored_segment(project: Project, uid: str) -> dict | None:
    row = project.execute("SELECT start, end, fields FROM segments WHERE uid = ?",
                          (uid,)).fetchone()  # fmt: skip
    if row is None:
        return None
    return {"start": row[0], "end": row[1], "fields": segment_fields(row[2])}


def _write_segment(project: Project, uid: str, recording_id: int, rater_id: int,
                   state: dict | None, at: str, study: str | None) -> None:  # fmt: skip
    if state is None:
        project.execute("DELETE FROM segments WHERE uid = ?", (uid,))
        return
    owner = project.execute("SELECT recording_id, rater_id FROM segments WHERE uid = ?",
                            (uid,)).fetchone()  # fmt: skip
    if owner is not None and tuple(owner) != (recording_id, rater_id):
        raise ProjectError("a segment belongs to one rater's rating of one recording")
    project.execute(
        "INSERT INTO segments(uid, recording_id, rater_id, start, end, fields, updated_at, study) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(uid) DO UPDATE SET start = excluded.start, "
        "end = excluded.end, fields = excluded.fields, updated_at = excluded.updated_at, "
        "study = excluded.study",
        (uid, recording_id, rater_id, state["start"], state["end"],
         json.dumps(state["fields"], sort_keys=True, ensure_ascii=False), at, study),
    )  # fmt: skip


def stored_value(project: Project, recording_id: int, rater_id: int, field: str,
                 form: RatingForm | None = None) -> object:  # fmt: skip
    """The value ``field`` holds now (a segment: its state dict, or None)."""
    if is_segment_field(field):
        return _stored_segment(project, _segment_uid(field))
    if field in CORE:
        return getattr(get_rating(project, recording_id, rater_id, form), field)
    row = project.execute(
        "SELECT value FROM rating_values WHERE recording_id = ? AND rater_id = ? AND field = ?",
        (recording_id, rater_id, field)).fetchone()  # fmt: skip
    if row is None:
        return None
    form = form or RatingForm.of(project)
    return form.field(field).typed(row[0]) if form.has(field) else row[0]


def logged_text(field: str, value: object) -> str | None:
    """A value as the edit log writes it."""
    if value is None:
        return None
    if is_segment_field(field):
        return segment_state_json(value)  # type: ignore[arg-type]
    return str(value)


def write_value(project: Project, recording_id: int, rater_id: int, field: str, value: object,
                at: str, study: str | None,
                origin: tuple[str, int | None] | None = None) -> None:  # fmt: skip
    """Put a checked value in its place (inside the caller's transaction), without
    logging it: a column of ``ratings``, a row of ``rating_values`` or of ``segments``."""
    if is_segment_field(field):
        _write_segment(project, _segment_uid(field), recording_id, rater_id, value, at, study)  # type: ignore[arg-type]
        return
    project.execute(
        "INSERT INTO ratings(recording_id, rater_id, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(recording_id, rater_id) DO NOTHING",
        (recording_id, rater_id, at),
    )
    if field in CORE:
        assignments = f"{field} = ?, updated_at = ?, study = ?"
        params: list = [value, at, study]
        if field == "emotion":
            assignments += ", emotion_source = ?, source_model_id = ?"
            params += list(origin or ("human", None))
    else:
        project.execute(
            "INSERT INTO rating_values(recording_id, rater_id, field, value, updated_at, study) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(recording_id, rater_id, field) DO UPDATE SET "
            "value = excluded.value, updated_at = excluded.updated_at, study = excluded.study",
            (recording_id, rater_id, field, None if value is None else str(value), at, study),
        )
        assignments, params = "updated_at = ?, study = ?", [at, study]
    project.execute(
        f"UPDATE ratings SET {assignments} WHERE recording_id = ? AND rater_id = ?",
        (*params, recording_id, rater_id),
    )


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
    form = RatingForm.of(project)
    value = _check(field, value, form)
    at = at or utc_now()
    with project.transaction():
        old = stored_value(project, recording_id, rater_id, field, form)
        if old == value:
            return None
        write_value(project, recording_id, rater_id, field, value, at, study,
                    origin or ("model" if source == "model" else "human", model_id))  # fmt: skip
        cur = project.execute(
            "INSERT INTO edit_log(at, rater_id, recording_id, field, old_value, new_value, "
            "since_open, source, model_id, study) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (at, rater_id, recording_id, field, logged_text(field, old),
             logged_text(field, value), since_open, source, model_id, study),
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
        form = self.form
        rating = get_rating(self.project, rid, self.rater_id, form)
        for f in dict.fromkeys((*FIELDS, *form.keys)):
            found, value = self.writes.pending_value(("rating", rid, self.rater_id, f))
            if found:
                rating = rating.with_value(f, value)
        return rating

    @property
    def form(self) -> RatingForm:
        """The project's rating form."""
        return RatingForm.of(self.project)

    def segments(self, recording_id: int | None = None) -> list[Segment]:
        """This rater's segments of the recording as they see them (queued edits on top)."""
        rid = self.recording_id if recording_id is None else recording_id
        if rid is None:
            raise ProjectError("no recording is open")
        found = {s.uid: s for s in segments(self.project, rid, self.rater_id)}
        for write in self.writes.pending:
            if not (isinstance(write.key, tuple) and len(write.key) == 4):
                continue
            kind, recording, rater, field = write.key
            if (kind, recording, rater) != ("rating", rid, self.rater_id):
                continue
            if not is_segment_field(field):
                continue
            uid = _segment_uid(field)
            if write.value is None:
                found.pop(uid, None)
            else:
                state = write.value
                found[uid] = Segment(uid, rid, self.rater_id, state["start"], state["end"],
                                     tuple(state["fields"].items()))  # fmt: skip
        return sorted(found.values(), key=lambda s: (s.start, s.uid))

    def _segment_state(self, uid: str) -> dict | None:
        for s in self.segments():
            if s.uid == uid:
                return s.state()
        return None

    def add_segment(self, start: float, end: float, fields: dict | None = None) -> str:
        """Mark a time range of the open recording (seconds of audio time, in either
        order); returns the new segment's id. Undoable like any edit."""
        start, end = sorted((float(start), float(end)))
        uid = new_segment_uid()
        self.set(SEGMENT_PREFIX + uid, {"start": start, "end": end, "fields": fields or {}})
        return uid

    def change_segment(self, uid: str, start: float | None = None, end: float | None = None,
                       **values: object) -> Edit | None:  # fmt: skip
        """Move a segment's ends or set its fields (a value of None clears a field)."""
        state = self._segment_state(uid)
        if state is None:
            raise ProjectError("that segment no longer exists")
        state = {"start": state["start"] if start is None else start,
                 "end": state["end"] if end is None else end,
                 "fields": dict(state["fields"])}  # fmt: skip
        if state["start"] > state["end"]:
            state["start"], state["end"] = state["end"], state["start"]
        for key, value in values.items():
            state["fields"][key] = value
        state["fields"] = {k: v for k, v in state["fields"].items() if v is not None and v != ""}
        return self.set(SEGMENT_PREFIX + uid, state)

    def delete_segment(self, uid: str) -> Edit | None:
        return self.set(SEGMENT_PREFIX + uid, None)

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
        value = _check(field, value, self.form)
        rating = self.rating()
        if is_segment_field(field):
            # the state as stored (not checked again: a form change or a merge may have
            # left values the form no longer asks, and they must stay deletable)
            old = self._segment_state(_segment_uid(field))
            if old is not None:
                old = {"start": round(float(old["start"]), 4), "end": round(float(old["end"]), 4),
                       "fields": dict(old["fields"])}  # fmt: skip
        else:
            old = rating.value(field)
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
