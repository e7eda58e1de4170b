"""``emolab agreement``: the tables, the JSON report and the messages when there is nothing
to compare."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emolab.cli import build_parser, run
from emolab.project.agreement import DEFAULT_RESAMPLES
from emolab.project.ratings import set_field
from emolab.project.store import Project

EMOTIONS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


def rate_demo(path, names=("ann", "bob", "cy"), seed=0):
    """Every recording rated by each named rater: the intended emotion 70 % of the time,
    scales within one step of a per-recording truth; ann also accepts one suggestion."""
    rng = np.random.default_rng(seed)
    with Project.open(path) as project:
        raters = [project.ensure_rater(n) for n in names]
        for recording in project.recordings():
            truth = rng.integers(1, 6, size=2)
            for rater in raters:
                emotion = recording.emotion if rng.random() < 0.7 else EMOTIONS[rng.integers(8)]
                set_field(project, recording.id, rater, "emotion", emotion)
                for field, t in zip(("intensity", "genuineness"), truth, strict=True):
                    value = int(np.clip(t + rng.integers(-1, 2), 1, 5))
                    set_field(project, recording.id, rater, field, value)
        dora = project.ensure_rater("dora")
        set_field(project, project.recordings()[0].id, dora, "emotion", "calm", source="model")


def test_agreement_prints_a_table_per_field_the_raters_and_validity(demo_copy, capsys):
    rate_demo(demo_copy)
    assert run(["agreement", str(demo_copy), "--resamples", "500"]) == 0
    out = capsys.readouterr().out
    assert "Agreement of 3 raters (ann, bob, cy) on the project's 240 recordings" in out
    assert "500 resamples, seed 0" in out
    for heading in ("emotion (choice): 240 recordings rated by 2+ of 3 raters",
                    "intensity (scale 1–5)", "genuineness (scale 1–5)"):  # fmt: skip
        assert heading in out
    for label in ("Krippendorff's alpha (nominal)", "Fleiss' kappa",
                  "Krippendorff's alpha (ordinal)", "Krippendorff's alpha (interval)",
                  "ICC(2,k)", "k = 3 raters"):  # fmt: skip
        assert label in out
    lines = out.splitlines()
    kappa = next(line for line in lines if "Fleiss' kappa" in line).split()
    low, high = float(kappa[3]), float(kappa[5])  # "Fleiss' kappa  v  low – high  n"
    assert low <= float(kappa[2]) <= high and kappa[6] == "240"
    ann = next(line for line in lines if line.strip().startswith("ann")).split()
    assert ann[1:4] == ["240/240", "(100%)", "240"]
    dora = next(line for line in lines if line.strip().startswith("dora")).split()
    assert dora[1:5] == ["0/240", "(0%)", "0", "1"]  # the accepted suggestion is not rated
    assert "Validity (share of raters choosing the intended emotion): 240 recordings" in out
    assert "[0.9, 1.0]" in out and "[0.0, 0.1)" in out


def test_agreement_json_is_the_report(demo_copy, capsys):
    rate_demo(demo_copy)
    assert run(["agreement", str(demo_copy), "--json", "--resamples", "300", "--seed", "7"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"recordings", "raters", "fields", "validity", "resamples", "seed",
                           "confidence", "active_raters", "problem"}  # fmt: skip
    assert (report["resamples"], report["seed"], report["confidence"]) == (300, 7, 0.95)
    assert (report["recordings"], report["active_raters"], report["problem"]) == (240, 3, None)
    assert [f["field"] for f in report["fields"]] == ["emotion", "intensity", "genuineness"]
    estimate = report["fields"][2]["estimates"][2]
    assert set(estimate) == {"statistic", "label", "value", "low", "high", "recordings",
                             "raters", "note"}  # fmt: skip
    assert estimate["statistic"] == "icc_2k" and estimate["low"] <= estimate["value"]
    rater = report["raters"][0]
    assert set(rater) == {"rater_id", "rater", "rated", "complete", "accepted_suggestions",
                          "total", "compared", "agrees", "consensus_agreement",
                          "per_field"}  # fmt: skip
    assert [f["field"] for f in rater["per_field"]] == ["emotion", "intensity", "genuineness"]
    assert set(rater["per_field"][1]) == {"field", "kind", "compared", "agrees", "share",
                                          "mean_abs_difference"}  # fmt: skip
    emotion = rater["per_field"][0]
    assert (emotion["compared"], emotion["agrees"], emotion["share"]) == (
        rater["compared"],
        rater["agrees"],
        rater["consensus_agreement"],
    )
    assert set(report["validity"]) == {"edges", "counts", "recordings", "mean", "median",
                                       "basis"}  # fmt: skip
    assert report["validity"]["basis"] == "emotion"
    assert sum(report["validity"]["counts"]) == 240
    assert run(["agreement", str(demo_copy), "--json", "--resamples", "300", "--seed", "7"]) == 0
    assert json.loads(capsys.readouterr().out) == report  # seeded
    assert run(["agreement", str(demo_copy), "--json", "--resamples", "300", "--seed", "8"]) == 0
    other = json.loads(capsys.readouterr().out)["fields"][0]["estimates"][0]
    assert other["value"] == report["fields"][0]["estimates"][0]["value"]
    assert other["low"] != report["fields"][0]["estimates"][0]["low"]


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_too_few_raters_is_a_message_not_a_traceback(demo_copy, capsys, json_flag):
    assert run(["agreement", str(demo_copy), *json_flag]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "emolab: error: agreement needs two or more raters; 0 of 0 raters have rated "
        "recordings so far")  # fmt: skip
    rate_demo(demo_copy, names=("ann",))
    assert run(["agreement", str(demo_copy), *json_flag]) == 2
    assert "1 of 2 raters have rated" in capsys.readouterr().err


def test_nothing_to_compare_and_bad_options_are_messages(demo_copy, capsys):
    with Project.open(demo_copy) as project:
        first, second = project.recordings()[:2]
        ann, bob = project.ensure_rater("ann"), project.ensure_rater("bob")
        set_field(project, first.id, ann, "emotion", "happy")
        set_field(project, second.id, bob, "emotion", "happy")
    assert run(["agreement", str(demo_copy)]) == 2
    err = capsys.readouterr().err
    assert "no recording has been rated by two or more raters yet" in err
    assert "Traceback" not in err
    assert run(["agreement", str(demo_copy), "--resamples", "10"]) == 2
    assert "100 or more resamples" in capsys.readouterr().err
    assert run(["agreement", str(demo_copy.with_name("missing.emolab"))]) == 2


def test_help_names_the_default_resamples():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = sub.choices["agreement"].format_help()
    assert f"default {DEFAULT_RESAMPLES})" in " ".join(text.split())
