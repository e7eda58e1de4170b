"""What a review of rating forms found: a locked study's form, held values and segments
across a form change, damaged segment JSON, reserved keys, and the blind emotion fixed
once the validity question named the intended one."""

from __future__ import annotations

import json

import pytest

from emolab.cli import run
from emolab.core.errors import CorruptFile, ProjectError
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.ratings import RatingSession, get_rating, segments
from emolab.project.session import EMOTION_FIXED, Session
from emolab.project.store import Project
from emolab.project.study import Study, StudyLocked, save_study
from tests.project.test_session import QueuedJobs

EMOTIONS = ["neutral", "happy", "sad"]


def _form(*fields, emotion_required: bool = True) -> RatingForm:
    return RatingForm.from_dict({"name": "mine", "emotions": EMOTIONS, "fields": [
        {"key": "emotion", "type": "choice", "options": "emotions", "required": emotion_required},
        *fields]})  # fmt: skip


MOOD = {"key": "mood", "type": "choice", "options": ["up", "down"], "shortcut": "Ctrl"}
AROUSAL_7 = {"key": "arousal", "type": "likert", "min": 1, "max": 7, "shortcut": "Alt"}
AROUSAL_3 = {**AROUSAL_7, "max": 3}


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "review.emolab")
    pid = p.ensure_participant("01", None)
    p.execute("INSERT INTO recordings(key, scheme, participant_id, emotion, fields, created_at) "
              "VALUES ('a', 's', ?, 'sad', '{}', 'now')", (pid,))  # fmt: skip
    yield p
    p.close()


def _session(project) -> RatingSession:
    session = RatingSession(project, project.ensure_rater("ann"))
    session.open_recording(project.execute("SELECT id FROM recordings").fetchone()[0])
    return session


def test_a_locked_study_keeps_its_form_without_the_passphrase(project, monkeypatch, capsys):
    save_study(project, Study(blind=True).locked_with("for researchers"))
    loose = _form({"key": "notes", "type": "text", "required": True})
    with pytest.raises(StudyLocked):
        set_project_form(project, loose)
    assert RatingForm.of(project) == RatingForm.default()
    set_project_form(project, loose, "for researchers")
    assert RatingForm.of(project) == loose
    path = project.path
    (path.parent / "v.json").write_text(json.dumps(RatingForm.load("validity").to_dict()))
    monkeypatch.setenv("EMOLAB_STUDY_PASSPHRASE", "a guess")
    assert run(["form", str(path), "--set", str(path.parent / "v.json")]) == 2
    assert "passphrase" in capsys.readouterr().err


def test_a_form_must_require_the_emotion_and_use_free_lower_case_keys(tmp_path):
    with pytest.raises(CorruptFile, match="'emotion' must be required"):
        _form(emotion_required=False)
    for key, words in (("time", "column of the ratings CSV"), ("Arousal", "lower case")):
        with pytest.raises(CorruptFile, match=words):
            _form({**AROUSAL_7, "key": key})


def test_a_form_change_keeps_every_held_value_valid(project):
    set_project_form(project, _form(MOOD, AROUSAL_7))
    session = _session(project)
    session.set("arousal", 7)
    uid = session.add_segment(0.5, 1.0, {"mood": "up"})
    with pytest.raises(ProjectError, match="refuses"):
        set_project_form(project, _form(MOOD, AROUSAL_3))  # 7 is outside 1–3
    with pytest.raises(ProjectError, match="'mood'"):
        set_project_form(project, _form(AROUSAL_7))  # mood is held in a segment only
    session.set("emotion", "sad")
    with pytest.raises(ProjectError, match="'sad'"):
        fewer = {"emotions": ["neutral", "happy"], "fields": [
            {"key": "emotion", "type": "choice", "options": "emotions", "required": True},
            MOOD, AROUSAL_7]}  # fmt: skip
        set_project_form(project, RatingForm.from_dict(fewer))
    assert RatingForm.of(project).field("arousal").high == 7
    session.delete_segment(uid)
    assert segments(project, session.recording_id) == []


def test_a_segment_with_fields_the_form_no_longer_asks_can_still_change_and_go(project):
    session = _session(project)
    uid = session.add_segment(0.5, 1.0, {"emotion": "happy"})
    project.execute("UPDATE segments SET fields = ?", (json.dumps({"emotion": "happy",
                                                                     "gone": "x"}),))  # fmt: skip
    assert session.change_segment(uid, end=2.0) is not None
    (segment,) = segments(project, session.recording_id)
    assert (segment.end, segment.value("gone")) == (2.0, "x")
    session.delete_segment(uid)
    assert segments(project, session.recording_id) == []


@pytest.mark.parametrize("damage", ["not json", "null", "[1, 2]", '"text"'])
def test_damaged_segment_values_neither_crash_nor_jam_the_saves(project, damage):
    session = _session(project)
    uid = session.add_segment(0.5, 1.0, {"emotion": "happy"})
    project.execute("UPDATE segments SET fields = ?", (damage,))
    (segment,) = segments(project, session.recording_id)
    assert segment.fields == ()
    session.delete_segment(uid)
    session.set("emotion", "sad")
    assert session.save_state.value == "saved"
    assert get_rating(project, session.recording_id, session.rater_id).emotion == "sad"
    assert segments(project, session.recording_id) == []


def test_a_blind_raters_emotion_is_fixed_once_the_validity_question_named_the_intended(
    demo_copy,
):
    with Project.open(demo_copy) as project:
        set_project_form(project, RatingForm.load("validity"))
        save_study(project, Study(blind=True))
        jobs = QueuedJobs()
        session = Session(project, jobs, lambda _aspect: None)
        jobs.session = session
        assert session.set_rater("tester")
        rid = project.recordings()[0].id
        session.open_recording(rid)
        assert not session.emotion_fixed()
        assert session.rate("emotion", "happy")
        assert session.emotion_fixed()  # the question now names the intended emotion
        assert not session.rate("emotion", "sad")
        assert session.refusal == EMOTION_FIXED
        assert session.undo() is None  # undoing the emotion would change it too
        assert session.rate("valid", "no")
        assert session.undo() is not None  # other fields stay undoable
        assert session.rating().emotion == "happy"
        save_study(project, Study(blind=False))
        session.study = Study(blind=False)
        assert session.rate("emotion", "sad")  # not blind: the rater may change their mind
