"""Per-joint accelerometer CSV files: the layout, its detection, round trips, bad files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.core.errors import BadSamples, CorruptFile, EmolabError, EmptyFile
from emolab.io.imu_csv import STANDARD_GRAVITY, read_imu_csv
from emolab.io.motion import MotionClip, SensorClip, read_motion, sensor_clip_from_samples
from emolab.io.skeletons import skeleton_for_names
from tests.fuzz_readers import check_clip, damaged_bytes, damaged_text

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

EXAMPLE = """# emolab-imu v1 gravity=included height=1.72
time,joint,ax,ay,az,gx,gy,gz
0.000,LeftHand,0.31,9.72,0.85,0.020,-0.104,0.011
0.000,RightHand,-0.12,9.80,0.40,0.003,0.051,-0.020
0.010,LeftHand,0.35,9.69,0.88,0.025,-0.110,0.012
0.010,RightHand,-0.10,9.79,0.41,0.004,0.050,-0.021
"""

#: Sensor names: bundled joint names and odd ones (commas, quotes and accents are quoted).
_NAMES = ("LeftHand", "HandRight", "Head", "Hips", "left wrist", 'a,"b"', "Kopf-ä", "7")


def _write(tmp_path, text: str, name: str = "take.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@st.composite
def sensor_clips(draw) -> SensorClip:
    """A clip as a reader returns it: random sensors, increasing times, values with
    missing samples (short gaps repaired, long ones kept), optional gyroscopes."""
    n_sensors = draw(st.integers(1, 4))
    names = draw(
        st.lists(st.sampled_from(_NAMES), min_size=n_sensors, max_size=n_sensors, unique=True)
    )
    frames = draw(st.integers(1, 30))
    steps = draw(st.lists(st.floats(0.001, 0.1), min_size=frames, max_size=frames))
    times = np.cumsum(steps) - steps[0]
    values = st.floats(-200, 200, width=32) | st.just(math.nan)
    size = frames * n_sensors * 3
    accel = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(
        frames, n_sensors, 3
    )
    if np.isnan(accel).any(axis=2).all():
        accel[0, 0] = (0.0, 9.8, 0.0)
    gyro = None
    if draw(st.booleans()):
        gyro = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(
            frames, n_sensors, 3
        )
    height = draw(st.none() | st.floats(0.5, 2.5))
    return sensor_clip_from_samples(
        times, accel, gyro, skeleton_for_names(names), None, draw(st.booleans()), height
    )


@PROPERTY
@given(clip=sensor_clips())
def test_random_sensor_clips_round_trip(tmp_path_factory, clip):
    path = tmp_path_factory.mktemp("imu") / "take.csv"
    from emolab.io.motion import write_motion

    write_motion(path, clip)
    back = read_motion(path)
    check_clip(back)
    assert isinstance(back, SensorClip)
    assert back.joint_names == clip.joint_names
    assert back.skeleton.roles == clip.skeleton.roles
    np.testing.assert_array_equal(back.frame_times, clip.frame_times)
    np.testing.assert_allclose(back.acceleration, clip.acceleration, atol=1e-5, rtol=1e-6)
    assert (back.angular_velocity is None) == (clip.angular_velocity is None)
    if clip.angular_velocity is not None:
        np.testing.assert_allclose(back.angular_velocity, clip.angular_velocity, atol=1e-5)
    assert back.gravity_included == clip.gravity_included
    assert back.body_height == pytest.approx(clip.body_height, rel=1e-5)


@PROPERTY
@given(data=st.data())
def test_damaged_sensor_files_read_or_give_a_typed_error(tmp_path_factory, data):
    text = data.draw(damaged_text(EXAMPLE))
    raw = data.draw(damaged_bytes(text.encode("utf-8", "surrogatepass")))
    path = tmp_path_factory.mktemp("imu") / "bad.csv"
    path.write_bytes(raw)
    try:
        check_clip(read_motion(path))
    except EmolabError as exc:
        assert exc.path == path and exc.reason


def test_the_documented_example_reads(tmp_path):
    clip = read_motion(_write(tmp_path, EXAMPLE))
    assert isinstance(clip, SensorClip)
    assert clip.joint_names == ("LeftHand", "RightHand")
    assert clip.skeleton.roles == {"left_hand": 0, "right_hand": 1}
    np.testing.assert_allclose(clip.frame_times, [0.0, 0.01])
    np.testing.assert_allclose(clip.acceleration[1, 0], [0.35, 9.69, 0.88], rtol=1e-6)
    np.testing.assert_allclose(clip.angular_velocity[0, 1], [0.003, 0.051, -0.020], rtol=1e-6)
    assert clip.gravity_included and clip.body_height == pytest.approx(1.72)
    assert clip.fps == pytest.approx(100.0) and clip.warnings == ()
    np.testing.assert_allclose(
        clip.acceleration_magnitude()[0, 0], math.hypot(0.31, 9.72, 0.85), rtol=1e-6
    )


def test_the_header_decides_between_positions_and_accelerometers(tmp_path):
    wide = "time,Head_x,Head_y,Head_z\n0,0,1.7,0\n0.1,0,1.7,0\n"
    assert isinstance(read_motion(_write(tmp_path, wide, "w.csv")), MotionClip)
    long = "Joint,TIME,AZ,ay,Ax\nHead,0,1,2,3\n"  # any case, any order
    clip = read_motion(_write(tmp_path, long, "l.csv"))
    assert isinstance(clip, SensorClip)
    np.testing.assert_allclose(clip.acceleration[0, 0], [3, 2, 1])


def test_units_settings_and_ignored_columns(tmp_path):
    text = "# accel=g gyro=deg/s gravity=removed\ntime,joint,ax,ay,az,gx,gy,gz,mx,temp\n"
    text += "0,Head,0,1,0,180,0,0,3,20\n0.5,Head,0,2,0,90,0,0,3,20\n"
    clip = read_imu_csv(_write(tmp_path, text))
    np.testing.assert_allclose(clip.acceleration[:, 0, 1], [STANDARD_GRAVITY, 2 * STANDARD_GRAVITY])
    np.testing.assert_allclose(clip.angular_velocity[:, 0, 0], [math.pi, math.pi / 2], rtol=1e-6)
    assert not clip.gravity_included and clip.body_height is None
    assert clip.warnings == ("columns mx, temp ignored (not time, joint, ax–az or gx–gz)",)


def test_a_sensor_missing_at_a_time_is_a_gap_repaired_or_kept(tmp_path):
    rows = ["time,joint,ax,ay,az"]
    for k in range(60):  # 60 frames at 100 Hz; RightHand absent for 2 frames, then 40
        t = k / 100
        rows.append(f"{t},LeftHand,0,9.8,{k}")
        if k not in (5, 6) and not 10 <= k < 50:
            rows.append(f"{t},RightHand,{k},9.8,0")
    clip = read_motion(_write(tmp_path, "\n".join(rows) + "\n"))
    right = clip.acceleration[:, 1, 0]
    np.testing.assert_allclose(right[5:7], [5, 6])  # interpolated
    assert np.isnan(right[10:50]).all()  # 0.4 s: left missing
    assert clip.warnings[0].startswith("1 short gap (2 samples) in 1 joint interpolated")
    assert clip.missing_per_joint() == {"RightHand": pytest.approx(40 / 60)}


@pytest.mark.parametrize(
    "text, error, message, line",
    [
        ("time,joint,ax,ay\n0,Head,1,2\n", CorruptFile, "this one lacks az", 1),
        ("time,joint,ax,ay,az,gx\n0,Head,1,2,3,4\n", CorruptFile, "not all of gx, gy, gz", 1),
        ("time,joint,ax,ay,az,ax\n0,Head,1,2,3,4\n", CorruptFile, "'ax' appears more", 1),
        ("time,joint,ax,ay,az\n", EmptyFile, "no sensor samples", None),
        (
            "time,joint,ax,ay,az\n0,Head,1,2,3\n0,Head,1,2,3\n",
            CorruptFile,
            "sensor 'Head' has two rows at 0 s (the other on line 2)",
            3,
        ),
        ("time,joint,ax,ay,az\n0.1,Head,1,2,3\n0.0,Hand,1,2,3\n", CorruptFile, "time goes back", 3),
        (
            "time,joint,ax,ay,az\n0,Head,1,two,3\n",
            CorruptFile,
            "value 'two' in column 'ay' is not a number",
            2,
        ),
        ("time,joint,ax,ay,az\n,Head,1,2,3\n", CorruptFile, "time is empty", 2),
        ("time,joint,ax,ay,az\n0,,1,2,3\n", CorruptFile, "joint is empty", 2),
        ("time,joint,ax,ay,az\n0,Head,1,2\n", CorruptFile, "row has 4 values", 2),
        (
            "# accel=furlong\ntime,joint,ax,ay,az\n0,Head,1,2,3\n",
            CorruptFile,
            "'# accel=furlong' is not one of",
            None,
        ),
        (
            "# height=9\ntime,joint,ax,ay,az\n0,Head,1,2,3\n",
            CorruptFile,
            "body height 9 m is not between",
            None,
        ),
        ("time,joint,ax,ay,az\n0,Head,nan,,inf\n", BadSamples, "every acceleration", None),
    ],
)
def test_bad_sensor_files_name_file_line_and_reason(tmp_path, text, error, message, line):
    path = _write(tmp_path, text)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        read_motion(path)
    assert caught.value.path == path and caught.value.line == line
