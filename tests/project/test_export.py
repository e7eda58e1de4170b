"""Exports read back with the libraries that read them elsewhere: CSV and JSON rows equal
the project's ratings with their provenance, the wide CSV imports back to the same
ratings, ELAN and Praat files (pympi-ling, praatio) hold a tier per rater and field and the
model's emotion over time at the audio's times, and formula-like text is neutralised."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab import __version__
from emolab.core.progress import run_to_end
from emolab.project.export import (
    FORMATS,
    JSON_FILE,
    LONG_CSV,
    RATINGS_CSV,
    RECORDING_COLUMNS,
    ROW_COLUMNS,
    SUMMARY_CSV,
    ExportError,
    export_project,
)
from emolab.project.export_tiers import (
    MODEL_TIER,
    annotation_text,
    file_stem,
    track_intervals,
)
from emolab.project.rating_io import import_ratings
from emolab.project.rating_rows import FORMULA_STARTS, unquote
from emolab.project.ratings import FIELDS, get_rating, set_field
from emolab.project.store import Project
from tests.conftest import shared_build, throwaway_copy

T = [f"2024-03-0{d}T10:00:00.000+00:00" for d in range(1, 9)]
FORMULA_NOTE = '=HYPERLINK("http://example.com","click")'
ODD_NOTE = 'line one\r\nline "two" <b> & \x0b end'
FORMULA_RATER = "=cmd|' /C calc'!A0"
#: The study settings a rating made in a blind audio-only study stores (project.session).
AUDIO_ONLY = json.dumps(
    {
        "blind": True,
        "order": "random",
        "condition": "balanced",
        "seed": 7,
        "rater_condition": "audio",
    }
)


def _build_rated(folder: Path, small_demo: Path) -> Path:
    """The small demo with the bundled model's suggestions and ratings by four raters."""
    from emolab.project.models import active_model_id, predict_missing, suggestions

    path = small_demo.with_name("export-base.emolab")  # beside it: media paths stay valid
    shutil.copy(small_demo, path)
    with Project.open(path) as project:
        run_to_end(predict_missing(project))
        first, second = project.recordings()[:2]
        model = active_model_id(project)
        [suggested] = suggestions(project, second.id, model)
        rater = {n: project.ensure_rater(n) for n in ("ann", "bob", "carla", FORMULA_RATER)}
        accepted = {"source": "model", "model_id": model}
        for name, recording, field, value, at, how in [
            ("ann", first, "emotion", first.emotion, T[0], {}),
            ("ann", first, "intensity", 4, T[1], {}),
            ("ann", first, "genuineness", 2, T[2], {}),
            ("ann", first, "notes", FORMULA_NOTE, T[3], {}),
            ("bob", first, "emotion", "sad", T[4], {"study": AUDIO_ONLY}),
            ("bob", first, "intensity", 2, T[5], {"study": AUDIO_ONLY}),
            ("bob", first, "notes", ODD_NOTE, T[6], {"study": AUDIO_ONLY}),
            ("carla", first, "emotion", first.emotion, T[7], {}),
            (FORMULA_RATER, second, "emotion", suggested.label, T[0], accepted),
            ("ann", second, "genuineness", 5, T[1], {}),
        ]:
            set_field(project, recording.id, rater[name], field, value, at=at, **how)
    return path


@pytest.fixture(scope="session")
def rated(small_demo, tmp_path_factory) -> Path:
    """A project with suggestions and ratings, built once per run; tests only read it."""
    return shared_build(tmp_path_factory, "export_rated", lambda f: _build_rated(f, small_demo))


@pytest.fixture(scope="session")
def exported(rated, tmp_path_factory) -> Path:
    """Every format of ``rated`` exported once per worker."""
    folder = tmp_path_factory.mktemp("export")
    with Project.open(rated) as project:
        run_to_end(export_project(project, folder))
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def expected_rows(project: Project) -> list[tuple]:
    """(key, rater, field, value, source, model name) of every value, read from the tables."""
    out = []
    names = dict(project.raters())
    models = dict(project.execute("SELECT id, name FROM models").fetchall())
    for recording_id, rater_id in project.execute("SELECT recording_id, rater_id FROM ratings"):
        rating = get_rating(project, recording_id, rater_id)
        key = project.recording(recording_id).key
        for field in FIELDS:
            value = getattr(rating, field)
            if value in (None, ""):
                continue
            source = rating.emotion_source if field == "emotion" else "human"
            model = models[rating.source_model_id] if source == "model" else None
            out.append((key, names[rater_id], field, value, source, model))
    return sorted(out, key=lambda r: (r[0], r[1], FIELDS.index(r[2])))


def test_json_rows_are_the_ratings_with_provenance(rated, exported):
    document = json.loads((exported / JSON_FILE).read_text(encoding="utf-8"))
    assert {"app_version", "schema_version", "exported_at", "synthetic", "rows", "recordings"} <= (
        document.keys()
    )
    with Project.open(rated) as project:
        assert document["app_version"] == __version__
        assert document["schema_version"] == project.format_version
        assert document["synthetic"] is True
        rows = document["rows"]
        assert [list(r) for r in rows] == [list(ROW_COLUMNS)] * len(rows)
        got = [(r["recording"], r["rater"], r["field"], r["value"], r["source"],
                r["model_version"]) for r in rows]  # fmt: skip
        assert got == expected_rows(project)
        assert len(rows) == 10
        first = project.recordings()[0]
        media = {m.modality: m for m in project.media(first.id)}
        row = next(r for r in rows if r["rater"] == "ann" and r["field"] == "intensity")
        assert row["recording"] == first.key and row["value"] == 4
        assert row["audio_file"] == Path(media["audio"].path).name
        assert row["audio_sha256"] == media["audio"].sha256
        assert row["body_file"] == Path(media["body"].path).name
        assert row["body_sha256"] == media["body"].sha256
        assert row["time"] == T[1]  # when this field was set, not the rating's last change
        assert row["condition"] is None and row["model_id"] is None
        assert row["app_version"] == __version__
        assert row["schema_version"] == project.format_version
        accepted = next(r for r in rows if r["rater"] == FORMULA_RATER)
        assert accepted["source"] == "model" and accepted["model_version"] == "bundled default"
        assert isinstance(accepted["model_id"], int)
    # the modality the rater worked under, from the study settings stored with the edit
    assert {r["rater"]: r["condition"] for r in rows} == {
        "ann": None,
        "bob": "audio",
        "carla": None,
        FORMULA_RATER: None,
    }
    assert {r["rater"]: r["value"] for r in rows if r["field"] == "notes"} == {
        "ann": FORMULA_NOTE,
        "bob": ODD_NOTE,
    }


def test_csv_rows_equal_the_json_rows(exported):
    document = json.loads((exported / JSON_FILE).read_text(encoding="utf-8"))
    as_text = lambda v: "" if v is None else str(v)  # noqa: E731
    for name, key in ((LONG_CSV, "rows"), (SUMMARY_CSV, "recordings")):
        rows = read_csv(exported / name)
        assert [{k: unquote(v) for k, v in row.items()} for row in rows] == [
            {k: as_text(v) for k, v in row.items()} for row in document[key]
        ]
    assert list(read_csv(exported / SUMMARY_CSV)[0]) == list(RECORDING_COLUMNS)


def test_summary_per_recording(rated, exported):
    from emolab.project.agreement import validity

    rows = {r["recording"]: r for r in read_csv(exported / SUMMARY_CSV)}
    with Project.open(rated) as project:
        first, second = project.recordings()[:2]
        assert len(rows) == len(project.recordings())
        share, raters = validity(project)[first.id]
    one = rows[first.key]
    assert one["intended_emotion"] == first.emotion
    assert (one["raters"], one["emotion_raters"]) == ("3", str(raters))
    assert float(one["validity"]) == pytest.approx(share, abs=1e-4)
    assert float(one["validity"]) == pytest.approx(2 / 3, abs=1e-4)
    assert (one["consensus"], float(one["consensus_agreement"])) == (
        first.emotion,
        pytest.approx(2 / 3, abs=1e-4),
    )
    assert float(one["mean_intensity"]) == 3.0 and one["intensity_raters"] == "2"
    assert float(one["mean_genuineness"]) == 2.0 and one["genuineness_raters"] == "1"
    assert one["model_version"] == "bundled default" and one["model_emotion"]
    # an accepted suggestion is no human judgement: no consensus, counted as a rater
    two = rows[second.key]
    assert two["raters"] == "2" and two["consensus"] == ""
    unrated = next(r for r in rows.values() if r["raters"] == "0")
    assert unrated["validity"] == unrated["mean_intensity"] == unrated["consensus"] == ""


def test_no_csv_cell_starts_like_a_formula(exported):
    for name in (LONG_CSV, SUMMARY_CSV, RATINGS_CSV):
        with (exported / name).open(encoding="utf-8", newline="") as fh:
            cells = [cell for row in csv.reader(fh) for cell in row]
        assert not [c for c in cells if c[:1] in FORMULA_STARTS and c], name
    text = (exported / LONG_CSV).read_text(encoding="utf-8")
    assert f"'{FORMULA_RATER}" in text and '"\'=HYPERLINK(""http' in text
    # JSON is data, not a spreadsheet: its text is as the rater wrote it
    rows = json.loads((exported / JSON_FILE).read_text(encoding="utf-8"))["rows"]
    assert [r["value"] for r in rows if r["rater"] == "ann" and r["field"] == "notes"] == [
        FORMULA_NOTE
    ]


def test_the_wide_csv_imports_back_to_the_same_ratings(rated, exported):
    fields = ("emotion", "intensity", "genuineness", "notes", "emotion_source", "updated_at")

    def ratings(project: Project) -> dict:
        return {
            (key, rater): tuple(getattr(get_rating(project, rid, aid), f) for f in fields)
            for rid, aid, key, rater in project.execute(
                "SELECT t.recording_id, t.rater_id, r.key, a.name FROM ratings t "
                "JOIN recordings r ON r.id = t.recording_id JOIN raters a ON a.id = t.rater_id"
            )
        }

    with throwaway_copy(rated, "reimport") as path, Project.open(path) as project:
        before = ratings(project)
        with project.transaction():
            project.execute("DELETE FROM ratings")
        import_ratings(project, exported / RATINGS_CSV)
        assert ratings(project) == before
    assert len(before) == 5


def test_eaf_holds_a_tier_per_rater_and_field_and_the_model_track(rated, exported):
    from pympi import Elan

    from emolab.project.models import active_model_id, suggestions

    with Project.open(rated) as project:
        first = project.recordings()[0]
        audio = project.media_of(first.id, "audio")
        audio_path = project.media_path(audio)
        [suggestion] = suggestions(project, first.id, active_model_id(project))
    path = exported / "eaf" / f"{first.key}.eaf"
    eaf = Elan.Eaf(str(path))
    model_tier = MODEL_TIER.format(model="bundled default")
    assert list(eaf.get_tier_names()) == [
        "ann/emotion", "ann/intensity", "ann/genuineness", "ann/notes", "bob/emotion",
        "bob/intensity", "bob/notes", "carla/emotion", model_tier]  # fmt: skip
    end = round(audio.duration * 1000)
    whole = {name: eaf.get_annotation_data_for_tier(name) for name in eaf.get_tier_names()}
    assert whole["ann/emotion"] == [(0, end, first.emotion)]
    assert whole["ann/intensity"] == [(0, end, "4")]
    assert whole["ann/notes"] == [(0, end, FORMULA_NOTE)]
    assert whole["bob/notes"] == [(0, end, annotation_text(ODD_NOTE))]
    assert annotation_text(ODD_NOTE) == 'line one\nline "two" <b> & \ufffd end'
    check_track(
        [(s / 1000, e / 1000, v) for s, e, v in sorted(whole[model_tier])],
        suggestion.track,
        audio.duration,
        tolerance=1e-3,
    )
    [media] = eaf.media_descriptors
    assert media["MEDIA_URL"] == audio_path.as_uri()
    assert (path.parent / media["RELATIVE_MEDIA_URL"]).resolve() == audio_path.resolve()
    properties = dict(eaf.properties)
    assert properties["audio_sha256"] == audio.sha256
    assert properties["recording"] == first.key
    assert properties["emolab_app_version"] == __version__
    assert properties["model_version"] == "bundled default"


def test_textgrid_holds_the_same_tiers_at_the_audio_times(rated, exported):
    from praatio import textgrid

    from emolab.project.models import active_model_id, suggestions

    with Project.open(rated) as project:
        first, second = project.recordings()[:2]
        audio = project.media_of(first.id, "audio")
        [suggestion] = suggestions(project, first.id, active_model_id(project))
    grid = textgrid.openTextgrid(
        str(exported / "textgrid" / f"{first.key}.TextGrid"), includeEmptyIntervals=False
    )
    model_tier = MODEL_TIER.format(model="bundled default")
    assert grid.tierNames[-1] == model_tier and len(grid.tierNames) == 9
    assert (grid.minTimestamp, grid.maxTimestamp) == (0, pytest.approx(audio.duration))
    labels = {name: [tuple(i) for i in grid.getTier(name).entries] for name in grid.tierNames}
    assert labels["bob/emotion"] == [(0, pytest.approx(audio.duration), "sad")]
    assert labels["ann/genuineness"] == [(0, pytest.approx(audio.duration), "2")]
    assert labels["ann/notes"][0][2] == FORMULA_NOTE
    assert labels["bob/notes"][0][2] == annotation_text(ODD_NOTE)
    check_track(labels[model_tier], suggestion.track, audio.duration, tolerance=1e-9)
    grid = textgrid.openTextgrid(
        str(exported / "textgrid" / f"{second.key}.TextGrid"), includeEmptyIntervals=False
    )
    assert grid.tierNames[:2] == (f"{FORMULA_RATER}/emotion", "ann/genuineness")


def check_track(intervals: list[tuple], track: dict, duration: float, tolerance: float) -> None:
    """Intervals tile [first centre - hop/2, last centre + hop/2] (clipped to the audio) and
    the one covering each window's centre carries that window's top label."""
    hop, window = track["hop_s"], track["window_s"]
    top = [track["labels"][k] for k in np.argmax(track["proba"], axis=1)]
    assert intervals, "the model's tier is empty"
    assert intervals[0][0] == pytest.approx(max(0, window / 2 - hop / 2), abs=tolerance)
    last_end = min(duration, (len(top) - 1) * hop + window / 2 + hop / 2)
    assert intervals[-1][1] == pytest.approx(last_end, abs=tolerance)
    for (_, end, label), (start, _, other) in itertools.pairwise(intervals):
        assert end == pytest.approx(start, abs=tolerance) and label != other
    for k, label in enumerate(top):
        centre = k * hop + window / 2
        if centre < duration:
            [covering] = [v for s, e, v in intervals if s - tolerance <= centre < e - tolerance]
            assert covering == label


def test_track_intervals_merge_runs_and_clip_to_the_audio():
    track = {"hop_s": 0.5, "window_s": 1.0, "labels": ["calm", "sad"],
             "proba": [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.6, 0.4]]}  # fmt: skip
    assert [(a.start, a.end, a.value) for a in track_intervals(track, 2.6)] == [
        (0.25, 1.25, "calm"),
        (1.25, 1.75, "sad"),
        (1.75, 2.6, "calm"),  # the last window's centre + hop/2 (2.75 s) is past the audio
    ]
    assert track_intervals({**track, "proba": []}, 2.6) == ()


def test_file_names_are_keys_made_safe_and_unique():
    taken: set[str] = set()
    assert file_stem("05-02-01", taken, 1) == "05-02-01"
    assert file_stem("a/b:c", taken, 2) == "a_b_c"
    assert file_stem("a?b:c", taken, 3) == "a_b_c-3"
    assert file_stem("..", taken, 4) == "recording-4"


def test_only_the_chosen_formats_are_written_and_the_project_is_untouched(rated, tmp_path):
    with Project.open(rated) as project:
        tables = ("ratings", "edit_log", "models", "suggestions", "meta")
        before = [project.execute(f"SELECT * FROM {t}").fetchall() for t in tables]
        report = run_to_end(export_project(project, tmp_path / "new" / "out", ["json"]))
        assert [project.execute(f"SELECT * FROM {t}").fetchall() for t in tables] == before
    assert [p.name for p in report.files] == [JSON_FILE]
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == [JSON_FILE]
    assert report.summary_lines()[1] == f"  {JSON_FILE}: 10 values, 240 recordings"
    assert report.annotated == 0 and report.rows == 10


def test_a_bad_folder_or_format_is_a_clear_error(rated, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    with Project.open(rated) as project:
        with pytest.raises(ExportError, match="is not a folder"):
            run_to_end(export_project(project, blocker))
        with pytest.raises(ExportError, match="cannot be created"):
            run_to_end(export_project(project, blocker / "below"))
        with pytest.raises(ExportError, match="unknown export format 'pdf'; choose from csv"):
            run_to_end(export_project(project, tmp_path, ["csv", "pdf"]))
    assert FORMATS == ("csv", "json", "eaf", "textgrid")


# ---- property: random text survives CSV and JSON -----------------------------------------

PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
printable = st.characters(exclude_categories=("C", "Z"), include_characters=" ")
formula_like = st.tuples(st.sampled_from([*FORMULA_STARTS, "'"]), st.text(max_size=20)).map("".join)
#: rater names are printable, without spaces around them; some start like a formula
rater_names = (
    st.tuples(st.sampled_from(["", "=", "+", "-", "@", "'"]), st.text(printable, max_size=30))
    .map("".join)
    .filter(lambda name: name and name.strip() == name)
)
notes_text = st.one_of(st.text(min_size=1, max_size=200), formula_like)


@pytest.fixture(scope="module")
def scratch(small_demo):
    with throwaway_copy(small_demo, "export-scratch") as path, Project.open(path) as project:
        yield project


@PROPERTY
@given(rater=rater_names, notes=notes_text)
def test_random_notes_and_rater_names_survive_csv_and_json(scratch, tmp_path_factory, rater,
                                                           notes):  # fmt: skip
    project = scratch
    with project.transaction():
        project.execute("DELETE FROM ratings")
    recording = project.recordings()[0]
    set_field(project, recording.id, project.ensure_rater(rater), "notes", notes, at=T[0])
    folder = tmp_path_factory.mktemp("random")
    run_to_end(export_project(project, folder, ["csv", "json"]))
    [row] = read_csv(folder / LONG_CSV)
    assert (unquote(row["rater"]), unquote(row["value"])) == (rater, notes)
    [wide] = read_csv(folder / RATINGS_CSV)
    assert (unquote(wide["rater"]), unquote(wide["notes"])) == (rater, notes)
    [entry] = json.loads((folder / JSON_FILE).read_text(encoding="utf-8"))["rows"]
    assert (entry["rater"], entry["value"]) == (rater, notes)
