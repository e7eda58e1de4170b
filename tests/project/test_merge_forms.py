"""Merging every field of a rating form and segments (:mod:`emolab.project.merge`), fields
TARGET's form does not know, and a SOURCE in an older project format."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from emolab.core.errors import ProjectError
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.merge import MERGE_FIELD, merge_project
from emolab.project.ratings import get_rating, segments, set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy
from tests.project.test_merge import copies, snapshot, t

FIXTURES = Path(__file__).parent / "fixtures"
EMOTIONS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


def form_with(*fields: dict, name: str = "custom") -> RatingForm:
    return RatingForm.from_dict({
        "name": name, "emotions": EMOTIONS,
        "fields": [{"key": "emotion", "type": "choice", "options": "emotions",
                    "required": True}, *fields]})  # fmt: skip


def use_form(path: Path, form: RatingForm | str) -> None:
    with Project.open(path) as project:
        set_project_form(project, RatingForm.load(form) if isinstance(form, str) else form)


def edit(path: Path, *edits: tuple) -> list[int]:
    """``(rater, recording index, field, value, second[, study])`` through set_field."""
    with Project.open(path) as project:
        ids = [r.id for r in project.recordings()]
        for rater, index, name, value, second, *study in edits:
            set_field(project, ids[index], project.ensure_rater(rater), name, value,
                      at=t(second), study=study[0] if study else None)  # fmt: skip
    return ids


def values(path: Path, field: str) -> dict[tuple[str, int], tuple]:
    """(rater, recording id) → (value, updated_at, study) of ``field`` in rating_values."""
    with Project.open(path) as project:
        rows = project.execute(
            "SELECT a.name, v.recording_id, v.value, v.updated_at, v.study FROM rating_values v "
            "JOIN raters a ON a.id = v.rater_id WHERE v.field = ?",
            (field,),
        ).fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def all_segments(path: Path) -> dict[str, tuple]:
    with Project.open(path) as project:
        rows = project.execute("SELECT uid, start, end, fields FROM segments").fetchall()
    return {r[0]: (r[1], r[2], json.loads(r[3])) for r in rows}


def test_an_extra_field_merges_latest_wins_with_its_edit_time_and_study(small_demo):
    with copies(small_demo, 2) as (target, source):
        for path in (target, source):
            use_form(path, "validity")
        ids = edit(target, ("ann", 0, "valid", "no", 10), ("ann", 1, "valid", "yes", 30))
        edit(source, ("ann", 0, "valid", "yes", 20, '{"blind": true}'),
             ("ann", 1, "valid", "unsure", 25), ("bob", 2, "valid", "no", 5))  # fmt: skip
        with Project.open(target) as project:
            report = merge_project(project, source)
        assert values(target, "valid") == {
            ("ann", ids[0]): ("yes", t(20), '{"blind": true}'),  # the source's later edit
            ("ann", ids[1]): ("yes", t(30), None),  # the target's own later edit
            ("bob", ids[2]): ("no", t(5), None),
        }
        assert (report.log_rows_added, report.conflicts, report.fields_not_in_form) == (3, 2, ())
        with Project.open(target) as project:
            ann = project.ensure_rater("ann")
            assert get_rating(project, ids[0], ann).value("valid") == "yes"
            logged = project.execute(
                "SELECT new_value FROM edit_log WHERE field = 'valid' AND rater_id = ? AND "
                "recording_id = ? ORDER BY at", (ann, ids[0])).fetchall()  # fmt: skip
        assert [r[0] for r in logged] == ["no", "yes"]  # both kept in the log
        before = snapshot(target)
        with Project.open(target) as project:
            assert merge_project(project, source).log_rows_added == 0
        assert snapshot(target) == before


def test_segments_are_added_changed_and_deleted_latest_wins(small_demo):
    with throwaway_copy(small_demo, "common") as common:
        edit(common, ("ann", 0, "segment:kept", {"start": 0.5, "end": 1.0,
                                                  "fields": {"emotion": "sad"}}, 1),
             ("ann", 0, "segment:gone", {"start": 1.0, "end": 2.0, "fields": {}}, 2))  # fmt: skip
        with throwaway_copy(common, "a") as target, throwaway_copy(common, "b") as source:
            moved = {"start": 0.5, "end": 1.5, "fields": {"emotion": "sad"}}
            edit(target, ("ann", 0, "segment:kept", moved, 10))
            relabelled = {"start": 0.25, "end": 1.0, "fields": {"emotion": "calm", "intensity": 4}}
            added = {"start": 0.0, "end": 0.75, "fields": {"notes": "=1+1"}}
            edit(
                source,
                ("ann", 0, "segment:kept", relabelled, 20),
                ("ann", 0, "segment:gone", None, 21),
                ("bob", 1, "segment:new", added, 22),
            )
            with Project.open(target) as project:
                report = merge_project(project, source)
            assert all_segments(target) == {
                "kept": (0.25, 1.0, {"emotion": "calm", "intensity": 4}),
                "new": (0.0, 0.75, {"notes": "=1+1"}),
            }
            assert (report.log_rows_added, report.conflicts, report.ratings_changed) == (3, 1, 2)
            [conflict] = report.conflict_examples
            assert conflict.field == "segment:kept"
            assert json.loads(conflict.kept)["start"] == 0.25
            assert json.loads(conflict.target_value)["end"] == 1.5
            with Project.open(target) as project:
                # a segment is no column of a rating: bob has segments but no rating row
                assert project.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
                [segment] = segments(project, project.recordings()[1].id)
                assert segment.value("notes") == "=1+1"
            before = snapshot(target)
            with Project.open(target) as project:
                assert merge_project(project, source).log_rows_added == 0
            assert snapshot(target) == before


def test_a_field_the_targets_form_lacks_is_merged_and_kept_as_given(small_demo):
    arousal = {"key": "arousal", "type": "likert", "min": 1, "max": 9, "shortcut": "Ctrl"}
    with copies(small_demo, 2) as (target, source):
        use_form(source, form_with(arousal, {"key": "valid", "type": "yesno", "segment": False,
                                             "shortcut": "Alt"},
                                   name="wide"))  # fmt: skip
        state = {"start": 0.0, "end": 1.0, "fields": {"arousal": 8, "emotion": "sad"}}
        ids = edit(source, ("ann", 0, "arousal", 7, 1), ("ann", 0, "valid", "yes", 2),
                   ("ann", 0, "segment:s1", state, 3))  # fmt: skip
        with Project.open(target) as project:  # the default form: no arousal, no valid
            report = merge_project(project, source)
        assert report.fields_not_in_form == ("arousal", "valid")
        assert any("does not have, kept as given: arousal, valid" in line
                   for line in report.summary_lines())  # fmt: skip
        assert values(target, "arousal") == {("ann", ids[0]): ("7", t(1), None)}
        assert values(target, "valid")[("ann", ids[0])][0] == "yes"
        assert all_segments(target) == {"s1": (0.0, 1.0, {"arousal": 8, "emotion": "sad"})}
        with Project.open(target) as project:
            [(record,)] = project.execute(
                "SELECT new_value FROM edit_log WHERE field = ?", (MERGE_FIELD,)
            ).fetchall()
        assert json.loads(record)["fields_not_in_form"] == ["arousal", "valid"]
        # once the target's form has the field, the merged value is there as a rating's
        use_form(target, form_with(arousal, {"key": "valid", "type": "yesno", "shortcut": "Alt"},
                               name="later"))  # fmt: skip
        with Project.open(target) as project:
            rating = get_rating(project, ids[0], project.ensure_rater("ann"))
        assert rating.value("arousal") == 7


def test_a_value_the_targets_form_refuses_stops_the_merge(small_demo):
    with copies(small_demo, 2) as (target, source):
        use_form(target, "validity")  # valid: yes / no / unsure
        use_form(source, form_with({"key": "valid", "type": "choice", "shortcut": "Ctrl",
                                    "options": ["yes", "no", "maybe"]}))  # fmt: skip
        edit(source, ("ann", 0, "emotion", "sad", 1), ("ann", 0, "valid", "maybe", 2))
        before = snapshot(target)
        with Project.open(target) as project, pytest.raises(ProjectError) as refused:
            merge_project(project, source)
        assert "sets valid to 'maybe'" in str(refused.value)
        assert "nothing was merged" in str(refused.value)
        assert snapshot(target) == before


def test_a_core_scale_outside_the_targets_narrower_range_stops_the_merge(small_demo):
    with copies(small_demo, 2) as (target, source):
        use_form(target, form_with({"key": "intensity", "type": "likert", "min": 1, "max": 3,
                                    "shortcut": "Ctrl"}))  # fmt: skip
        edit(source, ("ann", 0, "intensity", "5", 1))
        before = snapshot(target)
        with Project.open(target) as project, pytest.raises(ProjectError) as refused:
            merge_project(project, source)
        assert "sets intensity to '5'" in str(refused.value) and "1–3" in str(refused.value)
        assert snapshot(target) == before


def _files(folder: Path) -> dict[str, str]:
    """The folder's files and their hashes, but SQLite's own -wal and -shm companions
    (opening a WAL project, even read-only, may create them; they hold no data here)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
            if not p.name.endswith(("-wal", "-shm"))}  # fmt: skip


def test_a_v3_project_is_a_merge_source_and_is_left_byte_identical(tmp_path):
    folder = tmp_path / "source"
    folder.mkdir()
    shutil.copy(FIXTURES / "v3.emolab", folder / "v3.emolab")  # never opened in place
    source = folder / "v3.emolab"
    before = _files(folder)
    con = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 3
    con.close()
    # the target: a new project holding the same recording (its media by content)
    target = tmp_path / "target.emolab"
    con = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    [media] = [dict(r) for r in con.execute("SELECT * FROM media")]
    [recording] = con.execute("SELECT key, emotion FROM recordings").fetchall()
    con.close()
    with Project.create(target) as project:
        pid = project.ensure_participant("07", None)
        rid, _ = project.ensure_recording(recording[0], "ravdess", pid,
                                          {"emotion": recording[1]}, {})  # fmt: skip
        media = {k: v for k, v in media.items() if k != "id"} | {"recording_id": rid}
        project.execute(f"INSERT INTO media({', '.join(media)}) VALUES "
                        f"({', '.join('?' * len(media))})", tuple(media.values()))  # fmt: skip
    with Project.open(target) as project:
        report = merge_project(project, source)
        rid = project.recordings()[0].id
        raters = {name: rid for rid, name in project.raters()}
        bo = get_rating(project, rid, raters["bo"])
        ann = get_rating(project, rid, raters["ann"])
        study = project.execute(
            "SELECT study FROM ratings WHERE rater_id = ?", (raters["bo"],)
        ).fetchone()[0]
    assert (report.matched, report.log_rows_added, report.raters_added) == (1, 4, ("ann", "bo"))
    assert report.source == source
    assert (bo.emotion, bo.genuineness, ann.emotion, ann.intensity) == ("sad", 2, "angry", 4)
    assert '"blind": true' in study
    assert _files(folder) == before  # not a byte changed, no backup or copy beside it
    settled = snapshot(target)
    with Project.open(target) as project:
        assert merge_project(project, source).log_rows_added == 0
    assert snapshot(target) == settled
    assert _files(folder) == before
