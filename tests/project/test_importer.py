from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf

from emolab.core.errors import Cancelled
from emolab.core.progress import CancelToken, Progress, run_to_end
from emolab.project.importer import import_folder
from emolab.project.store import Project


@pytest.fixture
def folder(tmp_path, tone, simple_bvh):
    samples, sr = tone
    root = tmp_path / "recordings"
    (root / "p07" / "audio").mkdir(parents=True)
    (root / "p07" / "body").mkdir(parents=True)
    sf.write(root / "p07/audio/02-05-02-01-02-03-07.wav", samples, sr)
    sf.write(root / "p07/audio/02-04-01-01-02-03-07.wav", samples, sr)
    shutil.copy(simple_bvh, root / "p07/body/01-05-02-01-02-03-07.bvh")
    shutil.copy(simple_bvh, root / "p07/body/01-06-01-01-01-04-08.bvh")
    (root / "p07/readme.txt").write_text("not media")
    (root / "p07/audio/02-09-01-01-02-03-07.wav").write_bytes(b"")  # bad emotion code
    (root / "p07/audio/02-03-01-01-02-03-07.wav").write_bytes(
        (root / "p07/audio/02-05-02-01-02-03-07.wav").read_bytes()[:3000]  # truncated
    )
    (root / "p07/audio/02050201020307.wav").write_bytes(b"dup")  # same key as the first
    broken = simple_bvh.read_text().replace("  JOINT LeftUpLeg\n  {", "  JOINT LeftUpLeg\n")
    (root / "p07/body/01-04-01-01-02-03-07.bvh").write_text(broken)
    return root


def test_import_pairs_reports_and_writes(tmp_path, folder):
    with Project.create(tmp_path / "p.emolab") as project:
        progress = []
        report = run_to_end(import_folder(project, folder), progress.append)
        assert all(isinstance(p, Progress) for p in progress)
        assert progress[-1].done == progress[-1].total
        assert report.scheme == "multimodal14"
        assert report.paired == 1
        assert report.audio_only == 1
        assert report.body_only == 1
        assert report.recordings_added == 3
        assert report.media_added == 4
        reasons = {r.path.rsplit("/", 1)[-1]: r.reason for r in report.rejected}
        assert set(reasons) == {
            "02-09-01-01-02-03-07.wav",
            "02-03-01-01-02-03-07.wav",
            "02050201020307.wav",
            "01-04-01-01-02-03-07.bvh",
            "readme.txt",
        }
        assert "broken hierarchy" in reasons["01-04-01-01-02-03-07.bvh"]
        assert "unsupported file type '.txt'" in reasons["readme.txt"]
        assert "emotion code 09" in reasons["02-09-01-01-02-03-07.wav"]
        assert "truncated" in reasons["02-03-01-01-02-03-07.wav"]
        assert "same recording and modality" in reasons["02050201020307.wav"]

        recording = project.recording_by_key("05-02-01-02-03-07")
        assert recording.emotion == "angry"
        assert recording.intensity == "strong"
        assert recording.participant == "07"
        assert recording.collection == "English as first language"
        media = {m.modality: m for m in project.media(recording.id)}
        assert media["audio"].path == "recordings/p07/audio/02-05-02-01-02-03-07.wav"
        assert media["audio"].duration == pytest.approx(1.0)
        assert media["audio"].rate == 16000
        assert media["body"].frames == 3
        assert media["body"].channels == 6
        assert len(media["audio"].sha256) == 64
        assert project.media_status(media["audio"]) == "ok"


def test_reimport_is_idempotent_and_detects_changed_content(tmp_path, folder):
    with Project.create(tmp_path / "p.emolab") as project:
        run_to_end(import_folder(project, folder))
        again = run_to_end(import_folder(project, folder))
        assert again.media_added == 0
        assert again.media_unchanged == 4
        wav = folder / "p07/audio/02-04-01-01-02-03-07.wav"
        sf.write(wav, np.zeros(8000, dtype=np.float32), 16000)
        third = run_to_end(import_folder(project, folder))
        assert third.media_updated == 1
        recording = project.recording_by_key("04-01-01-02-03-07")
        assert project.media_of(recording.id, "audio").duration == pytest.approx(0.5)


def test_changed_or_missing_media_is_detected(tmp_path, folder):
    with Project.create(tmp_path / "p.emolab") as project:
        run_to_end(import_folder(project, folder))
        recording = project.recording_by_key("05-02-01-02-03-07")
        audio = project.media_of(recording.id, "audio")
        path = project.media_path(audio)
        path.write_bytes(path.read_bytes() + b"\0\0")
        assert project.media_status(audio) == "changed"
        path.unlink()
        assert project.media_status(audio) == "missing"


def test_cancel_leaves_the_project_unchanged(tmp_path, folder):
    token = CancelToken()
    with Project.create(tmp_path / "p.emolab") as project:
        job = import_folder(project, folder, cancel=token)
        next(job)
        token.cancel()
        with pytest.raises(Cancelled):
            run_to_end(job)
        assert project.summary().recordings == 0


def test_empty_folder_and_unknown_names(tmp_path, tone):
    with Project.create(tmp_path / "p.emolab") as project:
        empty = tmp_path / "empty"
        empty.mkdir()
        report = run_to_end(import_folder(project, empty))
        assert report.files_seen == 0
        odd = tmp_path / "odd"
        odd.mkdir()
        sf.write(odd / "hello.wav", *tone)
        report = run_to_end(import_folder(project, odd))
        assert report.scheme == ""
        assert [r.reason for r in report.rejected] == ["name follows no known naming scheme"]
        assert project.summary().recordings == 0


def test_ravdess_folder_imports_with_video_rejected(tmp_path, tone):
    root = tmp_path / "Actor_03"
    root.mkdir()
    sf.write(root / "03-01-05-01-01-01-03.wav", *tone)
    (root / "01-01-05-01-01-01-03.mp4").write_bytes(b"video")
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, root))
        assert report.scheme == "ravdess"
        assert report.audio_only == 1
        assert "video files are not supported" in report.rejected[0].reason
        assert project.recordings()[0].emotion == "angry"
