"""Reading the two sides of a merge and matching their recordings by media content
(see :mod:`emolab.project.merge`)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.project.errors import describe_sqlite_error
from emolab.project.merge_report import MergeRefused
from emolab.project.ratings import FIELDS
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

    @classmethod
    def read(cls, project: Project) -> _Side:
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
                )
                for r in rows("SELECT * FROM ratings")
            }
            return cls(
                path=project.path,
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
            )
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"cannot be read for merging: {describe_sqlite_error(exc)}", project.path
            ) from exc


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
