"""What an export reads of the ratings besides the ``ratings`` table (see
:mod:`emolab.project.export`): when each value was set, the values of the form's other
fields (``rating_values``) and the segments, grouped by (recording, rater)."""

from __future__ import annotations

import json
from collections.abc import Callable

from emolab.project.forms import RatingForm
from emolab.project.ratings import FIELDS
from emolab.project.store import Project


def _field_edits(project: Project) -> dict[tuple[int, int, str], tuple[str, str | None]]:
    """(recording id, rater id, field) → (when, study settings) of the edit that set the
    field's current value (its newest edit); a segment's field is ``segment:UID``."""
    # the latest by time, then by row: a merge appends older edits with higher ids
    rows = project.execute(
        "SELECT recording_id, rater_id, field, at, study FROM edit_log "
        "WHERE rater_id IS NOT NULL AND recording_id IS NOT NULL ORDER BY at, id"
    )
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}  # later rows overwrite


def _field_order(form: RatingForm) -> Callable[[str], tuple]:
    """Sort key of field keys: the core fields, the form's others, then the rest by name."""
    place = {key: i for i, key in enumerate(dict.fromkeys((*FIELDS, *form.keys)))}
    return lambda key: (place.get(key, len(place)), key)


def _extra_values(project: Project, form: RatingForm) -> dict[tuple[int, int], list[tuple]]:
    """(recording id, rater id) → (field, value, when, study) of its values kept in
    ``rating_values``, in form order (a field the form lacks: as stored, text)."""
    out: dict[tuple[int, int], list[tuple]] = {}
    for rid, rater, key, text, at, study in project.execute(
        "SELECT recording_id, rater_id, field, value, updated_at, study FROM rating_values "
        "WHERE value IS NOT NULL AND value != ''"
    ):
        value = form.field(key).typed(text) if form.has(key) else text
        if value is not None and value != "":
            out.setdefault((rid, rater), []).append((key, value, at, study))
    order = _field_order(form)
    for found in out.values():
        found.sort(key=lambda v: order(v[0]))
    return out


def _segment_values(project: Project) -> dict[tuple[int, int], list[tuple]]:
    """(recording id, rater id) → (uid, start, end, {field: value}, when, study) of its
    segments by start time."""
    out: dict[tuple[int, int], list[tuple]] = {}
    for uid, rid, rater, start, end, fields, at, study in project.execute(
        "SELECT uid, recording_id, rater_id, start, end, fields, updated_at, study "
        "FROM segments ORDER BY start, end, uid"
    ):
        try:
            values = json.loads(fields or "{}")
        except ValueError:
            values = {}
        if not isinstance(values, dict):
            values = {}
        out.setdefault((rid, rater), []).append((uid, start, end, values, at, study))
    return out
