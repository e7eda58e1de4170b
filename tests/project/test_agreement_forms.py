"""Agreement and validity for any rating form (:mod:`emolab.project.agreement`): a row per
judged field, yes/no answers as nominal data, likert fields as scales, each rater against
the others per field, and validity from an explicit yes/no judgement."""

from __future__ import annotations

from collections import Counter

import krippendorff
import numpy as np
import pytest

from emolab.cli import run
from emolab.project.agreement import (
    agreement,
    agreement_report,
    validity,
    validity_sql,
)
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.ratings import set_field
from emolab.project.store import Project

RATERS = ("a", "b", "c", "d")
INTENDED = ("happy", "sad", "angry", "calm", "happy", "sad")
#: valid answers: a row per recording, a column per rater
VALID = [
    ["yes", "yes", "yes", "no"],
    ["yes", "yes", "yes", "yes"],
    ["no", "no", "yes", "no"],
    ["yes", "unsure", "yes", "yes"],
    ["no", "no", "no", "no"],
    ["yes", "no", "unsure", "yes"],
]
INTENSITY = [[3, 4, 3, 2], [5, 5, 4, 5], [1, 2, 1, 1], [3, 3, 4, 3], [2, 1, 2, 2], [4, 4, 5, 3]]
#: emotions chosen: the intended one, except where noted
EMOTION = [[None, None, "sad", None]] + [[None] * 4] * 5


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "validity.emolab") as p:
        set_project_form(p, RatingForm.load("validity"))
        pid = p.ensure_participant("01", None)
        ids = [p.ensure_recording(f"k{i}", "test", pid, {"emotion": e}, {})[0]
               for i, e in enumerate(INTENDED)]  # fmt: skip
        raters = [p.ensure_rater(n) for n in RATERS]
        for j, rid in enumerate(ids):
            for i, rater in enumerate(raters):
                set_field(p, rid, rater, "emotion", EMOTION[j][i] or INTENDED[j])
                set_field(p, rid, rater, "valid", VALID[j][i])
                set_field(p, rid, rater, "intensity", INTENSITY[j][i])
                if i != 3:  # d never gives genuineness: d's ratings are never complete
                    set_field(p, rid, rater, "genuineness", 3 + (i + j) % 2)
        yield p, ids, raters


def fleiss_by_hand(rows: list[list[str]]) -> float:
    """Fleiss (1971) for complete data, from the textbook formula."""
    categories = sorted({v for row in rows for v in row})
    n = len(rows[0])
    counts = np.array([[row.count(c) for c in categories] for row in rows], dtype=float)
    p_i = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    p_j = counts.sum(axis=0) / counts.sum()
    return float((p_i.mean() - (p_j**2).sum()) / (1 - (p_j**2).sum()))


def consensus_by_hand(rows: list[list[str]], rater: int) -> tuple[int, int]:
    compared = agrees = 0
    for row in rows:
        others = Counter(v for i, v in enumerate(row) if i != rater)
        (top, count), *rest = [*others.most_common(), (None, 0)]
        if count and rest[0][1] < count:
            compared += 1
            agrees += row[rater] == top
    return compared, agrees


def test_a_yes_no_field_has_alpha_nominal_and_kappa_like_the_packages(project):
    p, _, _ = project
    report = agreement_report(p, resamples=300, seed=1)
    assert [(f.field, f.type, f.kind) for f in report.fields] == [
        ("emotion", "choice", "choice"), ("valid", "yesno", "choice"),
        ("intensity", "likert", "scale"), ("genuineness", "likert", "scale")]  # fmt: skip
    valid = report.fields[1]
    assert (valid.recordings, valid.raters, valid.title) == (6, 4, "Valid portrayal")
    by = {e.statistic: e for e in valid.estimates}
    assert list(by) == ["alpha_nominal", "fleiss_kappa"]
    code = {"yes": 0.0, "no": 1.0, "unsure": 2.0}
    data = np.array([[code[v] for v in row] for row in VALID]).T  # raters × recordings
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert by["alpha_nominal"].value == pytest.approx(expected)
    assert by["fleiss_kappa"].value == pytest.approx(fleiss_by_hand(VALID))
    for e in by.values():
        assert e.low <= e.value <= e.high and e.recordings == 6
    intensity = report.fields[2]
    assert [e.statistic for e in intensity.estimates] == [
        "alpha_ordinal", "alpha_interval", "icc_2k"]  # fmt: skip
    assert (intensity.low, intensity.high) == (1, 5)
    interval = krippendorff.alpha(reliability_data=np.array(INTENSITY, dtype=float).T,
                                  level_of_measurement="interval")  # fmt: skip
    assert intensity.estimates[1].value == pytest.approx(interval)
    # the short summary names every field
    summary = agreement(p)
    assert [(k, level) for k, level, _ in summary.alphas] == [
        ("emotion", "nominal"), ("valid", "nominal"), ("intensity", "ordinal"),
        ("genuineness", "ordinal")]  # fmt: skip
    assert summary.alphas[1][2] == pytest.approx(expected)
    assert summary.validity_basis == "valid" and summary.recordings == 6


def test_validity_is_the_share_answering_yes_unsure_left_out(project):
    p, ids, raters = project
    shares = validity(p)
    assert shares == {
        ids[0]: (0.75, 4), ids[1]: (1.0, 4), ids[2]: (0.25, 4),
        ids[3]: (1.0, 3), ids[4]: (0.0, 4), ids[5]: (pytest.approx(2 / 3), 3)}  # fmt: skip
    # the emotion definition is still there, and is what validity_sql gives without a form
    by_emotion = validity(p, RatingForm.default())
    assert by_emotion[ids[0]] == (0.75, 4) and by_emotion[ids[1]] == (1.0, 4)
    assert dict((r[0], r[1]) for r in p.execute(validity_sql())) == {
        rid: share for rid, (share, _) in by_emotion.items()}  # fmt: skip
    # only unsure answers: no validity
    for rater in raters:
        set_field(p, ids[3], rater, "valid", "unsure")
    assert ids[3] not in validity(p)
    report = agreement_report(p, resamples=100)
    assert report.validity.basis == "valid" and report.validity.recordings == 5
    assert report.validity.mean == pytest.approx(np.mean([0.75, 1.0, 0.25, 0.0, 2 / 3]))
    assert agreement(p).mean_validity == pytest.approx(report.validity.mean)


def test_each_rater_against_the_others_per_field_and_progress_by_required_fields(project):
    p, ids, raters = project
    set_field(p, ids[0], raters[0], "emotion", "calm", source="model")  # not a's own
    report = agreement_report(p, resamples=100)
    by_name = {r.rater: r for r in report.raters}
    for i, name in enumerate(RATERS):
        r = by_name[name]
        assert [f.field for f in r.per_field] == ["emotion", "valid", "intensity", "genuineness"]
        valid = r.field("valid")
        assert (valid.compared, valid.agrees) == consensus_by_hand(VALID, i)
        assert valid.share == pytest.approx(valid.agrees / valid.compared)
        # a scale: mean absolute difference from the mean of the others' values
        own = np.array(INTENSITY, dtype=float)
        others = (own.sum(axis=1) - own[:, i]) / 3
        intensity = r.field("intensity")
        assert intensity.compared == 6 and intensity.agrees is None
        assert intensity.mean_abs_difference == pytest.approx(np.abs(own[:, i] - others).mean())
        # the emotion's figures are still the top-level ones
        emotion = r.field("emotion")
        assert (emotion.compared, emotion.agrees) == (r.compared, r.agrees)
    assert consensus_by_hand(VALID, 1) == (6, 4)
    assert by_name["a"].field("emotion").compared == 5  # the accepted suggestion left out
    # complete: every required field (emotion, valid, intensity, genuineness)
    assert {n: (r.rated, r.complete) for n, r in by_name.items()} == {
        "a": (6, 5), "b": (6, 6), "c": (6, 6), "d": (6, 0)}  # fmt: skip
    assert by_name["a"].accepted_suggestions == 1


def test_a_custom_likert_field_is_a_scale_and_fields_outside_the_form_are_not_read(tmp_path):
    form = RatingForm.from_dict({
        "name": "arousal", "emotions": ["calm", "happy"],
        "fields": [{"key": "emotion", "type": "choice", "options": "emotions", "required": True},
                   {"key": "arousal", "type": "likert", "min": 0, "max": 8, "shortcut": "Ctrl",
                    "required": True}]})  # fmt: skip
    arousal = [[0, 1, 0], [8, 7, 8], [4, 4, 5], [2, 2, 2]]
    with Project.create(tmp_path / "arousal.emolab") as p:
        set_project_form(p, form)
        pid = p.ensure_participant("01", None)
        raters = [p.ensure_rater(n) for n in "xyz"]
        for j, values in enumerate(arousal):
            rid, _ = p.ensure_recording(f"k{j}", "test", pid, {"emotion": "calm"}, {})
            for rater, value in zip(raters, values, strict=True):
                set_field(p, rid, rater, "arousal", value)
                set_field(p, rid, rater, "emotion", "calm")
        report = agreement_report(p, resamples=200)
    assert [(f.field, f.kind, f.low, f.high) for f in report.fields] == [
        ("emotion", "choice", None, None), ("arousal", "scale", 0, 8)]  # fmt: skip
    data = np.array(arousal, dtype=float).T
    ordinal, interval, icc = report.fields[1].estimates
    assert ordinal.value == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    )
    assert interval.value == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    )
    assert icc.statistic == "icc_2k" and icc.value is not None
    # everyone chose calm: emotion agreement is undefined, not an error
    assert all(e.value is None for e in report.fields[0].estimates)
    assert {r.rater: r.complete for r in report.raters} == {"x": 4, "y": 4, "z": 4}


def test_the_cli_prints_a_row_per_field_and_the_yes_no_validity(project, capsys):
    p, _, _ = project
    assert run(["agreement", str(p.path), "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert "valid (yes/no): 6 recordings rated by 2+ of 4 raters" in out
    assert "intensity (scale 1–5): 6 recordings" in out
    assert "Validity (share answering yes to 'valid'; unsure left out): 6 recordings" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Each rater against"))
    header = lines[start + 1].split()
    assert header == ["rater", "emotion", "valid", "intensity", "genuineness"]
    b = lines[start + 3].split()  # a, then b
    assert b[0] == "b" and b[4:7] == ["66.7%", "of", "6"]  # valid: 4 of 6
