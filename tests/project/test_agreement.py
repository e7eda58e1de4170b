from __future__ import annotations

import numpy as np
import pytest

from emolab.core.errors import EmolabError
from emolab.project import agreement_stats as stats
from emolab.project.agreement import (
    NothingToCompare,
    TooFewRaters,
    agreement,
    agreement_report,
    validity,
)
from emolab.project.browse import browser_rows
from emolab.project.ratings import set_field
from emolab.project.store import Project


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.emolab") as p:
        pid = p.ensure_participant("01", None)
        ids = []
        for i, emotion in enumerate(["happy", "sad", "angry", "calm"]):
            rid, _ = p.ensure_recording(f"k{i}", "test", pid, {"emotion": emotion}, {})
            ids.append(rid)
        yield p, ids


def rate(project, rater, rid, emotion, intensity=None, genuineness=None):
    set_field(project, rid, rater, "emotion", emotion)
    if intensity is not None:
        set_field(project, rid, rater, "intensity", intensity)
    if genuineness is not None:
        set_field(project, rid, rater, "genuineness", genuineness)


def test_validity_is_the_share_of_raters_choosing_the_intended_emotion(project):
    p, ids = project
    raters = [p.ensure_rater(n) for n in ("a", "b", "c")]
    rate(p, raters[0], ids[0], "happy")
    rate(p, raters[1], ids[0], "happy")
    rate(p, raters[2], ids[0], "surprised")
    rate(p, raters[0], ids[1], "calm")
    v = validity(p)
    assert v[ids[0]] == (pytest.approx(2 / 3), 3)
    assert v[ids[1]] == (0.0, 1)
    assert ids[2] not in v


def test_agreement_and_the_browser_share_one_validity(project):
    p, ids = project
    pid = p.ensure_participant("02", None)
    unknown, _ = p.ensure_recording("k9", "test", pid, {"emotion": None}, {})
    a, b, c = (p.ensure_rater(n) for n in "abc")
    for rater, emotion in ((a, "happy"), (b, "sad"), (c, "happy")):
        rate(p, rater, ids[0], emotion)
    rate(p, a, ids[1], "calm")
    rate(p, a, unknown, "happy")
    rate(p, b, unknown, "sad")
    set_field(p, ids[2], a, "intensity", 3)  # rated, but no emotion chosen
    # a recording without an intended emotion has no validity (it used to raise TypeError)
    assert validity(p) == {ids[0]: (pytest.approx(2 / 3), 3), ids[1]: (0.0, 1)}
    assert agreement(p).mean_validity == pytest.approx(1 / 3)
    rows = {r.recording_id: r for r in browser_rows(p, a, None)}
    expected = {ids[0]: (2 / 3, 3), ids[1]: (0.0, 1), unknown: (None, 2), ids[2]: (None, 0),
                ids[3]: (None, 0)}  # fmt: skip
    assert {rid: (r.validity, r.raters) for rid, r in rows.items()} == expected
    for rid, row in rows.items():
        assert browser_rows(p, a, None, rid) == [row]


def test_perfect_agreement_gives_alpha_one(project):
    p, ids = project
    a, b = p.ensure_rater("a"), p.ensure_rater("b")
    for rid, emotion, level in zip(ids, ["happy", "sad", "angry", "calm"], [1, 3, 5, 2],
                                   strict=True):  # fmt: skip
        rate(p, a, rid, emotion, level, 6 - level)
        rate(p, b, rid, emotion, level, 6 - level)
    result = agreement(p)
    assert result.raters == 2 and result.recordings == 4
    assert result.emotion_alpha == pytest.approx(1.0)
    assert result.intensity_alpha == pytest.approx(1.0)
    assert result.genuineness_alpha == pytest.approx(1.0)
    assert result.mean_validity == pytest.approx(1.0)


def test_disagreement_lowers_alpha(project):
    p, ids = project
    a, b = p.ensure_rater("a"), p.ensure_rater("b")
    for rid, first, second in zip(ids, ["happy", "sad", "angry", "calm"],
                                  ["sad", "angry", "calm", "happy"], strict=True):  # fmt: skip
        rate(p, a, rid, first, 1)
        rate(p, b, rid, second, 5)
    result = agreement(p)
    assert result.emotion_alpha < 0
    assert result.intensity_alpha < 0


def test_no_ratings_gives_no_alpha(project):
    p, _ = project
    result = agreement(p)
    assert result.raters == 0 and result.emotion_alpha is None and result.mean_validity is None


def test_info_reports_validity_and_agreement(project, capsys):
    from emolab.cli import run

    p, ids = project
    a, b = p.ensure_rater("a"), p.ensure_rater("b")
    for rid in ids:
        rate(p, a, rid, "happy", 3, 3)
        rate(p, b, rid, "happy" if rid != ids[1] else "sad", 3, 4)
    assert run(["info", str(p.path)]) == 0
    out = capsys.readouterr().out
    assert "Mean validity" in out
    assert "Krippendorff's alpha" in out
    assert "4 recordings rated by 2+ of 2 raters" in out


# ---- the statistics against published examples ----------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, values 1–5, missing data. Published: nominal 0.743, ordinal 0.815, interval 0.849.
NAN = np.nan
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])  # fmt: skip
PUBLISHED_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849}


def alpha_by_pairs(matrix, level):
    """α from its definition, pair by pair (1 − D_o / D_e), independent of the coincidence
    matrix the module uses."""
    units = [col[~np.isnan(col)] for col in matrix.T]
    units = [u for u in units if len(u) >= 2]
    values = np.concatenate(units)
    totals = {v: int((values == v).sum()) for v in np.unique(values)}

    def distance(a, b):
        if level == "nominal":
            return float(a != b)
        if level == "interval":
            return (a - b) ** 2
        low, high = min(a, b), max(a, b)  # ordinal: the values ranked from a to b
        between = sum(n for v, n in totals.items() if low <= v <= high)
        return (between - (totals[a] + totals[b]) / 2) ** 2

    n = len(values)
    observed = (
        sum(
            distance(u[i], u[j]) / (len(u) - 1)
            for u in units
            for i in range(len(u))
            for j in range(len(u))
            if i != j
        )
        / n
    )
    expected = sum(distance(values[i], values[j])
                   for i in range(n) for j in range(n) if i != j) / (n * (n - 1))  # fmt: skip
    return 1 - observed / expected


def test_alpha_matches_krippendorff_2011_by_hand_by_package_and_vectorised():
    import krippendorff

    # nominal by hand from the paper's coincidence margins: n_c = 9, 13, 10, 5, 3 (n = 40)
    # and 32 matching pairs on the diagonal: 1 − (n − 1)(n − Σ o_cc) / (n² − Σ n_c²)
    by_hand = 1 - 39 * (40 - 32) / (40**2 - (9**2 + 13**2 + 10**2 + 5**2 + 3**2))
    assert by_hand == pytest.approx(PUBLISHED_ALPHA["nominal"], abs=5e-4)
    domain = np.arange(1.0, 6.0)
    counts = stats.value_counts(KRIPPENDORFF_2011, domain)
    counts = counts[counts.sum(axis=1) >= 2]
    assert counts.sum(axis=0).tolist() == [9, 13, 10, 5, 3]
    for level, published in PUBLISHED_ALPHA.items():
        package = krippendorff.alpha(reliability_data=KRIPPENDORFF_2011, level_of_measurement=level)
        assert alpha_by_pairs(KRIPPENDORFF_2011, level) == pytest.approx(published, abs=5e-4)
        assert package == pytest.approx(alpha_by_pairs(KRIPPENDORFF_2011, level))
        assert stats.krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(package)
        vectorised = stats.alpha_resampled(counts, np.ones((1, len(counts))), level, domain)
        assert vectorised[0] == pytest.approx(package)


@pytest.mark.parametrize("seed", range(5))
def test_resampled_alpha_is_the_package_alpha_of_the_resampled_recordings(seed):
    import krippendorff

    rng = np.random.default_rng(seed)
    matrix = rng.integers(1, 6, size=(4, 30)).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    matrix = matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]
    domain = np.unique(matrix[~np.isnan(matrix)])
    counts = stats.value_counts(matrix, domain)
    draws = stats.bootstrap_draws(matrix.shape[1], 3, rng)
    weights = stats.draw_counts(draws, matrix.shape[1])
    for level in ("nominal", "ordinal", "interval"):
        resampled = stats.alpha_resampled(counts, weights, level, domain)
        for row, expected in zip(draws, resampled, strict=True):
            package = krippendorff.alpha(reliability_data=matrix[:, row],
                                         level_of_measurement=level)  # fmt: skip
            assert expected == pytest.approx(package)


# Wikipedia's worked example of Fleiss' kappa (10 subjects, 14 raters, 5 categories):
# P̄ = 0.378, P̄e = 0.213, κ = 0.210.
WIKIPEDIA_FLEISS = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
], dtype=float)  # fmt: skip
# Fleiss (1971) Table 1: 30 patients, 6 psychiatrists, 5 diagnoses (as R's irr::diagnoses);
# Fleiss reports κ = 0.430, irr's kappam.fleiss 0.4302445.
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
], dtype=float)  # fmt: skip


def test_fleiss_kappa_matches_the_textbook_examples():
    assert stats.fleiss_kappa(WIKIPEDIA_FLEISS) == pytest.approx(0.210, abs=5e-4)
    counts = stats.value_counts(FLEISS_1971.T, np.arange(1.0, 6.0))
    assert stats.fleiss_kappa(counts) == pytest.approx(0.4302445, abs=1e-7)


def test_fleiss_kappa_with_varying_raters_uses_recordings_with_two_or_more():
    # a a b | a a | a b | b (one rater: left out). Worked by hand: P̄ = (1/3 + 1 + 0) / 3 =
    # 4/9; π = (13/18, 5/18), P̄e = 194/324; κ = (4/9 − 194/324) / (1 − 194/324) = −5/13
    counts = np.array([[2, 1], [2, 0], [1, 1], [0, 1]], dtype=float)
    assert stats.fleiss_kappa(counts) == pytest.approx(-5 / 13)
    assert stats.fleiss_kappa(np.array([[1, 0], [0, 1]], dtype=float)) is None


# Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2: 6 targets rated by 4
# judges; Table 4 gives ICC(2,4) = .62 (mean squares BMS 11.24, JMS 32.49, EMS 1.02).
SHROUT_FLEISS_1979 = np.array([
    [9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7],
], dtype=float)  # fmt: skip


def test_icc_2k_matches_shrout_and_fleiss_1979():
    icc = float(stats.icc_2k(SHROUT_FLEISS_1979))
    assert round(icc, 2) == 0.62
    from_table = (11.24 - 1.02) / (11.24 + (32.49 - 1.02) / 6)  # their rounded mean squares
    assert icc == pytest.approx(from_table, abs=1e-3)
    # vectorised over resamples: each block as if computed alone
    blocks = np.stack([SHROUT_FLEISS_1979, SHROUT_FLEISS_1979[::-1], SHROUT_FLEISS_1979 + 1])
    assert stats.icc_2k(blocks) == pytest.approx([icc] * 3)
    assert np.isnan(stats.icc_2k(np.full((3, 2), 4.0)))


def test_complete_block_prefers_most_ratings_then_more_raters():
    rated = np.zeros((4, 200), dtype=bool)  # raters a, b, c, d
    rated[[0, 1, 2], :100] = True  # a b c rated the first half
    rated[[0, 1, 3], 100:] = True  # a b d the second: a and b rated everything
    raters, recordings = stats.complete_block(rated)
    assert raters.tolist() == [0, 1] and len(recordings) == 200
    rated[3, :] = False  # a b c on 100 recordings (300 ratings) or a b on 200 (400)
    raters, recordings = stats.complete_block(rated)
    assert raters.tolist() == [0, 1] and len(recordings) == 200
    rated[2, 100:] = True  # a b c rated everything
    raters, recordings = stats.complete_block(rated)
    assert raters.tolist() == [0, 1, 2] and len(recordings) == 200
    assert [len(x) for x in stats.complete_block(np.eye(3, dtype=bool))] == [0, 0]


def test_interval_needs_most_resamples_defined():
    assert stats.percentile_interval(np.array([0.1, np.nan, np.nan])) == (None, None)
    low, high = stats.percentile_interval(np.linspace(0, 1, 1001))
    assert low == pytest.approx(0.025) and high == pytest.approx(0.975)


# ---- the report of a project ----------------------------------------------------------------


def test_leave_one_out_consensus_and_accepted_suggestions(project):
    p, ids = project  # intended: happy, sad, angry, calm
    a, b, c, e = (p.ensure_rater(n) for n in "abce")
    choices = {
        ids[0]: {a: "happy", b: "happy", c: "happy"},  # everyone agrees with the others
        ids[1]: {a: "sad", b: "sad", c: "angry"},  # a, b: the others tie; c: others say sad
        ids[2]: {a: "calm", b: "calm", c: "fearful", e: "calm"},
        ids[3]: {a: "happy", b: "sad"},  # each other's only other rater
    }
    for rid, chosen in choices.items():
        for rater, emotion in chosen.items():
            rate(p, rater, rid, emotion)
    rate(p, a, ids[0], "happy", 3, 4)
    before, summary = agreement_report(p, resamples=200), agreement(p)
    # c accepts the model's suggestion for ids[3]: the intended emotion, but no human choice
    set_field(p, ids[3], c, "emotion", "calm", source="model")
    report = agreement_report(p, resamples=200)
    by_name = {r.rater: r for r in report.raters}
    assert {n: (r.compared, r.agrees) for n, r in by_name.items()} == {
        "a": (3, 2), "b": (3, 2), "c": (3, 1), "e": (1, 1)}  # fmt: skip
    assert by_name["a"].consensus_agreement == pytest.approx(2 / 3)
    assert (by_name["a"].rated, by_name["a"].complete, by_name["a"].total) == (4, 1, 4)
    assert (by_name["c"].rated, by_name["c"].accepted_suggestions) == (3, 1)
    assert report.fields == before.fields
    assert report.validity == before.validity
    assert validity(p)[ids[3]] == (0.0, 2)
    assert agreement(p) == summary and summary.raters == 4


def simulate(project, raters, recordings, seed=0):
    """Ratings of simulated raters: the intended emotion 70 % of the time, else any; scales
    within one step of a per-recording truth."""
    rng = np.random.default_rng(seed)
    emotions = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
    for recording in recordings:
        truth = rng.integers(1, 6, size=2)
        for rater in raters:
            emotion = recording.emotion if rng.random() < 0.7 else emotions[rng.integers(8)]
            rate(project, rater, recording.id, emotion,
                 *(int(np.clip(t + rng.integers(-1, 2), 1, 5)) for t in truth))  # fmt: skip


def test_intervals_hold_the_estimate_and_narrow_with_more_recordings(demo_copy):
    with Project.open(demo_copy) as p:
        recordings = p.recordings()
        raters = [p.ensure_rater(n) for n in ("ann", "bob", "cy")]
        simulate(p, raters, recordings[:60])
        few = agreement_report(p, resamples=1000, seed=1)
        simulate(p, raters, recordings[60:], seed=2)
        many = agreement_report(p, resamples=1000, seed=1)
        again = agreement_report(p, resamples=1000, seed=1)
    assert many == again  # seeded
    assert [f.recordings for f in few.fields] == [60] * 3
    assert [f.recordings for f in many.fields] == [240] * 3
    for small, large in zip(few.fields, many.fields, strict=True):
        assert [e.statistic for e in large.estimates] == (
            ["alpha_nominal", "fleiss_kappa"] if large.field == "emotion"
            else ["alpha_ordinal", "alpha_interval", "icc_2k"])  # fmt: skip
        for s, m in zip(small.estimates, large.estimates, strict=True):
            for e in (s, m):
                assert e.low <= e.value <= e.high, e
            assert m.high - m.low < s.high - s.low, (s, m)
    icc = many.fields[1].estimates[-1]
    assert (icc.recordings, icc.raters) == (240, 3)
    assert many.problem is None
    assert sum(many.validity.counts) == many.validity.recordings == 240
    assert many.validity.mean == pytest.approx(np.mean([v for v, _ in validity_of(demo_copy)]))


def validity_of(path):
    with Project.open(path) as p:
        return list(validity(p).values())


def test_validity_distribution_bins_by_tenths(project):
    p, ids = project
    raters = [p.ensure_rater(f"r{i}") for i in range(10)]
    # validity 1.0, 0.3 (3 of 10: the edge of a bin) and 0.0
    for i, rater in enumerate(raters):
        rate(p, rater, ids[0], "happy")
        rate(p, rater, ids[1], "sad" if i < 3 else "calm")
        rate(p, rater, ids[2], "calm")
    dist = agreement_report(p, resamples=100).validity
    assert dist.edges == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    assert dist.counts == (1, 0, 0, 1, 0, 0, 0, 0, 0, 1)
    assert (dist.recordings, dist.median) == (3, pytest.approx(0.3))
    assert dist.mean == pytest.approx(1.3 / 3)


def test_report_explains_what_is_missing_and_converts_to_json(project):
    import json

    p, ids = project
    report = agreement_report(p, resamples=100)
    assert report.active_raters == 0 and "two or more raters" in report.problem
    with pytest.raises(TooFewRaters):
        report.check()
    a, b = p.ensure_rater("a"), p.ensure_rater("b")
    rate(p, a, ids[0], "happy", 2, 2)
    rate(p, b, ids[1], "happy", 2, 2)
    report = agreement_report(p, resamples=100)
    assert report.problem == "no recording has been rated by two or more raters yet"
    with pytest.raises(NothingToCompare):
        report.check()
    assert all(e.value is None and e.low is None for f in report.fields for e in f.estimates)
    rate(p, b, ids[0], "sad", 2, 2)  # one shared recording: α is defined, ICC is not
    report = agreement_report(p, resamples=100)
    report.check()
    data = json.loads(json.dumps(report.to_dict()))
    assert data == report.to_dict()
    assert data["fields"][0]["estimates"][0]["statistic"] == "alpha_nominal"
    assert data["fields"][1]["estimates"][2]["value"] is None
    assert "no two raters share" in data["fields"][1]["estimates"][2]["note"]
    with pytest.raises(EmolabError, match="100 or more resamples"):
        agreement_report(p, resamples=10)


def test_chunked_resampling_changes_nothing(project, monkeypatch):
    p, ids = project
    raters = [p.ensure_rater(n) for n in "abc"]
    for i, rid in enumerate(ids):
        for j, rater in enumerate(raters):
            rate(p, rater, rid, ["happy", "sad"][(i + j) % 2 if j < 2 else 0], 1 + (i + j) % 5,
                 1 + i)  # fmt: skip
    whole = agreement_report(p, resamples=300, seed=3)
    assert all(e.low is not None for f in whole.fields for e in f.estimates[:2])
    monkeypatch.setattr(stats, "MAX_DRAWS", 7)  # 1 resample of 4 recordings at a time
    assert agreement_report(p, resamples=300, seed=3) == whole
