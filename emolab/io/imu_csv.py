"""Per-joint accelerometer (IMU) CSV files: long format, one row per sensor and sample.

::

    # emolab-imu v1 gravity=included height=1.72
    time,joint,ax,ay,az,gx,gy,gz
    0.000,LeftHand,0.31,9.72,0.85,0.020,-0.104,0.011
    0.000,RightHand,-0.12,9.80,0.40,0.003,0.051,-0.020
    0.010,LeftHand,0.35,9.69,0.88,0.025,-0.110,0.012

Columns, named in the header (any case, any order):

- ``time``: seconds from the start of the recording, on the clock the audio starts on (the
  recording's audio↔motion offset applies as for any body file). Rows come in time order;
  the rows of one sample share its time stamp.
- ``joint``: the joint the sensor sits on, by the names the other formats use
  (``LeftHand``, ``HandLeft``, ``LeftWrist``, ``Head``, ``Hips``, ``SpineShoulder`` …), so
  its role (hand, head, pelvis …) comes from the bundled skeleton topologies.
- ``ax``, ``ay``, ``az``: acceleration in m/s² along the sensor's own axes, as an
  accelerometer reports it: with gravity (a sensor at rest reads about 9.81 m/s²).
- ``gx``, ``gy``, ``gz`` (optional; all three or none): angular velocity in rad/s about
  the same axes.

Other columns (a magnetometer's ``mx``, a temperature) are ignored, with a warning. Leading
``#`` lines may carry ``key=value`` settings:

- ``gravity``: ``included`` (the default) or ``removed`` (the file holds linear
  acceleration, gravity already subtracted).
- ``height``: the participant's height in metres. Body features are in body heights;
  without it 1.7 m is assumed and the features are flagged ``assumed_height``.
- ``accel``: ``m/s2`` (the default) or ``g`` (× 9.80665 m/s²); ``gyro``: ``rad/s`` (the
  default) or ``deg/s``.

Every distinct time is a frame. A sensor without a row at a frame, an empty cell, ``nan``
or ``inf`` is a missing sample; gaps up to 0.25 s are interpolated and longer ones stay
missing, as in every reader (:mod:`emolab.io.motion`). Sensors sampled on clocks of their
own should be resampled to common time stamps first: each stamp of one sensor is a frame
where the others are missing. A time that goes back, a sensor twice at one time, or a cell
that is not a number is an error naming the line.

A ``.csv`` is read in this layout when its header has a ``joint`` column; the wide
position layout (:mod:`emolab.io.motion_csv`, ``<joint>_x,<joint>_y,<joint>_z``) never
has one.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile
from emolab.io.boundary import reader_boundary
from emolab.io.csv_text import (
    CsvPreamble,
    line_of,
    number_cells,
    read_preamble,
    rows_with_lines,
)
from emolab.io.motion import SensorClip, check_sample_count, sensor_clip_from_samples
from emolab.io.skeletons import skeleton_for_names

#: The first word of the settings line this module writes.
FORMAT_TAG = "emolab-imu"
ACCELERATION_COLUMNS = ("ax", "ay", "az")
ANGULAR_VELOCITY_COLUMNS = ("gx", "gy", "gz")
#: Standard gravity (m/s²): 1 g.
STANDARD_GRAVITY = 9.80665
#: Acceleration units a file may declare (``accel=``), in m/s² per unit.
ACCELERATION_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "m/s²": 1.0, "g": STANDARD_GRAVITY}
#: Angular velocity units a file may declare (``gyro=``), in rad/s per unit.
ANGULAR_VELOCITY_UNITS = {"rad/s": 1.0, "deg/s": math.pi / 180, "°/s": math.pi / 180}
_GRAVITY = {"included": True, "removed": False}


def is_sensor_header(header: Sequence[str]) -> bool:
    """Whether a CSV header is this layout's: it has a ``joint`` column."""
    return any(h.strip().lower() == "joint" for h in header)


@reader_boundary
def read_imu_csv(path: str | Path) -> SensorClip:
    """Read a per-joint accelerometer CSV (see the module docs)."""
    path = Path(path)
    return sensor_clip_from_preamble(read_preamble(path), path)


def _setting(settings: dict[str, str], key: str, table: dict, default: str, path: Path):
    value = settings.get(key, default)
    if value.lower() not in table:
        raise CorruptFile(f"'# {key}={value}' is not one of {', '.join(table)}", path)
    return table[value.lower()]


def sensor_clip_from_preamble(preamble: CsvPreamble, path: Path) -> SensorClip:
    """The sensor clip of a CSV whose header has a ``joint`` column."""
    header = [h.lower() for h in preamble.header]
    header_line = preamble.header_line
    for name in header:
        if name and header.count(name) > 1:
            raise CorruptFile(f"column '{name}' appears more than once", path, header_line)
    lacking = [c for c in ("time", "joint", *ACCELERATION_COLUMNS) if c not in header]
    if lacking:
        raise CorruptFile(
            f"an accelerometer CSV (it has a 'joint' column) needs the columns time, joint, "
            f"ax, ay, az; this one lacks {', '.join(lacking)}",
            path,
            header_line,
        )
    gyro_columns = [c for c in ANGULAR_VELOCITY_COLUMNS if c in header]
    if gyro_columns and len(gyro_columns) != 3:
        raise CorruptFile(
            f"has gyroscope column(s) {', '.join(gyro_columns)} but not all of gx, gy, gz",
            path,
            header_line,
        )
    settings = preamble.settings
    accel_scale = _setting(settings, "accel", ACCELERATION_UNITS, "m/s2", path)
    gyro_scale = _setting(settings, "gyro", ANGULAR_VELOCITY_UNITS, "rad/s", path)
    gravity_included = _setting(settings, "gravity", _GRAVITY, "included", path)
    body_height = None
    if "height" in settings:
        try:
            body_height = float(settings["height"])
        except ValueError:
            raise CorruptFile(
                f"'# height={settings['height']}' is not a height in metres", path
            ) from None
    numeric = ["time", *ACCELERATION_COLUMNS, *(ANGULAR_VELOCITY_COLUMNS if gyro_columns else ())]
    used = [header.index(c) for c in numeric]
    joint_column = header.index("joint")
    ignored = [
        preamble.header[i] or f"column {i + 1}"
        for i, name in enumerate(header)
        if name not in numeric and name != "joint"
    ]

    first_data = preamble.header_index + 1
    data = [line for line in preamble.lines[first_data:] if line.strip()]
    if not data:
        raise EmptyFile("has no sensor samples", path)
    check_sample_count(len(data), 1, path)
    parsed = _parse_fast(data, len(header), used, joint_column)
    if parsed is None:
        rows = rows_with_lines(preamble.lines, first_data, path)
        values = number_cells(rows, preamble.header, path, used)
        joints = [row[joint_column].strip() for _, row in rows]
        line_numbers = [line for line, _ in rows]
    else:
        values, joints = parsed
        line_numbers = None

    def line(row: int) -> int:
        if line_numbers is not None:
            return line_numbers[row]
        return line_of(preamble.lines, preamble.header_index, row)

    frame_times, sensors, grids = _on_grid(values, joints, line, gyro_columns != [],
                                           (accel_scale, gyro_scale), path)  # fmt: skip
    skeleton = skeleton_for_names(sensors)
    clip = sensor_clip_from_samples(frame_times, grids[0], grids[1], skeleton, path,
                                    gravity_included, body_height)  # fmt: skip
    if ignored:
        note = f"columns {', '.join(ignored)} ignored (not time, joint, ax–az or gx–gz)"
        clip = replace(clip, warnings=(*clip.warnings, note))
    return clip


def _on_grid(values: np.ndarray, joints: list[str], line, gyroscopes: bool,
             scales: tuple[float, float], path: Path):  # fmt: skip
    """(frame times, sensor names, [acceleration, angular velocity or None] as frames ×
    sensors × 3) from rows of (time, ax, ay, az[, gx, gy, gz]) and their sensors; an error
    names the line (``line(row)``) of a time that is not finite or goes back, or of a
    sensor twice at one time."""
    times = values[:, 0]
    if not np.isfinite(times).all():
        raise CorruptFile(
            "time is empty or not finite", path, line(int(np.argmax(~np.isfinite(times))))
        )
    steps = np.diff(times)
    if (steps < 0).any():
        bad = int(np.argmax(steps < 0)) + 1
        raise CorruptFile(
            f"time goes back (from {times[bad - 1]:g} to {times[bad]:g} s); rows must come "
            f"in time order",
            path,
            line(bad),
        )
    sensor_index: dict[str, int] = {}
    codes = np.empty(len(joints), dtype=np.int64)
    for row, name in enumerate(joints):
        if name not in sensor_index:
            if not name:
                raise CorruptFile("joint is empty", path, line(row))
            if not name.isprintable():
                raise CorruptFile(f"joint {name!r} is not printable text", path, line(row))
            sensor_index[name] = len(sensor_index)
        codes[row] = sensor_index[name]
    frame = np.concatenate([[0], np.cumsum(steps > 0)])
    n_frames, n_sensors = int(frame[-1]) + 1, len(sensor_index)
    check_sample_count(n_frames, n_sensors, path)
    slot = frame * n_sensors + codes
    order = np.argsort(slot, kind="stable")
    twice = np.flatnonzero(slot[order][1:] == slot[order][:-1])
    if twice.size:
        first, again = int(order[twice[0]]), int(order[twice[0] + 1])
        raise CorruptFile(
            f"sensor '{joints[again]}' has two rows at {times[again]:g} s (the other on line "
            f"{line(first)})",
            path,
            line(again),
        )
    frame_times = times[np.flatnonzero(np.concatenate([[True], steps > 0]))]
    grids = []
    for start, scale in ((1, scales[0]), (4, scales[1])):
        if start == 4 and not gyroscopes:
            grids.append(None)
            continue
        grid = np.full((n_frames, n_sensors, 3), np.nan)
        with np.errstate(all="ignore"):
            grid[frame, codes] = values[:, start : start + 3] * scale
        grids.append(grid)
    return frame_times, list(sensor_index), grids


def _parse_fast(data: list[str], columns: int, used: list[int],
                joint_column: int) -> tuple[np.ndarray, list[str]] | None:  # fmt: skip
    """Numbers with numpy's C parser and joints by splitting, or None when any row needs
    the careful path (quoting, empty cells, a wrong number of cells, a bad value)."""
    if any('"' in line or line.count(",") != columns - 1 for line in data):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(data, delimiter=",", usecols=used, dtype=np.float64, ndmin=2,
                                comments=None)  # fmt: skip
    except (ValueError, TypeError, IndexError):
        return None
    if values.shape != (len(data), len(used)):
        return None
    return values, [line.split(",")[joint_column].strip() for line in data]


def write_imu_csv(path: str | Path, clip: SensorClip, precision: int = 6) -> None:
    """Write a sensor clip as an accelerometer CSV (m/s², rad/s), a row per sensor and
    frame; missing samples are empty cells, times keep every digit."""
    gyro = clip.angular_velocity
    words = [
        f"# {FORMAT_TAG} v1",
        f"gravity={'included' if clip.gravity_included else 'removed'}",
        "accel=m/s2",
        "gyro=rad/s",
    ]
    if clip.body_height is not None:
        words.append(f"height={clip.body_height:g}")
    header = ["time", "joint", *ACCELERATION_COLUMNS]
    if gyro is not None:
        header += ANGULAR_VELOCITY_COLUMNS
    fmt = f"{{:.{precision}f}}"

    def cells(values: np.ndarray) -> list[str]:
        return ["" if np.isnan(v) else fmt.format(v) for v in values.astype(np.float64)]

    with Path(path).open("w", encoding="utf-8", newline="") as out:
        out.write(" ".join(words) + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for f, t in enumerate(clip.frame_times):
            for j, name in enumerate(clip.joint_names):
                row = [repr(float(t)), name, *cells(clip.acceleration[f, j])]
                if gyro is not None:
                    row += cells(gyro[f, j])
                writer.writerow(row)
