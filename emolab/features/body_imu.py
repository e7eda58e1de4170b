"""The body features from per-joint accelerometers (:class:`~emolab.io.motion.SensorClip`).

An accelerometer measures acceleration (with gravity) along axes that turn with the body
part; it gives neither where the part is nor how fast it moves. Of the 9 body features
(:mod:`emolab.features.body`), acceleration alone gives one:

- ``hand_accel_p95`` (bh/s²): the 95th percentile of the hands' acceleration magnitude,
  the quantity the position path takes from twice-differentiated positions. The magnitude
  needs no sensor orientation. Gravity is removed first (unless the file says
  ``gravity=removed``): the gravity vector in the sensor's axes is estimated as the part
  of the signal below 0.3 Hz (a zero-phase Gaussian, σ = 0.44 s, −3 dB at 0.3 Hz, mirrored
  at the ends; the split of body and gravity acceleration of Anguita et al. 2013; the
  mean of a clip shorter than 1.3 s) and subtracted. The
  result is then smoothed with the same σ = 20 ms Gaussian as positions are before they
  are differentiated, and divided by the body height (the file's ``height``, else 1.7 m,
  flagged ``assumed_height``). The low-pass estimate follows slow turns of the hand, not
  fast ones: turning a sensor by θ within about a second reads as up to 2 g·sin(θ/2) of
  acceleration (a 30° flick of the wrist ≈ 5 m/s²), so on gravity-included files fast
  wrist rotations raise the value. Gyroscope channels are kept and shown but not used
  for features yet (they could track the gravity direction through such turns).

The other eight are NaN (missing, not zero), with the reason in :data:`UNMEASURED`:

- speeds (``quantity_of_motion``, ``hand_speed``, ``impulsiveness``) and the speed-based
  ``smoothness`` would need acceleration integrated once. Integration accumulates every
  bias: a residual offset of 0.05 m/s² (what a calibrated MEMS accelerometer with
  imperfect gravity removal leaves) is a speed error of 0.05·t m/s, 0.15 m/s after 3 s,
  as large as the hand speeds of gesture, and high-pass filtering the result to stop the
  drift also removes the slow movements being measured. emolab does not integrate.
  (Smoothness computed from acceleration, the LDLJ-A of Melendez-Calderon et al. 2021,
  is a different number with a different range, so it does not fill this column.)
- ``expansion``, ``symmetry_error`` and ``hand_head_distance`` are distances between
  joints: they need positions.
- ``forward_lean`` needs the trunk's direction in the room; a trunk accelerometer's tilt
  gives it only with the sensor's mounting on the body, which the file does not give.

Models take a missing feature as the training mean (after per-participant z-scores), so
accelerometer and position recordings can share a project; a model trained on positions
learns little about them from one feature.
"""

from __future__ import annotations

import numpy as np

from emolab.features.body import MAX_GAP_S, BodyTracks, fill_short_gaps, hold_nearest, lowpass
from emolab.io.motion import REFERENCE_HEIGHT, SensorClip

#: Gaussian σ (s) of the gravity estimate: −3 dB at √ln2 / (2π σ) = 0.3 Hz.
GRAVITY_SIGMA_S = 0.44

#: The body features acceleration alone does not give, and why.
UNMEASURED: dict[str, str] = {
    "quantity_of_motion": "a speed: needs acceleration integrated, which drifts",
    "hand_speed": "a speed: needs acceleration integrated, which drifts",
    "smoothness": "the jerk of hand speed: needs acceleration integrated, which drifts",
    "expansion": "a distance between joints: needs positions",
    "symmetry_error": "a distance between joints: needs positions",
    "hand_head_distance": "a distance between joints: needs positions",
    "forward_lean": "the trunk's direction: needs positions or the sensor's mounting",
    "impulsiveness": "a ratio of hand speeds: needs acceleration integrated, which drifts",
}


def gravity_estimate(acceleration: np.ndarray, fps: float) -> np.ndarray:
    """The gravity in each sensor's axes (frames × … × 3, m/s², from acceleration without
    gaps): the part below 0.3 Hz, mirrored at the ends (gravity is a level, not a trend);
    the mean of a clip shorter than the filter's reach (3 σ)."""
    if acceleration.shape[0] <= np.ceil(3 * GRAVITY_SIGMA_S * fps):
        return np.broadcast_to(acceleration.mean(axis=0), acceleration.shape)
    return lowpass(acceleration, fps, GRAVITY_SIGMA_S, odd=False)


def linear_acceleration(acceleration: np.ndarray, fps: float, gravity_included: bool):
    """Acceleration (frames × … × 3, m/s², no gaps) less its estimated gravity when
    ``gravity_included``."""
    if not gravity_included:
        return acceleration
    return acceleration - gravity_estimate(acceleration, fps)


def frame_tracks(clip: SensorClip) -> BodyTracks:
    """Per-frame body signals of an accelerometer clip: the hands' acceleration (bh/s²);
    the signals acceleration does not give are zero and their features ``unmeasured``."""
    fps = clip.fps or 60.0
    n = clip.n_frames
    flags = {"accelerometer"}
    unmeasured = set(UNMEASURED)
    height = clip.body_height
    if height is None:
        height = REFERENCE_HEIGHT
        flags.add("assumed_height")
    skeleton = clip.skeleton
    hands = [
        j for j in (skeleton.joint("left_hand"), skeleton.joint("right_hand")) if j is not None
    ]
    if not hands:
        flags.add("no_hands")
        unmeasured.add("hand_accel_p95")
        hand_accel = np.zeros((n, 1))
        valid = np.zeros(n, dtype=bool)
    else:
        accel = fill_short_gaps(clip.acceleration[:, hands].astype(np.float64),
                                int(MAX_GAP_S * fps))  # fmt: skip
        missing = np.isnan(accel).any(axis=2)
        if missing.any():
            flags.add("long_gap")
        valid = ~missing.any(axis=1)
        filled = np.nan_to_num(hold_nearest(accel, missing))
        linear = linear_acceleration(filled, fps, clip.gravity_included)
        hand_accel = np.linalg.norm(lowpass(linear, fps), axis=2) / height
    nothing = np.zeros(n)
    return BodyTracks(
        fps=fps, height=height, valid=valid, joint_speed=nothing,
        hand_speed=np.zeros_like(hand_accel), hand_accel=hand_accel, expansion=nothing,
        symmetry=nothing, hand_head=nothing, lean=nothing, flags=flags,
        unmeasured=frozenset(unmeasured),
    )  # fmt: skip
