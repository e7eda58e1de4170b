"""Body features against skeletons with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emolab.features.body import NAMES, extract, fill_short_gaps, log_dimensionless_jerk
from emolab.io.motion import MotionClip
from emolab.io.skeletons import load_topology

FPS = 60.0
KINECT = load_topology("kinect_v2").skeleton


def standing_pose(height: float = 1.7) -> np.ndarray:
    """A symmetric standing pose (joints × 3), facing +z, left = +x."""
    y = {"SpineBase": 0.53, "SpineMid": 0.68, "SpineShoulder": 0.82, "Neck": 0.87, "Head": 0.94,
         "Shoulder": 0.80, "Elbow": 0.63, "Wrist": 0.49, "Hand": 0.46, "HandTip": 0.42,
         "Thumb": 0.45, "Hip": 0.50, "Knee": 0.28, "Ankle": 0.04, "Foot": 0.02}  # fmt: skip
    x = {"Shoulder": 0.13, "Elbow": 0.16, "Wrist": 0.17, "Hand": 0.17, "HandTip": 0.17,
         "Thumb": 0.15, "Hip": 0.09, "Knee": 0.09, "Ankle": 0.09, "Foot": 0.09}  # fmt: skip
    pose = np.zeros((KINECT.n_joints, 3))
    for i, name in enumerate(KINECT.joint_names):
        for side, sign in (("Left", 1), ("Right", -1)):
            if name.endswith(side):
                base = name[: -len(side)]
                pose[i] = [sign * x[base], y[base], 0.05 if base == "Foot" else 0.0]
                break
        else:
            pose[i] = [0, y[name], 0]
    pose[:, 1] -= pose[:, 1].min()
    return pose * height / np.ptp(pose[:, 1])


def clip_of(positions: np.ndarray) -> MotionClip:
    return MotionClip(np.arange(len(positions)) / FPS, positions.astype(np.float32), KINECT)


def value(vector, name):
    return float(vector[NAMES.index(name)])


def test_still_symmetric_upright_pose():
    pose = standing_pose()
    vector, flags = extract(clip_of(np.repeat(pose[None], 120, axis=0)))
    assert flags == set()
    assert value(vector, "quantity_of_motion") == pytest.approx(0, abs=1e-6)
    assert value(vector, "hand_speed") == pytest.approx(0, abs=1e-6)
    assert value(vector, "symmetry_error") == pytest.approx(0, abs=1e-6)
    assert value(vector, "forward_lean") == pytest.approx(0, abs=1e-6)
    head, hand = KINECT.index("Head"), KINECT.index("HandLeft")
    expected = np.linalg.norm(pose[head] - pose[hand]) / 1.7
    assert value(vector, "hand_head_distance") == pytest.approx(expected, rel=1e-3)


def test_whole_body_moving_at_a_known_speed():
    height, speed = 1.7, 0.85  # m/s = 0.5 body heights per second
    pose = standing_pose(height)
    t = np.arange(180) / FPS
    positions = pose[None] + (t * speed)[:, None, None] * np.array([0, 0, 1.0])
    vector, _ = extract(clip_of(positions))
    assert value(vector, "quantity_of_motion") == pytest.approx(0.5, rel=0.01)
    assert value(vector, "hand_speed") == pytest.approx(0.5, rel=0.01)
    assert value(vector, "hand_accel_p95") == pytest.approx(0, abs=0.05)


def test_scale_invariance_by_body_height():
    pose = standing_pose(1.0)
    wave = np.sin(2 * np.pi * 1.5 * np.arange(120) / FPS)[:, None, None]
    hand = np.zeros_like(pose)
    hand[KINECT.index("HandLeft")] = [0, 0, 0.2]
    small, _ = extract(clip_of(pose[None] + wave * hand))
    big, _ = extract(clip_of(2 * (pose[None] + wave * hand)))
    np.testing.assert_allclose(small, big, rtol=1e-3, atol=1e-4)


def test_mirrored_pose_has_zero_symmetry_error_and_raising_one_arm_does_not():
    pose = standing_pose()
    raised = pose.copy()
    for name in ("ElbowLeft", "WristLeft", "HandLeft", "HandTipLeft", "ThumbLeft"):
        raised[KINECT.index(name), 1] += 0.3
    sym, _ = extract(clip_of(np.repeat(pose[None], 60, axis=0)))
    asym, _ = extract(clip_of(np.repeat(raised[None], 60, axis=0)))
    assert value(sym, "symmetry_error") == pytest.approx(0, abs=1e-6)
    assert value(asym, "symmetry_error") > 0.05


def test_forward_lean_angle():
    pose = standing_pose()
    pelvis = pose[KINECT.index("SpineBase")]
    angle = np.radians(30)
    rotation = np.array(
        [[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]]
    )  # fmt: skip  (y → +z: forward)
    leaned = pose.copy()
    lower_body = ("Hip", "Knee", "Ankle", "Foot", "SpineBase")
    upper = [KINECT.index(n) for n in KINECT.joint_names if not any(k in n for k in lower_body)]
    leaned[upper] = (pose[upper] - pelvis) @ rotation.T + pelvis
    vector, _ = extract(clip_of(np.repeat(leaned[None], 60, axis=0)))
    assert value(vector, "forward_lean") == pytest.approx(30, abs=0.5)


def test_short_gaps_are_filled_and_long_gaps_flagged_never_nan():
    pose = standing_pose()
    t = np.arange(240) / FPS
    positions = pose[None] + (0.3 * t)[:, None, None] * np.array([1.0, 0, 0])
    hand = KINECT.index("HandLeft")
    short = positions.copy()
    short[50:58, hand] = np.nan  # 0.13 s
    filled = fill_short_gaps(short, 15)
    np.testing.assert_allclose(filled[50:58, hand], positions[50:58, hand], atol=1e-9)
    vector, flags = extract(clip_of(short))
    assert "long_gap" not in flags
    long = positions.copy()
    long[100:200, hand] = np.nan  # 1.7 s
    vector, flags = extract(clip_of(long))
    assert "long_gap" in flags
    assert np.isfinite(vector).all()
    assert value(vector, "quantity_of_motion") == pytest.approx(0.3 / 1.7, rel=0.02)


def test_ldlj_prefers_a_smooth_bell_to_a_jerky_profile():
    t = np.linspace(0, 1, 61)
    smooth = np.sin(np.pi * t) ** 2
    jerky = smooth + 0.2 * np.sin(2 * np.pi * 12 * t) ** 2
    assert log_dimensionless_jerk(smooth, 60) > log_dimensionless_jerk(jerky, 60)


def test_smoothing_filter_is_3_db_down_at_6_6_hz():
    """The module docstring's figure: the −3 dB point of the σ = 20 ms Gaussian at 60 fps."""
    from emolab.features.body import lowpass

    fps, n = 60.0, 4096
    impulse = np.zeros((n, 1))
    impulse[n // 2] = 1.0
    response = np.abs(np.fft.rfft(lowpass(impulse, fps)[:, 0]))
    freqs = np.fft.rfftfreq(n, 1 / fps)
    cutoff = freqs[np.argmax(response < 10 ** (-3 / 20))]
    assert cutoff == pytest.approx(6.6, abs=0.05)


def _leaning_and_moving(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pose = standing_pose(1.7)
    t = np.arange(150) / FPS
    moving = pose[None] + 0.05 * np.sin(2 * np.pi * 1.3 * t)[:, None, None] * rng.normal(
        size=pose.shape)[None]  # fmt: skip
    pelvis = pose[KINECT.index("SpineBase")]
    a = np.radians(20)  # leaning forward (+z), so the lean's direction matters
    rotation = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    return (moving - pelvis) @ rotation.T + pelvis


@settings(max_examples=25, deadline=None, derandomize=True)
@given(yaw=st.floats(0, 360), dx=st.floats(-10, 10), dy=st.floats(-1, 1),
       dz=st.floats(-10, 10), scale=st.floats(0.5, 2.0))  # fmt: skip
def test_features_do_not_depend_on_where_the_actor_stands_faces_or_how_tall(yaw, dx, dy, dz,
                                                                            scale):  # fmt: skip
    """Body height, position on the floor and facing (rotation about the vertical) leave
    every feature unchanged."""
    clip = _leaning_and_moving()
    base, _ = extract(clip_of(clip))
    y = np.radians(yaw)
    turn = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    moved = scale * (clip @ turn.T) + np.array([dx, dy, dz])
    vector, _ = extract(clip_of(moved))
    np.testing.assert_allclose(vector, base, rtol=2e-3, atol=2e-4)
