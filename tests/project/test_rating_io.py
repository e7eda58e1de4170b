"""Ratings in and out as CSV: per-row reports, all or nothing, idempotent re-import, the
edit log, undo of an import, and the export round trip; random files give a typed error."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emolab.core.errors import CorruptFile, EmolabError, EmptyFile, ProjectError
from emolab.project import rating_io
from emolab.project.rating_io import (
    COLUMNS,
    LabelScheme,
    RatingsFileError,
    RatingsRejected,
    RecordingIndex,
    check_rows,
    export_ratings,
    import_ratings,
    imports,
    read_table,
    undo_import,
)
from emolab.project.rating_rows import FORMULA_STARTS, looks_like_formula, unquote
from emolab.project.ratings import MAX_NOTE_CHARS, get_rating, set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy

#: Every write in these tests happens at a stated time, never the wall clock's.
T0 = "2024-03-01T10:00:00.000+00:00"
T1 = "2024-03-02T10:00:00.000+00:00"
T2 = "2024-03-03T10:00:00.000+00:00"

HEADER = "recording,rater,emotion,intensity,genuineness,notes,time,source\n"
LABELS = LabelScheme.load()  # the bundled default form

PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def write(folder: Path, text: str, name: str = "ratings.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def keys(project: Project, n: int = 4) -> list[str]:
    return [r.key for r in project.recordings()[:n]]


def media_names(project: Project, key: str) -> dict[str, str]:
    rec = project.recording_by_key(key)
    return {m.modality: Path(m.path).name for m in project.media(rec.id)}


def snapshot(project: Project) -> tuple[list, list, list]:
    """Everything an import may change: ratings, raters and the edit log."""
    return (
        project.execute("SELECT * FROM ratings ORDER BY id").fetchall(),
        project.execute("SELECT * FROM raters ORDER BY id").fetchall(),
        project.execute("SELECT * FROM edit_log ORDER BY id").fetchall(),
    )


def rating_of(project: Project, key: str, rater: str):
    rater_id = project.execute("SELECT id FROM raters WHERE name = ?", (rater,)).fetchone()[0]
    return get_rating(project, project.recording_by_key(key).id, rater_id)


@pytest.fixture
def project(demo_copy):
    with Project.open(demo_copy) as p:
        yield p


# ---- import ----------------------------------------------------------------------------


def test_import_resolves_keys_and_media_names_and_logs_each_value(project, tmp_path):
    k = keys(project)
    names = media_names(project, k[1])
    body = media_names(project, k[2])["body"]
    text = HEADER + (
        f'{k[0]},anna,Neutral,3,4,"calm, then tense",2024-01-02T03:04:05Z,\n'
        f"{names['audio']},anna,calm,2,5,,,model\n"
        f"C:\\data\\P01\\{body},bob,happy,1,,,,human\n"
        f"{k[3].replace('-', '')},bob,,,2,,,\n"
    )
    report = import_ratings(project, write(tmp_path, text), at=T0)
    assert (report.rows, report.ratings_changed, report.values_changed) == (4, 4, 10)
    assert report.raters_added == ("anna", "bob")

    first = rating_of(project, k[0], "anna")
    assert (first.emotion, first.intensity, first.genuineness) == ("neutral", 3, 4)
    assert first.notes == "calm, then tense"
    assert first.updated_at == "2024-01-02T03:04:05.000+00:00"
    assert first.emotion_source == "human"
    assert rating_of(project, k[1], "anna").emotion_source == "model"
    assert rating_of(project, k[2], "bob").intensity == 1
    assert rating_of(project, k[3], "bob").updated_at == T0

    log = project.execute(
        "SELECT field, old_value, new_value, source FROM edit_log ORDER BY id"
    ).fetchall()
    assert log[0]["field"] == rating_io.IMPORT_FIELD and log[0]["source"] == "import"
    [record] = imports(project)
    assert (record.file, record.values, record.undone) == ("ratings.csv", 10, False)
    assert {row["source"] for row in log[1:]} == {f"import:{record.id}:ratings.csv"}
    assert len(log) == 1 + 10
    assert tuple(log[1])[:3] == ("emotion", None, "neutral")


def test_a_name_of_a_file_the_project_lacks_finds_its_recording_by_key(project, tmp_path):
    key = keys(project)[0]
    flac = Path(media_names(project, key)["audio"]).with_suffix(".flac").name
    import_ratings(project, write(tmp_path, HEADER + f"{flac},anna,sad,,,,,\n"), at=T0)
    assert rating_of(project, key, "anna").emotion == "sad"


def test_problems_are_reported_per_row_and_nothing_is_written(project, tmp_path):
    k = keys(project)
    text = HEADER + (
        f"{k[0]},anna,sad,3,4,,,\n"  # row 2: fine
        "99-99-99-99-99-99,anna,sad,3,4,,,\n"  # row 3
        f"{k[1]},,joy,6,x,,,\n"  # row 4
        f"{k[2]},anna,sad,2.5,0,,yesterday,robot\n"  # row 5
        f"{k[3]},anna,sad,3,4,{'n' * (MAX_NOTE_CHARS + 1)},,\n"  # row 6
        f"{k[0]},anna,calm,,,,,\n"  # row 7: rated by anna in row 2
        f"{k[1]},bob,sad,1,1,,,,surplus\n"  # row 8
    )
    before = snapshot(project)
    with pytest.raises(RatingsRejected) as caught:
        import_ratings(project, write(tmp_path, text), at=T0)
    assert snapshot(project) == before
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (3, "recording"),
        (4, "rater"),
        (4, "emotion"),
        (4, "intensity"),
        (4, "genuineness"),
        (5, "intensity"),
        (5, "genuineness"),
        (5, "time"),
        (5, "source"),
        (6, "notes"),
        (7, "recording"),
        (8, ""),
    }
    reasons = {(p.row, p.column): p.reason for p in caught.value.problems}
    assert "no recording" in reasons[3, "recording"]
    assert "is empty" in reasons[4, "rater"]
    assert "not a label" in reasons[4, "emotion"]
    assert "outside 1–5" in reasons[4, "intensity"]
    assert "not a whole number" in reasons[5, "intensity"]
    assert "10,000" in reasons[6, "notes"]
    assert "row 2" in reasons[7, "recording"]
    message = str(caught.value)
    assert "ratings.csv" in message and "nothing was imported" in message
    assert "6 of 7 rows" in message
    assert str(caught.value.problems[0]).startswith("row 3, recording '99-99-99-99-99-99': ")


def test_a_write_failing_midway_leaves_the_project_as_it_was(project, tmp_path, monkeypatch):
    k = keys(project)
    text = HEADER + "".join(f"{key},anna,sad,3,4,,,\n" for key in k)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 6:
            raise ProjectError("the disk is full (simulated)")
        return set_field(*args, **kwargs)

    monkeypatch.setattr(rating_io, "set_field", failing)
    before = snapshot(project)
    with pytest.raises(ProjectError, match="simulated"):
        import_ratings(project, write(tmp_path, text), at=T0)
    assert snapshot(project) == before
    assert project.raters() == []


def test_reimporting_the_same_file_changes_nothing(project, tmp_path):
    k = keys(project)
    path = write(tmp_path, HEADER + f"{k[0]},anna,sad,3,4,note,,\n{k[1]},bob,calm,,,,,model\n")
    first = import_ratings(project, path, at=T0)
    assert first.import_id is not None
    before = snapshot(project)
    again = import_ratings(project, path, at=T1)
    assert again.import_id is None and again.values_changed == 0
    assert "nothing changed" in again.summary_lines()[0]
    assert snapshot(project) == before
    assert len(imports(project)) == 1


def test_only_changed_values_are_written(project, tmp_path):
    key = keys(project)[0]
    import_ratings(project, write(tmp_path, HEADER + f"{key},anna,sad,3,4,,,\n"), at=T0)
    report = import_ratings(project, write(tmp_path, HEADER + f"{key},anna,sad,5,,,,\n"), at=T1)
    assert report.values_changed == 1
    rating = rating_of(project, key, "anna")
    assert (rating.emotion, rating.intensity, rating.genuineness) == ("sad", 5, 4)
    last = project.execute("SELECT field, old_value, new_value FROM edit_log ORDER BY id DESC")
    assert tuple(last.fetchone()) == ("intensity", "3", "5")


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"", EmptyFile, "is empty"),
        (b" , ,\n\n", EmptyFile, "is empty"),
        (b"recording,rater,emotion\n", CorruptFile, "has no column intensity, genuineness"),
        (b"recording,rater,rater,emotion,intensity,genuineness\n", CorruptFile, "twice"),
        (HEADER.encode() + b"k,anna,\xff\xfe,1,1,,,\n", CorruptFile, "line 2: is not UTF-8"),
        (HEADER.encode() + b'k,anna,"sad"x,1,1,,,\n', CorruptFile, "is not valid CSV"),
        (codecs.BOM_UTF16_LE + b"r\x00e", CorruptFile, "is not UTF-16"),
    ],
)
def test_unreadable_files_are_typed_errors_naming_the_file(
    project, tmp_path, content, error, words
):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        import_ratings(project, path)
    assert str(caught.value).startswith(str(path))
    assert words in str(caught.value)


def test_missing_file_and_folder_are_typed_errors(project, tmp_path):
    for path in (tmp_path / "absent.csv", tmp_path):
        with pytest.raises(RatingsFileError, match="cannot be read"):
            import_ratings(project, path)


def test_semicolons_bom_utf16_and_spreadsheet_habits_are_read(project, tmp_path):
    k = keys(project)
    text = (
        "\n Recording ; RATER ;Emotion;intensity;genuineness;extra\n"
        f"{k[0]} ; anna ; SAD ;  3 ;+4;ignored\n\n"
        f"{k[1]};anna;;;\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode())
    report = import_ratings(project, path, at=T0)
    assert report.rows == 2 and report.values_changed == 3
    rating = rating_of(project, k[0], "anna")
    assert (rating.emotion, rating.intensity, rating.genuineness) == ("sad", 3, 4)
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes(
        (f"recording\trater\temotion\tintensity\tgenuineness\n{k[2]}\tbob\tcalm\t1\t2\n").encode(
            "utf-16"
        )
    )
    import_ratings(project, utf16, at=T0)
    assert rating_of(project, k[2], "bob").emotion == "calm"


def test_a_read_only_project_is_refused(demo_copy, tmp_path):
    with Project.open(demo_copy) as p:
        path = write(tmp_path, HEADER + f"{keys(p)[0]},anna,sad,,,,,\n")
    with Project.open(demo_copy, read_only=True) as p, pytest.raises(ProjectError):
        import_ratings(p, path)


# ---- undo -------------------------------------------------------------------------------


def test_undo_import_restores_what_the_import_changed(project, tmp_path):
    k = keys(project)
    carol = project.ensure_rater("carol")
    rec0 = project.recording_by_key(k[0]).id
    # an accepted suggestion: undoing the import must give it back to the model
    set_field(project, rec0, carol, "emotion", "fearful", source="model", at=T0)
    set_field(project, rec0, carol, "intensity", 2, at=T0)
    path = write(tmp_path, HEADER + f"{k[0]},carol,angry,4,,,,\n{k[1]},dave,sad,3,3,hm,,\n")
    report = import_ratings(project, path, at=T1)
    assert rating_of(project, k[0], "carol").emotion_source == "human"
    dave = project.ensure_rater("dave")
    set_field(project, project.recording_by_key(k[1]).id, dave, "intensity", 5, at=T2)

    undone = undo_import(project, path, at=T2)
    assert (undone.import_id, undone.file) == (report.import_id, "ratings.csv")
    assert undone.restored == 5
    assert undone.kept == (f"intensity of {k[1]} by dave",)
    carol_rating = rating_of(project, k[0], "carol")
    assert (carol_rating.emotion, carol_rating.intensity) == ("fearful", 2)
    assert carol_rating.emotion_source == "model"
    dave_rating = rating_of(project, k[1], "dave")
    assert (dave_rating.emotion, dave_rating.intensity, dave_rating.notes) == (None, 5, "")

    rows = project.execute(
        "SELECT id, recording_id, field, source FROM edit_log WHERE source LIKE 'undo-import:%' "
        "ORDER BY id"
    ).fetchall()
    assert {r["source"] for r in rows} == {f"undo-import:{report.import_id}:ratings.csv"}
    imported = project.execute(
        "SELECT recording_id, field FROM edit_log WHERE source = ? ORDER BY id DESC",
        (f"import:{report.import_id}:ratings.csv",),
    ).fetchall()
    # newest first, skipping the value changed since
    assert [tuple(r)[1:3] for r in rows] == [
        tuple(r) for r in imported if tuple(r) != (dave_rating.recording_id, "intensity")
    ]
    assert imports(project)[-1].undone
    with pytest.raises(RatingsFileError, match="no ratings import left to undo"):
        undo_import(project, path)


def test_undo_removes_ratings_the_import_created(project, tmp_path):
    k = keys(project)
    ratings_before = project.summary().ratings
    path = write(tmp_path, HEADER + "".join(f"{key},erin,calm,2,2,n,,\n" for key in k))
    import_ratings(project, path, at=T0)
    assert project.summary().ratings == ratings_before + len(k)
    undo_import(project, "ratings.csv", at=T1)
    assert project.summary().ratings == ratings_before


def test_undo_takes_the_newest_import_of_a_file_first(project, tmp_path):
    key = keys(project)[0]
    first = import_ratings(project, write(tmp_path, HEADER + f"{key},anna,sad,,,,,\n"), at=T0)
    second = import_ratings(project, write(tmp_path, HEADER + f"{key},anna,calm,,,,,\n"), at=T1)
    assert undo_import(project, "ratings.csv", at=T2).import_id == second.import_id
    assert rating_of(project, key, "anna").emotion == "sad"
    assert undo_import(project, first.import_id, at=T2).import_id == first.import_id
    assert rating_of(project, key, "anna").emotion is None
    with pytest.raises(RatingsFileError, match=f"no ratings import {first.import_id} left"):
        undo_import(project, first.import_id)


# ---- export -----------------------------------------------------------------------------


def test_export_writes_every_rating_sorted_with_its_time_and_source(project, tmp_path):
    k = keys(project)
    zoe, ann = project.ensure_rater("zoe"), project.ensure_rater("ann")
    recs = [project.recording_by_key(key).id for key in k]
    set_field(project, recs[1], zoe, "emotion", "happy", source="model", at=T0)
    set_field(project, recs[1], ann, "genuineness", 5, at=T1)
    set_field(project, recs[0], zoe, "notes", 'quote " and\nnew line', at=T2)
    set_field(project, recs[2], zoe, "emotion", "sad", at=T0)
    set_field(project, recs[2], zoe, "emotion", None, at=T1)  # no value left: not exported
    out = tmp_path / "out.csv"
    assert export_ratings(project, out) == 3
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        list(COLUMNS),
        [k[0], "zoe", "", "", "", 'quote " and\nnew line', T2, "human"],
        [k[1], "ann", "", "", "5", "", T1, "human"],
        [k[1], "zoe", "happy", "", "", "", T0, "model"],
    ]


def test_export_refuses_the_project_itself_and_unwritable_places(project, tmp_path):
    with pytest.raises(RatingsFileError, match="is the project itself"):
        export_ratings(project, project.path)
    with pytest.raises(RatingsFileError, match="cannot be written"):
        export_ratings(project, tmp_path / "no" / "such" / "folder" / "out.csv")
    with pytest.raises(RatingsFileError, match="cannot be written"):
        export_ratings(project, tmp_path)
    assert not list(tmp_path.glob(".*.tmp"))


def everything(project: Project) -> list[tuple]:
    return [
        tuple(r)
        for r in project.execute(
            "SELECT c.key, a.name, t.emotion, t.intensity, t.genuineness, t.notes, "
            "t.emotion_source, t.updated_at FROM ratings t JOIN recordings c ON c.id = "
            "t.recording_id JOIN raters a ON a.id = t.rater_id ORDER BY c.key, a.name"
        )
    ]


def test_export_then_import_into_a_cleared_copy_gives_the_same_ratings(demo_copy, tmp_path):
    with Project.open(demo_copy) as project:
        recs = [r.id for r in project.recordings()[:30]]
        raters = [project.ensure_rater(n) for n in ("anna", "Bo Ström", "c,d")]
        for i, rec in enumerate(recs):
            rater = raters[i % 3]
            set_field(
                project,
                rec,
                rater,
                "emotion",
                LABELS.emotions[i % 8],
                source="model" if i % 4 == 0 else "human",
                at=T0,
            )
            if i % 2:
                set_field(project, rec, rater, "intensity", 1 + i % 5, at=T1)
            if i % 3 == 0:
                set_field(project, rec, rater, "notes", f'note {i}: «x»,\r\n"y"', at=T2)
        expected = everything(project)
        export_ratings(project, tmp_path / "all.csv")
    copy = tmp_path / "copy.emolab"
    shutil.copy(demo_copy, copy)
    with Project.open(copy) as project:
        clear(project)
        import_ratings(project, tmp_path / "all.csv", at=T2)
        assert everything(project) == expected


# ---- properties -------------------------------------------------------------------------

FAKE_KEYS = ("01-01-01-01-01-01", "02-03-01-02-01-07", "05-02-01-02-03-07")
FAKE_INDEX = RecordingIndex(
    {key: i for i, key in enumerate(FAKE_KEYS, start=1)},
    {"02-05-02-01-02-03-07.wav": {3}},
)

cells = st.one_of(
    st.sampled_from(["", " ", "3", "9", "-1", "sad", "SAD", "model", "human", "x"]),
    st.sampled_from(FAKE_KEYS),
    st.text(max_size=12),
)
headers = st.one_of(
    st.just(list(COLUMNS)),
    st.permutations(COLUMNS),
    st.lists(st.sampled_from([*COLUMNS, "", "other"]), max_size=10),
)


@st.composite
def csv_text(draw) -> str:
    """CSV text made by a writer, with headers and cells near what a ratings file holds."""
    header = list(draw(headers))
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=8))
    out = io.StringIO(newline="")
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def read_and_check(path: Path) -> None:
    header, rows = read_table(path)
    good, problems = check_rows(header, rows, FAKE_INDEX, LABELS)
    assert len({r.row for r in good} | {p.row for p in problems}) <= len(rows)
    for problem in problems:
        assert problem.reason and str(problem).startswith(f"row {problem.row}")


@PROPERTY
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), csv_text()))
def test_random_files_give_checked_rows_or_a_typed_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("random") / "random.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        read_and_check(path)
    except EmolabError as exc:
        assert str(exc).startswith(str(path))


raters = (
    st.text(st.characters(exclude_categories=("C", "Z")) | st.just(" "), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
notes = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
times = st.one_of(
    st.none(),
    st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC)).map(
        lambda t: t.isoformat(timespec="milliseconds")
    ),
)


@st.composite
def valid_rows(draw, recordings: tuple[str, ...]) -> list[dict[str, object]]:
    """Rows of a ratings file with every value valid, one per (recording, rater)."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(recordings), raters), max_size=6, unique=True))
    rows = []
    for recording, rater in pairs:
        row = {
            "recording": recording,
            "rater": rater,
            "emotion": draw(st.none() | st.sampled_from(LABELS.emotions)),
            "intensity": draw(st.none() | st.integers(1, 5)),
            "genuineness": draw(st.none() | st.integers(1, 5)),
            "notes": draw(notes),
            "time": draw(times),
        }
        row["source"] = draw(st.sampled_from(["human", "model"])) if row["emotion"] else "human"
        if any(row[f] not in (None, "") for f in rating_io.VALUE_FIELDS):
            rows.append(row)
    return rows


def as_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


@PROPERTY
@given(valid_rows(FAKE_KEYS))
def test_valid_rows_round_trip_through_csv(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("valid") / "valid.csv"
    path.write_text(as_csv(rows), encoding="utf-8", newline="")
    header, table = read_table(path)
    good, problems = check_rows(header, table, FAKE_INDEX, LABELS)
    assert problems == []
    assert [(FAKE_KEYS[r.recording_id - 1], r.rater, r.origin, r.at) for r in good] == [
        (row["recording"], row["rater"], row["source"], row["time"]) for row in rows
    ]
    for r, row in zip(good, rows, strict=True):
        given_values = {f: row[f] for f in rating_io.VALUE_FIELDS if row[f] not in (None, "")}
        assert r.values == given_values


@pytest.fixture(scope="module")
def shared_project(small_demo):
    """One project for the property tests below (each example starts by clearing it)."""
    with throwaway_copy(small_demo, "ratings-property") as path, Project.open(path) as project:
        yield project


def clear(project: Project) -> None:
    with project.transaction():
        project.execute("DELETE FROM ratings")


#: Examples of the property tests that write to a project (each a few database writes).
PROJECT_PROPERTY = settings(PROPERTY, max_examples=40)


@PROJECT_PROPERTY
@given(data=st.data())
def test_an_import_is_whole_or_not_at_all(shared_project, tmp_path_factory, data):
    project = shared_project
    clear(project)
    recordings = tuple(keys(project, 3))
    rows = data.draw(valid_rows(recordings))
    text = as_csv(rows)
    if data.draw(st.booleans(), label="damage"):
        lines = text.splitlines(keepends=True)
        at = data.draw(st.integers(0, len(lines)), label="line")
        text = "".join([*lines[:at], data.draw(csv_text(), label="junk"), *lines[at:]])
    path = tmp_path_factory.mktemp("whole") / "file.csv"
    path.write_text(text, encoding="utf-8", newline="")
    before = snapshot(project)
    try:
        report = import_ratings(project, path, at=T0)
    except EmolabError as exc:
        event(f"refused: {type(exc).__name__}")
        assert snapshot(project) == before
    else:
        event("imported" if report.values_changed else "nothing to change")


@PROJECT_PROPERTY
@given(data=st.data())
def test_valid_rows_round_trip_through_the_project(shared_project, tmp_path_factory, data):
    project = shared_project
    clear(project)
    rows = data.draw(valid_rows(tuple(keys(project, 3))))
    folder = tmp_path_factory.mktemp("trip")
    path = folder / "in.csv"
    path.write_text(as_csv(rows), encoding="utf-8", newline="")
    import_ratings(project, path, at=T0)
    event(f"{min(len(rows), 3)}+ rows" if len(rows) >= 3 else f"{len(rows)} rows")
    export_ratings(project, folder / "out.csv")
    header, table = read_table(folder / "out.csv")
    assert header == list(COLUMNS)
    expected = sorted(
        [
            {**{k: "" if v is None else str(v) for k, v in row.items()}, "time": row["time"] or T0}
            for row in rows
        ],
        key=lambda r: (r["recording"], r["rater"]),
    )
    exported = [dict(zip(header, cells, strict=True)) for _, cells in table]
    # formula-like text is exported with an apostrophe, which import takes off
    assert [{k: unquote(v) for k, v in row.items()} for row in exported] == expected


def test_formula_like_text_is_quoted_on_export_and_unquoted_on_import(demo_copy, tmp_path):
    from emolab.project.ratings import set_field
    from emolab.project.store import Project

    with Project.open(demo_copy) as project:
        rid = project.recordings()[0].id
        rater = project.ensure_rater("=cmd|' /C calc'!A0")
        set_field(project, rid, rater, "notes", "@SUM(1+1) then -2")
        export_ratings(project, tmp_path / "out.csv")
        text = (tmp_path / "out.csv").read_text(encoding="utf-8")
        assert "'=cmd" in text and "'@SUM" in text
        project.execute("DELETE FROM ratings")
        import_ratings(project, tmp_path / "out.csv")
        names = dict((i, n) for i, n in project.raters())
        [(rater_id, notes)] = project.execute(
            "SELECT rater_id, notes FROM ratings WHERE recording_id = ?", (rid,)
        ).fetchall()
    assert names[rater_id] == "=cmd|' /C calc'!A0" and notes == "@SUM(1+1) then -2"


@given(st.text(max_size=12))
def test_quoting_formula_like_text_round_trips(text):
    exported = "'" + text if looks_like_formula(text) else text
    assert exported[:1] not in FORMULA_STARTS or exported == ""
    assert unquote(exported) == text
