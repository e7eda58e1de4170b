from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emolab.core.errors import Cancelled
from emolab.core.progress import CancelToken, Progress, run_to_end
from emolab.project import importer
from emolab.project.importer import import_folder
from emolab.project.store import Project, file_sha256


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


def _csv(path, rows: list[str], settings: str = "") -> None:
    header = "time,Head_x,Head_y,Head_z,Neck_x,Neck_y,Neck_z"
    path.write_text(
        (f"# {settings}\n" if settings else "") + header + "\n" + "\n".join(rows) + "\n"
    )


def _steady_rows(n: int = 30) -> list[str]:
    return [f"{i / 30:.4f},0,1.7,0,0,1.5,0" for i in range(n)]


def test_each_bad_file_is_rejected_with_its_reason_and_the_rest_imports(tmp_path, tone, simple_bvh):
    root = tmp_path / "lab"
    root.mkdir()
    samples, sr = tone
    sf.write(root / "02-05-02-01-02-03-07.wav", samples, sr)
    gap = _steady_rows()
    gap[10] = "0.3333,0,1.7,0,nan,nan,nan"  # one frame: repaired, and said so
    _csv(root / "01-05-02-01-02-03-07.csv", gap)
    bad: dict[str, str] = {}

    def reject(name: str, reason: str) -> Path:
        bad[name] = reason
        return root / name

    reject("01-03-01-01-01-01-01.bvh", "frame time 'inf'").write_text(
        simple_bvh.read_text().replace("0.0166667", "inf")
    )
    reject("01-04-01-01-01-01-01.csv", "'# fps=0'").write_text(
        "# fps=0\nHead_x,Head_y,Head_z\n0,1.7,0\n0,1.7,0\n"
    )
    path = reject("01-06-01-01-01-01-01.csv", "cycle")
    _csv(path, _steady_rows(), "parents=1,0")
    _csv(reject("01-02-01-01-01-01-01.csv", "every joint position"), ["0,nan,,,inf,,", "1,,,,,,"])
    np.savez(
        root / "full.npz",
        positions=np.zeros((3, 1, 3)),
        joint_names=np.array(["Head"]),
        fps=np.array([30.0, 30.0]),
    )
    (root / "full.npz").rename(reject("01-08-01-01-01-01-01.npz", "fps must be one number"))
    np.savez(root / "ok.npz", positions=np.ones((3, 1, 3)), joint_names=np.array(["Head"]))
    data = (root / "ok.npz").read_bytes()
    (root / "ok.npz").unlink()
    reject("01-07-01-01-01-01-01.npz", "not a readable NPZ").write_bytes(data[: len(data) // 2])
    nan = np.full(1000, 0.1, dtype=np.float32)
    nan[5] = np.nan
    sf.write(reject("02-03-01-01-01-01-01.wav", "NaN or infinite"), nan, 16000, subtype="FLOAT")
    reject("02-04-01-01-01-01-01.mp3", "cannot be decoded").write_bytes(b"\x00garbage" * 200)
    reject("02-06-01-01-01-01-0\x01.wav", "control characters").write_bytes(b"x")
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, root))
        reasons = {Path(r.path).name: r.reason for r in report.rejected}
        assert set(reasons) == set(bad)
        for name, reason in bad.items():
            assert reason in reasons[name], (name, reasons[name])
        assert report.paired == 1
        assert report.recordings_added == 1
        body = project.media_of(project.recording_by_key("05-02-01-02-03-07").id, "body")
        assert json.loads(body.warnings) == ["1 short gap (1 sample) in 1 joint interpolated"]
        assert body.missing_fraction == 0.0
        audio = project.media_of(project.recording_by_key("05-02-01-02-03-07").id, "audio")
        assert json.loads(audio.warnings) == []


def test_a_folder_whose_name_is_not_utf8_is_a_per_file_reject(tmp_path, tone):
    samples, sr = tone
    root = tmp_path / "lab"
    root.mkdir()
    sf.write(root / "02-05-02-01-02-03-07.wav", samples, sr)
    odd = os.fsencode(root) + b"/caf\xe9"
    os.mkdir(odd)
    sf.write(odd + b"/02-04-01-01-02-03-07.wav", samples, sr)
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, root))
        assert [r.reason for r in report.rejected] == ["path is not valid UTF-8"]
        assert report.rejected[0].path.endswith("caf\\xe9/02-04-01-01-02-03-07.wav")
        assert report.audio_only == 1
        assert project.last_import()["rejected"][0]["reason"] == "path is not valid UTF-8"
        # an import of the odd folder itself rejects its file and records the import
        inner = run_to_end(import_folder(project, os.fsdecode(odd)))
        assert [r.reason for r in inner.rejected] == ["path is not valid UTF-8"]
        assert project.last_import()["folder"].endswith("caf\\xe9")


def test_changed_content_is_read_again_never_taken_from_the_last_import(tmp_path, simple_bvh):
    root = tmp_path / "lab"
    root.mkdir()
    body = root / "01-05-02-01-02-03-07.bvh"
    text = simple_bvh.read_text()
    body.write_text(text)
    with Project.create(tmp_path / "p.emolab") as project:
        run_to_end(import_folder(project, root))
        recording = project.recording_by_key("05-02-01-02-03-07")
        first = project.media_of(recording.id, "body")
        assert first.frames == 3
        # cut after the header: refused, and the stored row keeps its hash and facts
        body.write_text(text.rsplit("\n", 2)[0] + "\n")
        report = run_to_end(import_folder(project, root))
        assert "header says 3 frames but the file holds 2" in report.rejected[0].reason
        assert project.media_of(recording.id, "body") == first
        # a shorter but whole file: new hash and the facts of the new content
        body.write_text(text.replace("Frames: 3", "Frames: 2").rsplit("\n", 2)[0] + "\n")
        report = run_to_end(import_folder(project, root))
        assert report.media_updated == 1
        now = project.media_of(recording.id, "body")
        assert now.sha256 == file_sha256(body) != first.sha256
        assert (now.frames, now.size) == (2, body.stat().st_size)
        assert now.duration == pytest.approx(2 / 60, rel=1e-3)
        # same content, new modification time: the row follows the file
        os.utime(body, (1_000_000, 1_000_000))
        report = run_to_end(import_folder(project, root))
        assert report.media_updated == 1
        assert project.media_of(recording.id, "body").mtime == pytest.approx(1_000_000)


def test_a_file_written_while_it_is_imported_is_refused(tmp_path, simple_bvh, monkeypatch):
    root = tmp_path / "lab"
    root.mkdir()
    body = root / "01-05-02-01-02-03-07.bvh"
    shutil.copy(simple_bvh, body)
    read = importer.media_facts

    def read_then_append(path, modality):
        facts = read(path, modality)
        with path.open("a") as fh:
            fh.write("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
        return facts

    monkeypatch.setattr(importer, "media_facts", read_then_append)
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, root))
        assert [r.reason for r in report.rejected] == [
            "changed while it was being imported; import it again"
        ]
        assert project.summary().recordings == 0
