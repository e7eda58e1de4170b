"""Body features from accelerometers: the one they give agrees with positions, the other
eight are missing (NaN) with a documented reason, never zero."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.features import body, body_imu
from emolab.features.extract import file_features
from emolab.io.motion import write_motion
from tests.sensor_data import demo_motion, figure_height, sensors_from_motion

P95 = body.NAMES.index("hand_accel_p95")


@pytest.fixture(scope="module")
def motion():
    """A demo recording without tracking noise or dropouts (smoothed, gaps filled), so
    acceleration from twice-differentiated positions is what a sensor would read."""
    import dataclasses

    raw = demo_motion(participant=2, condition=33)
    filled = body.fill_short_gaps(raw.positions.astype(np.float64), 15)
    smooth = body.lowpass(filled, raw.fps, 0.03).astype(np.float32)
    return dataclasses.replace(raw, positions=smooth)


def test_every_feature_is_either_measured_or_has_a_reason():
    assert set(body_imu.UNMEASURED) == set(body.NAMES) - {"hand_accel_p95"}
    assert all(reason for reason in body_imu.UNMEASURED.values())


def test_hand_acceleration_agrees_with_positions_when_gravity_is_removed(motion):
    from_positions, _ = body.extract(motion)
    sensors = sensors_from_motion(motion, gravity=False, height=figure_height(motion))
    tracks = body_imu.frame_tracks(sensors)
    vector = body.aggregate(tracks)
    assert vector[P95] == pytest.approx(from_positions[P95], rel=0.02)
    assert np.isnan(np.delete(vector, P95)).all()
    assert "assumed_height" not in tracks.flags and "accelerometer" in tracks.flags


def test_gravity_is_estimated_and_removed(motion):
    height = figure_height(motion)
    without = body.aggregate(
        body_imu.frame_tracks(sensors_from_motion(motion, gravity=False, height=height))
    )
    with_gravity = body.aggregate(
        body_imu.frame_tracks(sensors_from_motion(motion, gravity=True, height=height))
    )
    # 1 g is about 5.8 bh/s² at this height: left in, it would dominate the percentile;
    # the 0.3 Hz estimate also takes the slowest part of the movement (here 4.5 %)
    assert with_gravity[P95] == pytest.approx(without[P95], rel=0.08)
    assert with_gravity[P95] < without[P95]


def test_a_sensor_turning_slowly_reads_as_little_acceleration():
    """A still hand that tilts by 90° over 4 s: gravity moves between axes, and the
    0.3 Hz estimate follows it."""
    from emolab.io.motion import sensor_clip_from_samples
    from emolab.io.skeletons import skeleton_for_names

    fps, seconds = 100.0, 8.0
    times = np.arange(int(fps * seconds)) / fps
    angle = np.clip((times - 2) / 4, 0, 1) * np.pi / 2
    g = 9.80665 * np.stack([np.sin(angle), np.cos(angle), 0 * angle], axis=1)
    accel = np.repeat(g[:, None], 2, axis=1)
    clip = sensor_clip_from_samples(
        times, accel, None, skeleton_for_names(["LeftHand", "RightHand"]), None, True, 1.7
    )
    p95 = body.aggregate(body_imu.frame_tracks(clip))[P95]
    assert p95 * 1.7 < 1.0  # m/s², against 9.8 m/s² of gravity turning through 90°


def test_without_height_the_reference_height_is_assumed_and_flagged(motion):
    tracks = body_imu.frame_tracks(sensors_from_motion(motion, gravity=False))
    assert tracks.height == pytest.approx(1.7) and "assumed_height" in tracks.flags


def test_without_hand_sensors_every_feature_is_missing(motion):
    sensors = sensors_from_motion(motion, joints=("Head", "SpineBase"))
    tracks = body_imu.frame_tracks(sensors)
    assert "no_hands" in tracks.flags
    assert np.isnan(body.aggregate(tracks)).all()


def test_one_hand_is_enough(motion):
    sensors = sensors_from_motion(motion, joints=("HandRight", "Head"), gravity=False)
    vector = body.aggregate(body_imu.frame_tracks(sensors))
    assert np.isfinite(vector[P95]) and vector[P95] > 0


def test_a_long_gap_is_left_out(motion):
    sensors = sensors_from_motion(motion, gravity=False, height=1.7)
    sensors.acceleration[40:100, 0] = np.nan  # 1 s of the left hand
    tracks = body_imu.frame_tracks(sensors)
    assert "long_gap" in tracks.flags and not tracks.valid[40:100].any()
    assert np.isfinite(body.aggregate(tracks)[P95])


def test_an_accelerometer_file_gives_vector_and_windows(tmp_path, motion):
    path = tmp_path / "01-05-02-01-02-03-01.csv"
    write_motion(path, sensors_from_motion(motion, height=1.75, gyroscope=True))
    features = file_features(path, "body")
    assert features.modality == "body"
    assert features.vector.shape == (9,) and features.vector.dtype == np.float32
    assert np.isfinite(features.vector[P95])
    assert np.isnan(np.delete(features.vector, P95)).all()
    assert features.windows.shape[1] == 9
    assert np.isnan(np.delete(features.windows, P95, axis=1)).all()
    assert np.isfinite(features.windows[:, P95]).all()
    assert "accelerometer" in features.flags


def test_long_kernels_smooth_by_fft_exactly_as_tap_by_tap(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(700, 2, 3)).cumsum(axis=0)
    fast = body.lowpass(x, 100.0, 0.44)  # 265 taps: by FFT
    monkeypatch.setattr(body, "_DIRECT_TAPS", 10_000)
    slow = body.lowpass(x, 100.0, 0.44)
    np.testing.assert_allclose(fast, slow, atol=1e-9)
