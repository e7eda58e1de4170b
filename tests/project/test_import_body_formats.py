"""C3D marker files and accelerometer CSVs import like every body format: paired with
their audio by the naming scheme, bad ones rejected one by one with a reason."""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from emolab.core.progress import run_to_end
from emolab.io.motion import write_motion
from emolab.project.importer import import_folder
from emolab.project.store import Project
from tests.c3d_data import c3d_bytes, plug_in_gait_markers, zup
from tests.sensor_data import demo_motion, sensors_from_motion


def test_c3d_and_accelerometer_files_pair_and_bad_ones_are_rejected(tmp_path, tone):
    samples, rate = tone
    root = tmp_path / "media"
    root.mkdir()
    motion = demo_motion()
    labels, metres, outputs = plug_in_gait_markers(motion)
    marker_file = c3d_bytes(labels, zup(metres) * 1000, rate=60, angles=outputs)
    sf.write(root / "02-05-02-01-02-03-07.wav", samples, rate)
    (root / "01-05-02-01-02-03-07.c3d").write_bytes(marker_file)
    sf.write(root / "02-04-01-01-02-03-07.wav", samples, rate)
    write_motion(root / "01-04-01-01-02-03-07.csv", sensors_from_motion(motion, height=1.7))
    (root / "01-06-01-01-02-03-07.c3d").write_bytes(marker_file[: len(marker_file) // 2])
    (root / "01-07-01-01-02-03-07.csv").write_text(
        "time,joint,ax,ay,az\n0,Head,1,2,3\n0,Head,1,2,3\n", encoding="utf-8"
    )
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, root))
        assert report.paired == 2 and report.audio_only == 0 and report.body_only == 0
        reasons = {r.path.rsplit("/", 1)[-1]: r.reason for r in report.rejected}
        assert set(reasons) == {"01-06-01-01-02-03-07.c3d", "01-07-01-01-02-03-07.csv"}
        assert reasons["01-06-01-01-02-03-07.c3d"].startswith("is truncated: declares 183 frames")
        assert reasons["01-07-01-01-02-03-07.csv"] == (
            "line 3: sensor 'Head' has two rows at 0 s (the other on line 2)"
        )
        rows = project.execute(
            "SELECT format, channels, rate, frames, warnings FROM media "
            "WHERE modality = 'body' ORDER BY format"
        ).fetchall()
    (c3d_format, joints, fps, frames, warnings), (csv_format, sensors, *_rest) = rows
    assert (c3d_format, csv_format) == ("c3d", "csv")
    assert joints == 24 and sensors == 4  # 22 joint centres + 2 wand markers; 4 sensors
    assert fps == pytest.approx(60.0) and frames == motion.n_frames
    assert any("LKneeAngles" in w for w in json.loads(warnings))
