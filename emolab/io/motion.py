"""Body-joint movement: :class:`MotionClip` (joint positions) and :class:`SensorClip`
(per-joint accelerometer and gyroscope signals), the checks every reader shares, and
:func:`read_motion` / :func:`write_motion`, which dispatch by extension to the readers
and writers that :mod:`emolab.io.bvh`, :mod:`emolab.io.motion_csv` (with
:mod:`emolab.io.imu_csv`), :mod:`emolab.io.motion_npz` and :mod:`emolab.io.motion_c3d`
register in :mod:`emolab.io.formats`. Those modules import this one, never the other way
round.

A position reader returns joint positions in metres, y up, as float32 (frames × joints ×
3); the accelerometer reader returns accelerations in m/s² and angular velocities in
rad/s, each in its sensor's own axes. Both share a time base: frame times in seconds,
finite and increasing, and a skeleton whose roles say which body part each joint or sensor
is. A file that cannot be read raises an :class:`~emolab.core.errors.EmolabError` naming
the file and the reason, never anything else, so an import can reject that one file and
go on.

Missing and non-finite samples: NaN, +inf and −inf in positions (and in BVH channel
values, which make the positions they move NaN), like values too large for float32, are
treated as missing samples. Per joint, a gap of missing frames between two present frames
that lasts no longer than ``MAX_REPAIR_GAP_S`` (0.25 s; 1 frame when the frame rate is
unknown) is linearly interpolated in time ("repaired"); longer gaps, and gaps at the start
or end of a clip, stay NaN ("missing") — never zero. The clip's ``warnings`` say what was
done, e.g. "3 short gaps (12 samples) in 2 joints interpolated; 40 samples (1.2%) left
missing". A clip whose every position is missing is refused (:class:`BadSamples`), and so
are frame times that are not finite, do not increase, or give a frame rate outside
0.1 Hz–100 kHz (:class:`CorruptFile`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.boundary import reader_boundary
from emolab.io.formats import motion_reader, motion_writer
from emolab.io.skeletons import Skeleton

#: Length units a motion file may use, in metres per unit.
UNIT_SCALES: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "dm": 0.1}

#: Body height that unit inference aims for (m); a skeleton spanning 1.7 units is in metres.
REFERENCE_HEIGHT = 1.7

#: Longest gap of missing samples (s) a reader interpolates; longer gaps stay missing.
MAX_REPAIR_GAP_S = 0.25

#: Frame rates (Hz, from the median frame interval) a motion file may have. Beyond them
#: the times are in the wrong unit or broken, and speeds would overflow.
MIN_FPS, MAX_FPS = 0.1, 100_000.0

#: Most joint positions (frames × joints) a reader accepts: 50 million is over an hour of
#: 120 fps capture of 100 joints, and keeps a clip within about 1 GB of memory.
MAX_SAMPLES = 50_000_000


def infer_units(height_in_file_units: float) -> str:
    """The unit that makes a figure ``height`` tall closest (in log ratio) to 1.7 m."""
    if not np.isfinite(height_in_file_units) or height_in_file_units <= 0:
        return "m"
    return min(
        UNIT_SCALES,
        key=lambda u: abs(np.log(height_in_file_units * UNIT_SCALES[u] / REFERENCE_HEIGHT)),
    )


def figure_height(positions: np.ndarray) -> float:
    """Vertical extent of the figure (file units), from the first frame with data."""
    with np.errstate(all="ignore"):
        for frame in positions[: min(len(positions), 50)]:
            y = frame[:, 1]
            y = y[np.isfinite(y)]
            if y.size >= 2:
                return float(y.max() - y.min())
    return float("nan")


class _TimedJoints:
    """What every body clip offers: frames on a time base, joints of a skeleton, and
    which samples are missing. ``_samples`` is the frames × joints × 3 signal."""

    frame_times: np.ndarray
    skeleton: Skeleton

    @property
    def _samples(self) -> np.ndarray:
        raise NotImplementedError

    def _check_shape(self, what: str) -> None:
        samples = self._samples
        if samples.ndim != 3 or samples.shape[2] != 3:
            raise ValueError(f"{what} must be frames × joints × 3, not {samples.shape}")
        if samples.shape[0] != self.frame_times.shape[0]:
            raise ValueError(f"frame_times and {what} differ in frame count")
        if samples.shape[1] != self.skeleton.n_joints:
            raise ValueError(f"{what} and skeleton differ in joint count")

    @property
    def joint_names(self) -> tuple[str, ...]:
        return self.skeleton.joint_names

    @property
    def parents(self) -> tuple[int, ...]:
        return self.skeleton.parents

    @property
    def n_frames(self) -> int:
        return int(self._samples.shape[0])

    @property
    def n_joints(self) -> int:
        return int(self._samples.shape[1])

    @property
    def fps(self) -> float:
        """Frames per second (from the median frame interval)."""
        if self.n_frames < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.frame_times)))

    @property
    def duration(self) -> float:
        """Seconds from the first frame to one interval past the last."""
        if self.n_frames == 0:
            return 0.0
        step = 1.0 / self.fps if self.fps else 0.0
        return float(self.frame_times[-1] - self.frame_times[0] + step)

    @property
    def missing_fraction(self) -> float:
        """Share of (frame, joint) samples that are missing (NaN)."""
        if self._samples.size == 0:
            return 0.0
        return float(np.isnan(self._samples).any(axis=2).mean())

    def missing_per_joint(self) -> dict[str, float]:
        """Share of frames each joint is missing in (joints never missing are left out)."""
        frac = np.isnan(self._samples).any(axis=2).mean(axis=0)
        return {n: float(f) for n, f in zip(self.joint_names, frac, strict=True) if f > 0}

    def frame_at(self, seconds: float) -> int:
        """Index of the frame shown at ``seconds``: the last frame starting at or before it."""
        i = int(np.searchsorted(self.frame_times, seconds, side="right")) - 1
        return min(max(i, 0), self.n_frames - 1)


@dataclass(frozen=True)
class MotionClip(_TimedJoints):
    """Joint positions over time: metres, y up, NaN where a joint is missing."""

    frame_times: np.ndarray  # (frames,) seconds, increasing
    positions: np.ndarray  # (frames, joints, 3) float32 metres
    skeleton: Skeleton
    path: Path | None = None
    source_units: str = "m"
    warnings: tuple[str, ...] = ()  # what reading repaired or found missing, for people

    def __post_init__(self) -> None:
        self._check_shape("positions")

    @property
    def _samples(self) -> np.ndarray:
        return self.positions


@dataclass(frozen=True)
class SensorClip(_TimedJoints):
    """Inertial sensors on body joints over time, NaN where a sample is missing.

    ``acceleration`` is what each accelerometer measured, in m/s² along the sensor's own
    axes: with gravity (a sensor at rest reads about 9.81 m/s² upward) unless
    ``gravity_included`` is False. ``angular_velocity`` (rad/s, sensor axes) is there when
    gyroscopes were recorded. There are no positions: the skeleton names the joint each
    sensor sits on, and its roles say which body part that is."""

    frame_times: np.ndarray  # (frames,) seconds, increasing
    acceleration: np.ndarray  # (frames, joints, 3) float32 m/s²
    skeleton: Skeleton
    angular_velocity: np.ndarray | None = None  # (frames, joints, 3) float32 rad/s
    path: Path | None = None
    gravity_included: bool = True
    body_height: float | None = None  # metres, when the file says
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check_shape("acceleration")
        gyro = self.angular_velocity
        if gyro is not None and gyro.shape != self.acceleration.shape:
            raise ValueError("angular_velocity and acceleration differ in shape")

    @property
    def _samples(self) -> np.ndarray:
        return self.acceleration

    def acceleration_magnitude(self) -> np.ndarray:
        """|acceleration| per frame and joint (frames × joints, float32 m/s², NaN where
        missing): rotation-invariant, so it needs no sensor orientation."""
        with np.errstate(over="ignore"):  # a magnitude beyond float32 is inf, shown off-scale
            return np.sqrt(np.sum(np.square(self.acceleration, dtype=np.float32), axis=2))


#: A body-movement recording: joint positions or per-joint inertial sensors.
BodyClip = MotionClip | SensorClip


# ---- checks every reader shares ------------------------------------------------


def check_frame_times(times: np.ndarray, path: Path | None) -> None:
    """Refuse frame times (s) that are not finite or do not increase, or whose frame rate
    is outside :data:`MIN_FPS`–:data:`MAX_FPS`."""
    if not np.isfinite(times).all():
        raise CorruptFile("frame times include NaN or infinite values", path)
    if times.size < 2:
        return
    with np.errstate(all="ignore"):
        steps = np.diff(times)
        if not (steps > 0).all():
            raise CorruptFile("frame times do not increase", path)
        fps = 1.0 / np.median(steps)
        span = times[-1] - times[0] + 1.0 / fps
    if not (np.isfinite(steps).all() and np.isfinite(span)):
        raise CorruptFile("frame times span more seconds than a number can hold", path)
    if not MIN_FPS <= fps <= MAX_FPS:
        raise CorruptFile(
            f"frame rate {fps:.3g} Hz is outside {MIN_FPS:g}–{MAX_FPS:,.0f} Hz (are the frame "
            f"times in seconds?)",
            path,
        )


def check_sample_count(n_frames: int, n_joints: int, path: Path | None) -> None:
    """Refuse a clip of more than :data:`MAX_SAMPLES` joint positions, before allocating it."""
    if n_frames * n_joints > MAX_SAMPLES:
        raise CorruptFile(
            f"too large: {n_frames} frames × {n_joints} joints is more than the "
            f"{MAX_SAMPLES:,} joint positions emolab reads",
            path,
        )


def _checked_times(frame_times, samples: np.ndarray, path: Path | None, what: str,
                   frames: str, joints: str) -> np.ndarray:  # fmt: skip
    """The frame times (float64) of ``samples`` (frames × joints × 3, called ``what``),
    checked: the shape, at least one frame (``frames``) and joint (``joints``), a bounded
    sample count, one time per frame, finite and increasing."""
    times = np.asarray(frame_times, dtype=np.float64)
    if samples.ndim != 3 or samples.shape[2] != 3:
        raise CorruptFile(f"{what} have shape {samples.shape}; expected frames × joints × 3",
                          path)  # fmt: skip
    n_frames, n_joints = samples.shape[:2]
    if n_frames == 0:
        raise EmptyFile(f"has no {frames}", path)
    if n_joints == 0:
        raise EmptyFile(f"has no {joints}", path)
    check_sample_count(n_frames, n_joints, path)
    if times.shape != (n_frames,):
        raise CorruptFile(f"{times.size} frame times for {n_frames} frames", path)
    check_frame_times(times, path)
    return times


def clip_from_samples(
    frame_times: np.ndarray,
    positions: np.ndarray,
    skeleton: Skeleton,
    path: Path | None,
    source_units: str,
) -> MotionClip:
    """A checked clip from frame times (s) and positions (frames × joints × 3) in
    ``source_units``: scaled to metres, non-finite samples missing, short gaps repaired."""
    times = _checked_times(frame_times, positions, path, "positions", "motion frames", "joints")
    if source_units not in UNIT_SCALES:
        raise CorruptFile(f"unknown length unit '{source_units}'", path)
    with np.errstate(all="ignore"):
        metres = (positions.astype(np.float64) * UNIT_SCALES[source_units]).astype(np.float32)
    missing = ~np.isfinite(metres).all(axis=2)
    if missing.all():
        raise BadSamples("every joint position is missing (NaN or infinite)", path)
    warnings: tuple[str, ...] = ()
    if missing.any():
        metres[missing] = np.nan
        warnings = (repair_short_gaps(metres, times),)
    return MotionClip(times, metres, skeleton, path, source_units, warnings)


def sensor_clip_from_samples(
    frame_times: np.ndarray,
    acceleration: np.ndarray,
    angular_velocity: np.ndarray | None,
    skeleton: Skeleton,
    path: Path | None,
    gravity_included: bool = True,
    body_height: float | None = None,
) -> SensorClip:
    """A checked sensor clip from frame times (s), accelerations (m/s²) and angular
    velocities (rad/s or None), each frames × joints × 3: non-finite samples missing
    (NaN), short gaps repaired as for positions. Refuses a clip without one acceleration."""
    times = _checked_times(frame_times, acceleration, path, "accelerations", "sensor samples",
                           "sensors")  # fmt: skip
    if body_height is not None and not (np.isfinite(body_height) and 0.3 <= body_height <= 3.0):
        raise CorruptFile(f"body height {body_height:g} m is not between 0.3 and 3 m", path)
    warnings: list[str] = []
    signals = []
    for what, values in (("acceleration", acceleration), ("angular velocity", angular_velocity)):
        if values is None:
            signals.append(None)
            continue
        with np.errstate(all="ignore"):
            values = values.astype(np.float32)
        missing = ~np.isfinite(values).all(axis=2)
        if what == "acceleration" and missing.all():
            raise BadSamples("every acceleration is missing (NaN or infinite)", path)
        if missing.any():
            values[missing] = np.nan
            said = repair_short_gaps(values, times)
            warnings.append(said if what == "acceleration" else f"{what}: {said}")
        signals.append(values)
    return SensorClip(
        times, signals[0], skeleton, signals[1], path, gravity_included, body_height,
        tuple(warnings),
    )  # fmt: skip


def repair_short_gaps(positions: np.ndarray, times: np.ndarray) -> str:
    """Interpolate, in place, each joint's interior gaps of missing (NaN) frames lasting at
    most :data:`MAX_REPAIR_GAP_S`; return a sentence on what was repaired and what is left."""
    n_frames = positions.shape[0]
    fps = 1.0 / float(np.median(np.diff(times))) if n_frames > 1 else 0.0
    # 0.1 % slack: frame times written with few decimals give a rate a hair below 60 fps
    max_frames = int(MAX_REPAIR_GAP_S * fps * 1.001) if fps > 0 else 1
    missing = np.isnan(positions).any(axis=2)
    gaps = repaired = joints = 0
    for j in np.flatnonzero(missing.any(axis=0)):
        absent = missing[:, j]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], absent.astype(np.int8), [0]])))
        starts, stops = edges[::2], edges[1::2]
        short = (starts > 0) & (stops < n_frames) & (stops - starts <= max_frames)
        if not short.any():
            continue
        bounds = np.zeros(n_frames + 1, dtype=np.int64)
        np.add.at(bounds, starts[short], 1)
        np.add.at(bounds, stops[short], -1)
        fill = np.cumsum(bounds[:-1]) > 0
        # each filled frame lies between a present frame `before` and one `after` it
        index = np.arange(n_frames)
        before = np.maximum.accumulate(np.where(absent, 0, index))[fill]
        after = np.minimum.accumulate(np.where(absent, n_frames - 1, index)[::-1])[::-1][fill]
        share = (times[fill] - times[before]) / (times[after] - times[before])
        joint = positions[:, j].astype(np.float64)
        step = joint[after] - joint[before]
        positions[fill, j] = joint[before] + share[:, None] * step
        gaps += int(short.sum())
        repaired += int(fill.sum())
        joints += 1
    left = int(np.isnan(positions).any(axis=2).sum())
    parts = []
    if gaps:
        parts.append(
            f"{_count(gaps, 'short gap')} ({_count(repaired, 'sample')}) in "
            f"{_count(joints, 'joint')} interpolated"
        )
    if left:
        share = 100.0 * left / missing.size
        shown = f"{share:.1f}%" if share >= 0.05 else "<0.1%"
        parts.append(f"{_count(left, 'sample')} ({shown}) left missing")
    return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---- formats: readers and writers registered by extension in emolab.io.formats ----------


@reader_boundary
def read_motion(path: str | Path, **options) -> BodyClip:
    """Read a body-movement file by its extension (.bvh, .csv, .npz, .c3d): joint
    positions (:class:`MotionClip`), or accelerometers (:class:`SensorClip`) from a CSV
    in the accelerometer layout (:mod:`emolab.io.imu_csv`)."""
    path = Path(path)
    reader = motion_reader(path)
    if not path.exists():
        raise CorruptFile("file does not exist", path)
    if path.stat().st_size == 0:
        raise EmptyFile("file is empty (0 bytes)", path)
    return reader(path, **options)


def write_motion(path: str | Path, clip: BodyClip, **options) -> None:
    """Write a clip in the format its extension names (accelerometers: CSV only)."""
    path = Path(path)
    writer = motion_writer(path)
    if isinstance(clip, SensorClip) and path.suffix.lower() != ".csv":
        raise UnsupportedFormat(
            f"accelerometer clips are written as CSV, not '{path.suffix}' (which holds positions)",
            path,
        )
    writer(path, clip, **options)
