"""Study settings: blind rating, per-rater order, modality conditions (Qt-free)."""

from __future__ import annotations

import pytest

from emolab.core.errors import ProjectError
from emolab.project.browse import browser_rows
from emolab.project.study import Study, load_study, save_study, study_rows


def test_random_order_is_fixed_per_rater_and_differs_between_raters():
    ids = list(range(1, 41))
    study = Study(order="random", seed=7)
    ann = study.order_of(ids, "ann")
    assert ann == study.order_of(ids, "ann") and sorted(ann) == ids and ann != ids
    assert study.order_of(ids, "ben") != ann
    assert Study(order="random", seed=8).order_of(ids, "ann") != ann
    assert Study().order_of(ids, "ann") == ids


def test_balanced_conditions_come_from_the_raters_name_in_every_copy():
    study = Study(condition="balanced", seed=3)
    names = [f"rater{i}" for i in range(60)]
    given = [study.condition_for(name) for name in names]
    assert given == [Study(condition="balanced", seed=3).condition_for(n) for n in names]
    assert {given.count(c) for c in ("audio", "body", "both")} <= set(range(10, 31))
    assert Study(condition="audio").condition_for("anyone") == "audio"
    with pytest.raises(ValueError, match="unknown condition"):
        Study(condition="video")


def test_blind_rows_hide_what_names_and_models_say_until_rated(demo_copy):
    from emolab.project.ratings import set_field
    from emolab.project.store import Project

    with Project.open(demo_copy) as project:
        rater = project.ensure_rater("ann")
        rows = browser_rows(project, rater, None)
        done = rows[3].recording_id
        for field, value in (("emotion", "sad"), ("intensity", 2), ("genuineness", 3)):
            set_field(project, done, rater, field, value)
        rows = browser_rows(project, rater, None)
    study = Study(blind=True, order="random", seed=1)
    shown = study_rows(rows, study, "ann")
    assert sorted(r.recording_id for r in shown) == sorted(r.recording_id for r in rows)
    names = study.pseudonyms([r.recording_id for r in rows], "ann")
    for row in shown:
        if row.recording_id == done:  # rated completely: everything, after its pseudonym
            original = next(r for r in rows if r.recording_id == done)
            assert row.key == f"{names[done]} {original.key}" and row.emotion == original.emotion
        else:
            assert row.key == names[row.recording_id]
            assert (row.emotion, row.participant, row.suggestion, row.validity) == (
                "",
                "",
                "",
                None,
            )
    assert [r.key[:6] for r in shown] == sorted(r.key[:6] for r in shown)  # pseudonyms in order


def test_study_settings_round_trip_and_damage_is_named(demo_copy):
    from emolab.project.store import Project

    with Project.open(demo_copy) as project:
        assert load_study(project) == Study()
        save_study(project, Study(True, "random", "balanced", 3))
        assert load_study(project) == Study(True, "random", "balanced", 3)
        project.set_setting("study", {"blind": True, "order": "shuffled"})
        with pytest.raises(ProjectError, match="study settings"):
            load_study(project)
