"""Biovision Hierarchy (BVH) motion capture files.

Reading parses the HIERARCHY (ROOT/JOINT/End Site, OFFSET, CHANNELS in any order, root
and optional per-joint translations) and the MOTION block, then runs forward kinematics
to world joint positions. Rotations apply in the order the channels are listed
(``Zrotation Xrotation Yrotation`` → R = Rz·Rx·Ry), in degrees, as in the format's
usual reading. End sites become joints named ``<parent>_End``.

Units: BVH does not state them. ``units="auto"`` measures the rest pose's height and
picks the unit (m, cm, mm, in, dm) that makes it closest to 1.7 m; pass ``units`` to
override. Output is metres, y up.

Bad input: a non-finite OFFSET or frame time is a :class:`CorruptFile` naming the line;
NaN or infinite channel values make the positions they move missing, repaired or left
NaN as :mod:`emolab.io.motion` describes. The parser and writer keep an explicit stack,
so however deep a hierarchy nests, it cannot exhaust Python's recursion limit.

Longer than 400 lines on purpose: the parser, forward kinematics and the writer share
:class:`BvhDocument` and must round-trip each other, so they are read and changed together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile
from emolab.io.boundary import reader_boundary
from emolab.io.formats import register_reader, register_writer
from emolab.io.motion import MotionClip, check_sample_count, clip_from_samples, infer_units
from emolab.io.skeletons import Skeleton, resolve_roles

ROTATION_CHANNELS = ("Xrotation", "Yrotation", "Zrotation")
POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
_VALID_CHANNELS = frozenset(ROTATION_CHANNELS + POSITION_CHANNELS)


@dataclass
class BvhJoint:
    name: str
    parent: int  # index into BvhDocument.joints, -1 for the root
    offset: np.ndarray  # (3,) file units
    channels: list[str] = field(default_factory=list)
    end_site: bool = False
    channel_start: int = 0  # column of the first channel in the motion matrix


@dataclass
class BvhDocument:
    """A BVH file's content: hierarchy plus the motion matrix (frames × channels)."""

    joints: list[BvhJoint]
    frame_time: float
    motion: np.ndarray

    @property
    def n_channels(self) -> int:
        return sum(len(j.channels) for j in self.joints)

    def assign_channel_columns(self) -> None:
        column = 0
        for joint in self.joints:
            joint.channel_start = column
            column += len(joint.channels)

    def rest_positions(self) -> np.ndarray:
        """World positions (joints × 3, file units) with every channel at zero."""
        out = np.zeros((len(self.joints), 3))
        for i, j in enumerate(self.joints):
            out[i] = j.offset + (out[j.parent] if j.parent >= 0 else 0.0)
        return out

    def world_positions(self, chunk: int = 4096) -> np.ndarray:
        """Forward kinematics: (frames × joints × 3) positions in file units.

        Works through ``chunk`` frames at a time so memory stays near the output's size.
        NaN or infinite channel values make the positions they move NaN.
        """
        n = self.motion.shape[0]
        positions = np.empty((n, len(self.joints), 3))
        with np.errstate(all="ignore"):
            for start in range(0, n, chunk):
                positions[start : start + chunk] = self._world_chunk(
                    self.motion[start : start + chunk]
                )
        return positions

    def _world_chunk(self, motion: np.ndarray) -> np.ndarray:
        n = motion.shape[0]
        rotations = np.empty((len(self.joints), n, 3, 3))
        positions = np.empty((n, len(self.joints), 3))
        for i, joint in enumerate(self.joints):
            local_t = np.broadcast_to(joint.offset, (n, 3)).copy()
            local_r = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
            for k, channel in enumerate(joint.channels):
                values = motion[:, joint.channel_start + k]
                if channel in POSITION_CHANNELS:
                    local_t[:, POSITION_CHANNELS.index(channel)] += values
                else:
                    local_r = local_r @ _axis_rotation(channel[0], np.radians(values))
            if joint.parent < 0:
                rotations[i] = local_r
                positions[:, i] = local_t
            else:
                parent_r = rotations[joint.parent]
                rotations[i] = parent_r @ local_r
                positions[:, i] = positions[:, joint.parent] + np.einsum(
                    "nij,nj->ni", parent_r, local_t
                )
        return positions

    def to_motion_clip(self, path: Path | None = None, units: str = "auto") -> MotionClip:
        """The document as a checked clip in metres (see :func:`clip_from_samples`)."""
        check_sample_count(self.motion.shape[0], len(self.joints), path)
        with np.errstate(all="ignore"):
            height = float(np.ptp(self.rest_positions()[:, 1]))
        chosen = infer_units(height) if units == "auto" else units
        names = tuple(j.name for j in self.joints)
        parents = tuple(j.parent for j in self.joints)
        skeleton = Skeleton("bvh", names, parents, resolve_roles(names))
        with np.errstate(all="ignore"):
            times = np.arange(self.motion.shape[0], dtype=np.float64) * self.frame_time
        return clip_from_samples(times, self.world_positions(), skeleton, path, chosen)


def _axis_rotation(axis: str, angles: np.ndarray) -> np.ndarray:
    c, s = np.cos(angles), np.sin(angles)
    one, zero = np.ones_like(c), np.zeros_like(c)
    if axis == "X":
        rows = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
    elif axis == "Y":
        rows = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
    else:
        rows = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


_TOKEN = re.compile(r"[{}]|[^\s{}]+")


class _Tokens:
    """Hierarchy tokens with the line number each came from."""

    def __init__(self, lines: list[str], path: Path):
        self.items: list[tuple[str, int]] = []
        self.path = path
        for number, line in enumerate(lines, start=1):
            self.items.extend((t, number) for t in _TOKEN.findall(line))
        self.pos = 0

    def peek(self) -> tuple[str, int]:
        if self.pos >= len(self.items):
            last = self.items[-1][1] if self.items else 1
            raise CorruptFile("broken hierarchy: file ends inside it", self.path, last)
        return self.items[self.pos]

    def take(self, expected: str | None = None) -> tuple[str, int]:
        token, line = self.peek()
        if expected is not None and token != expected:
            raise CorruptFile(
                f"broken hierarchy: expected '{expected}', found '{token}'", self.path, line
            )
        self.pos += 1
        return token, line

    def number(self, what: str) -> float:
        token, line = self.take()
        try:
            value = float(token)
        except ValueError:
            raise CorruptFile(f"{what} '{token}' is not a number", self.path, line) from None
        if not np.isfinite(value):
            raise CorruptFile(f"{what} '{token}' is not a finite number", self.path, line)
        return value


_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")
#: Nesting levels the writer indents; deeper joints share the last indent.
_MAX_INDENT = 40


@reader_boundary
def read_bvh_document(path: str | Path) -> BvhDocument:
    """Parse a BVH file; errors name the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise CorruptFile(f"is not a text BVH file ({exc.reason})", path) from exc
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise EmptyFile("file has no content", path)
    motion_line = next((i for i, line in enumerate(lines) if line.strip() == "MOTION"), None)
    if motion_line is None:
        raise CorruptFile("no MOTION section", path)
    tokens = _Tokens(lines[:motion_line], path)
    first, line = tokens.take()
    if first != "HIERARCHY":
        raise CorruptFile(f"expected 'HIERARCHY', found '{first}'", path, line)
    keyword, line = tokens.take()
    if keyword != "ROOT":
        raise CorruptFile(f"broken hierarchy: expected 'ROOT', found '{keyword}'", path, line)
    joints = _parse_hierarchy(tokens)
    if tokens.pos < len(tokens.items):
        token, line = tokens.items[tokens.pos]
        raise CorruptFile(
            f"broken hierarchy: '{token}' after the root joint closed (a second ROOT or a "
            f"stray brace)",
            path,
            line,
        )
    doc = BvhDocument(joints=joints, frame_time=0.0, motion=np.zeros((0, 0)))
    doc.assign_channel_columns()
    doc.frame_time, doc.motion = _parse_motion(
        lines, motion_line, doc.n_channels, len(joints), path
    )
    return doc


def _parse_hierarchy(tokens: _Tokens) -> list[BvhJoint]:
    """Joints of the hierarchy after ``ROOT``, parents before children.

    An explicit stack instead of recursion: nesting depth is bounded only by the file.
    """
    joints: list[BvhJoint] = []
    open_joints: list[tuple[int, list[bool]]] = []  # (index, [OFFSET seen]) per open joint

    def open_joint(parent: int, end_site: bool) -> None:
        if end_site:
            tokens.take("Site")
            name = joints[parent].name + "_End"
        else:
            name, line = tokens.take()
            if name in ("{", "}"):
                raise CorruptFile("broken hierarchy: joint without a name", tokens.path, line)
        tokens.take("{")
        joints.append(BvhJoint(name=name, parent=parent, offset=np.zeros(3), end_site=end_site))
        open_joints.append((len(joints) - 1, [False]))

    open_joint(-1, end_site=False)
    while open_joints:
        index, seen_offset = open_joints[-1]
        joint = joints[index]
        keyword, line = tokens.take()
        if keyword == "}":
            if not seen_offset[0]:
                raise CorruptFile(
                    f"broken hierarchy: joint '{joint.name}' has no OFFSET", tokens.path, line
                )
            open_joints.pop()
        elif keyword == "OFFSET":
            joint.offset = np.array([tokens.number("OFFSET value") for _ in range(3)])
            seen_offset[0] = True
        elif keyword == "CHANNELS" and not joint.end_site:
            count_token, count_line = tokens.take()
            if not _WHOLE_NUMBER.fullmatch(count_token):
                raise CorruptFile(
                    f"CHANNELS count '{count_token}' is not a whole number", tokens.path, count_line
                )
            if int(count_token) > len(_VALID_CHANNELS):
                raise CorruptFile(
                    f"CHANNELS count {count_token} is more than the {len(_VALID_CHANNELS)} "
                    f"channels a joint can have",
                    tokens.path,
                    count_line,
                )
            for _ in range(int(count_token)):
                channel, channel_line = tokens.take()
                if channel not in _VALID_CHANNELS:
                    raise CorruptFile(
                        f"unknown channel '{channel}' in joint '{joint.name}'",
                        tokens.path,
                        channel_line,
                    )
                joint.channels.append(channel)
        elif keyword == "JOINT" and not joint.end_site:
            open_joint(index, end_site=False)
        elif keyword == "End" and not joint.end_site:
            open_joint(index, end_site=True)
        else:
            raise CorruptFile(
                f"broken hierarchy: unexpected '{keyword}' in joint '{joint.name}'",
                tokens.path,
                line,
            )
    return joints


def _parse_motion(
    lines: list[str], motion_line: int, n_channels: int, n_joints: int, path: Path
) -> tuple[float, np.ndarray]:
    header: dict[str, tuple[str, int]] = {}
    i = motion_line + 1
    while i < len(lines) and len(header) < 2:
        stripped = lines[i].strip()
        i += 1
        if not stripped:
            continue
        key, _, value = stripped.partition(":")
        key = key.strip().lower()
        if key not in ("frames", "frame time"):
            raise CorruptFile(f"expected 'Frames:' and 'Frame Time:', found '{stripped}'", path, i)
        header[key] = (value.strip(), i)
    if len(header) < 2:
        raise CorruptFile("MOTION section lacks 'Frames:' or 'Frame Time:'", path, i)
    frames_text, frames_line = header["frames"]
    time_text, time_line = header["frame time"]
    if not _WHOLE_NUMBER.fullmatch(frames_text):
        raise CorruptFile(f"frame count '{frames_text}' is not a whole number", path, frames_line)
    try:
        frame_time = float(time_text)
    except ValueError:
        raise CorruptFile(f"frame time '{time_text}' is not a number", path, time_line) from None
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise CorruptFile(
            f"frame time '{time_text}' is not a positive, finite number of seconds",
            path,
            time_line,
        )
    n_frames = int(frames_text)
    data_lines = [number for number in range(i, len(lines)) if lines[number].strip()]
    if len(data_lines) != n_frames:
        raise CorruptFile(
            f"header says {n_frames} frames but the file holds {len(data_lines)}",
            path,
            frames_line,
        )
    if n_frames == 0:
        raise EmptyFile("has no motion frames", path)
    check_sample_count(n_frames, n_joints, path)
    motion = np.empty((n_frames, n_channels), dtype=np.float64)
    for row, number in enumerate(data_lines):
        parts = lines[number].split()
        if len(parts) != n_channels:
            raise CorruptFile(
                f"motion line has {len(parts)} values; the hierarchy declares {n_channels} "
                f"channels",
                path,
                number + 1,
            )
        for column, part in enumerate(parts):
            try:
                motion[row, column] = float(part)
            except ValueError:
                raise CorruptFile(
                    f"motion value '{part}' is not a number", path, number + 1
                ) from None
    return frame_time, motion


@reader_boundary
def read_bvh(path: str | Path, units: str = "auto") -> MotionClip:
    """Read a BVH file as a :class:`MotionClip` (metres, y up)."""
    path = Path(path)
    return read_bvh_document(path).to_motion_clip(path, units)


def write_bvh_document(path: str | Path, doc: BvhDocument, precision: int = 6) -> None:
    """Write a BVH document; values keep ``precision`` decimals."""
    doc.assign_channel_columns()
    children: dict[int, list[int]] = {}
    for i, joint in enumerate(doc.joints):
        children.setdefault(joint.parent, []).append(i)
    out: list[str] = ["HIERARCHY"]
    fmt = f"{{:.{precision}f}}"

    # an explicit stack: hierarchies may nest deeper than Python's recursion limit
    stack: list[tuple[int, int, bool]] = [(r, 0, False) for r in reversed(children.get(-1, []))]
    while stack:
        i, depth, closing = stack.pop()
        pad = "  " * min(depth, _MAX_INDENT)
        if closing:
            out.append(pad + "}")
            continue
        joint = doc.joints[i]
        if joint.end_site:
            out.append(f"{pad}End Site")
        else:
            out.append(f"{pad}{'ROOT' if joint.parent < 0 else 'JOINT'} {joint.name}")
        out.append(pad + "{")
        out.append(f"{pad}  OFFSET " + " ".join(fmt.format(v) for v in joint.offset))
        if not joint.end_site:
            out.append(f"{pad}  CHANNELS {len(joint.channels)} " + " ".join(joint.channels))
        stack.append((i, depth, True))
        stack += [(child, depth + 1, False) for child in reversed(children.get(i, []))]
    out += ["MOTION", f"Frames: {doc.motion.shape[0]}", f"Frame Time: {doc.frame_time:.8f}"]
    out += [" ".join(fmt.format(v) for v in row) for row in doc.motion]
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


def clip_to_bvh_document(clip: MotionClip) -> BvhDocument:
    """A positions-only BVH of a clip: each joint carries X/Y/Z position channels relative
    to its parent and no rotation, so any clip (also one read from CSV) writes exactly.

    Missing (NaN) positions cannot be expressed in BVH and are refused.
    """
    if np.isnan(clip.positions).any():
        raise ValueError("BVH cannot hold missing joints; write CSV or NPZ instead")
    positions = clip.positions.astype(np.float64)
    joints: list[BvhJoint] = []
    columns = []
    rest = positions[0]
    for i, parent in enumerate(clip.parents):
        offset = rest[i] - (rest[parent] if parent >= 0 else 0.0)
        joints.append(BvhJoint(clip.joint_names[i], parent, offset, list(POSITION_CHANNELS)))
        local = positions[:, i] - (positions[:, parent] if parent >= 0 else 0.0)
        columns.append(local - offset)
    if any(p > i for i, p in enumerate(clip.parents)):
        raise ValueError("BVH needs parents listed before their children")
    frame_time = 1.0 / clip.fps if clip.fps else 1.0 / 60
    doc = BvhDocument(joints, frame_time, np.concatenate(columns, axis=1))
    doc.assign_channel_columns()
    return doc


def write_bvh(path: str | Path, clip: MotionClip) -> None:
    """Write any clip as a positions-only BVH in metres (see :func:`clip_to_bvh_document`)."""
    write_bvh_document(path, clip_to_bvh_document(clip))


register_reader(".bvh", read_bvh)
register_writer(".bvh", write_bvh)
