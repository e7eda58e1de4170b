"""NPZ motion files: numpy arrays in a zip archive, read without ever unpickling.

An archive holds ``positions`` (frames × joints × 3) and ``joint_names``, with
``frame_times`` (s) or ``fps``, and optionally ``parents`` and ``units``. Every array's
header is checked against the archive's sizes before anything is allocated, so a
decompression bomb or a header that lies is a :class:`CorruptFile`, not an allocation.
"""

from __future__ import annotations

import lzma
import math
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile
from emolab.io.boundary import reader_boundary
from emolab.io.formats import register_reader, register_writer
from emolab.io.motion import MAX_SAMPLES, MotionClip, clip_from_samples, figure_height, infer_units
from emolab.io.skeletons import parents_problem, skeleton_for_names

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
    chosen = units or file_units or infer_units(figure_height(positions))
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


register_reader(".npz", read_motion_npz)
register_writer(".npz", write_motion_npz)
