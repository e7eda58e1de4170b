"""How a merge reads logged values (see :mod:`emolab.project.merge`): which edit-log
fields are about a rating, a logged value as TARGET stores it (typed and checked by
TARGET's rating form; a field the form lacks kept as given), and what a side holds now."""

from __future__ import annotations

import json
import math
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.project.forms import RatingForm
from emolab.project.merge_read import _Edit, _Side
from emolab.project.merge_report import _SCALES
from emolab.project.ratings import FIELDS, SEGMENT_PREFIX, is_segment_field

#: A field of a rating nobody has set.
_EMPTY: dict[str, object] = {f: "" if f == "notes" else None for f in FIELDS}


def _is_rating_field(name: str) -> bool:
    """A core field, another form field's key, or ``segment:UID``."""
    if name in FIELDS:
        return True
    if is_segment_field(name):
        uid = name[len(SEGMENT_PREFIX) :]
        return 0 < len(uid) <= 64 and uid.isprintable()
    return 0 < len(name) <= 32 and name.isascii() and name.replace("_", "").isalnum() and (
        not name[0].isdigit())  # fmt: skip


def _refused(edit: _Edit, field_name: str, text: str | None, why: str, path: Path) -> ProjectError:
    return ProjectError(f"edit log row {edit.id} sets {field_name} to {text!r:.40}, which "
                        f"the target's rating form does not accept ({why}); nothing was "
                        "merged", path)  # fmt: skip


def _segment_state(text: str | None, form: RatingForm, edit: _Edit, path: Path) -> dict | None:
    """A logged segment state as it is stored: its fields of ``form`` checked, others kept
    as given; None for a deleted segment."""
    if text is None:
        return None
    field_name = edit.field
    try:
        state = json.loads(text)
        start, end = float(state["start"]), float(state["end"])
        fields = state.get("fields") or {}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise _refused(edit, field_name, text, "not a segment's state", path) from None
    if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
        raise _refused(edit, field_name, text, "a segment must end after it starts", path)
    if not isinstance(fields, dict):
        raise _refused(edit, field_name, text, "a segment's values must be a mapping", path)
    kept = {}
    for key, value in fields.items():
        if form.has(str(key)) and form.field(str(key)).segment:
            try:
                value = form.field(str(key)).check(value)
            except ProjectError as exc:
                raise _refused(edit, field_name, text, exc.reason, path) from None
        if value is not None and value != "":
            kept[str(key)] = value
    return {"start": round(start, 4), "end": round(end, 4), "fields": kept}


def _stored(field_name: str, text: str | None, form: RatingForm) -> object:
    """A value of a field kept in ``rating_values`` as the target's form types it (a field
    the form lacks: the text itself)."""
    return form.field(field_name).typed(text) if form.has(field_name) else text


def _typed(field_name: str, text: str | None, edit: _Edit, path: Path,
           form: RatingForm | None = None) -> object:  # fmt: skip
    """A logged value as the target holds it (``form``: the target's rating form)."""
    form = form or RatingForm.default()
    if is_segment_field(field_name):
        return _segment_state(text, form, edit, path)
    if field_name not in FIELDS:
        if text is None or not form.has(field_name):
            return _stored(field_name, text, form)
        try:
            return form.field(field_name).check(text)
        except ProjectError as exc:
            raise _refused(edit, field_name, text, exc.reason, path) from None
    if field_name == "notes":
        return text or ""
    if text is None or field_name not in _SCALES:
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ProjectError(
            f"edit log row {edit.id} sets {field_name} to {text!r:.20}, not a whole number 1–5",
            path,
        )
    if form.has(field_name):  # the target's form may ask a narrower scale
        try:
            return form.field(field_name).check(value)
        except ProjectError as exc:
            raise _refused(edit, field_name, text, exc.reason, path) from None
    return value


def _current(side: _Side, rater_id: int | None, recording_id: int | None, name: str,
             form: RatingForm) -> object:  # fmt: skip
    """The value ``name`` holds on ``side`` now, typed by ``form`` (the target's)."""
    if is_segment_field(name):
        found = side.segments.get(name[len(SEGMENT_PREFIX) :])
        return found[2] if found is not None and found[:2] == (recording_id, rater_id) else None
    if name in FIELDS:
        rating = side.ratings.get((rater_id or 0, recording_id or 0))
        return rating.values[name] if rating else _EMPTY[name]
    return _stored(name, side.values.get((rater_id or 0, recording_id or 0, name)), form)
