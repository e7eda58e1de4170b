from __future__ import annotations

import pytest

from emolab.project.agreement import agreement, validity
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
