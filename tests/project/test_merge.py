"""Merging raters' copies of a project (:mod:`emolab.project.merge`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.core.errors import ProjectError, ProjectTooNew
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.merge import (
    DANGLING,
    MERGE_FIELD,
    NOT_A_RATING,
    ONLY_IN_SOURCE,
    MergeRefused,
    canonical_source,
    merge_project,
    merge_projects,
)
from emolab.project.rating_io import RatingsFileError, import_ratings, imports, undo_import
from emolab.project.ratings import FIELDS, set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy

FIXTURES = Path(__file__).parent / "fixtures"


def t(second: int) -> str:
    """An edit time, ``second`` seconds into the study (ISO UTC as the project writes it)."""
    return f"2024-05-01T09:{second // 60:02d}:{second % 60:02d}.000+00:00"


@contextmanager
def copies(small_demo: Path, n: int) -> Iterator[list[Path]]:
    """``n`` throwaway copies of the demo beside it (so relative media paths resolve)."""
    with ExitStack() as stack:
        yield [stack.enter_context(throwaway_copy(small_demo, f"merge{i}")) for i in range(n)]


def rate(path: Path, *edits: tuple, **kwargs) -> None:
    """Apply ``(rater, recording index, field, value, second)`` edits through set_field."""
    with Project.open(path) as project:
        ids = [r.id for r in project.recordings()]
        for rater, index, name, value, second in edits:
            set_field(project, ids[index], project.ensure_rater(rater), name, value,
                      at=t(second), **kwargs)  # fmt: skip


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keys(path: Path) -> list[str]:
    with Project.open(path) as project:
        return [r.key for r in project.recordings()]


def edit_rows(path: Path) -> Counter:
    """The rating edits of a project by identity (rater name and recording key for ids)."""
    with Project.open(path) as project:
        rows = project.execute(
            "SELECT e.at, a.name, r.key, e.field, e.old_value, e.new_value, e.since_open, "
            "e.source FROM edit_log e JOIN raters a ON a.id = e.rater_id "
            "JOIN recordings r ON r.id = e.recording_id"
        ).fetchall()
    return Counter((*row[:7], canonical_source(row[7])) for row in rows)


def ratings(path: Path) -> dict[tuple[str, str], tuple]:
    with Project.open(path) as project:
        rows = project.execute(
            "SELECT a.name, r.key, t.emotion, t.intensity, t.genuineness, t.notes "
            "FROM ratings t JOIN raters a ON a.id = t.rater_id "
            "JOIN recordings r ON r.id = t.recording_id"
        ).fetchall()
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


def snapshot(path: Path) -> dict[str, list]:
    """Every table a merge may write, whole."""
    tables = ("edit_log", "ratings", "raters", "recordings", "media", "models",
              "rating_values", "segments")  # fmt: skip
    with Project.open(path) as project:
        return {
            table: [tuple(r) for r in project.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")]
            for table in tables
        }


def sql(path: Path, *statements: str) -> None:
    with Project.open(path) as project, project.transaction():
        for statement in statements:
            project.execute(statement)


def test_both_raters_ratings_are_merged_and_merging_again_changes_nothing(small_demo):
    with copies(small_demo, 2) as (target, source):
        rate(target, ("anna", 0, "emotion", "sad", 1), ("anna", 1, "intensity", 4, 2))
        rate(source, ("bob", 1, "emotion", "happy", 3), ("bob", 2, "genuineness", 2, 4),
             ("bob", 2, "notes", "laughs at the end", 5))  # fmt: skip
        k = keys(target)
        source_hash, source_rows = sha(source), edit_rows(source)

        with Project.open(target) as project:
            report = merge_project(project, source, at=t(100))
        assert (report.matched, report.only_in_target, report.only_in_source) == (240, (), ())
        assert report.raters_added == ("bob",)
        assert (report.log_rows_added, report.ratings_changed, report.conflicts) == (3, 2, 0)
        assert report.log_rows_skipped == {}
        assert ratings(target) == {
            ("anna", k[0]): ("sad", None, None, ""),
            ("anna", k[1]): (None, 4, None, ""),
            ("bob", k[1]): ("happy", None, None, ""),
            ("bob", k[2]): (None, None, 2, "laughs at the end"),
        }
        assert edit_rows(target) == edit_rows(target) | source_rows  # nothing of SOURCE lost
        with Project.open(target) as project:
            [(marker,)] = project.execute(
                "SELECT new_value FROM edit_log WHERE field = ?", (MERGE_FIELD,)
            ).fetchall()
        assert f'"file": "{source.name}"' in marker and '"rows": 3' in marker

        before = snapshot(target)
        with Project.open(target) as project:
            again = merge_project(project, source, at=t(200))
        assert (again.log_rows_added, again.ratings_changed, again.merge_id) == (0, 0, None)
        assert again.summary_lines()[0].endswith("no new edits, nothing changed.")
        assert snapshot(target) == before
        assert sha(source) == source_hash


def test_the_same_raters_conflicting_edits_resolve_latest_wins_and_both_stay_logged(small_demo):
    with copies(small_demo, 2) as (target, source):
        k = keys(target)
        rate(target, ("anna", 0, "intensity", 2, 10), ("anna", 1, "emotion", "calm", 30))
        rate(source, ("anna", 0, "intensity", 4, 20), ("anna", 1, "emotion", "fearful", 25))
        with Project.open(target) as project:
            report = merge_project(project, source)
        # intensity: the source's edit is later; emotion: the target's own is later
        assert ratings(target)[("anna", k[0])][1] == 4
        assert ratings(target)[("anna", k[1])][0] == "calm"
        assert (report.conflicts, report.ratings_changed, report.raters_added) == (2, 1, ())
        examples = {(c.recording, c.field): c for c in report.conflict_examples}
        assert examples[(k[0], "intensity")].kept == "4"
        assert examples[(k[0], "intensity")].target_value == "2"
        assert examples[(k[1], "emotion")].kept == "calm"
        with Project.open(target) as project:
            logged = project.execute(
                "SELECT field, new_value, at FROM edit_log WHERE rater_id IS NOT NULL ORDER BY at"
            ).fetchall()
        assert [tuple(r) for r in logged] == [
            ("intensity", "2", t(10)),
            ("intensity", "4", t(20)),
            ("emotion", "fearful", t(25)),
            ("emotion", "calm", t(30)),
        ]
        assert any("resolved latest-wins" in line for line in report.summary_lines())


def test_history_both_copies_share_is_not_doubled(small_demo):
    with throwaway_copy(small_demo, "common") as common:
        rate(common, ("anna", 0, "emotion", "sad", 1), ("anna", 0, "intensity", 3, 2))
        with throwaway_copy(common, "a") as target, throwaway_copy(common, "b") as source:
            rate(target, ("anna", 0, "intensity", 5, 3))
            rate(source, ("anna", 0, "emotion", "angry", 4))
            with Project.open(target) as project:
                report = merge_project(project, source)
            assert (report.log_rows_added, report.conflicts) == (1, 0)
            assert edit_rows(target) == edit_rows(target) | edit_rows(source)
            assert sum(edit_rows(target).values()) == 4
            assert ratings(target)[("anna", keys(target)[0])] == ("angry", 5, None, "")


def test_a_recording_is_matched_by_its_media_content_not_its_path_or_key(small_demo):
    with copies(small_demo, 2) as (target, source):
        k = keys(target)
        rate(source, ("bob", 0, "emotion", "sad", 1))
        # the source's copy of the first recording was moved and renamed
        sql(source, "UPDATE media SET path = 'moved/elsewhere.wav' WHERE recording_id = "
                    f"(SELECT id FROM recordings WHERE key = '{k[0]}')",
            f"UPDATE recordings SET key = 'renamed' WHERE key = '{k[0]}'")  # fmt: skip
        with Project.open(target) as project:
            report = merge_project(project, source)
        assert (report.matched, report.only_in_target, report.only_in_source) == (240, (), ())
        assert ratings(target) == {("bob", k[0]): ("sad", None, None, "")}


def test_recordings_on_one_side_only_are_reported_and_not_added(small_demo):
    with copies(small_demo, 2) as (target, source):
        k = keys(target)
        rate(source, ("bob", 0, "emotion", "sad", 1), ("bob", 2, "emotion", "calm", 2),
             ("bob", 2, "intensity", 3, 3))  # fmt: skip
        sql(target, f"DELETE FROM recordings WHERE key = '{k[2]}'")
        sql(source, f"DELETE FROM recordings WHERE key = '{k[1]}'")
        with Project.open(target) as project:
            report = merge_project(project, source)
        assert (report.only_in_target, report.only_in_source) == ((k[1],), (k[2],))
        assert report.matched == 238
        assert report.log_rows_added == 1
        assert report.log_rows_skipped == {ONLY_IN_SOURCE: 2}
        assert ratings(target) == {("bob", k[0]): ("sad", None, None, "")}
        assert k[2] not in keys(target)
        lines = report.summary_lines()
        assert any(
            line.startswith(f"Only in {target.name} (1 recordings): {k[1]}") for line in lines
        )
        assert f"Not merged: 2 edit-log rows {ONLY_IN_SOURCE}." in lines


def test_ambiguous_matches_refuse_the_merge(small_demo):
    with copies(small_demo, 3) as (target, differing, doubled):
        k = keys(target)
        rate(differing, ("bob", 0, "emotion", "sad", 1))
        first = f"(SELECT id FROM recordings WHERE key = '{k[0]}')"
        sql(
            differing,
            f"UPDATE media SET sha256 = 'beef' WHERE modality = 'body' AND recording_id = {first}",
        )
        # the doubled copy's second recording holds the first one's media
        sql(doubled, "UPDATE media SET sha256 = (SELECT m.sha256 FROM media m JOIN recordings r "
                     "ON r.id = m.recording_id WHERE r.key = "
                     f"'{k[0]}' AND m.modality = media.modality) WHERE recording_id = "
                     f"(SELECT id FROM recordings WHERE key = '{k[1]}')")  # fmt: skip
        before = snapshot(target)
        with Project.open(target) as project, pytest.raises(MergeRefused) as refused:
            merge_project(project, differing)
        assert refused.value.problems == (
            f"{k[0]}: its body file differs from target recording {k[0]}'s, though another "
            "file is the same",
        )
        assert str(refused.value).startswith(f"{differing}: 1 recordings cannot be matched")
        with Project.open(target) as project, pytest.raises(MergeRefused) as refused:
            merge_projects(project, [doubled])
        assert refused.value.problems == (f"{k[0]}, {k[1]}: all match target recording {k[0]}",)
        assert snapshot(target) == before


def test_a_model_id_is_dropped_and_its_name_kept(small_demo):
    with copies(small_demo, 2) as (target, source):
        k = keys(target)
        sql(source, "INSERT INTO models(name, fusion, card, blob, created_at) "
                    f"VALUES ('fusion-b', 'late', '{{}}', x'00', '{t(0)}')")  # fmt: skip
        with Project.open(source) as project:
            model_id = project.execute("SELECT id FROM models").fetchone()[0]
        rate(source, ("bob", 0, "emotion", "sad", 1), source="model", model_id=model_id)
        with Project.open(target) as project:
            merge_project(project, source)
            row = project.execute(
                "SELECT t.emotion_source, t.source_model_id, e.source, e.model_id FROM ratings t "
                "JOIN edit_log e ON e.rater_id = t.rater_id AND e.recording_id = t.recording_id"
            ).fetchone()
            assert project.execute("SELECT COUNT(*) FROM models").fetchone()[0] == 0
        assert tuple(row) == ("model", None, "model;model=fusion-b", None)
        assert canonical_source(row[2]) == "model"
        assert ratings(target) == {("bob", k[0]): ("sad", None, None, "")}
        before = snapshot(target)
        with Project.open(target) as project:
            assert merge_project(project, source).log_rows_added == 0
        assert snapshot(target) == before


def test_a_sources_ratings_import_never_becomes_one_of_the_targets(small_demo, tmp_path):
    with copies(small_demo, 2) as (target, source):
        k = keys(target)
        csv = tmp_path / "panel.csv"
        csv.write_text(f"recording,rater,emotion,intensity,genuineness\n{k[0]},carol,sad,3,4\n")
        with Project.open(source) as project:
            import_ratings(project, csv, at=t(1))
        with Project.open(target) as project:
            report = merge_project(project, source)
            assert report.log_rows_skipped == {NOT_A_RATING: 1}  # the import's own record
            logged = project.execute("SELECT source FROM edit_log WHERE rater_id IS NOT NULL")
            sources = {r[0] for r in logged}
            assert len(sources) == 1 and sources.pop().startswith("merged:import:")
            assert imports(project) == []
            with pytest.raises(RatingsFileError, match="no ratings import left to undo"):
                undo_import(project, csv)
        assert ratings(target) == {("carol", k[0]): ("sad", 3, 4, "")}
        assert edit_rows(target) == edit_rows(target) | edit_rows(source)


def test_rows_naming_what_the_source_no_longer_has_are_counted(small_demo):
    with copies(small_demo, 2) as (target, source):
        rate(source, ("bob", 0, "emotion", "sad", 1))
        sql(source, "DELETE FROM ratings", "DELETE FROM raters")
        with Project.open(target) as project:
            report = merge_project(project, source)
        assert report.log_rows_skipped == {DANGLING: 1}
        assert report.log_rows_added == 0 and ratings(target) == {}


def test_several_sources_merge_in_one_go(small_demo):
    with copies(small_demo, 3) as (target, b, c):
        k = keys(target)
        rate(b, ("bob", 0, "emotion", "sad", 1))
        rate(c, ("carol", 0, "emotion", "calm", 2))
        with Project.open(target) as project:
            reports = merge_projects(project, [b, c, b])
        assert [r.log_rows_added for r in reports] == [1, 1, 0]
        assert ratings(target) == {
            ("bob", k[0]): ("sad", None, None, ""),
            ("carol", k[0]): ("calm", None, None, ""),
        }


def test_merging_a_project_into_itself_is_refused(demo_copy):
    rate(demo_copy, ("anna", 0, "emotion", "sad", 1))
    before = snapshot(demo_copy)
    with Project.open(demo_copy) as project:
        with pytest.raises(ProjectError, match="is the target project itself"):
            merge_project(project, demo_copy)
        link = demo_copy.with_name(demo_copy.name + ".link")
        link.symlink_to(demo_copy)
        try:
            with pytest.raises(ProjectError, match="is the target project itself"):
                merge_project(project, link)
        finally:
            link.unlink()
    assert snapshot(demo_copy) == before


def test_a_read_only_target_is_refused(demo_copy, small_demo):
    with (
        Project.open(demo_copy, read_only=True) as project,
        pytest.raises(ProjectError, match="read-only; nothing was merged"),
    ):
        merge_project(project, small_demo)


def _newer(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()


def _damaged(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)


@pytest.mark.parametrize(
    ("spoil", "error", "reason"),
    [
        (_newer, ProjectTooNew, "newer emolab"),
        (_damaged, ProjectError, "not an emolab project"),
    ],
)
def test_a_source_that_cannot_be_read_is_named_and_nothing_is_merged(
    small_demo, spoil, error, reason
):
    with copies(small_demo, 3) as (target, good, bad):
        rate(good, ("bob", 0, "emotion", "sad", 1))
        spoil(bad)
        bad_hash = sha(bad)
        before = snapshot(target)
        with Project.open(target) as project, pytest.raises(error) as raised:
            merge_projects(project, [good, bad])
        assert raised.value.path == bad and reason in str(raised.value)
        assert str(raised.value).startswith(str(bad))
        assert snapshot(target) == before
        assert sha(bad) == bad_hash


def test_a_source_in_an_older_format_is_read_from_a_migrated_copy(small_demo, tmp_path):
    """It used to be refused (it is opened read-only, so it could not be migrated)."""
    folder = tmp_path / "older"
    folder.mkdir()
    older = folder / "v1.emolab"
    shutil.copy(FIXTURES / "v1.emolab", older)
    older_hash = sha(older)
    con = sqlite3.connect(f"{older.as_uri()}?mode=ro", uri=True)  # Project.open migrates
    [(edits,)] = con.execute("SELECT COUNT(*) FROM edit_log WHERE rater_id IS NOT NULL")
    con.close()
    with copies(small_demo, 1) as (target,):
        with Project.open(target) as project:
            report = merge_project(project, older)
        # its one recording's media are not the demo's: reported, its edits not merged
        assert report.only_in_source == ("05-02-01-02-03-07",) and report.matched == 0
        assert edits and report.log_rows_skipped == {ONLY_IN_SOURCE: edits}
        assert report.source == older
    assert sha(older) == older_hash
    assert sorted(p.name for p in folder.iterdir()) == ["v1.emolab"]  # no backup, no WAL


# ---- nothing is lost, whatever the edits ------------------------------------------------

RATERS = ("anna", "bob")
RECORDINGS = 3
VALUES = {
    "emotion": st.sampled_from(["sad", "happy", "calm", None]),
    "intensity": st.one_of(st.none(), st.integers(1, 5)),
    "genuineness": st.one_of(st.none(), st.integers(1, 5)),
    "notes": st.sampled_from(["", "hesitant", "laughs"]),
    # a field of the validity form kept in rating_values
    "valid": st.sampled_from(["yes", "no", "unsure", None]),
}
#: A segment's state (added or changed), or None (deleted).
SEGMENT_STATES = st.one_of(
    st.none(),
    st.builds(
        lambda start, length, emotion, intensity: {
            "start": start, "end": start + length,
            "fields": {k: v for k, v in (("emotion", emotion), ("intensity", intensity))
                       if v is not None}},
        st.sampled_from([0.0, 0.5, 1.25]), st.sampled_from([0.5, 1.0]),
        st.sampled_from([None, "sad", "calm"]), st.one_of(st.none(), st.integers(1, 5)),
    ),
)  # fmt: skip
#: Which copy an edit is made in: the target's, the source's, or both (shared history).
SIDES = ("target", "source", "both")


@st.composite
def edit_sequences(draw) -> list[tuple[str, tuple]]:
    """Edits ``(side, (rater, recording, field, value, second))``, each at its own time:
    the core fields, an extra form field, and segments added, changed and deleted (two
    segment ids per rater and recording)."""
    n = draw(st.integers(1, 24))
    seconds = draw(st.permutations(range(n)))
    edits = []
    for second in seconds:
        rater, recording = draw(st.sampled_from(RATERS)), draw(st.integers(0, RECORDINGS - 1))
        name = draw(st.sampled_from([*FIELDS, "valid", "segment"]))
        if name == "segment":
            name = f"segment:{rater}{recording}s{draw(st.integers(0, 1))}"
            value = draw(SEGMENT_STATES)
        else:
            value = draw(VALUES[name])
        edits.append((draw(st.sampled_from(SIDES)), (rater, recording, name, value, second)))
    return edits


def with_validity_form(path: Path) -> None:
    with Project.open(path) as project:
        set_project_form(project, RatingForm.load("validity"))


def _latest_logged(path: Path) -> dict[tuple[str, str, str], str | None]:
    """(rater, recording key, field) → the value its latest logged edit set."""
    latest: dict[tuple[str, str, str], tuple[str, str | None]] = {}
    for at, rater, key, name, _, new, _, _ in edit_rows(path):
        if (rater, key, name) not in latest or at > latest[(rater, key, name)][0]:
            latest[(rater, key, name)] = (at, new)
    return {k: new for k, (_, new) in latest.items()}


def stored_extras(path: Path) -> tuple[dict, dict]:
    """The values of ``valid`` by (rater, key), and the segments by uid."""
    with Project.open(path) as project:
        valid = project.execute(
            "SELECT a.name, r.key, v.value FROM rating_values v JOIN raters a ON a.id = "
            "v.rater_id JOIN recordings r ON r.id = v.recording_id WHERE v.field = 'valid' "
            "AND v.value IS NOT NULL").fetchall()  # fmt: skip
        found = project.execute(
            "SELECT s.uid, a.name, r.key, s.start, s.end, s.fields FROM segments s JOIN raters "
            "a ON a.id = s.rater_id JOIN recordings r ON r.id = s.recording_id"
        ).fetchall()
    return ({(r[0], r[1]): r[2] for r in valid},
            {r[0]: (r[1], r[2], r[3], r[4], json.loads(r[5])) for r in found})  # fmt: skip


def _latest_values(path: Path) -> dict[tuple[str, str], tuple]:
    """Each (rater, recording)'s fields as the latest edit in the log set them."""
    latest: dict[tuple[str, str, str], tuple[str, str | None]] = {}
    for at, rater, key, name, _, new, _, _ in edit_rows(path):
        if (rater, key, name) not in latest or at > latest[(rater, key, name)][0]:
            latest[(rater, key, name)] = (at, new)
    values: dict[tuple[str, str], dict[str, object]] = {}
    for (rater, key, name), (_, new) in latest.items():
        typed = int(new) if new is not None and name in ("intensity", "genuineness") else new
        values.setdefault((rater, key), {})[name] = typed
    return {
        pair: (v.get("emotion"), v.get("intensity"), v.get("genuineness"), v.get("notes") or "")
        for pair, v in values.items()
        if any(v.get(f) not in (None, "") for f in FIELDS)
    }


@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(edits=edit_sequences())
def test_nothing_is_lost_and_every_rating_is_its_latest_edit(small_demo, edits):
    with copies(small_demo, 2) as (target, source):
        for copy, sides in ((target, ("target", "both")), (source, ("source", "both"))):
            with_validity_form(copy)
            rate(copy, *sorted((e for side, e in edits if side in sides), key=lambda e: e[4]))
        before = {"target": edit_rows(target), "source": edit_rows(source)}
        source_hash = sha(source)

        with Project.open(target) as project:
            merge_project(project, source)
        after = edit_rows(target)
        assert after == before["target"] | before["source"]  # every row, none twice
        merged = ratings(target)
        assert {pair: v for pair, v in merged.items() if v != (None, None, None, "")} == (
            _latest_values(target)
        )
        # the extra field and the segments: each as its latest edit left it
        latest = _latest_logged(target)
        valid, found = stored_extras(target)
        assert valid == {(r, k): v for (r, k, name), v in latest.items()
                         if name == "valid" and v is not None}  # fmt: skip
        expected = {}
        for (rater, key, name), state in latest.items():
            if name.startswith("segment:") and state is not None:
                state = json.loads(state)
                expected[name.removeprefix("segment:")] = (
                    rater,
                    key,
                    state["start"],
                    state["end"],
                    state["fields"],
                )
        assert found == expected

        settled = snapshot(target)
        with Project.open(target) as project:
            assert merge_project(project, source).log_rows_added == 0
        assert snapshot(target) == settled
        assert sha(source) == source_hash


def test_the_study_a_rating_was_made_under_comes_along(tmp_path, small_demo):
    from emolab.project.merge import merge_project
    from emolab.project.ratings import set_field
    from emolab.project.store import Project
    from tests.conftest import throwaway_copy

    with throwaway_copy(small_demo, "st-t") as target, throwaway_copy(small_demo, "st-s") as source:
        with Project.open(source) as project:
            rid = project.recordings()[0].id
            set_field(project, rid, project.ensure_rater("ann"), "emotion", "sad",
                      at="2026-11-01T10:00:00.000+00:00", study='{"blind": true}')  # fmt: skip
        with Project.open(target) as project:
            merge_project(project, source)
            rows = project.execute(
                "SELECT r.study, e.study FROM ratings r JOIN edit_log e ON e.recording_id = "
                "r.recording_id AND e.rater_id = r.rater_id WHERE r.recording_id = ?",
                (rid,),
            ).fetchall()
    assert [tuple(row) for row in rows] == [('{"blind": true}', '{"blind": true}')]
