"""Offsets of a project's recordings: estimated from their files, applied by a batch only
where confident and never set, and applied in the session as an undoable step that
interleaves with rating edits."""

from __future__ import annotations

import pytest

from emolab.core.progress import run_to_end
from emolab.demo.sync import sync_pair, write_sync_pair
from emolab.project.importer import import_folder
from emolab.project.offsets import (
    APPLY_MIN_CONFIDENCE,
    apply_offsets,
    estimate_offsets,
    estimate_recording,
    paired_recordings,
)
from emolab.project.session import OffsetEdit, Session
from emolab.project.store import Project
from emolab.project.writes import SaveState

#: Offsets (s) of the synthetic recordings the project holds, by participant.
TRUTH = {1: 0.62, 2: -1.35}


def _make_project(folder, clap: bool = True):
    media = folder / "media"
    for participant, offset in TRUTH.items():
        pair = sync_pair(seed=participant, offset=offset, fps=60.0, takes=2,
                         clap_at=2.5 if clap else None)  # fmt: skip
        write_sync_pair(media / f"P{participant}", pair, participant=participant)
    # a speech-only recording of a third participant, without a clap
    write_sync_pair(media / "P3", sync_pair(seed=3, offset=0.2, fps=60.0, takes=2, clap_at=None),
                    participant=3)  # fmt: skip
    path = folder / "sync.emolab"
    with Project.open(path, create=True) as project:
        run_to_end(import_folder(project, media))
    return path


@pytest.fixture(scope="module")
def sync_project(tmp_path_factory):
    return _make_project(tmp_path_factory.mktemp("sync"))


def _by_participant(project):
    return {int(r.participant): r.id for r in project.recordings()}


def test_estimates_of_a_whole_project(sync_project):
    with Project.open(sync_project) as project:
        rows = run_to_end(estimate_offsets(project))
        ids = _by_participant(project)
    found = {row.recording_id: row for row in rows}
    assert len(rows) == 3
    for participant, truth in TRUTH.items():
        row = found[ids[participant]]
        assert row.estimate.method == "clap"
        assert row.estimate.offset == pytest.approx(truth, abs=1 / 60)
        assert row.to_apply() and row.to_dict()["estimated_offset_s"] == pytest.approx(truth, 0.03)
    no_clap = found[ids[3]]
    assert not no_clap.estimate.usable and no_clap.estimate.reason
    assert not no_clap.to_apply() and no_clap.to_dict()["estimated_offset_s"] is None


def test_a_batch_applies_confident_estimates_to_offsets_never_set(sync_project, tmp_path):
    copy = tmp_path / "copy.emolab"
    copy.write_bytes(sync_project.read_bytes())
    with Project.open(copy) as project:
        # media paths are relative to the project: keep the copy beside the media
        project.execute("UPDATE media SET path = ? || path", (f"{sync_project.parent}/",))
        ids = _by_participant(project)
        project.set_sync_offset(ids[2], 0.1)  # someone set this one by hand
        rows = run_to_end(estimate_offsets(project))
        applied = apply_offsets(project, rows)
        assert [r.recording_id for r in applied] == [ids[1]]
        assert project.recording(ids[1]).sync_offset == pytest.approx(TRUTH[1], abs=1 / 60)
        assert project.recording(ids[2]).sync_offset == 0.1
        assert project.recording(ids[3]).sync_offset == 0.0
        applied = apply_offsets(project, rows, replace=True)
        assert {r.recording_id for r in applied} == {ids[1], ids[2]}
        assert project.recording(ids[2]).sync_offset == pytest.approx(TRUTH[2], abs=1 / 60)
        assert apply_offsets(project, rows, min_confidence=1.01, replace=True) == []


def test_only_the_recordings_of_a_folder(sync_project):
    with Project.open(sync_project) as project:
        ids = _by_participant(project)
        assert paired_recordings(project, sync_project.parent / "media" / "P2") == [ids[2]]
        assert sorted(paired_recordings(project)) == sorted(ids.values())


def test_missing_or_unreadable_files_are_reasons(tmp_path):
    path = _make_project(tmp_path)
    with Project.open(path) as project:
        ids = _by_participant(project)
        body = project.media_of(ids[1], "body")
        project.media_path(body).write_text("not,a\nmotion,file\n")
        estimate = estimate_recording(project, ids[1])
        assert not estimate.usable and "cannot read" in estimate.reason
        project.execute("DELETE FROM media WHERE recording_id = ? AND modality = 'audio'",
                        (ids[2],))  # fmt: skip
        estimate = estimate_recording(project, ids[2])
        assert not estimate.usable and "no audio" in estimate.reason
        assert ids[2] not in paired_recordings(project)


# ---- the session: estimate the open recording, apply, undo, redo ----------------------------
class SyncJobs:
    """Runs each job at once and hands its result to the session, as the window does."""

    def __init__(self):
        self.session: Session | None = None
        self.started: list[str] = []

    def start(self, kind, factory):
        from emolab.core.progress import CancelToken

        self.started.append(kind)
        result = run_to_end(factory(CancelToken()))
        if kind == "offset":
            self.session.offset_arrived(result)
        else:
            self.session.media_arrived(kind, result)

    def cancel(self, kind):
        pass


@pytest.fixture
def session(sync_project, tmp_path):
    copy = tmp_path / "session.emolab"
    copy.write_bytes(sync_project.read_bytes())
    project = Project.open(copy)
    project.execute("UPDATE media SET path = ? || path", (f"{sync_project.parent}/",))
    jobs = SyncJobs()
    changes: list[str] = []
    s = Session(project, jobs, changes.append)
    jobs.session, s.changes = s, changes
    assert s.set_rater("tester")
    yield s
    project.close()


def _open(session, participant: int) -> int:
    rid = _by_participant(session.project)[participant]
    session.open_recording(rid)
    assert session.media_ready
    return rid


def test_estimate_apply_undo_redo_in_the_session(session):
    rid = _open(session, 1)
    assert session.estimate_offset()
    assert "offset_estimate" in session.changes and session.jobs.started[-1] == "offset"
    found = session.offset_estimate
    assert found.recording_id == rid and found.estimate.usable
    assert found.estimate.offset == pytest.approx(TRUTH[1], abs=1 / 60)
    edit = session.apply_offset_estimate()
    assert isinstance(edit, OffsetEdit) and edit.changes == ((rid, 0.0, found.estimate.offset),)
    assert session.timing.offset == found.estimate.offset
    assert session.project.recording(rid).sync_offset == pytest.approx(found.estimate.offset)
    assert session.save_state is SaveState.SAVED and session.can_undo
    assert session.undo() is edit
    assert session.timing.offset == 0.0 and session.project.recording(rid).sync_offset == 0.0
    assert session.can_redo and "Undo: motion offset" in session.message
    assert session.redo() is edit
    assert session.project.recording(rid).sync_offset == pytest.approx(found.estimate.offset)


def test_offset_and_rating_edits_undo_newest_first(session):
    rid = _open(session, 1)
    session.rate("emotion", "happy")
    session.estimate_offset()
    offset = session.offset_estimate.estimate.offset
    session.apply_offset_estimate()
    session.rate("intensity", 4)
    assert session.undo().field == "intensity"
    assert session.undo() == OffsetEdit(((rid, 0.0, offset),))
    assert session.project.recording(rid).sync_offset == 0.0
    assert session.rating().emotion == "happy"
    assert session.undo().field == "emotion"
    assert session.undo() is None and not session.can_undo
    assert session.redo().field == "emotion"
    assert isinstance(session.redo(), OffsetEdit)
    assert session.project.recording(rid).sync_offset == pytest.approx(offset)
    # a new rating edit: nothing is left to redo
    session.rate("emotion", "sad")
    assert not session.can_redo and session.redo() is None


def test_undo_of_another_recordings_offset_reaches_that_recording(session):
    first = _open(session, 1)
    session.estimate_offset()
    session.apply_offset_estimate()
    _open(session, 2)
    edit = session.undo()
    assert edit.recording_id == first
    assert session.project.recording(first).sync_offset == 0.0
    assert session.timing.offset == 0.0  # the open recording's was never changed


def test_a_recording_without_a_usable_estimate_says_why(session):
    _open(session, 3)  # speech, no clap
    session.estimate_offset()
    assert not session.offset_estimate.estimate.usable
    assert session.apply_offset_estimate() is None and not session.can_undo


def test_a_stale_estimate_is_dropped(session):
    from emolab.features.offset import not_usable
    from emolab.project.offsets import MediaOffset

    _open(session, 2)
    first = _by_participant(session.project)[1]
    session.offset_arrived(MediaOffset(first, not_usable("stale")))
    assert session.offset_estimate is None


def test_batch_offsets_are_one_undo_step(session):
    ids = _by_participant(session.project)
    edit = session.change_offsets([(ids[1], 0.5), (ids[2], -0.25), (ids[3], 0.0)])
    assert [c[0] for c in edit.changes] == [ids[1], ids[2]]  # the third did not change
    assert "2 recordings" in session.message
    session.undo()
    assert all(session.project.recording(i).sync_offset == 0.0 for i in ids.values())
    assert session.change_offsets([(ids[3], 0.0)]) is None


def test_apply_threshold_is_above_the_usable_threshold():
    from emolab.features.offset import MIN_CONFIDENCE

    assert MIN_CONFIDENCE < APPLY_MIN_CONFIDENCE < 1


def test_a_read_only_project_changes_no_offset(sync_project):
    with Project.open(sync_project, read_only=True) as project:
        s = Session(project, SyncJobs(), lambda aspect: None)
        rid = _by_participant(project)[1]
        assert s.change_offsets([(rid, 0.5)]) is None
        assert "read-only" in s.message and not s.can_undo
        assert project.recording(rid).sync_offset == 0.0
