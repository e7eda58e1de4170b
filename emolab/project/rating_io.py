"""Ratings in and out as CSV: one row per rater and recording.

Columns ``recording, rater, emotion, intensity, genuineness, notes, time, source`` (the
first five required on import). ``recording`` is a recording key (``05-02-01-02-03-07``)
or the name of either of its media files. Rows are numbered as a spreadsheet shows them:
the header is row 1.

An import checks every row before it writes anything and then writes in one transaction
through :func:`~emolab.project.ratings.set_field`, so each changed value is an edit-log
row whose source is ``import:ID:FILE``. ``ID`` is the import's own edit-log row (field
``ratings_import``), which also remembers who set each replaced emotion, so
:func:`undo_import` can restore it without making an accepted suggestion a human choice.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.core.paths import same_file
from emolab.project.errors import describe_sqlite_error
from emolab.project.forms import RatingForm
from emolab.project.rating_rows import (  # noqa: F401  (the public names live on here too)
    COLUMNS,
    REQUIRED,
    VALUE_FIELDS,
    LabelScheme,
    RatingRow,
    RatingsFileError,
    RatingsRejected,
    RecordingIndex,
    RowProblem,
    check_rows,
    looks_like_formula,
    read_table,
)
from emolab.project.ratings import get_rating, set_field
from emolab.project.schema import read_json, utc_now
from emolab.project.store import Project

#: Edit-log fields of the marker rows an import and its undo write.
IMPORT_FIELD, UNDO_FIELD = "ratings_import", "ratings_import_undo"
HUMAN: tuple[str, int | None] = ("human", None)


@dataclass(frozen=True)
class ImportReport:
    file: Path
    import_id: int | None  # None when nothing changed
    rows: int
    ratings_changed: int  # (rater, recording) pairs with a changed value
    values_changed: int
    raters_added: tuple[str, ...]

    def summary_lines(self) -> list[str]:
        if self.import_id is None:
            return [
                f"{self.file.name}: {self.rows} rows, all already in the project; nothing changed."
            ]
        lines = [
            f"{self.file.name}: {self.rows} rows; {self.values_changed} values changed in "
            f"{self.ratings_changed} ratings (import {self.import_id})."
        ]
        if added := self.raters_added:
            more = f" and {len(added) - 10} more" if len(added) > 10 else ""
            lines.append(f"New raters: {', '.join(added[:10])}{more}")
        return lines


@contextmanager
def _writing(project: Project) -> Iterator[None]:
    if project.read_only:
        raise ProjectError("is read-only; nothing was changed", project.path)
    try:
        with project.transaction():
            yield
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"nothing was changed: {describe_sqlite_error(exc)}", project.path
        ) from exc


def _log_marker(project: Project, at: str, field_name: str, source: str, record: dict) -> int:
    cur = project.execute(
        "INSERT INTO edit_log(at, field, new_value, source) VALUES (?, ?, ?, ?)",
        (at, field_name, json.dumps(record), source),
    )
    return int(cur.lastrowid)


def import_ratings(
    project: Project, path: str | Path, labels: LabelScheme | None = None, at: str | None = None
) -> ImportReport:
    """Import a ratings CSV, all rows or none (:class:`RatingsRejected` lists the problems).

    ``at``: ISO UTC time of rows without a ``time`` (default: now)."""
    path = Path(path)
    header, table = read_table(path)
    good, problems = check_rows(
        header, table, RecordingIndex.of(project), labels or RatingForm.of(project)
    )
    if problems:
        raise RatingsRejected(path, problems, len(table))
    at = at or utc_now()
    raters = {name: rid for rid, name in project.raters()}
    with _writing(project):
        changes, prior, created = [], [], []
        for row in good:
            rater_id = raters.get(row.rater)
            old = get_rating(project, row.recording_id, rater_id) if rater_id else None
            changed = [f for f, v in row.values.items() if old is None or old.value(f) != v]
            if changed:
                changes.append((row, changed))
                if old is None or old.updated_at is None:
                    created.append([row.recording_id, row.rater])
                elif "emotion" in changed and old.emotion_source != "human":
                    prior.append(
                        [row.recording_id, row.rater, old.emotion_source, old.source_model_id]
                    )
        if not changes:
            return ImportReport(path, None, len(table), 0, 0, ())
        record = {
            "file": path.name,
            "path": str(path.absolute()),
            "rows": len(table),
            "values": sum(len(c) for _, c in changes),
            "prior_origins": prior,
            "created": created,
        }
        import_id = _log_marker(project, at, IMPORT_FIELD, "import", record)
        source = f"import:{import_id}:{path.name}"
        added = tuple(sorted({r.rater for r, _ in changes if r.rater not in raters}))
        for row, changed in changes:
            rater_id = project.ensure_rater(row.rater)
            for name in dict.fromkeys(f for f in (*VALUE_FIELDS, *row.values) if f in changed):
                set_field(
                    project,
                    row.recording_id,
                    rater_id,
                    name,
                    row.values[name],
                    source=source,
                    at=row.at or at,
                    origin=(row.origin, None),
                )
    return ImportReport(path, import_id, len(table), len(changes), record["values"], added)


@dataclass(frozen=True)
class ImportRecord:
    """A ratings import as the edit log remembers it."""

    id: int
    at: str
    file: str  # the CSV's name
    values: int  # values it changed
    undone: bool
    #: (recording id, rater) → who had set the emotion it replaced, when not a human
    prior_origins: dict[tuple[int, str], tuple[str, int | None]]
    created: frozenset[tuple[int, str]]  # (recording id, rater) of ratings it created


def imports(project: Project) -> list[ImportRecord]:
    """Every ratings import that changed something, oldest first."""
    rows = project.execute(
        "SELECT id, at, field, new_value FROM edit_log WHERE field IN (?, ?) ORDER BY id",
        (IMPORT_FIELD, UNDO_FIELD),
    ).fetchall()
    records, undone = [], set()
    for rid, at, kind, raw in rows:
        d = read_json(raw, f"edit log row {rid}", project.path)
        try:
            if kind == UNDO_FIELD:
                undone.add(int(d["import"]))
                continue
            prior = {(int(r), str(n)): (str(s), m) for r, n, s, m in d["prior_origins"]}
            created = frozenset((int(r), str(n)) for r, n in d["created"])
            records.append((rid, at, str(d["file"]), int(d["values"]), prior, created))
        except (KeyError, TypeError, ValueError):
            raise ProjectError(
                f"edit log row {rid} is not a ratings import record", project.path
            ) from None
    return [ImportRecord(i, a, f, n, i in undone, p, c) for i, a, f, n, p, c in records]


@dataclass(frozen=True)
class UndoReport:
    import_id: int
    file: str
    restored: int  # values set back to what they were before the import
    kept: tuple[str, ...]  # values changed again since the import, left as they are


def _typed(field_name: str, text: str | None, form: RatingForm) -> object:
    if text is None or field_name not in ("intensity", "genuineness", *form.keys):
        return text
    if form.has(field_name):
        return form.field(field_name).typed(text)
    return int(text)


def _import_to_undo(project: Project, which: int | str | Path) -> ImportRecord:
    left = [r for r in imports(project) if not r.undone]
    if isinstance(which, int):
        chosen = [r for r in left if r.id == which]
        if not chosen:
            raise RatingsFileError(f"the project has no ratings import {which} left to undo")
    else:
        chosen = [r for r in left if r.file == Path(which).name]
        if not chosen:
            raise RatingsFileError("has no ratings import left to undo in this project", which)
    return chosen[-1]


def undo_import(project: Project, which: int | str | Path, at: str | None = None) -> UndoReport:
    """Restore the values a ratings import changed (newest first); values changed again
    since then are kept. ``which``: an import id, or a file name (its newest import
    not yet undone)."""
    at = at or utc_now()
    restored, kept = 0, []
    with _writing(project):
        record = _import_to_undo(project, which)
        prefix = f"import:{record.id}:"
        names = {rid: name for rid, name in project.raters()}
        edits = project.execute(
            "SELECT recording_id, rater_id, field, old_value, new_value FROM edit_log "
            "WHERE substr(source, 1, ?) = ? ORDER BY id DESC",
            (len(prefix), prefix),
        ).fetchall()
        _log_marker(
            project, at, UNDO_FIELD, "undo-import", {"import": record.id, "file": record.file}
        )
        keys = dict(project.execute("SELECT id, key FROM recordings").fetchall())
        form = RatingForm.of(project)
        for recording_id, rater_id, name, old, new in edits:
            now = get_rating(project, recording_id, rater_id, form).value(name)
            if now != _typed(name, new, form):
                key = keys.get(recording_id, f"recording {recording_id}")
                kept.append(f"{name} of {key} by {names.get(rater_id, rater_id)}")
                continue
            origin = record.prior_origins.get((recording_id, names.get(rater_id)), HUMAN)
            set_field(
                project,
                recording_id,
                rater_id,
                name,
                _typed(name, old, form),
                source=f"undo-{prefix}{record.file}",
                at=at,
                origin=origin,
            )
            restored += 1
        for recording_id, rater_id in {(e[0], e[1]) for e in edits}:
            if (recording_id, names.get(rater_id)) in record.created:
                project.execute(
                    "DELETE FROM ratings WHERE recording_id = ? AND rater_id = ? AND emotion IS "
                    "NULL AND intensity IS NULL AND genuineness IS NULL AND notes = '' AND NOT "
                    "EXISTS (SELECT 1 FROM rating_values v WHERE v.recording_id = "
                    "ratings.recording_id AND v.rater_id = ratings.rater_id AND v.value IS NOT "
                    "NULL)",
                    (recording_id, rater_id),
                )  # a rating the import made, now empty again
    return UndoReport(record.id, record.file, restored, tuple(kept))


def table_columns(project: Project) -> tuple[str, ...]:
    """The ratings CSV's columns: :data:`COLUMNS`, then the project form's other fields."""
    return (*COLUMNS, *(f.key for f in RatingForm.of(project).extra))


def rating_table(project: Project) -> list[dict[str, object]]:
    """Every rating with a value, sorted by recording key then rater, as CSV rows."""
    extra = RatingForm.of(project).extra
    values: dict[tuple[int, int], dict[str, str]] = {}
    if extra:
        for rid, rater, name, text in project.execute(
            "SELECT recording_id, rater_id, field, value FROM rating_values WHERE value IS NOT NULL"
        ):
            values.setdefault((rid, rater), {})[name] = text
    rows = project.execute(
        "SELECT r.key, a.name, t.emotion, t.intensity, t.genuineness, t.notes, t.updated_at, "
        "t.emotion_source, t.recording_id, t.rater_id FROM ratings t "
        "JOIN recordings r ON r.id = t.recording_id "
        "JOIN raters a ON a.id = t.rater_id WHERE t.emotion IS NOT NULL OR t.intensity IS NOT "
        "NULL OR t.genuineness IS NOT NULL OR t.notes != '' OR EXISTS (SELECT 1 FROM "
        "rating_values v WHERE v.recording_id = t.recording_id AND v.rater_id = t.rater_id "
        "AND v.value IS NOT NULL) ORDER BY r.key, a.name"
    )
    table = []
    for row in rows:
        cells = dict(zip(COLUMNS, [_cell(v) for v in row[:8]], strict=True))
        mine = values.get((row[8], row[9]), {})
        cells.update({f.key: _cell(mine.get(f.key)) for f in extra})
        table.append(cells)
    return table


def _cell(value: object) -> object:
    """A value as exported: text a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP's CSV-injection advice); import takes it off again."""
    if value is None:
        return ""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def export_ratings(project: Project, path: str | Path) -> int:
    """Write every rating to a UTF-8 CSV (replacing it whole); returns the rows written."""
    path = Path(path)
    if same_file(path, project.path):  # also another spelling on a case-insensitive disk
        raise RatingsFileError("is the project itself; choose a .csv file to export to", path)
    rows = rating_table(project)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, table_columns(project))
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise RatingsFileError(f"cannot be written: {exc.strerror or exc}", path) from exc
    return len(rows)
