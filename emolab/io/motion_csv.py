"""Wide CSV motion files: an optional ``time`` column, then ``<joint>_x,<joint>_y,<joint>_z``.

Optional leading comment lines carry settings as ``key=value`` words::

    # emolab-motion v1 skeleton=kinect_v2 units=m fps=60 up=y
    time,SpineBase_x,SpineBase_y,SpineBase_z,...
    0.000000,0.01,0.95,2.10,...

- ``units``: m, cm, mm, in or dm; inferred from the figure's height when absent.
- ``fps``: needed only when there is no time column.
- ``up``: y (default) or z; z-up data is turned to y-up (x, z, −y).
- ``parents``: comma-separated parent index per joint (−1 for a root).
Empty cells, ``nan`` and ``inf`` mark a missing joint (short gaps are repaired, see
:mod:`emolab.io.motion`). Joints are matched to a bundled topology
(Kinect v2, humanoid BVH names) for parents and roles.

A ``.csv`` whose header has a ``joint`` column holds per-joint accelerometers in long
format instead, and is read by :mod:`emolab.io.imu_csv`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile
from emolab.io.boundary import reader_boundary
from emolab.io.csv_text import (
    line_of,
    number_cells,
    positive_number,
    read_preamble,
    rows_with_lines,
)
from emolab.io.formats import register_reader, register_writer
from emolab.io.imu_csv import is_sensor_header, sensor_clip_from_preamble, write_imu_csv
from emolab.io.motion import (
    UNIT_SCALES,
    BodyClip,
    SensorClip,
    check_sample_count,
    clip_from_samples,
    figure_height,
    infer_units,
)
from emolab.io.skeletons import parents_problem, skeleton_for_names

TIME_COLUMNS = ("time", "t", "timestamp", "seconds")
_AXES = ("x", "y", "z")


@reader_boundary
def read_motion_csv(path: str | Path, units: str | None = None) -> BodyClip:
    """Read a wide CSV motion file (see module docs), or a per-joint accelerometer CSV
    when its header has a ``joint`` column (:mod:`emolab.io.imu_csv`; ``units``, a length
    unit, does not apply to it); errors name the file and line."""
    path = Path(path)
    preamble = read_preamble(path)
    if is_sensor_header(preamble.header):
        return sensor_clip_from_preamble(preamble, path)
    lines, settings, header = preamble.lines, preamble.settings, preamble.header
    first, header_line = preamble.header_index, preamble.header_line
    has_time = header[0].lower() in TIME_COLUMNS
    coords = header[1:] if has_time else header
    if not coords or len(coords) % 3:
        raise CorruptFile(
            f"header has {len(coords)} coordinate columns; expected <joint>_x,_y,_z triplets",
            path,
            header_line,
        )
    names = []
    for j in range(0, len(coords), 3):
        triplet = coords[j : j + 3]
        stems = {c.rsplit("_", 1)[0] for c in triplet}
        axes = [c.rsplit("_", 1)[-1].lower() if "_" in c else "" for c in triplet]
        if len(stems) != 1 or axes != list(_AXES):
            raise CorruptFile(
                f"columns {', '.join(triplet)} are not one joint's _x, _y, _z", path, header_line
            )
        names.append(stems.pop())
    body = [line for line in lines[first + 1 :] if line.strip()]
    if not body:
        raise EmptyFile("has no motion frames", path)
    check_sample_count(len(body), len(names), path)
    values = _parse_fast(body, len(header))
    if values is None:
        values = number_cells(rows_with_lines(lines, first + 1, path), header, path)
    if has_time:
        times = values[:, 0]
        if not np.isfinite(times).all():
            bad = int(np.argmax(~np.isfinite(times)))
            raise CorruptFile("time is empty or not finite", path, line_of(lines, first, bad))
        if times.size > 1 and not (np.diff(times) > 0).all():
            bad = int(np.argmax(np.diff(times) <= 0)) + 1
            raise CorruptFile("time does not increase", path, line_of(lines, first, bad))
        positions = values[:, 1:]
    else:
        if "fps" not in settings:
            raise CorruptFile("has no time column and no '# fps=' setting", path)
        fps = positive_number(settings["fps"])
        if fps is None:
            raise CorruptFile(
                f"'# fps={settings['fps']}' is not a positive frame rate in frames per second",
                path,
            )
        with np.errstate(all="ignore"):
            times = np.arange(len(values)) / fps
        positions = values
    positions = positions.reshape(len(values), len(names), 3)
    up = settings.get("up", "y").lower()
    if up == "z":
        positions = np.stack([positions[..., 0], positions[..., 2], -positions[..., 1]], axis=-1)
    elif up != "y":
        raise CorruptFile(f"up axis '{up}' is not y or z", path)
    chosen = units or settings.get("units") or infer_units(figure_height(positions))
    if chosen not in UNIT_SCALES:
        raise CorruptFile(f"unknown length unit '{chosen}'", path)
    parents = None
    if "parents" in settings:
        try:
            parents = [int(p) for p in settings["parents"].split(",")]
        except ValueError:
            raise CorruptFile("'# parents=' is not a list of whole numbers", path) from None
        problem = parents_problem(parents, len(names))
        if problem:
            raise CorruptFile(f"'# parents=' is not a skeleton: {problem}", path)
    skeleton = skeleton_for_names(names, parents, name=settings.get("skeleton", "custom"))
    return clip_from_samples(times, positions, skeleton, path, chosen)


def _parse_fast(lines: list[str], columns: int) -> np.ndarray | None:
    """All cells at once with numpy's C parser, or None when any row needs the careful
    path (empty cells, quoting, a bad value: that path names the line and the cell)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(lines, delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except (ValueError, TypeError, IndexError):
        return None
    if values.shape != (len(lines), columns):
        return None
    return values


def write_motion_csv(path: str | Path, clip: BodyClip, precision: int = 6) -> None:
    """Write a clip as wide CSV in metres, y up, with a settings comment line (a
    :class:`SensorClip` in the accelerometer layout, :func:`write_imu_csv`)."""
    if isinstance(clip, SensorClip):
        write_imu_csv(path, clip, precision)
        return
    header = ["time"] + [f"{n}_{a}" for n in clip.joint_names for a in _AXES]
    flat = clip.positions.reshape(clip.n_frames, -1).astype(np.float64)
    fmt = f"{{:.{precision}f}}"
    lines = [
        f"# emolab-motion v1 skeleton={clip.skeleton.name} units=m up=y fps={clip.fps:.6g}",
        "# parents=" + ",".join(str(p) for p in clip.parents),
        ",".join(header),
    ]
    for t, row in zip(clip.frame_times, flat, strict=True):
        cells = ["" if np.isnan(v) else fmt.format(v) for v in row]
        lines.append(f"{t:.6f}," + ",".join(cells))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


register_reader(".csv", read_motion_csv)
register_writer(".csv", write_motion_csv)
