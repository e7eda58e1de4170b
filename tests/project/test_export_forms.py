"""Exports of every field of a rating form and of segments, read back with the libraries
that read them elsewhere: rows of the extra fields and of each segment and field in CSV
and JSON, validity from a yes/no judgement, and segment tiers in ELAN and Praat files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emolab.core.progress import run_to_end
from emolab.project.export import (
    EXPORT_FORMAT,
    JSON_FILE,
    LONG_CSV,
    SUMMARY_CSV,
    export_project,
)
from emolab.project.export_tiers import MODEL_TIER, segment_tier
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.rating_rows import FORMULA_STARTS, unquote
from emolab.project.ratings import set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy
from tests.project.test_export import rated, read_csv  # noqa: F401  (a fixture)

T = [f"2024-04-0{d}T10:00:00.000+00:00" for d in range(1, 10)]
FORMULA = "=SUM(A1:A9)"


@pytest.fixture(scope="module")
def segmented(rated, tmp_path_factory):  # noqa: F811
    """The export fixture with the validity form, yes/no answers and segments, exported."""
    with throwaway_copy(rated, "segmented") as path:
        with Project.open(path) as project:
            set_project_form(project, RatingForm.load("validity"))
            first = project.recordings()[0]
            duration = project.media_of(first.id, "audio").duration
            ann, bob = project.ensure_rater("ann"), project.ensure_rater("bob")
            carla = project.ensure_rater("carla")
            for rater, answer, at in ((ann, "yes", T[0]), (bob, "no", T[1]),
                                      (carla, "yes", T[2])):  # fmt: skip
                set_field(project, first.id, rater, "valid", answer, at=at)
            set_field(project, first.id, carla, "valid", "unsure", at=T[3])  # left out
            segments = {
                "s1": (ann, {"start": 0.2, "end": 0.8,
                             "fields": {"emotion": "sad", "intensity": 4}}),
                "s2": (ann, {"start": 0.5, "end": 1.0,
                             "fields": {"emotion": "calm", "notes": FORMULA}}),
                "s3": (ann, {"start": 1.0, "end": duration + 5, "fields": {"emotion": "happy"}}),
                "s4": (bob, {"start": 0.1, "end": 0.3, "fields": {}}),
            }  # fmt: skip
            for i, (uid, (rater, state)) in enumerate(segments.items()):
                set_field(project, first.id, rater, f"segment:{uid}", state, at=T[4 + i])
        folder = tmp_path_factory.mktemp("segmented")
        with Project.open(path) as project:
            report = run_to_end(export_project(project, folder))
        yield folder, first, duration, report


def test_rows_hold_the_extra_fields_and_a_row_per_segment_and_field(segmented):
    folder, first, duration, report = segmented
    rows = [{k: unquote(v) for k, v in row.items()} for row in read_csv(folder / LONG_CSV)]
    document = json.loads((folder / JSON_FILE).read_text(encoding="utf-8"))
    assert document["export_format"] == EXPORT_FORMAT == 2
    assert len(document["rows"]) == len(rows) == report.rows
    valid = {r["rater"]: (r["value"], r["time"]) for r in document["rows"]
             if r["field"] == "valid"}  # fmt: skip
    assert valid == {"ann": ("yes", T[0]), "bob": ("no", T[1]), "carla": ("unsure", T[3])}
    # a rater's whole-recording fields come first, in form order, then the segments
    ann = [(r["segment"], r["field"]) for r in document["rows"]
           if r["rater"] == "ann" and r["recording"] == first.key]  # fmt: skip
    assert ann == [(None, "emotion"), (None, "intensity"), (None, "genuineness"),
                   (None, "notes"), (None, "valid"), ("s1", "emotion"), ("s1", "intensity"),
                   ("s2", "emotion"), ("s2", "notes"), ("s3", "emotion")]  # fmt: skip
    segment_rows = {(r["segment"], r["field"]): r for r in document["rows"] if r["segment"]}
    s1 = segment_rows[("s1", "intensity")]
    assert (s1["start"], s1["end"], s1["value"], s1["time"]) == (0.2, 0.8, 4, T[4])
    assert (s1["source"], s1["rater"], s1["recording"]) == ("human", "ann", first.key)
    assert segment_rows[("s3", "emotion")]["end"] == round(duration + 5, 4)  # as stored
    assert segment_rows[("s2", "notes")]["value"] == FORMULA  # JSON: as written
    assert (segment_rows[("s4", None)]["value"], segment_rows[("s4", None)]["start"]) == (
        None, 0.1)  # a segment without values keeps its row  # fmt: skip
    csv_s1 = next(r for r in rows if (r["segment"], r["field"]) == ("s1", "intensity"))
    assert (float(csv_s1["start"]), float(csv_s1["end"]), csv_s1["value"]) == (0.2, 0.8, "4")
    whole = next(r for r in rows if r["field"] == "emotion" and r["rater"] == "ann")
    assert whole["segment"] == whole["start"] == whole["end"] == ""


def test_formula_like_segment_text_is_neutralised_in_csv(segmented):
    folder = segmented[0]
    text = (folder / LONG_CSV).read_text(encoding="utf-8")
    assert f"'{FORMULA}" in text
    for row in read_csv(folder / LONG_CSV):
        assert not [c for c in row.values() if c[:1] in FORMULA_STARTS and c]


def test_the_summary_uses_the_forms_yes_no_validity(segmented):
    folder, first = segmented[:2]
    row = next(r for r in read_csv(folder / SUMMARY_CSV) if r["recording"] == first.key)
    # ann yes, bob no, carla unsure (left out); three raters chose an emotion
    assert (float(row["validity"]), row["validity_raters"]) == (0.5, "2")
    assert row["emotion_raters"] == "3"


def test_eaf_has_segment_tiers_at_the_segments_times(segmented):
    from pympi import Elan

    folder, first, duration, _ = segmented
    eaf = Elan.Eaf(str(folder / "eaf" / f"{first.key}.eaf"))
    names = list(eaf.get_tier_names())
    model = MODEL_TIER.format(model="bundled default")
    assert names[-1] == model
    assert "ann/valid" in names and "ann/emotion" in names
    tiers = {n: sorted(eaf.get_annotation_data_for_tier(n)) for n in names}
    assert tiers[segment_tier("ann", "emotion")] == [
        (200, 800, "sad"), (1000, round(duration * 1000), "happy")]  # clipped  # fmt: skip
    assert tiers[segment_tier("ann", "emotion", 2)] == [(500, 1000, "calm")]  # overlaps s1
    assert tiers[segment_tier("ann", "intensity")] == [(200, 800, "4")]
    assert tiers[segment_tier("ann", "notes")] == [(500, 1000, FORMULA)]
    assert not [n for n in names if n.startswith("bob/") and "segments" in n]  # s4: no values
    assert names.index(segment_tier("ann", "emotion")) > names.index("carla/valid")


def test_textgrid_has_the_same_segment_tiers(segmented):
    from praatio import textgrid

    folder, first, duration, _ = segmented
    grid = textgrid.openTextgrid(str(folder / "textgrid" / f"{first.key}.TextGrid"),
                                 includeEmptyIntervals=False)  # fmt: skip
    assert grid.tierNames[-1] == MODEL_TIER.format(model="bundled default")
    labels = {n: [tuple(e) for e in grid.getTier(n).entries] for n in grid.tierNames}
    assert labels[segment_tier("ann", "emotion")] == [
        (pytest.approx(0.2), pytest.approx(0.8), "sad"),
        (pytest.approx(1.0), pytest.approx(duration), "happy")]  # fmt: skip
    assert labels[segment_tier("ann", "emotion", 2)] == [
        (pytest.approx(0.5), pytest.approx(1.0), "calm")]  # fmt: skip
    assert labels["bob/valid"] == [(0, pytest.approx(duration), "no")]
    assert (grid.minTimestamp, grid.maxTimestamp) == (0, pytest.approx(duration))


def test_other_recordings_files_are_unchanged_in_shape(segmented):
    folder, first = segmented[:2]
    others = [p for p in Path(folder / "eaf").iterdir() if p.stem != first.key]
    assert others and all("segments" not in p.read_text(encoding="utf-8") for p in others)
