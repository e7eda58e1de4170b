"""Merging raters' copies of a project: :func:`merge_projects` brings the rating edits of
one or more SOURCE projects into TARGET.

Recordings are matched by media content, never by path or key. A SOURCE recording's
candidates are the TARGET recordings that hold a media file of the same modality and
SHA-256 (audio, body or both). Exactly one candidate is its match; among several, the one
with the same recording key; a candidate whose file of the other modality differs (same
audio, other body file) is no match but a conflict. A recording with several candidates
and none of its key, a conflicting file, or two SOURCE recordings on one TARGET recording
make the merge refused (:class:`MergeRefused`, nothing written): ratings made on other
media are never joined by guess. Recordings on one side only are reported; a SOURCE
recording that is not in TARGET is not added (its media were never checked or imported
here), so its edits are counted as not merged.

Raters are matched by name; a SOURCE rater who brings edits is added to TARGET.

The edit logs are united: a SOURCE edit-log row about a rating (a rater, a recording and
a field: one of :data:`~emolab.project.ratings.FIELDS`, another field of a rating form,
or ``segment:UID``, a segment's whole state) is added unless TARGET holds it already.
A row's identity is (time, rater name, matched recording, field, old value, new value,
seconds since open, :func:`canonical_source`), counted as a multiset, so merging again
adds nothing. Rows are added in SOURCE order with what they said, except that

- a model id names a row of SOURCE's ``models``: it becomes NULL and the model's name is
  kept in ``source`` as ``<source>;model=<name>`` (unnamed when SOURCE has no such model);
- a source naming one of SOURCE's ratings imports (``import:ID:FILE``,
  ``undo-import:ID:FILE``) is stored as ``merged:<source>``: ID is SOURCE's, and TARGET's
  ``ratings undo-import`` must not take the row for one of its own imports.

Project-level rows (ratings-import records, whose JSON holds SOURCE's row ids) are not
merged, and neither are suggestions, models, features, settings or recordings' sync
offsets; the report counts every SOURCE row left out and why. A merge that adds rows
appends one ``project_merge`` row to TARGET's log naming the file and the rows it added.

Each rating field an added row touches gets the value of its latest edit in TARGET's
united log: greatest time, then greatest row id (added rows come after TARGET's own, so
SOURCE wins a tie). The same rater's conflicting edits are thus resolved latest-wins, and
both stay in the log. Who set an emotion (``human``/``model``) comes from the side whose
edit won; a SOURCE model id is not kept (``source_model_id`` NULL). A value TARGET holds
already is left as it is, with who set it. The winning value is put in place as an edit
would put it (:func:`~emolab.project.ratings.write_value`): a column of ``ratings``, a row
of ``rating_values`` (with the winning edit's time and study), or a segment's state (a
segment whose latest state is deleted, NULL, is deleted).

Rating forms: each side's values are typed by TARGET's rating form. A value of a field
TARGET's form has must be one the form accepts, or the merge is refused (nothing
written; set a form that accepts it first). A field TARGET's form does not have (the
copies used different forms) is merged all the same: its log rows are added and its
value kept in ``rating_values`` as given, so nothing a rater did is lost; the report
names such fields. A segment's state is taken whole: its fields TARGET's form has are
checked, others kept as given.

Every write is one transaction on TARGET; each SOURCE is opened read-only and never
written. A SOURCE in an older project format is copied to a temporary file (SQLite's
backup API), the copy migrated and read, and the copy removed
(:func:`~emolab.project.merge_read.opened_source`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.core.paths import same_file
from emolab.project.errors import describe_sqlite_error
from emolab.project.merge_read import (
    _Edit,
    _match,
    _Matching,
    _Rating,
    _Side,
    opened_source,
)
from emolab.project.merge_report import (  # noqa: F401  (public names live on here)
    _IMPORT_SOURCES,
    _SCALES,
    CONFLICT_EXAMPLES,
    DANGLING,
    MERGE_FIELD,
    MERGED_PREFIX,
    MODEL_TAG,
    NOT_A_RATING,
    ONLY_IN_SOURCE,
    Conflict,
    MergeRefused,
    MergeReport,
    _listed,
    _model_named,
    _stored_source,
    canonical_source,
)
from emolab.project.merge_values import _current, _is_rating_field, _typed
from emolab.project.ratings import (
    FIELDS,
    is_segment_field,
    logged_text,
    write_value,
)
from emolab.project.schema import utc_now
from emolab.project.store import Project


def _moment(text: str | None, what: str, path: Path) -> datetime:
    """An ISO 8601 time as an aware datetime (a time without a zone is UTC)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise ProjectError(f"{what} has a time that is not ISO 8601 ({text!r:.40})", path) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _when(edit: _Edit, side: _Side) -> tuple[datetime, int]:
    """How edits of one field are ordered: by time, then by TARGET row id."""
    return _moment(edit.at, f"edit log row {edit.id}", side.path), edit.id


def _shown(value: object, field_name: str = "") -> str | None:
    return logged_text(field_name, value)


Key = tuple[str, int, str]  # (rater name, TARGET recording id, field)


def _identity(edit: _Edit, rater: str, recording_id: int) -> tuple:
    return (
        edit.at,
        rater,
        recording_id,
        edit.field,
        edit.old_value,
        edit.new_value,
        edit.since_open,
        canonical_source(edit.source),
    )


def _is_rating_edit(edit: _Edit) -> bool:
    return (
        edit.rater_id is not None and edit.recording_id is not None and _is_rating_field(edit.field)
    )


def _merge_one(target_project: Project, source: _Side, at: str) -> MergeReport:
    target = _Side.read(target_project)
    matching = _match(target, source)

    # TARGET's rating edits, by identity and by (rater, recording, field)
    have: Counter[tuple] = Counter()
    history: dict[Key, list[tuple[_Edit, _Side]]] = defaultdict(list)
    for edit in target.edits:
        rater = target.raters.get(edit.rater_id or 0)
        if _is_rating_edit(edit) and rater is not None and edit.recording_id is not None:
            have[_identity(edit, rater, edit.recording_id)] += 1
            history[(rater, edit.recording_id, edit.field)].append((edit, target))

    skipped: Counter[str] = Counter()
    new: list[tuple[Key, _Edit]] = []
    shared: Counter[Key] = Counter()  # rows of a key both sides hold
    for edit in source.edits:
        if not _is_rating_edit(edit):
            skipped[NOT_A_RATING] += 1
            continue
        rater = source.raters.get(edit.rater_id or 0)
        if rater is None or edit.recording_id not in source.keys:
            skipped[DANGLING] += 1
            continue
        recording_id = matching.recordings.get(edit.recording_id or 0)
        if recording_id is None:
            skipped[ONLY_IN_SOURCE] += 1
            continue
        identity = _identity(edit, rater, recording_id)
        key = (rater, recording_id, edit.field)
        if have[identity]:
            have[identity] -= 1
            shared[key] += 1
        else:
            new.append((key, edit))

    report = MergeReport(
        source=source.path,
        target=target.path,
        matched=len(matching.recordings),
        only_in_target=matching.only_in_target,
        only_in_source=matching.only_in_source,
        raters_added=(),
        log_rows_added=0,
        log_rows_skipped=dict(skipped),
    )
    if not new:
        return report

    rater_ids = {name: rid for rid, name in target.raters.items()}
    added_raters = sorted({key[0] for key, _ in new} - set(rater_ids))
    for name in added_raters:
        rater_ids[name] = target_project.ensure_rater(name)
    first_row = last_row = 0
    for key, edit in new:
        model = source.models.get(edit.model_id) if edit.model_id is not None else None
        stored = _stored_source(edit.source, model or _model_named(edit.source))
        cur = target_project.execute(
            "INSERT INTO edit_log(at, rater_id, recording_id, field, old_value, new_value, "
            "since_open, source, model_id, study) VALUES (?,?,?,?,?,?,?,?,NULL,?)",
            (edit.at, rater_ids[key[0]], key[1], key[2], edit.old_value, edit.new_value,
             edit.since_open, stored, edit.study),
        )  # fmt: skip
        last_row = int(cur.lastrowid)
        first_row = first_row or last_row
        # the row as TARGET now holds it, so its id orders ties after TARGET's own rows
        history[key].append((replace(edit, id=last_row), source))

    changed, conflicts = _apply_latest(
        target_project, target, source, matching, history, {k for k, _ in new}, shared, rater_ids
    )
    unknown = sorted({
        name for (_, _, name), _ in new
        if name not in FIELDS and not is_segment_field(name) and not target.form.has(name)
    })  # fmt: skip
    record = {
        "file": source.path.name,
        "path": str(source.path),
        "rows": len(new),
        "first_row": first_row,
        "last_row": last_row,
        "raters_added": added_raters,
        "ratings_changed": changed,
        "conflicts": len(conflicts),
    }
    if unknown:
        record["fields_not_in_form"] = unknown
    cur = target_project.execute(
        "INSERT INTO edit_log(at, field, new_value, source) VALUES (?, ?, ?, 'merge')",
        (at, MERGE_FIELD, json.dumps(record)),
    )
    return replace(
        report,
        raters_added=tuple(added_raters),
        log_rows_added=len(new),
        ratings_changed=changed,
        conflicts=len(conflicts),
        conflict_examples=tuple(conflicts[:CONFLICT_EXAMPLES]),
        merge_id=int(cur.lastrowid),
        fields_not_in_form=tuple(unknown),
    )


def _apply_latest(
    project: Project,
    target: _Side,
    source: _Side,
    matching: _Matching,
    history: dict[Key, list[tuple[_Edit, _Side]]],
    touched: set[Key],
    shared: Counter[Key],
    rater_ids: dict[str, int],
) -> tuple[int, list[Conflict]]:
    """Set each touched field to its latest edit; (ratings changed, conflicts resolved)."""
    source_recording = {t: s for s, t in matching.recordings.items()}
    source_raters = {name: rid for rid, name in source.raters.items()}
    form = target.form
    by_rating: dict[tuple[str, int], list[str]] = defaultdict(list)
    for rater, recording_id, name in sorted(touched):
        by_rating[(rater, recording_id)].append(name)

    changed, conflicts = 0, []
    for (rater, recording_id), names in by_rating.items():
        rater_id = rater_ids[rater]
        theirs_id = (source_raters[rater], source_recording[recording_id])
        mine = target.ratings.get((rater_id, recording_id))
        theirs = source.ratings.get(theirs_id)
        updates: dict[str, tuple[object, _Edit]] = {}
        origin: tuple[str, int | None] | None = None
        study = None  # the study of the latest winning edit: kept with the rating
        latest = mine.updated_at if mine else None
        for name in names:
            edits = history[(rater, recording_id, name)]
            winner, side = max(edits, key=lambda e: _when(*e))
            value = _typed(name, winner.new_value, winner, side.path, form)
            now = _current(target, rater_id, recording_id, name, form)
            other = _current(source, *theirs_id, name, form)
            own = sum(s is target for _, s in edits) - shared[(rater, recording_id, name)]
            if own > 0 and now != other:  # both copies changed it apart, to different values
                conflicts.append(Conflict(rater, target.keys[recording_id], name,
                                          _shown(now, name), _shown(other, name),
                                          _shown(value, name)))  # fmt: skip
            if value == now:
                continue
            updates[name] = (value, winner)
            if is_segment_field(name):
                continue  # a segment is no column of the rating: its time is its own
            if latest is None or _when(winner, side)[0] > _moment(latest, "a rating", target.path):
                latest, study = winner.at, winner.study
            if name == "emotion":
                origin = _origin(winner, side is target, value, mine if side is target else theirs)
        rated = {n: v for n, v in updates.items() if not is_segment_field(n)}
        if mine is None and all(value in (None, "") for value, _ in rated.values()):
            rated = {}  # an emptied rating is not created
        for name, (value, winner) in updates.items():
            if is_segment_field(name) or name in rated:
                write_value(project, recording_id, rater_id, name, value, winner.at,
                            winner.study, origin if name == "emotion" else None)  # fmt: skip
        if rated:
            # the rating's time and study: of its latest winning edit (or as they were)
            kept = study if study is not None else (mine.study if mine else None)
            project.execute(
                "UPDATE ratings SET updated_at = ?, study = ? WHERE recording_id = ? "
                "AND rater_id = ?",
                (latest, kept, recording_id, rater_id),
            )
        if rated or any(is_segment_field(n) for n in updates):
            changed += 1
    return changed, conflicts


def _origin(
    winner: _Edit, in_target: bool, value: object, rating: _Rating | None
) -> tuple[str, int | None]:
    """Who set an emotion taken from ``winner``: the winning side's rating says it when it
    holds that value, else the edit's source. Only TARGET's model ids are kept."""
    if rating is not None and rating.values["emotion"] == value:
        who, model_id = rating.emotion_source, rating.source_model_id
    else:
        who = "model" if canonical_source(winner.source) == "model" else "human"
        model_id = winner.model_id if who == "model" else None
    return who, model_id if in_target else None


def read_source(path: str | Path, target: Project) -> _Side:
    """Everything a merge takes from SOURCE, read through a read-only connection (of a
    migrated temporary copy when SOURCE is in an older format)."""
    path = Path(path).absolute()
    if same_file(path, target.path):
        raise ProjectError("is the target project itself; merge another copy into it", path)
    with opened_source(path) as source:
        return _Side.read(source, path)


def merge_projects(
    target: Project, sources: Iterable[str | Path], at: str | None = None
) -> list[MergeReport]:
    """Merge each SOURCE project into ``target`` in one transaction (all or nothing); one
    report per SOURCE. ``at``: ISO UTC time of the merge's log rows (default: now).

    Every SOURCE is read before TARGET is locked; a SOURCE that is TARGET itself, cannot be
    opened (damaged, newer format) or has recordings that match ambiguously
    (:class:`MergeRefused`) stops the merge before anything is written, and so does a
    value TARGET's rating form does not accept. A SOURCE in an older format is read from
    a migrated temporary copy."""
    if target.read_only:
        raise ProjectError("is read-only; nothing was merged", target.path)
    sides = [read_source(path, target) for path in sources]
    at = at or utc_now()
    try:
        with target.transaction():
            return [_merge_one(target, side, at) for side in sides]
    except sqlite3.DatabaseError as exc:
        why = describe_sqlite_error(exc)
        raise ProjectError(f"nothing was merged: {why}", target.path) from exc
    except ProjectError as exc:
        if exc.path is not None:
            raise
        raise ProjectError(f"nothing was merged: {exc.reason}", target.path) from exc


def merge_project(target: Project, source: str | Path, at: str | None = None) -> MergeReport:
    """Merge one SOURCE project into ``target`` (see :func:`merge_projects`)."""
    return merge_projects(target, [source], at)[0]
