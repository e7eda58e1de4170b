"""C3D motion-capture files: labelled 3-D marker trajectories (the ``c3d`` package).

Reading
  - The header and parameters are parsed by ``c3d.Reader`` (Intel, DEC and MIPS processor
    formats). Point data of Intel files (what current systems write) are decoded in one
    pass with numpy; DEC and MIPS files go through ``c3d``'s own frame reader. Before any
    frame is read, the declared frames and points are checked against the file's size
    and :data:`~emolab.io.motion.MAX_SAMPLES`, so a damaged header cannot make a reader
    allocate or loop beyond what the file holds. Analog channels (force plates, EMG) are
    not read.
  - Units: ``POINT:UNITS`` (mm, cm, m …). A file naming none has them inferred from the
    figure's height, with a warning; ``units=`` overrides.
  - Axes: ``POINT:X_SCREEN`` / ``Y_SCREEN`` say which lab axes point right and up on
    screen (typically +X and +Z); positions are turned so that the up axis is y (the
    frame stays right-handed). A file without them is taken as z up, the usual lab frame,
    with a warning; ``up="y"`` or ``"z"`` overrides.
  - Frame k is at k / ``POINT:RATE`` seconds: the first stored frame is time 0, also for a
    trial cropped from a longer capture (the player's offset moves it against the audio).
  - Missing samples: a negative residual word (C3D's mark of an invalid sample),
    coordinates that are not finite, or all three exactly 0 (what many exporters write in
    a gap) are missing (NaN), then handled as in every reader: gaps up to 0.25 s
    interpolated, longer ones left missing.
  - Points that are not positions are left out, with a warning: the labels listed in
    ``POINT:ANGLES``, ``FORCES``, ``MOMENTS``, ``POWERS``, ``SCALARS`` or ``REACTIONS``
    (a model's outputs, e.g. Plug-in Gait's ``LKneeAngles``).

Markers → joints
  Labels are matched without a subject prefix (``Bob:LFHD``), spaces or case. When the
  file has Plug-in Gait markers, joint centres are made from groups of markers as
  ``resources/skeletons/plug_in_gait.json`` says, the first alternative whose markers the
  file has winning; a joint is the mean of its terms, a term a marker or the mean of a
  group of markers:

  ============== ==================================================================
  joint          made from
  ============== ==================================================================
  Head           mean of LFHD, RFHD, LBHD, RBHD (else of LFHD, RFHD)
  Neck           mean of C7 and CLAV (the base of the neck)
  Thorax         mean of C7, CLAV, T10, STRN (else of C7, CLAV)
  Pelvis         midpoint of mid-LASI/RASI and mid-LPSI/RPSI (or SACR)
  Shoulder       LSJC (a model's joint centre) else LSHO
  Elbow          LEJC else LELB
  Wrist          LWJC else the mean of LWRA and LWRB
  Hand           midpoint of the wrist (LWRA, LWRB) and LFIN
  Hip            LHJC else Harrington et al. (2007): from the mid-ASIS origin of the
                 pelvis frame (z from LASI to RASI, x forward through the PSIS or SACR
                 midpoint, y = z × x up), x = −0.24·PD − 9.9 mm, y = −0.30·PW − 10.9 mm,
                 z = ±(0.33·PW + 7.3 mm), PW the ASIS distance, PD mid-ASIS to mid-PSIS
  Knee           LKJC else LKNE
  Ankle          LAJC else LANK
  Heel, Toe      LHEE, LTOE
  ============== ==================================================================

  (right side alike with R). Marker-based centres lie on the skin, a few centimetres from
  the true joint centre (LKNE, LANK and LELB lateral to it); features that compare joints
  with each other are affected alike in every recording. A joint is missing in any frame
  where one of its markers is, never the mean of those that remain (that would jump).
  Every other point (a Plug-in Gait wand marker such as LTHI, a marker of another set) is
  kept as a joint of its own without bones: drawn as a point, and counted in whole-body
  features (quantity of motion, expansion). A file without Plug-in Gait markers keeps
  every point by its label; labels that name joints of a bundled topology (Kinect v2,
  humanoid BVH names) get its bones and roles.

Writing: a clip's joints become markers (mm, y up, 32-bit floats, at the clip's frame
rate); missing positions are invalid samples. C3D holds markers, not bones: a clip reads
back with the bones of the bundled topology its joint names match, if any.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.boundary import describe, reader_boundary
from emolab.io.formats import register_reader, register_writer
from emolab.io.motion import (
    UNIT_SCALES,
    MotionClip,
    check_sample_count,
    clip_from_samples,
    figure_height,
    infer_units,
)
from emolab.io.skeletons import (
    Skeleton,
    load_topology,
    normalise_joint_name,
    resolve_roles,
    skeleton_for_names,
)

#: The marker set whose markers are turned into joint centres.
MARKER_SET = "plug_in_gait"
#: POINT parameters listing labels of points that are not positions (model outputs).
NON_POSITION_LISTS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
_UNIT_NAMES = {
    "millimeter": "mm", "millimeters": "mm", "millimetre": "mm", "millimetres": "mm",
    "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm",
    "meter": "m", "meters": "m", "metre": "m", "metres": "m",
}  # fmt: skip
_SCREEN_AXIS = re.compile(r"^([+-])([XYZ])$")
#: Harrington et al. (2007) hip joint centre regression, metres: (coefficient of PD or
#: PW, constant) for the forward, upward and lateral offsets from mid-ASIS.
_HARRINGTON = {"forward": (-0.24, -0.0099), "up": (-0.30, -0.0109), "lateral": (0.33, 0.0073)}


@dataclass
class _Layout:
    """What the header and parameters say, checked against the file's size."""

    n_points: int
    n_frames: int
    rate: float
    scale: float  # < 0: 32-bit floats; > 0: 16-bit integers times this
    processor: str  # 'INTEL', 'DEC' or 'MIPS'
    data_start: int  # byte offset of the first frame
    frame_bytes: int
    labels: list[str]
    units: str  # as the file names it, lower case ('' when it names none)
    screen: tuple[str, str] | None
    not_positions: set[str] = field(default_factory=set)  # normalised labels


def _strings(param) -> list[str]:
    """A C3D character parameter as strings (dimensions: length, count), decoded without
    walking its dimensions (a damaged one can declare billions of elements)."""
    if param is None or not param.dimensions:
        return []
    dims = list(param.dimensions)
    width, count = dims[0], (dims[1] if len(dims) > 1 else 1)
    if len(dims) > 2 or width <= 0:
        return []
    data = bytes(param.bytes)
    out = []
    for i in range(count):
        chunk = data[i * width : (i + 1) * width]
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            text = chunk.decode("latin-1")
        out.append("".join(c if c.isprintable() else " " for c in text).strip())
    return out


def _layout(handle, size: int, path: Path) -> tuple[_Layout, object]:
    """The file's layout, and the ``c3d.Reader`` that parsed it (for DEC / MIPS frames)."""
    import c3d

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # c3d warns about missing optional parameters
            reader = c3d.Reader(handle)
            n_points = int(reader.point_used)
            rate = float(reader.point_rate)
            scale = float(reader.point_scale)
            first, last = int(reader.first_frame), int(reader.last_frame)
            analog_words = int(reader.analog_used) * int(reader.analog_per_frame)
            data_block = int(reader.header.data_block)
            labels: list[str] = []
            for suffix in ("", *(str(k) for k in range(2, 100))):
                more = reader.get(f"POINT:LABELS{suffix}")
                if more is None or len(labels) >= n_points:
                    break
                labels += _strings(more)
            units = " ".join(_strings(reader.get("POINT:UNITS"))).strip().lower()
            x_screen = _strings(reader.get("POINT:X_SCREEN"))
            y_screen = _strings(reader.get("POINT:Y_SCREEN"))
            not_positions = {
                normalise_joint_name(label).upper()
                for name in NON_POSITION_LISTS
                for label in _strings(reader.get(f"POINT:{name}"))
                if label
            }
            processor = str(reader.proc_type)
    except Exception as exc:  # the c3d package reports bad content in many ways
        raise CorruptFile(f"is not a readable C3D file ({describe(exc)})", path) from exc
    if n_points <= 0:
        raise EmptyFile("has no 3-D points (POINT:USED is 0)", path)
    if not (np.isfinite(rate) and rate > 0):
        raise CorruptFile(f"POINT:RATE {rate:g} is not a frame rate in frames per second", path)
    if not (np.isfinite(scale) and scale != 0):
        raise CorruptFile(f"POINT:SCALE {scale:g} is not a scale factor", path)
    n_frames = last - first + 1
    if n_frames <= 0:
        raise EmptyFile(f"has no frames (first frame {first}, last {last})", path)
    check_sample_count(n_frames, n_points, path)
    word = 4 if scale < 0 else 2
    frame_bytes = (4 * n_points + analog_words) * word
    data_start = (data_block - 1) * 512
    if data_block < 1 or data_start + n_frames * frame_bytes > size:
        held = max(0, (size - data_start) // frame_bytes) if data_block >= 1 else 0
        raise CorruptFile(
            f"is truncated: declares {n_frames} frames of {n_points} points from byte "
            f"{data_start}, but holds {min(held, n_frames)} whole frames",
            path,
        )
    screen = (x_screen[0], y_screen[0]) if x_screen and y_screen else None
    layout = _Layout(n_points, n_frames, rate, scale, processor, data_start, frame_bytes,
                     labels, units, screen, not_positions)  # fmt: skip
    return layout, reader


def _points(handle, layout: _Layout, reader, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(coordinates in file units, float64 frames × points × 3; valid, frames × points)."""
    n, p = layout.n_frames, layout.n_points
    if layout.processor == "INTEL":
        handle.seek(layout.data_start)
        raw = handle.read(n * layout.frame_bytes)
        if layout.scale < 0:
            words = np.frombuffer(raw, "<f4").reshape(n, -1)[:, : 4 * p].reshape(n, p, 4)
            xyz = words[..., :3].astype(np.float64)
            with np.errstate(invalid="ignore"):
                valid = words[..., 3] >= 0
        else:
            words = np.frombuffer(raw, "<i2").reshape(n, -1)[:, : 4 * p].reshape(n, p, 4)
            xyz = words[..., :3] * layout.scale
            valid = words[..., 3] >= 0
        return xyz, valid & np.isfinite(xyz).all(axis=2)
    xyz = np.empty((n, p, 3))
    valid = np.empty((n, p), dtype=bool)
    frames = 0
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for k, (_, points, _) in enumerate(reader.read_frames(copy=False)):
                if k >= n:
                    break
                xyz[k] = points[:, :3]
                valid[k] = points[:, 3] >= 0
                frames = k + 1
    except Exception as exc:  # as in _layout
        raise CorruptFile(f"is not a readable C3D file ({describe(exc)})", path) from exc
    if frames < n:
        raise CorruptFile(f"is truncated: declares {n} frames, holds {frames}", path)
    return xyz, valid & np.isfinite(xyz).all(axis=2)


def _screen_axes(layout: _Layout, up: str | None, path: Path) -> tuple[np.ndarray, list[str]]:
    """The rotation (3 × 3, rows: new x, y, z in lab axes; a signed permutation) that puts
    the screen's up axis on y, and a warning when the file does not say which axis is up."""
    unit = {"X": np.array([1.0, 0, 0]), "Y": np.array([0, 1.0, 0]), "Z": np.array([0, 0, 1.0])}
    said: list[str] = []
    if up is not None:
        if up.lower() not in ("y", "z"):
            raise CorruptFile(f"up axis '{up}' is not y or z", path)
        right, upward = unit["X"], unit[up.upper()]
    else:
        parsed = None
        if layout.screen is not None:
            x, y = (_SCREEN_AXIS.match(a.strip().upper()) for a in layout.screen)
            if x and y and x.group(2) != y.group(2):
                parsed = tuple(
                    (-1.0 if m.group(1) == "-" else 1.0) * unit[m.group(2)] for m in (x, y)
                )
        if parsed is None:
            shown = "/".join(layout.screen) if layout.screen else "none"
            said.append(f"POINT:X_SCREEN/Y_SCREEN ({shown}) do not say which axis is up; "
                        f"taken as z up")  # fmt: skip
            right, upward = unit["X"], unit["Z"]
        else:
            right, upward = parsed
    return np.stack([right, upward, np.cross(right, upward)]), said


def _units(layout: _Layout, given: str | None, oriented: np.ndarray,
           path: Path) -> tuple[str, list[str]]:  # fmt: skip
    if given is not None:
        if given not in UNIT_SCALES:
            raise CorruptFile(f"unknown length unit '{given}'", path)
        return given, []
    declared = _UNIT_NAMES.get(layout.units, layout.units)
    if declared in UNIT_SCALES:
        return declared, []
    if declared:
        raise CorruptFile(f"POINT:UNITS '{layout.units}' is not a length unit emolab knows "
                          f"({', '.join(UNIT_SCALES)})", path)  # fmt: skip
    inferred = infer_units(figure_height(oriented))
    return inferred, [f"POINT:UNITS is missing; '{inferred}' inferred from the figure's height"]


@reader_boundary
def read_motion_c3d(path: str | Path, units: str | None = None,
                    up: str | None = None) -> MotionClip:  # fmt: skip
    """Read a C3D file's markers as joints (see the module docs): metres, y up."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(512)
        if len(head) < 512:
            raise CorruptFile(
                f"is too short for a C3D file ({len(head)} bytes; its header alone is 512)", path
            )
        if head[1] != 0x50:
            raise CorruptFile("is not a C3D file (its second byte is not the C3D mark 0x50)", path)
        layout, reader = _layout(handle, size, path)
        xyz, valid = _points(handle, layout, reader, path)
    said: list[str] = []
    rotation, note = _screen_axes(layout, up, path)
    said += note
    xyz[~valid | (xyz == 0).all(axis=2)] = np.nan
    oriented = np.empty_like(xyz)
    for axis, row in enumerate(rotation):  # a signed permutation of the lab axes
        source = int(np.argmax(np.abs(row)))
        np.multiply(xyz[..., source], row[source], out=oriented[..., axis])
    chosen, note = _units(layout, units, oriented, path)
    said += note
    with np.errstate(all="ignore"):
        metres = oriented * UNIT_SCALES[chosen]
    labels = [
        layout.labels[k] if k < len(layout.labels) and layout.labels[k] else f"Point{k + 1}"
        for k in range(layout.n_points)
    ]
    keep = [k for k in range(layout.n_points)
            if normalise_joint_name(labels[k]).upper() not in layout.not_positions]  # fmt: skip
    if len(keep) < layout.n_points:
        kept = set(keep)
        left_out = [labels[k] for k in range(layout.n_points) if k not in kept]
        said.append(
            f"{len(left_out)} model output{'s' if len(left_out) > 1 else ''} (not "
            f"positions) left out: {', '.join(left_out[:5])}{' …' if len(left_out) > 5 else ''}"
        )
    if not keep:
        raise EmptyFile("has no marker positions (every point is a model output)", path)
    positions, skeleton = joints_from_markers(metres[:, keep], [labels[k] for k in keep])
    times = np.arange(layout.n_frames) / layout.rate
    clip = clip_from_samples(times, positions, skeleton, path, "m")
    return replace(clip, source_units=chosen, warnings=(*said, *clip.warnings))


def _unique(names: list[str], taken: set[str]) -> list[str]:
    out = []
    for name in names:
        candidate, k = name, 1
        while candidate in taken:
            k += 1
            candidate = f"{name}#{k}"
        taken.add(candidate)
        out.append(candidate)
    return out


def joints_from_markers(markers: np.ndarray, labels: list[str]) -> tuple[np.ndarray, Skeleton]:
    """Joint centres (metres, frames × joints × 3) of the marker set, then the markers no
    centre used, and their skeleton (see the module docs). ``markers``: frames × markers
    × 3 in metres, y up, NaN where missing."""
    present: dict[str, int] = {}
    for k, label in enumerate(labels):
        key = normalise_joint_name(label).upper()
        if key not in present and not np.isnan(markers[:, k]).all():
            present[key] = k
    topology = load_topology(MARKER_SET)
    centres: dict[str, np.ndarray] = {}
    used: set[int] = set()
    for joint in topology.skeleton.joint_names:
        for alternative in topology.marker_groups.get(joint, []):
            made = _centre(alternative, joint, markers, present)
            if made is not None:
                centres[joint], consumed = made
                used |= consumed
                break
    rest = [k for k in range(len(labels)) if k not in used]
    if not centres:
        names = _unique(list(labels), set())
        return markers, skeleton_for_names(names, name="c3d")
    joints = list(centres)
    reference = topology.skeleton
    parents = []
    for joint in joints:
        p = reference.parents[reference.index(joint)]
        while p >= 0 and reference.joint_names[p] not in centres:  # past joints not made
            p = reference.parents[p]
        parents.append(joints.index(reference.joint_names[p]) if p >= 0 else -1)
    names = joints + _unique([labels[k] for k in rest], set(joints))
    parents += [-1] * len(rest)
    roles = resolve_roles(joints, topology.role_aliases)
    skeleton = Skeleton(topology.name, tuple(names), tuple(parents), roles)
    values = np.concatenate([np.stack(list(centres.values()), axis=1), markers[:, rest]], axis=1)
    return values, skeleton


def _centre(alternative, joint: str, markers: np.ndarray,
            present: dict[str, int]) -> tuple[np.ndarray, set[int]] | None:  # fmt: skip
    """One alternative of a joint centre (see the topology's ``markers_doc``), or None when
    the file lacks one of its markers: (frames × 3, the marker columns it used)."""
    if alternative == "harrington2007":
        side = -1.0 if joint.startswith("Left") else 1.0
        return _harrington_hip(markers, present, side)
    terms = []
    consumed: set[int] = set()
    for term in alternative:
        group = [term] if isinstance(term, str) else list(term)
        if not all(name in present for name in group):
            return None
        columns = [present[name] for name in group]
        consumed |= set(columns)
        terms.append(markers[:, columns].mean(axis=1))
    return np.mean(terms, axis=0), consumed


def _harrington_hip(markers: np.ndarray, present: dict[str, int],
                    side: float) -> tuple[np.ndarray, set[int]] | None:  # fmt: skip
    """Hip joint centre (metres) by Harrington et al. (2007, J Biomech 40:595), on the
    ``side`` (+1 right, −1 left), from LASI, RASI and LPSI + RPSI or SACR."""
    if "LASI" not in present or "RASI" not in present:
        return None
    if "LPSI" in present and "RPSI" in present:
        back = [present["LPSI"], present["RPSI"]]
    elif "SACR" in present:
        back = [present["SACR"]]
    else:
        return None
    left, right = markers[:, present["LASI"]], markers[:, present["RASI"]]
    origin = (left + right) / 2
    rear = markers[:, back].mean(axis=1)
    with np.errstate(all="ignore"):
        width = np.linalg.norm(right - left, axis=1, keepdims=True)
        lateral = (right - left) / width
        ahead = origin - rear
        depth = np.linalg.norm(ahead, axis=1, keepdims=True)
        forward = ahead - np.sum(ahead * lateral, axis=1, keepdims=True) * lateral
        forward /= np.linalg.norm(forward, axis=1, keepdims=True)
        upward = np.cross(lateral, forward)
        offsets = {
            "forward": _HARRINGTON["forward"][0] * depth + _HARRINGTON["forward"][1],
            "up": _HARRINGTON["up"][0] * width + _HARRINGTON["up"][1],
            "lateral": side * (_HARRINGTON["lateral"][0] * width + _HARRINGTON["lateral"][1]),
        }
        hip = (origin + offsets["forward"] * forward + offsets["up"] * upward
               + offsets["lateral"] * lateral)  # fmt: skip
    return hip, {present["LASI"], present["RASI"], *back}


def write_motion_c3d(path: str | Path, clip: MotionClip) -> None:
    """Write a clip's joints as C3D markers: mm, y up, 32-bit floats, at the clip's frame
    rate; missing positions are invalid samples (see the module docs)."""
    path = Path(path)
    names = list(clip.joint_names)
    if len(names) > 255:
        raise UnsupportedFormat(f"{len(names)} joints: emolab writes at most 255 C3D markers",
                                path)  # fmt: skip
    for name in names:
        if not name.isascii() or len(name) > 255:
            raise UnsupportedFormat(f"joint name {name!r} cannot be a C3D label (ASCII, at "
                                    f"most 255 characters)", path)  # fmt: skip
    import c3d

    writer = c3d.Writer(point_rate=clip.fps or 60.0, point_units="mm")
    writer.set_point_labels(names)
    writer.set_screen_axis("+X", "+Y")
    no_analog = np.zeros((0, 0))
    frames = []
    for frame in clip.positions:
        points = np.zeros((len(names), 5), np.float32)
        missing = np.isnan(frame).any(axis=1)
        points[:, :3] = np.where(missing[:, None], 0.0, frame * 1000.0)
        points[missing, 3] = -1.0
        frames.append((points, no_analog))
    writer.add_frames(frames)
    with warnings.catch_warnings(), path.open("wb") as handle:
        warnings.simplefilter("ignore")  # c3d warns that there are no analog channels
        writer.write(handle)


register_reader(".c3d", read_motion_c3d)
register_writer(".c3d", write_motion_c3d)
