"""Body-joint movement: :class:`MotionClip` and readers/writers registered by format.

Every reader returns joint positions in metres, y up, as float32 (frames × joints × 3),
with frame times in seconds, finite and increasing. A file that cannot be read raises an
:class:`~emolab.core.errors.EmolabError` naming the file and the reason, never anything
else, so an import can reject that one file and go on.

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

import lzma
import math
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.boundary import reader_boundary
from emolab.io.skeletons import Skeleton, parents_problem, skeleton_for_names

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


@dataclass(frozen=True)
class MotionClip:
    """Joint positions over time: metres, y up, NaN where a joint is missing."""

    frame_times: np.ndarray  # (frames,) seconds, increasing
    positions: np.ndarray  # (frames, joints, 3) float32 metres
    skeleton: Skeleton
    path: Path | None = None
    source_units: str = "m"
    warnings: tuple[str, ...] = ()  # what reading repaired or found missing, for people

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


def clip_from_samples(
    frame_times: np.ndarray,
    positions: np.ndarray,
    skeleton: Skeleton,
    path: Path | None,
    source_units: str,
) -> MotionClip:
    """A checked clip from frame times (s) and positions (frames × joints × 3) in
    ``source_units``: scaled to metres, non-finite samples missing, short gaps repaired."""
    times = np.asarray(frame_times, dtype=np.float64)
    if positions.ndim != 3 or positions.shape[2] != 3:
        raise CorruptFile(
            f"positions have shape {positions.shape}; expected frames × joints × 3", path
        )
    n_frames, n_joints = positions.shape[:2]
    if n_frames == 0:
        raise EmptyFile("has no motion frames", path)
    if n_joints == 0:
        raise EmptyFile("has no joints", path)
    check_sample_count(n_frames, n_joints, path)
    if times.shape != (n_frames,):
        raise CorruptFile(f"{times.size} frame times for {n_frames} frames", path)
    check_frame_times(times, path)
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


# ---- formats -----------------------------------------------------------------------------

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


@reader_boundary
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


# ---- NPZ ---------------------------------------------------------------------------------

_NPZ_KEYS = frozenset({"positions", "joint_names", "frame_times", "fps", "parents", "units"})
#: Largest array an NPZ may unpack to (bytes): MAX_SAMPLES positions as float64.
_MAX_NPZ_ARRAY_BYTES = MAX_SAMPLES * 3 * 8
#: Deflate cannot compress better than about 1032:1.
_MAX_DEFLATE_RATIO = 1100


def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays emolab uses from an NPZ archive. Each header is checked against the
    archive's sizes before anything is allocated; object arrays are refused, never
    unpickled."""
    from numpy.lib import format as npy

    archive_size = path.stat().st_size
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            if key == info.filename or key not in _NPZ_KEYS or key in arrays:
                continue
            stored = info.compress_type == zipfile.ZIP_STORED
            deflated = info.compress_type == zipfile.ZIP_DEFLATED
            bomb = (
                info.compress_size > archive_size
                or info.file_size > _MAX_NPZ_ARRAY_BYTES
                or (stored and info.file_size != info.compress_size)
                or (deflated and info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024)
            )
            if bomb:
                raise CorruptFile(
                    f"array '{key}' declares {info.file_size} bytes, which its archive cannot "
                    f"hold or emolab does not read",
                    path,
                )
            with archive.open(info) as fh:
                version = npy.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = npy.read_array_header_1_0(fh)
                elif version == (2, 0):
                    shape, _, dtype = npy.read_array_header_2_0(fh)
                else:
                    raise CorruptFile(
                        f"array '{key}' uses .npy version {version[0]}.{version[1]}, which "
                        f"emolab does not read",
                        path,
                    )
                if dtype.hasobject:
                    raise CorruptFile("holds Python objects, which emolab never unpickles", path)
                declared = math.prod(shape) * dtype.itemsize
                held = info.file_size - fh.tell()
                if declared != held or dtype.itemsize == 0:
                    raise CorruptFile(
                        f"array '{key}' declares shape {shape} of {dtype} ({declared} bytes) "
                        f"but holds {held} bytes",
                        path,
                    )
            with archive.open(info) as fh:
                arrays[key] = npy.read_array(fh, allow_pickle=False)
    return arrays


def _numeric(array: np.ndarray, what: str, path: Path) -> np.ndarray:
    if array.dtype.kind not in "iuf":
        raise CorruptFile(f"{what} are not numbers (stored as {array.dtype})", path)
    return array.astype(np.float64)


@reader_boundary
def read_motion_npz(path: str | Path, units: str | None = None) -> MotionClip:
    """Read an NPZ with ``positions`` (frames × joints × 3), ``joint_names`` and
    ``frame_times`` or ``fps``; optional ``parents`` and ``units``. Never unpickles."""
    path = Path(path)
    try:
        arrays = _npz_arrays(path)
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        ValueError,
        struct.error,
        RuntimeError,  # encrypted members, unknown compression methods
        OverflowError,
    ) as exc:
        raise CorruptFile(f"is not a readable NPZ archive: {exc}", path) from exc
    for key in ("positions", "joint_names"):
        if key not in arrays:
            raise CorruptFile(f"NPZ lacks the '{key}' array", path)
    positions = _numeric(arrays["positions"], "positions", path)
    names_array = arrays["joint_names"]
    if names_array.ndim != 1 or names_array.dtype.kind != "U":
        raise CorruptFile(
            f"joint_names must be a list of text, not {names_array.dtype} of shape "
            f"{names_array.shape}",
            path,
        )
    names = [str(n) for n in names_array.tolist()]
    for name in names:
        if not name.isprintable():
            raise CorruptFile(f"joint name {name!r} is not printable text", path)
    if positions.ndim != 3 or positions.shape[2] != 3 or positions.shape[1] != len(names):
        raise CorruptFile(
            f"positions have shape {positions.shape}; expected frames × {len(names)} × 3", path
        )
    if positions.shape[0] == 0:
        raise EmptyFile("has no frames", path)
    if "frame_times" in arrays:
        times = _numeric(arrays["frame_times"], "frame_times", path)
        if times.shape != (positions.shape[0],):
            raise CorruptFile("frame_times and positions differ in frame count", path)
    elif "fps" in arrays:
        fps_array = _numeric(arrays["fps"], "fps", path)
        if fps_array.size != 1 or fps_array.ndim > 1:
            raise CorruptFile(
                f"fps must be one number, not an array of shape {fps_array.shape}", path
            )
        fps = float(fps_array.reshape(()))
        if not (np.isfinite(fps) and fps > 0):
            raise CorruptFile(f"fps {fps} is not a positive frame rate", path)
        with np.errstate(all="ignore"):
            times = np.arange(positions.shape[0]) / fps
    else:
        raise CorruptFile("NPZ has neither 'frame_times' nor 'fps'", path)
    parents = None
    if "parents" in arrays:
        parents_array = arrays["parents"]
        if parents_array.dtype.kind not in "iu" or parents_array.ndim != 1:
            raise CorruptFile(
                f"parents must be a list of whole numbers, not {parents_array.dtype} of shape "
                f"{parents_array.shape}",
                path,
            )
        parents = [int(p) for p in parents_array.tolist()]
        problem = parents_problem(parents, len(names))
        if problem:
            raise CorruptFile(f"parents are not a skeleton: {problem}", path)
    file_units = None
    if "units" in arrays:
        units_array = arrays["units"]
        if units_array.dtype.kind != "U" or units_array.size != 1:
            raise CorruptFile(f"units must be one word, not {units_array.dtype}", path)
        file_units = str(units_array.reshape(()))
    chosen = units or file_units or infer_units(_figure_height(positions))
    return clip_from_samples(times, positions, skeleton_for_names(names, parents), path, chosen)


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
