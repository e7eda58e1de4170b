"""The 9 body features, from joint positions normalised by body height, y up.

Joints are found through the skeleton's roles (head, neck, pelvis, hands, hips, …), so
BVH, CSV and Kinect-style data give the same features. Positions are smoothed before
differentiation, as is usual for motion capture: a zero-phase Gaussian kernel of
σ = 20 ms, whose −3 dB point is at 6.6 Hz (√ln 2 / (2π σ); measured with
``scipy.signal.freqz`` on the 9 taps used at 60 fps, and within 0.2 Hz of that from 30 to
120 fps), in numpy, so the first extraction pays no scipy import. Gaps of missing joints
up to 0.25 s are interpolated linearly; longer gaps stay missing, are left out of every
average, and raise the flag ``long_gap``. A body height is the median over frames of the
figure's vertical extent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emolab.io.motion import MotionClip
from emolab.io.skeletons import MIRROR_PAIRS

EXTRACTOR = "body"
VERSION = "1"
MAX_GAP_S = 0.25
SMOOTH_SIGMA_S = 0.02

FEATURES: tuple[tuple[str, str, str], ...] = (
    ("quantity_of_motion", "bh/s", "mean joint speed, body heights per second"),
    ("hand_speed", "bh/s", "mean speed of both hands"),
    ("hand_accel_p95", "bh/s²", "95th percentile of hand acceleration magnitude"),
    ("smoothness", "ldlj", "log dimensionless jerk of the faster hand's speed (higher = smoother)"),
    ("expansion", "bh", "mean joint distance from the body centroid"),
    ("symmetry_error", "bh", "mean distance between left joints and mirrored right joints"),
    ("hand_head_distance", "bh", "mean hand-to-head distance"),
    ("forward_lean", "deg", "angle of pelvis→neck from vertical, positive forward"),
    ("impulsiveness", "ratio", "peak (99th percentile) / mean hand speed"),
)
NAMES = tuple(f[0] for f in FEATURES)


@dataclass
class BodyTracks:
    """Per-frame signals of one clip, in body heights (bh) and seconds."""

    fps: float
    height: float  # metres
    valid: np.ndarray  # frames: every joint used is present
    joint_speed: np.ndarray  # frames (mean over joints)
    hand_speed: np.ndarray  # frames × 2 (left, right)
    hand_accel: np.ndarray  # frames × 2
    expansion: np.ndarray
    symmetry: np.ndarray
    hand_head: np.ndarray
    lean: np.ndarray  # degrees
    flags: set[str] = field(default_factory=set)
    #: features these tracks cannot give (NaN in every vector), e.g. speeds from
    #: accelerometers (:mod:`emolab.features.body_imu`)
    unmeasured: frozenset[str] = frozenset()

    @property
    def n_frames(self) -> int:
        return int(self.valid.shape[0])


def fill_short_gaps(positions: np.ndarray, max_frames: int) -> np.ndarray:
    """Linearly interpolate NaN runs of at most ``max_frames`` per joint coordinate."""
    out = positions.copy()
    n = out.shape[0]
    flat = out.reshape(n, -1)
    index = np.arange(n)
    for c in np.flatnonzero(np.isnan(flat).any(axis=0)):
        column = flat[:, c]
        missing = np.isnan(column)
        if missing.all():
            continue
        padded = np.concatenate([[False], missing, [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        filled = np.interp(index, index[~missing], column[~missing])
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            interior = start > 0 and stop < n
            if stop - start <= max_frames and interior:
                column[start:stop] = filled[start:stop]
    return out


#: Taps above which smoothing convolves by FFT instead of tap by tap.
_DIRECT_TAPS = 64


def lowpass(
    x: np.ndarray, fps: float, sigma_s: float = SMOOTH_SIGMA_S, odd: bool = True
) -> np.ndarray:
    """Zero-phase Gaussian smoothing (σ = ``sigma_s`` seconds) along frames; odd extension
    at the ends (as filtfilt does) keeps a steady trend, such as constant speed,
    undistorted; even extension (``odd=False``, mirroring) keeps a steady level, and does
    not carry a deviation at the first or last frame into the estimate."""
    sigma = sigma_s * fps
    radius = int(np.ceil(3 * sigma))
    if radius < 1 or x.shape[0] <= radius:
        return x
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    head, tail = x[radius:0:-1], x[-2 : -radius - 2 : -1]
    if odd:
        head, tail = 2 * x[:1] - head, 2 * x[-1:] - tail
    padded = np.concatenate([head, x, tail], axis=0)
    n = x.shape[0]
    if len(taps) > _DIRECT_TAPS:  # long kernels (seconds): O(n log n), not O(n · taps)
        size = len(padded) + len(taps) - 1
        spectrum = np.fft.rfft(padded, size, axis=0)
        shape = (-1,) + (1,) * (x.ndim - 1)
        spectrum *= np.fft.rfft(taps, size).reshape(shape)
        return np.fft.irfft(spectrum, size, axis=0)[2 * radius : 2 * radius + n]
    out = np.zeros_like(x)
    for k, weight in enumerate(taps):
        out += weight * padded[k : k + n]
    return out


def hold_nearest(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``values`` (frames × joints × …) with each joint's missing frames (``missing``:
    frames × joints) holding its previous present value (its first before that), so
    filters can run over long gaps; the gap frames are masked out afterwards."""
    filled = values.copy()
    for j in np.flatnonzero(missing.any(axis=0)):
        ok = ~missing[:, j]
        if ok.any():
            idx = np.where(ok, np.arange(len(ok)), 0)
            np.maximum.accumulate(idx, out=idx)
            first = np.argmax(ok)
            idx[:first] = first
            filled[:, j] = filled[idx, j]
    return filled


def _derivative(x: np.ndarray, fps: float) -> np.ndarray:
    return np.gradient(x, 1.0 / fps, axis=0)


def frame_tracks(clip: MotionClip) -> BodyTracks:
    """Per-frame body signals of a clip."""
    skeleton = clip.skeleton
    fps = clip.fps or 60.0
    flags: set[str] = set()
    positions = fill_short_gaps(clip.positions.astype(np.float64), int(MAX_GAP_S * fps))
    missing = np.isnan(positions).any(axis=2)  # frames × joints
    if missing.any():
        flags.add("long_gap")
    with np.errstate(all="ignore"):
        extent = np.nanmax(positions[..., 1], axis=1) - np.nanmin(positions[..., 1], axis=1)
    height = float(np.nanmedian(extent)) if np.isfinite(extent).any() else 1.0
    if not height > 0.1:
        height = 1.0
        flags.add("no_height")
    # fill what is left (long gaps) by nearest valid value so filters run; masked below
    filled = np.nan_to_num(hold_nearest(positions, missing)) / height
    smooth = lowpass(filled, fps)

    def role(name: str) -> int | None:
        return skeleton.joint(name)

    used = [j for j in range(skeleton.n_joints) if not missing[:, j].all()]
    valid = ~missing[:, used].any(axis=1) if used else np.zeros(len(filled), bool)
    velocity = _derivative(smooth, fps)
    speed = np.linalg.norm(velocity, axis=2)
    joint_speed = speed[:, used].mean(axis=1) if used else np.zeros(len(filled))
    hands = [role("left_hand"), role("right_hand")]
    if None in hands:
        flags.add("no_hands")
        hands = [h if h is not None else 0 for h in hands]
    hand_speed = speed[:, hands]
    hand_accel = np.linalg.norm(_derivative(velocity[:, hands], fps), axis=2)

    centroid = smooth[:, used].mean(axis=1, keepdims=True) if used else smooth[:, :1] * 0
    expansion = np.linalg.norm(smooth[:, used] - centroid, axis=2).mean(axis=1)

    pelvis, neck, head = role("pelvis"), role("neck") or role("chest"), role("head")
    left_hip, right_hip = role("left_hip"), role("right_hip")
    if left_hip is None or right_hip is None:
        left_hip, right_hip = role("left_shoulder"), role("right_shoulder")
    up = np.array([0.0, 1.0, 0.0])
    if left_hip is not None and right_hip is not None:
        lateral = smooth[:, left_hip] - smooth[:, right_hip]
        lateral[:, 1] = 0
        lateral /= np.linalg.norm(lateral, axis=1, keepdims=True) + 1e-9
    else:
        lateral = np.tile([1.0, 0.0, 0.0], (len(smooth), 1))
        flags.add("no_lateral_axis")
    forward = np.cross(lateral, up)
    origin = smooth[:, pelvis] if pelvis is not None else centroid[:, 0]

    pair_errors = []
    for left_role, right_role in MIRROR_PAIRS:
        lj, rj = role(left_role), role(right_role)
        if lj is None or rj is None:
            continue
        right = smooth[:, rj]
        offset = np.sum((right - origin) * lateral, axis=1, keepdims=True)
        mirrored = right - 2 * offset * lateral
        pair_errors.append(np.linalg.norm(smooth[:, lj] - mirrored, axis=1))
    symmetry = np.mean(pair_errors, axis=0) if pair_errors else np.zeros(len(smooth))

    if head is not None:
        hand_head = np.linalg.norm(smooth[:, hands] - smooth[:, [head]], axis=2).mean(axis=1)
    else:
        hand_head = np.zeros(len(smooth))
        flags.add("no_head")
    if neck is not None and pelvis is not None:
        trunk = smooth[:, neck] - smooth[:, pelvis]
        lean = np.degrees(np.arctan2(np.sum(trunk * forward, axis=1), trunk[:, 1]))
    else:
        lean = np.zeros(len(smooth))
        flags.add("no_trunk")
    return BodyTracks(
        fps=fps, height=height, valid=valid, joint_speed=joint_speed, hand_speed=hand_speed,
        hand_accel=hand_accel, expansion=expansion, symmetry=symmetry, hand_head=hand_head,
        lean=lean, flags=flags,
    )  # fmt: skip


def log_dimensionless_jerk(speed: np.ndarray, fps: float) -> float:
    """LDLJ of a speed profile (Balasubramanian et al. 2012): −ln(T³/v_peak² ∫ v̈² dt)."""
    if len(speed) < 5 or speed.max() <= 1e-9:
        return 0.0
    duration = len(speed) / fps
    second = np.gradient(np.gradient(speed, 1 / fps), 1 / fps)
    integral = np.sum(second**2) / fps
    dlj = duration**3 / speed.max() ** 2 * integral
    return float(-np.log(max(dlj, 1e-12)))


def aggregate(tracks: BodyTracks, start: int = 0, stop: int | None = None) -> np.ndarray:
    """The 9 features over frames [start, stop) (float32); frames in long gaps are skipped,
    features the tracks cannot give (``unmeasured``) are NaN."""
    out = _measured(tracks, slice(start, stop))
    for name in tracks.unmeasured:
        out[NAMES.index(name)] = np.nan
    return out.astype(np.float32)


def _measured(tracks: BodyTracks, sl: slice) -> np.ndarray:
    valid = tracks.valid[sl]
    out = np.zeros(len(NAMES))
    if valid.sum() < 3:
        return out
    hand_speed = tracks.hand_speed[sl][valid]
    out[0] = tracks.joint_speed[sl][valid].mean()
    out[1] = hand_speed.mean()
    out[2] = np.percentile(tracks.hand_accel[sl][valid], 95)
    faster = int(np.argmax(hand_speed.mean(axis=0)))
    out[3] = log_dimensionless_jerk(tracks.hand_speed[sl][:, faster], tracks.fps)
    out[4] = tracks.expansion[sl][valid].mean()
    out[5] = tracks.symmetry[sl][valid].mean()
    out[6] = tracks.hand_head[sl][valid].mean()
    out[7] = tracks.lean[sl][valid].mean()
    mean_speed = hand_speed.mean()
    out[8] = np.percentile(hand_speed, 99) / mean_speed if mean_speed > 1e-9 else 0.0
    return out


def extract(clip: MotionClip) -> tuple[np.ndarray, set[str]]:
    """The 9 features of one clip and flags ('long_gap', 'no_hands', …)."""
    tracks = frame_tracks(clip)
    return aggregate(tracks), tracks.flags
