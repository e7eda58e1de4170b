"""The session model without a window: media loading order, stale parts, the time
mapping, rating with save state, undo, visibility and closing."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from emolab.core.progress import CancelToken, run_to_end
from emolab.io.motion import MotionClip
from emolab.io.skeletons import Skeleton
from emolab.project.session import Session
from emolab.project.store import Project
from emolab.project.timing import TimeMapping
from emolab.project.writes import SaveState


class QueuedJobs:
    """Jobs run when the test says so, in start order; a cancelled job never reports."""

    def __init__(self):
        self.queue: list[tuple[str, object, CancelToken]] = []
        self.session: Session | None = None
        self.started: list[str] = []

    def start(self, kind, factory):
        self.cancel(kind)
        self.started.append(kind)
        self.queue.append((kind, factory, CancelToken()))

    def cancel(self, kind):
        for k, _f, token in self.queue:
            if k == kind:
                token.cancel()
        self.queue = [job for job in self.queue if job[0] != kind]

    def run_next(self) -> str:
        kind, factory, token = self.queue.pop(0)
        self.session.media_arrived(kind, run_to_end(factory(token)))
        return kind

    def run_all(self) -> None:
        while self.queue:
            self.run_next()


@pytest.fixture
def session(demo_copy):
    jobs = QueuedJobs()
    changes: list[str] = []
    project = Project.open(demo_copy)
    s = Session(project, jobs, changes.append)
    jobs.session = s
    s.changes = changes
    assert s.set_rater("tester")
    yield s
    project.close()


def _clip(fps: float = 30.0, frames: int = 90) -> MotionClip:
    positions = np.zeros((frames, 2, 3), dtype=np.float32)
    return MotionClip(np.arange(frames) / fps, positions, Skeleton("pair", ("a", "b"), (-1, 0)))


def _ids(session: Session) -> list[int]:
    return [r.id for r in session.project.recordings()]


def test_audio_is_decoded_before_the_movement_is_started(session):
    rid = _ids(session)[0]
    assert session.open_recording(rid)
    assert session.jobs.started == ["audio"]  # the movement waits for the audio
    assert session.jobs.run_next() == "audio"
    assert session.jobs.started == ["audio", "motion"]
    assert not session.media_ready and session.motion_loading
    assert "time_axis" in session.changes
    session.jobs.run_next()
    assert session.media_ready and not session.motion_loading
    assert session.motion is not None and session.media.samples is not None
    assert session.media.duration == pytest.approx(len(session.media.samples) / 16000, rel=1e-3)


def test_a_stale_part_of_the_previous_recording_is_dropped(session):
    first, second = _ids(session)[:2]
    session.open_recording(first)
    stale = session.jobs.queue[0]
    session.open_recording(second)
    assert stale[2].cancelled  # the old decode was told to stop
    session.media_arrived("audio", run_to_end(stale[1](CancelToken())))
    assert session.media.samples is None  # nothing of the first recording shows
    session.jobs.run_all()
    assert session.media.recording_id == second and session.media_ready


def test_opening_the_open_recording_again_does_nothing(session):
    rid = _ids(session)[0]
    assert session.open_recording(rid)
    assert not session.open_recording(rid)
    assert session.jobs.started == ["audio"]


def test_a_failed_audio_part_leaves_the_movement_as_the_time_axis(session):
    rid = _ids(session)[0]
    session.open_recording(rid)
    session.jobs.queue.clear()
    session.media_failed("audio", "x.wav: truncated")
    assert session.jobs.started == ["audio", "motion"]
    session.jobs.run_all()
    assert session.media_ready and session.media.samples is None
    assert session.media.duration == pytest.approx(session.motion.duration)
    assert "truncated" in session.message


def test_time_mapping_frames_and_offset():
    clip = _clip(fps=30.0, frames=90)
    timing = TimeMapping(0.5, clip)
    assert timing.motion_time(1.0) == pytest.approx(1.5)
    assert timing.frame_at(1.0) == clip.frame_at(1.5)
    # stepping lands inside the next frame, never back on the current one
    t = timing.step(1.0, 1, duration=10.0)
    assert timing.frame_at(t) == timing.frame_at(1.0) + 1
    assert timing.frame_at(timing.step(t, -2, 10.0)) == timing.frame_at(1.0) - 1
    assert timing.step(0.0, -100, 10.0) == 0.0  # clamped to the recording
    assert timing.frame_at(timing.step(2.4, 100, 10.0)) == clip.n_frames - 1
    assert TimeMapping(0.0, None).step(1.0, 6, 10.0) == pytest.approx(1.1)  # 60 frames/s


def test_offset_is_stored_and_moves_the_mapping(session):
    rid = _ids(session)[0]
    session.open_recording(rid)
    session.jobs.run_all()
    session.set_offset(0.25)
    assert session.timing.offset == 0.25 and session.save_state is SaveState.SAVED
    assert session.project.recording(rid).sync_offset == pytest.approx(0.25)
    assert "saved" in session.message


def test_rating_edits_save_and_undo_across_recordings(session):
    first, second = _ids(session)[:2]
    session.open_recording(first)
    assert session.rate("emotion", "sad")
    session.open_recording(second)
    assert session.rate("intensity", 2)
    assert session.rating().intensity == 2
    edit = session.undo()
    assert (edit.recording_id, edit.field) == (second, "intensity")
    assert session.rating().intensity is None
    edit = session.undo()
    assert (edit.recording_id, edit.field, edit.old) == (first, "emotion", None)
    assert session.rating_session.rating(first).emotion is None
    assert session.undo() is None and session.can_redo
    session.redo()
    assert session.rating_session.rating(first).emotion == "sad"


def test_an_invalid_value_is_refused_with_a_reason(session):
    session.open_recording(_ids(session)[0])
    assert not session.rate("intensity", 9)
    assert "Not saved" in session.refusal and "intensity" in session.refusal
    assert session.rating().intensity is None


def test_a_locked_project_keeps_the_edit_pending_until_retry(session, demo_copy):
    session.open_recording(_ids(session)[0])
    session.project.set_busy_timeout(10)
    other = sqlite3.connect(demo_copy)
    other.execute("BEGIN IMMEDIATE")
    assert session.rate("emotion", "happy")
    assert session.save_state is SaveState.PENDING
    assert session.rating().emotion == "happy"  # shown as typed, not as saved
    assert "waiting" in session.save_message()
    assert not session.retry()
    other.rollback()
    other.close()
    assert session.retry() and session.save_state is SaveState.SAVED
    assert session.save_message() == ""


def test_hidden_suggestions_show_once_this_rater_chose(session):
    from emolab.project.models import predict_missing

    run_to_end(predict_missing(session.project))
    session.predictions_done()
    session.open_recording(_ids(session)[0])
    assert session.suggestion_view().state == "shown"
    session.set_hide_suggestions(True)
    assert session.suggestion_view().state == "hidden"
    assert session.suggestion_view().suggestion is None
    session.rate("emotion", "calm")
    assert session.suggestion_view().state == "shown"
    assert session.project.setting("hide_suggestions_until_rated") is True


def test_without_a_model_suggestions_are_being_computed(session):
    session.project.execute("UPDATE models SET active = 0")
    session.read_active_model()
    session.open_recording(_ids(session)[0])
    assert session.suggestion_view().state == "computing"


def test_next_recording_skips_complete_ratings(session):
    from emolab.project.browse import RecordingTable, first_browser_rows

    ids = _ids(session)
    session.open_recording(ids[1])
    for field, value in (("emotion", "sad"), ("intensity", 2), ("genuineness", 3)):
        session.rate(field, value)
    table = RecordingTable(first_browser_rows(session.project, session.rater_id, None))
    position = session.next_recording(table, table.position_of(ids[0]))
    assert table.row_at(position).recording_id == ids[2]
    assert session.next_recording(table, None) == table.position_of(ids[0])


def test_unsaved_edits_go_to_a_recovery_file(session, demo_copy, tmp_path):
    session.open_recording(_ids(session)[0])
    session.project.set_busy_timeout(10)
    other = sqlite3.connect(demo_copy)
    other.execute("BEGIN IMMEDIATE")
    session.rate("emotion", "angry")
    assert not session.flush_before_close()
    said = session.write_recovery(tmp_path / "recovery")
    [kept] = (tmp_path / "recovery").glob("*.json")
    assert str(kept) in said and "angry" in kept.read_text()
    other.rollback()
    other.close()


def test_undoing_back_to_an_accepted_suggestion_keeps_it_the_models(session):
    from emolab.project.models import active_model
    from emolab.project.training import LabelSource, choose_labels

    model_id = active_model(session.project).id  # the bundled model, stored in the project
    rid = _ids(session)[0]
    session.open_recording(rid)
    assert session.rate("emotion", "calm", source="model", model_id=model_id)
    assert session.save_state is SaveState.SAVED
    assert session.rate("emotion", "sad")  # the rater overrules the model
    assert session.rating().emotion_source == "human"
    session.undo()  # back to the accepted suggestion: still the model's, not a human choice
    assert (session.rating().emotion, session.rating().emotion_source) == ("calm", "model")
    assert rid not in choose_labels(session.project, LabelSource("rater", rater="tester"))
    session.redo()
    assert (session.rating().emotion, session.rating().emotion_source) == ("sad", "human")
    assert choose_labels(session.project, LabelSource("rater", rater="tester"))[rid] == "sad"


def test_a_blind_study_hides_labels_and_suggestions_until_the_rating_is_complete(session):
    from emolab.project.study import Study

    session.set_study(Study(blind=True, order="random", seed=2))
    assert "study" in session.changes
    rid = _ids(session)[0]
    session.open_recording(rid)
    recording = session.project.recording(rid)
    assert recording.key not in session.title() and "blind" in session.title()
    assert recording.emotion not in session.title()
    assert session.suggestion_view().state == "hidden"
    for field, value in (("emotion", "sad"), ("intensity", 2)):
        session.rate(field, value)
    assert session.suggestion_view().state == "hidden"  # not complete yet
    session.rate("genuineness", 4)
    assert recording.key in session.title()
    assert session.suggestion_view().state != "hidden"


@pytest.mark.parametrize(("condition", "decoded"), [("audio", ["audio"]), ("body", ["motion"])])
def test_a_condition_hides_the_other_modality(session, condition, decoded):
    from emolab.project.study import Study

    session.set_study(Study(condition=condition))
    session.open_recording(_ids(session)[0])
    session.jobs.run_all()
    assert session.jobs.started == decoded
    assert session.media_ready and f"{condition} only" in session.title()
    assert (session.motion is None) == (condition == "audio")
    assert (session.media.samples is None) == (condition == "body")


def test_every_rating_keeps_the_study_it_was_made_under(session):
    import json

    from emolab.project.study import Study

    session.set_study(Study(blind=True, condition="balanced", seed=9))
    rid = _ids(session)[0]
    session.open_recording(rid)
    session.rate("emotion", "sad")
    (on_rating,) = session.project.execute(
        "SELECT study FROM ratings WHERE recording_id = ?", (rid,)
    ).fetchone()
    (on_edit,) = session.project.execute(
        "SELECT study FROM edit_log WHERE recording_id = ? ORDER BY id DESC", (rid,)
    ).fetchone()
    recorded = json.loads(on_rating)
    assert on_edit == on_rating
    assert recorded == {
        "blind": True,
        "order": "file",
        "condition": "balanced",
        "seed": 9,
        "locked": False,
        "rater_condition": session.condition,
    }


def test_a_blind_rater_is_not_told_a_changed_files_name(session):
    from emolab.project.study import Study

    session.set_study(Study(blind=True))
    rid = _ids(session)[0]
    (media,) = [m for m in session.project.media(rid) if m.modality == "audio"]
    session.project.execute("UPDATE media SET sha256 = ?, size = size + 1 WHERE id = ?",
                            ("0" * 64, media.id))  # fmt: skip
    session.open_recording(rid)
    assert "changed on disk" in session.notice
    assert media.path.rsplit("/", 1)[-1] not in session.notice
