"""Reading the two sides of a merge and matching their recordings by media content
(see :mod:`emolab.project.merge`). A SOURCE in an older project format is read from a
migrated temporary copy (:func:`opened_source`); SOURCE itself is only ever read."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.project.errors import describe_sqlite_error
from emolab.project.forms import RatingForm
from emolab.project.merge_report import MergeRefused
from emolab.project.migrations import APPLICATION_ID, LATEST_VERSION
from emolab.project.ratings import FIELDS
from emolab.project.schema import read_header
from emolab.project.store import Project


@dataclass(frozen=True)
class _Edit:
    id: int
    at: str
    rater_id: int | None
    recording_id: int | None
    field: str
    old_value: str | None
    new_value: str | None
    since_open: float | None
    source: str
    model_id: int | None
    study: str | None = None  # the study settings the edit was made under (format 3)


@dataclass(frozen=True)
class _Rating:
    values: dict[str, object]
    emotion_source: str
    source_model_id: int | None
    updated_at: str | None
    study: str | None = None


@dataclass
class _Side:
    """What a merge reads of one project."""

    path: Path
    keys: dict[int, str]  # recording id → key
    media: dict[int, dict[str, str]]  # recording id → {modality: sha256}
    raters: dict[int, str]
    models: dict[int, str]
    edits: list[_Edit]
    ratings: dict[tuple[int, int], _Rating]  # (rater id, recording id) →
    form: RatingForm = field(default_factory=RatingForm.default)
    #: (rater id, recording id, field) → the text ``rating_values`` holds
    values: dict[tuple[int, int, str], str | None] = field(default_factory=dict)
    #: segment uid → (recording id, rater id, state: {"start", "end", "fields"})
    segments: dict[str, tuple[int, int, dict]] = field(default_factory=dict)

    @classmethod
    def read(cls, project: Project, path: Path | None = None) -> _Side:
        """What a merge needs of ``project``; ``path``: the file it stands for (a
        migrated copy stands for its original), by default the project's own."""

        def rows(sql: str) -> list[sqlite3.Row]:
            return project.execute(sql).fetchall()

        try:
            media: dict[int, dict[str, str]] = defaultdict(dict)
            for r in rows("SELECT recording_id, modality, sha256 FROM media"):
                media[r[0]][r[1]] = r[2]
            ratings = {
                (r["rater_id"], r["recording_id"]): _Rating(
                    {f: r[f] for f in FIELDS},
                    r["emotion_source"],
                    r["source_model_id"],
                    r["updated_at"],
                    r["study"],
                )
                for r in rows("SELECT * FROM ratings")
            }
            values = {
                (r[0], r[1], r[2]): r[3]
                for r in rows("SELECT rater_id, recording_id, field, value FROM rating_values")
            }
            segments = {
                r[0]: (r[1], r[2], {"start": r[3], "end": r[4], "fields": _fields(r[5])})
                for r in rows(
                    "SELECT uid, recording_id, rater_id, start, end, fields FROM segments"
                )
            }
            return cls(
                path=path or project.path,
                keys=dict(rows("SELECT id, key FROM recordings")),
                media=dict(media),
                raters=dict(rows("SELECT id, name FROM raters")),
                models=dict(rows("SELECT id, name FROM models")),
                edits=[
                    _Edit(*r)
                    for r in rows(
                        "SELECT id, at, rater_id, recording_id, field, old_value, new_value, "
                        "since_open, source, model_id, study FROM edit_log ORDER BY id"
                    )
                ],
                ratings=ratings,
                form=RatingForm.of(project),
                values=values,
                segments=segments,
            )
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"cannot be read for merging: {describe_sqlite_error(exc)}", path or project.path
            ) from exc


def _fields(text: str | None) -> dict:
    try:
        fields = json.loads(text or "{}")
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _older_format(path: Path) -> bool:
    """True when ``path`` is an emolab project in an older format (read read-only)."""
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, ValueError):
        return False
    try:
        version, app_id = read_header(con, path)
    except ProjectError:
        return False
    finally:
        con.close()
    return app_id == APPLICATION_ID and 0 < version < LATEST_VERSION


def _copy(path: Path, copy: Path) -> None:
    """``path`` copied through SQLite's backup API (a read-only connection to it)."""
    try:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise ProjectError(
            f"is in an older project format and could not be copied to update it for "
            f"merging: {describe_sqlite_error(exc)}", path) from exc  # fmt: skip


@contextmanager
def opened_source(path: Path) -> Iterator[Project]:
    """SOURCE opened read-only; one in an older project format is copied to a temporary
    file (SQLite's backup API), the copy migrated and opened, and removed afterwards.
    SOURCE itself is never written."""
    if not _older_format(path):
        with Project.open(path, read_only=True) as project:
            yield project
        return
    with tempfile.TemporaryDirectory(prefix="emolab-merge-") as folder:
        copy = Path(folder) / path.name
        _copy(path, copy)
        try:
            project = Project.open(copy)
        except ProjectError as exc:
            raise ProjectError(
                f"is in an older project format and its copy could not be updated for "
                f"merging: {exc.reason}", path) from exc  # fmt: skip
        with project:
            yield project


@dataclass(frozen=True)
class _Matching:
    recordings: dict[int, int]  # SOURCE recording id → TARGET's
    only_in_target: tuple[str, ...]
    only_in_source: tuple[str, ...]


def _match(target: _Side, source: _Side) -> _Matching:
    """SOURCE recordings paired with TARGET's by media content (the rule: module docstring)."""
    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    for rid, files in target.media.items():
        for modality, sha in files.items():
            holders[(modality, sha)].append(rid)
    pairs, problems, alone = {}, [], []
    for sid in sorted(source.keys, key=source.keys.__getitem__):
        key, files = source.keys[sid], source.media.get(sid, {})
        candidates = sorted({t for item in files.items() for t in holders.get(item, ())})
        if not candidates:
            alone.append(key)
            continue
        if len(candidates) > 1:
            same_key = [t for t in candidates if target.keys[t] == key]
            if len(same_key) != 1:
                names = ", ".join(target.keys[t] for t in candidates)
                problems.append(f"{key}: shares media with several target recordings ({names})")
                continue
            candidates = same_key
        tid = candidates[0]
        differing = sorted(m for m, sha in files.items() if target.media[tid].get(m, sha) != sha)
        if differing:
            problems.append(
                f"{key}: its {' and '.join(differing)} file differs from target recording "
                f"{target.keys[tid]}'s, though another file is the same"
            )
            continue
        pairs[sid] = tid
    by_target: dict[int, list[int]] = defaultdict(list)
    for sid, tid in pairs.items():
        by_target[tid].append(sid)
    for tid, sids in sorted(by_target.items()):
        if len(sids) > 1:
            names = ", ".join(source.keys[s] for s in sids)
            problems.append(f"{names}: all match target recording {target.keys[tid]}")
    if problems:
        raise MergeRefused(source.path, problems)
    matched = set(pairs.values())
    return _Matching(
        pairs,
        tuple(sorted(k for t, k in target.keys.items() if t not in matched)),
        tuple(sorted(alone)),
    )
