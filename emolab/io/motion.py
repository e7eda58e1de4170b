"""Body-joint movement: :class:`MotionClip` and readers/writers registered by format.

Every reader returns joint positions in metres, y up, as float32 (frames × joints × 3),
with frame times in seconds. Joints missing in a frame stay NaN — never zero — and the
clip reports how much is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.skeletons import Skeleton, skeleton_for_names

#: Length units a motion file may use, in metres per unit.
UNIT_SCALES: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "dm": 0.1}

#: Body height that unit inference aims for (m); a skeleton spanning 1.7 units is in metres.
REFERENCE_HEIGHT = 1.7


def infer_units(height_in_file_units: float) -> str:
    """The unit that makes a figure ``height`` tall closest (in log ratio) to 1.7 m."""
    if not np.isfinite(height_in_file_units) or height_in_file_units <= 0:
        return "m"
    return min(
        UNIT_SCALES,
        key=lambda u: abs(np.log(height_in_file_units * UNIT_SCALES[u] / REFERENCE_HEIGHT)),
    )


@dataclass(frozen=True)
class MotionClip:
    """Joint positions over time: metres, y up, NaN where a joint is missing."""

    frame_times: np.ndarray  # (frames,) seconds, increasing
    positions: np.ndarray  # (frames, joints, 3) float32 metres
    skeleton: Skeleton
    path: Path | None = None
    source_units: str = "m"

    def __post_init__(self) -> None:
        if self.positions.ndim != 3 or self.positions.shape[2] != 3:
            raise ValueError(f"positions must be frames × joints × 3, not {self.positions.shape}")
        if self.positions.shape[0] != self.frame_times.shape[0]:
            raise ValueError("frame_times and positions differ in frame count")
        if self.positions.shape[1] != self.skeleton.n_joints:
            raise ValueError("positions and skeleton differ in joint count")

    @property
    def joint_names(self) -> tuple[str, ...]:
        return self.skeleton.joint_names

    @property
    def parents(self) -> tuple[int, ...]:
        return self.skeleton.parents

    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def n_joints(self) -> int:
        return int(self.positions.shape[1])

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
        """Share of (frame, joint) positions that are missing (NaN)."""
        if self.positions.size == 0:
            return 0.0
        return float(np.isnan(self.positions).any(axis=2).mean())

    def missing_per_joint(self) -> dict[str, float]:
        """Share of frames each joint is missing in (joints never missing are left out)."""
        frac = np.isnan(self.positions).any(axis=2).mean(axis=0)
        return {n: float(f) for n, f in zip(self.joint_names, frac, strict=True) if f > 0}

    def frame_at(self, seconds: float) -> int:
        """Index of the frame shown at ``seconds``: the last frame starting at or before it."""
        i = int(np.searchsorted(self.frame_times, seconds, side="right")) - 1
        return min(max(i, 0), self.n_frames - 1)


MotionReader = Callable[..., MotionClip]
MotionWriter = Callable[..., None]
_READERS: dict[str, MotionReader] = {}
_WRITERS: dict[str, MotionWriter] = {}


def register_reader(suffix: str, reader: MotionReader) -> None:
    _READERS[suffix.lower()] = reader


def register_writer(suffix: str, writer: MotionWriter) -> None:
    _WRITERS[suffix.lower()] = writer


def _ensure_registered() -> None:
    # Format modules register themselves on import; importing here keeps them lazy.
    from emolab.io import bvh, motion_csv  # noqa: F401

    if ".npz" not in _READERS:
        register_reader(".npz", read_motion_npz)
        register_writer(".npz", write_motion_npz)


def motion_formats() -> list[str]:
    _ensure_registered()
    return sorted(_READERS)


def read_motion(path: str | Path, **options) -> MotionClip:
    """Read a body-movement file by its extension (.bvh, .csv, .npz)."""
    _ensure_registered()
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormat(
            f"'{path.suffix or '(no extension)'}' is not a motion format emolab reads "
            f"({', '.join(sorted(_READERS))})",
            path,
        )
    if not path.exists():
        raise CorruptFile("file does not exist", path)
    if path.stat().st_size == 0:
        raise EmptyFile("file is empty (0 bytes)", path)
    return reader(path, **options)


def write_motion(path: str | Path, clip: MotionClip, **options) -> None:
    """Write a clip in the format its extension names."""
    _ensure_registered()
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise UnsupportedFormat(f"cannot write motion as '{path.suffix}'", path)
    writer(path, clip, **options)


def read_motion_npz(path: str | Path, units: str | None = None) -> MotionClip:
    """Read an NPZ with ``positions`` (frames × joints × 3), ``joint_names`` and
    ``frame_times`` or ``fps``; optional ``parents`` and ``units``. Never unpickles."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as exc:
        raise CorruptFile("holds Python objects, which emolab never unpickles", path) from exc
    except (OSError, EOFError, KeyError) as exc:
        raise CorruptFile(f"is not a readable NPZ archive: {exc}", path) from exc
    for key in ("positions", "joint_names"):
        if key not in arrays:
            raise CorruptFile(f"NPZ lacks the '{key}' array", path)
    positions = np.asarray(arrays["positions"], dtype=np.float64)
    names = [str(n) for n in arrays["joint_names"].tolist()]
    if positions.ndim != 3 or positions.shape[2] != 3 or positions.shape[1] != len(names):
        raise CorruptFile(
            f"positions have shape {positions.shape}; expected frames × {len(names)} × 3", path
        )
    if positions.shape[0] == 0:
        raise EmptyFile("has no frames", path)
    if "frame_times" in arrays:
        times = np.asarray(arrays["frame_times"], dtype=np.float64)
        if times.shape != (positions.shape[0],):
            raise CorruptFile("frame_times and positions differ in frame count", path)
    elif "fps" in arrays:
        times = np.arange(positions.shape[0]) / float(arrays["fps"])
    else:
        raise CorruptFile("NPZ has neither 'frame_times' nor 'fps'", path)
    if times.size > 1 and not (np.diff(times) > 0).all():
        raise CorruptFile("frame times do not increase", path)
    parents = arrays["parents"].astype(int).tolist() if "parents" in arrays else None
    file_units = str(arrays["units"]) if "units" in arrays else None
    chosen = units or file_units or infer_units(_figure_height(positions))
    if chosen not in UNIT_SCALES:
        raise CorruptFile(f"unknown length unit '{chosen}'", path)
    return MotionClip(
        frame_times=times,
        positions=(positions * UNIT_SCALES[chosen]).astype(np.float32),
        skeleton=skeleton_for_names(names, parents),
        path=path,
        source_units=chosen,
    )


def write_motion_npz(path: str | Path, clip: MotionClip) -> None:
    """Write a clip as NPZ in metres (plain arrays only, loadable without pickle)."""
    np.savez_compressed(
        path,
        positions=clip.positions.astype(np.float32),
        frame_times=clip.frame_times.astype(np.float64),
        joint_names=np.array(clip.joint_names, dtype=str),
        parents=np.array(clip.parents, dtype=np.int32),
        units=np.array("m"),
    )


def _figure_height(positions: np.ndarray) -> float:
    """Vertical extent of the figure (file units), from the first frame with data."""
    with np.errstate(all="ignore"):
        for frame in positions[: min(len(positions), 50)]:
            y = frame[:, 1]
            y = y[np.isfinite(y)]
            if y.size >= 2:
                return float(y.max() - y.min())
    return float("nan")
