"""Fuzz every media reader: each bad file must raise an EmolabError, nothing else.

Cases are valid files with random damage (truncation, byte flips, numbers replaced by
inf / nan / huge / negative values or words, deep nesting, cyclic parents) and random
bytes. Reading a case must either give a valid result (a clip with finite, increasing
frame times and float32 positions, finite audio samples, a decoded name) or raise an
:class:`~emolab.core.errors.EmolabError`.

``tests/io/test_reader_fuzz.py`` runs these strategies with a fixed seed in CI. Run many
more cases by hand (not collected by pytest)::

    python3 -m tests.fuzz_readers --cases 10000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import struct
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from emolab.core.errors import EmolabError
from emolab.io.skeletons import parents_problem
from tests.conftest import SIMPLE_BVH

SIMPLE_CSV = """# emolab-motion v1 skeleton=custom units=m up=y fps=30
# parents=-1,0,1
time,SpineBase_x,SpineBase_y,SpineBase_z,Neck_x,Neck_y,Neck_z,Head_x,Head_y,Head_z
0.000000,0,0.95,2.1,0,1.5,2.1,0,1.7,2.1
0.033333,0,0.96,2.1,0,1.51,2.1,0,1.71,2.1
0.066667,0,0.95,2.1,,,,0,1.7,2.1
0.100000,0,0.94,2.1,0,1.49,2.1,0,1.69,2.1
"""

FPS_CSV = """# units=cm up=z fps=60
HandLeft_x,HandLeft_y,HandLeft_z,Head_x,Head_y,Head_z
10,20,100,0,0,170
11,21,101,0,0,171
"""

#: Words that replace numbers or keywords in text formats.
JUNK_TOKENS = (
    "inf", "-inf", "nan", "NaN", "Infinity", "1e309", "-1e309", "1e308", "-1e308",
    "1e-320", "5e-324", "0", "-0", "-1", "-999999", "99999999999999999999", "9" * 5000,
    "abc", "sixty", "", "²", "١٢", "1_0", "0x10", "{", "}", ",", "#", ":", "ROOT",
    "JOINT", "End", "Site", "CHANNELS", "OFFSET", "MOTION", "Frames:", "Frame Time:",
    "HIERARCHY", "Xrotation", "Qrotation", "\x00", "\t", '"', "\r", "fps=0",
    "parents=1,0", "parents=0", "up=q", "units=furlong", "time", "\ufeff",
)  # fmt: skip


# ---- shared mutations ----------------------------------------------------------------------


@st.composite
def damaged_bytes(draw, data: bytes) -> bytes:
    """``data`` with up to four random edits: truncation, byte flips, inserts, deletes."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("truncate", "flip", "insert", "delete", "repeat")))
        at = draw(st.integers(0, len(out)))
        if op == "truncate":
            del out[at:]
        elif op == "flip" and at < len(out):
            out[at] = draw(st.integers(0, 255))
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 16))]
        elif op == "repeat":
            out[at:at] = out[at : at + draw(st.integers(1, 64))] * draw(st.integers(1, 50))
    return bytes(out)


_WORD = re.compile(r"[^\s,{}:=]+")


@st.composite
def damaged_text(draw, text: str) -> str:
    """``text`` with some words (numbers, keywords) replaced by junk or odd numbers."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return text
    picks = sorted(set(draw(st.lists(st.integers(0, len(spans) - 1), min_size=1, max_size=4))))
    pieces, last = [], 0
    for i in picks:
        start, stop = spans[i]
        replacement = draw(
            st.one_of(
                st.sampled_from(JUNK_TOKENS),
                st.floats().map(repr),
                st.integers(-(10**30), 10**30).map(str),
                st.text(max_size=6),
            )
        )
        pieces += [text[last:start], replacement]
        last = stop
    pieces.append(text[last:])
    return "".join(pieces)


def text_cases(seeds: list[str], structured: list[st.SearchStrategy[str]]) -> st.SearchStrategy:
    """Bytes of a text format: seeds with words replaced and/or bytes damaged, generated
    structures, and random bytes."""
    seed = st.sampled_from(seeds)
    text = st.one_of(seed.flatmap(damaged_text), *structured)
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        text.flatmap(lambda t: damaged_bytes(t.encode("utf-8", "surrogatepass"))),
        st.sampled_from(seeds).flatmap(lambda t: damaged_bytes(t.encode())),
        st.binary(max_size=400),
    )


def _number(draw) -> str:
    """A number as text: mostly ordinary, sometimes inf, nan, huge, tiny or negative."""
    if draw(st.integers(0, 4)):
        return f"{draw(st.floats(-500, 500)):.3f}"
    return draw(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.sampled_from(("nan", "inf", "-inf", "1e309", "0", "-1", "1e-320")),
        )
    )


# ---- BVH ---------------------------------------------------------------------------------

_CHANNELS = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")


@st.composite
def generated_bvh(draw) -> str:
    """A random small hierarchy with random channels, frames and frame time."""
    n = draw(st.integers(1, 6))
    parents = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    channels = [
        draw(st.lists(st.sampled_from(_CHANNELS), max_size=6, unique=True)) for _ in range(n)
    ]
    children: dict[int, list[int]] = {}
    for i, p in enumerate(parents):
        children.setdefault(p, []).append(i)
    lines = ["HIERARCHY"]

    def emit(i: int) -> None:  # depth ≤ 6: recursion is fine in a generator
        lines.append(f"{'ROOT' if i == 0 else 'JOINT'} J{i}")
        lines.append("{")
        lines.append("OFFSET " + " ".join(_number(draw) for _ in range(3)))
        lines.append(f"CHANNELS {len(channels[i])} {' '.join(channels[i])}")
        for child in children.get(i, []):
            emit(child)
        if draw(st.booleans()):
            lines.extend(["End Site", "{", "OFFSET 0 10 0", "}"])
        lines.append("}")

    emit(0)
    frames = draw(st.integers(0, 5))
    width = sum(len(c) for c in channels)
    lines += [
        "MOTION",
        f"Frames: {draw(st.sampled_from([str(frames), str(frames + 1), '0', 'x']))}",
        f"Frame Time: {_number(draw)}",
    ]
    lines += [" ".join(_number(draw) for _ in range(width)) for _ in range(frames)]
    return "\n".join(lines) + "\n"


@st.composite
def deep_bvh(draw) -> str:
    """A chain of joints nested thousands deep, balanced or not."""
    depth = draw(st.sampled_from((3, 30, 300, 3000)))
    closing = depth - draw(st.sampled_from((0, 0, 1)))
    parts = ["HIERARCHY\nROOT J0\n{\nOFFSET 0 0 0\nCHANNELS 3 Xrotation Yrotation Zrotation\n"]
    parts += [f"JOINT J{i}\n{{\nOFFSET 0 1 0\nCHANNELS 1 Zrotation\n" for i in range(1, depth)]
    parts.append("}\n" * closing)
    frames = draw(st.integers(1, 3))
    parts.append(f"MOTION\nFrames: {frames}\nFrame Time: {_number(draw)}\n")
    parts += [" ".join([_number(draw)] * (depth + 2)) + "\n" for _ in range(frames)]
    return "".join(parts)


def bvh_cases() -> st.SearchStrategy:
    return text_cases([SIMPLE_BVH], [generated_bvh(), deep_bvh()]).map(lambda b: ("x.bvh", b))


# ---- CSV ---------------------------------------------------------------------------------

_CSV_NAMES = ("SpineBase", "Neck", "Head", "HandLeft", "HandRight", "Hips", "a", "b_c", "")


@st.composite
def generated_csv(draw) -> str:
    """Random joints, time column or ``fps`` setting, parents (cycles likely), values."""
    n = draw(st.integers(1, 4))
    names = draw(st.lists(st.sampled_from(_CSV_NAMES), min_size=n, max_size=n))
    settings_words = []
    if draw(st.booleans()):
        fps = draw(st.sampled_from(("0", "sixty", "-5", "inf", "nan", "30", "1e-320", "1e308")))
        settings_words.append(f"fps={fps}")
    if draw(st.booleans()):
        parents = draw(st.lists(st.integers(-2, n), min_size=n - 1, max_size=n + 1))
        settings_words.append("parents=" + ",".join(map(str, parents)))
    if draw(st.booleans()):
        settings_words.append(f"units={draw(st.sampled_from(('m', 'cm', 'mm', 'in', 'furlong')))}")
    if draw(st.booleans()):
        settings_words.append(f"up={draw(st.sampled_from(('y', 'z', 'x')))}")
    has_time = draw(st.booleans())
    header = (["time"] if has_time else []) + [f"{j}_{a}" for j in names for a in "xyz"]
    lines = ["# " + " ".join(settings_words), ",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        cells = [_number(draw) for _ in header]
        lines.append(",".join(cells))
    if has_time and len(lines) > 2 and draw(st.booleans()):  # mostly increasing times
        for k in range(2, len(lines)):
            cells = lines[k].split(",")
            cells[0] = f"{(k - 2) / 30:.4f}"
            lines[k] = ",".join(cells)
    return "\n".join(lines) + "\n"


def csv_cases() -> st.SearchStrategy:
    return text_cases([SIMPLE_CSV, FPS_CSV], [generated_csv()]).map(lambda b: ("x.csv", b))


# ---- NPZ ---------------------------------------------------------------------------------


def _npz_bytes(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def _odd_array(draw) -> np.ndarray:
    kind = draw(st.sampled_from(("float", "int", "str", "bool", "complex", "object", "empty")))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    size = int(np.prod(shape)) if shape else 1
    if kind == "float":
        return np.array(draw(st.lists(st.floats(), min_size=size, max_size=size))).reshape(shape)
    if kind == "int":
        return np.arange(size, dtype=np.int64).reshape(shape) - 1
    if kind == "str":
        return np.array(["-1"] * size).reshape(shape)
    if kind == "bool":
        return np.ones(shape, dtype=bool)
    if kind == "complex":
        return np.ones(shape, dtype=complex)
    if kind == "object":
        return np.array([None] * size, dtype=object).reshape(shape)
    return np.zeros((0,))


@st.composite
def generated_npz(draw) -> bytes:
    """Arrays of plausible or odd shapes and types; sometimes damaged after writing."""
    frames, joints = draw(st.integers(0, 5)), draw(st.integers(0, 4))
    arrays: dict[str, np.ndarray] = {}
    if draw(st.integers(0, 4)):
        values = draw(
            st.lists(
                st.floats(allow_nan=True, allow_infinity=True) | st.floats(-2, 2),
                min_size=frames * joints * 3,
                max_size=frames * joints * 3,
            )
        )
        arrays["positions"] = np.array(values, dtype=np.float64).reshape(frames, joints, 3)
        if not draw(st.integers(0, 5)):
            arrays["positions"] = arrays["positions"].astype(str)
    else:
        arrays["positions"] = _odd_array(draw)
    if draw(st.integers(0, 4)):
        names = ["Head", "Neck", "SpineBase", "HandLeft", "HandRight", "Hips", "x\udcff", "\x07"]
        picks = [draw(st.integers(0, len(names) - 1)) if i else 0 for i in range(joints)]
        arrays["joint_names"] = np.array([names[k] for k in picks], dtype=str)
    else:
        arrays["joint_names"] = _odd_array(draw)
    timing = draw(st.sampled_from(("fps", "fps", "times", "times", "fps_vector", "odd", "none")))
    if timing == "fps":
        arrays["fps"] = np.array(draw(st.floats() | st.sampled_from([30.0, 60.0, 0.0])))
    elif timing == "fps_vector":
        arrays["fps"] = np.array([30.0, 60.0])
    elif timing == "times":
        arrays["frame_times"] = np.array(
            draw(st.lists(st.floats(), min_size=frames, max_size=frames))
            if draw(st.booleans())
            else np.arange(frames) / 30.0
        )
    elif timing == "odd":
        arrays[draw(st.sampled_from(("fps", "frame_times")))] = _odd_array(draw)
    if draw(st.booleans()):
        arrays["parents"] = (
            np.array(draw(st.lists(st.integers(-3, joints + 1), min_size=joints, max_size=joints)))
            if draw(st.booleans())
            else _odd_array(draw)
        )
    if draw(st.booleans()):
        arrays["units"] = np.array(draw(st.sampled_from(("m", "cm", "furlong", ""))))
    data = _npz_bytes(arrays, draw(st.booleans()))
    return draw(damaged_bytes(data)) if draw(st.booleans()) else data


def _seed_npz() -> bytes:
    rng = np.random.default_rng(0)
    positions = rng.normal(size=(6, 3, 3))
    positions[2, 1] = np.nan
    return _npz_bytes(
        {
            "positions": positions,
            "joint_names": np.array(["Head", "Neck", "SpineBase"]),
            "frame_times": np.arange(6) / 30.0,
            "parents": np.array([1, 2, -1]),
            "units": np.array("m"),
        },
        compressed=True,
    )


def npz_cases() -> st.SearchStrategy:
    seed = _seed_npz()
    return st.one_of(
        generated_npz(), damaged_bytes(seed), st.binary(max_size=400), st.just(seed)
    ).map(lambda b: ("x.npz", b))


# ---- C3D ---------------------------------------------------------------------------------


@st.composite
def generated_c3d(draw) -> bytes:
    """A small C3D file of random markers (often Plug-in Gait names), storage, rate, units
    and axes, written by the c3d package; often damaged afterwards."""
    from tests.c3d_data import c3d_bytes

    names = ("LFHD", "RFHD", "LBHD", "RBHD", "C7", "CLAV", "LASI", "RASI", "SACR", "LWRA",
             "LWRB", "LFIN", "a", "b:c", "")  # fmt: skip
    points, frames = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    labels = [draw(st.sampled_from(names)) or f"p{k}" for k in range(points)]
    values = draw(st.lists(st.floats(-3000, 3000) | st.sampled_from((0.0, 1e30, -1e30)),
                           min_size=frames * points * 3, max_size=frames * points * 3))  # fmt: skip
    xyz = np.array(values).reshape(frames, points, 3)
    flags = st.lists(st.booleans(), min_size=frames * points, max_size=frames * points)
    invalid = np.array(draw(flags)).reshape(frames, points)
    scale = draw(st.sampled_from((-1.0, 0.1, 1.0)))
    if scale > 0:
        xyz = np.clip(xyz, -3000, 3000)
    data = c3d_bytes(
        labels, xyz, rate=draw(st.sampled_from((60.0, 100.0, 1e-9, 1e9))),
        units=draw(st.sampled_from(("mm", "m", None))), scale=scale,
        screen=draw(st.sampled_from((("+X", "+Z"), ("+X", "+Y"), ("+X", "+X"), None))),
        invalid=invalid, angles=draw(st.sampled_from(([], ["a"]))),
    )  # fmt: skip
    return draw(damaged_bytes(data)) if draw(st.booleans()) else data


@st.composite
def crafted_c3d_header(draw) -> bytes:
    """A valid file whose header and parameter words are overwritten with odd values
    (point and frame counts, blocks, scale, rate, processor, dimensions)."""
    from tests.c3d_data import c3d_bytes

    data = bytearray(c3d_bytes(["A", "B"], np.ones((4, 2, 3))))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.sampled_from((0, 2, 4, 6, 8, 10, 12, 16, 18, 20, 512, 513, 514, 515))
                  | st.integers(512, 1535))  # fmt: skip
        word = draw(
            st.sampled_from((0, 1, 2, 0xFF, 0x7FFF, 0x8000, 0xFFFF)) | st.integers(0, 0xFFFF)
        )
        data[at : at + 2] = struct.pack("<H", word)
    return bytes(data)


def c3d_cases() -> st.SearchStrategy:
    return st.one_of(generated_c3d(), crafted_c3d_header(), st.binary(max_size=2000)).map(
        lambda b: ("x.c3d", b)
    )


# ---- accelerometer CSV -----------------------------------------------------------------------

SIMPLE_IMU = """# emolab-imu v1 gravity=included height=1.72 accel=m/s2 gyro=rad/s
time,joint,ax,ay,az,gx,gy,gz
0.00,LeftHand,0.31,9.72,0.85,0.02,-0.10,0.01
0.00,RightHand,-0.12,9.80,0.40,0.00,0.05,-0.02
0.01,LeftHand,0.35,9.69,,0.02,-0.11,0.01
0.01,RightHand,-0.10,9.79,0.41,0.00,0.05,-0.02
0.02,LeftHand,0.36,9.70,0.90,0.03,-0.12,0.01
"""


@st.composite
def generated_imu(draw) -> str:
    """Random sensors, columns in any order (some missing or repeated), settings, times
    (mostly increasing, some repeated) and values."""
    columns = ["time", "joint", "ax", "ay", "az"]
    if draw(st.booleans()):
        columns += ["gx", "gy", "gz"][: draw(st.integers(1, 3))]
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(("mx", "temp", "ax", "", "joint"))))
    if draw(st.integers(0, 5)) == 0:
        columns.remove(draw(st.sampled_from(columns)))
    columns = draw(st.permutations(columns))
    settings_words = [
        f"{key}={draw(st.sampled_from(values))}"
        for key, values in (("gravity", ("included", "removed", "maybe")),
                            ("height", ("1.7", "0", "-1", "nan", "x", "99")),
                            ("accel", ("g", "m/s2", "furlong")),
                            ("gyro", ("deg/s", "rad/s", "rpm")))
        if draw(st.booleans())
    ]  # fmt: skip
    sensors = draw(st.lists(st.sampled_from(("LeftHand", "HandRight", "Head", "x,y", "", "\x07")),
                            min_size=1, max_size=3))  # fmt: skip
    lines = ["# emolab-imu v1 " + " ".join(settings_words), ",".join(columns)]
    t = 0.0
    for _ in range(draw(st.integers(0, 6))):
        t += draw(st.sampled_from((0.01, 0.01, 0.0, -0.01, 1e-9, 100.0)))
        for sensor in sensors:
            cells = {"time": f"{t:.6g}", "joint": sensor}
            lines.append(",".join(cells.get(c) or _number(draw) for c in columns))
    return "\n".join(lines) + "\n"


def imu_cases() -> st.SearchStrategy:
    return text_cases([SIMPLE_IMU], [generated_imu()]).map(lambda b: ("x.csv", b))


# ---- audio -------------------------------------------------------------------------------


def _sound_bytes(fmt: str, subtype: str, samples: np.ndarray, rate: int) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def audio_seeds() -> list[tuple[str, bytes]]:
    """Small valid files of every readable format, and a float WAV holding NaN and inf."""
    tone = (0.3 * np.sin(np.arange(800) / 5.0)).astype(np.float32)
    bad = tone.copy()
    bad[[10, 20]] = [np.nan, np.inf]
    return [
        (".wav", _sound_bytes("WAV", "PCM_16", tone, 8000)),
        (".wav", _sound_bytes("WAV", "FLOAT", np.stack([tone, tone], axis=1), 16000)),
        (".wav", _sound_bytes("WAV", "FLOAT", bad, 16000)),
        (".flac", _sound_bytes("FLAC", "PCM_16", tone, 8000)),
        (".ogg", _sound_bytes("OGG", "VORBIS", tone, 8000)),
        (".mp3", _sound_bytes("MP3", "MPEG_LAYER_III", tone, 8000)),
    ]


@st.composite
def crafted_wav(draw) -> bytes:
    """A RIFF/WAVE header with random (often absurd) fields and a lying data size."""
    fmt_code = draw(st.sampled_from((1, 3, 0, 2, 0xFFFE, 7)))
    channels = draw(st.sampled_from((1, 2, 0, 1000, 65535)))
    rate = draw(st.sampled_from((16000, 0, 1, 500, 2**31 - 1, 2**32 - 1, 44100)))
    bits = draw(st.sampled_from((16, 32, 8, 24, 0, 7, 64)))
    payload = draw(st.binary(max_size=256))
    declared = draw(st.sampled_from((len(payload), 0, 2**32 - 1, 2**31, len(payload) + 1)))
    block = (channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", fmt_code, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", declared) + payload
    return b"RIFF" + struct.pack("<I", len(body) & 0xFFFFFFFF) + body


def audio_cases() -> st.SearchStrategy:
    seeds = audio_seeds()
    extension = st.sampled_from((".wav", ".flac", ".ogg", ".mp3"))
    seed = st.sampled_from(seeds)
    return st.one_of(
        seed.flatmap(lambda s: damaged_bytes(s[1]).map(lambda b: (s[0], b))),
        st.tuples(extension, seed.flatmap(lambda s: damaged_bytes(s[1]))),  # content ≠ name
        st.tuples(st.just(".wav"), crafted_wav()),
        st.tuples(extension, st.binary(max_size=600)),
        seed,
    ).map(lambda c: ("x" + c[0], c[1]))


# ---- names and naming schemes ----------------------------------------------------------------

_ODD_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(("\x00", "\x1f", "\x7f", "\u200e", "²", "٣", "１", "-", ".", "/", "\udcff")),
)


@st.composite
def names(draw) -> str:
    """Valid names with odd characters spliced in, over-long names, non-UTF-8 bytes."""
    from emolab.io.naming import load_scheme

    scheme = load_scheme("multimodal14")
    codes = {
        "modality": draw(st.sampled_from(("01", "02"))),
        "emotion": "05",
        "intensity": "02",
        "statement": "01",
        "repetition": "02",
        "collection": "03",
        "participant": f"{draw(st.integers(1, 99)):02d}",
    }
    base = scheme.format(
        codes, draw(st.sampled_from((".wav", ".bvh", ".csv", ".npz", ".c3d", ".txt")))
    )
    kind = draw(st.sampled_from(("splice", "long", "bytes", "text", "valid")))
    if kind == "splice":
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.text(_ODD_CHARS, min_size=1, max_size=3)) + base[at:]
    if kind == "long":
        return base.replace("-", "-" + "0" * draw(st.integers(1, 3000)), 1)
    if kind == "bytes":
        return os.fsdecode(base.encode() + draw(st.binary(min_size=1, max_size=6)))
    if kind == "text":
        return draw(st.text(_ODD_CHARS, max_size=40))
    return base


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def scheme_json(draw) -> bytes:
    """The bundled multimodal14 scheme with one value replaced, or broken JSON text."""
    from emolab.resources import resource_path

    text = resource_path("schemes", "multimodal14.json").read_text(encoding="utf-8")
    data = json.loads(text)
    node = data
    for _ in range(draw(st.integers(1, 4))):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        if isinstance(node[key], dict | list) and node[key] and draw(st.booleans()):
            node = node[key]
            continue
        node[key] = draw(_JSON)
        break
    out = json.dumps(data).encode()
    kind = draw(st.sampled_from(("value", "bytes", "deep")))
    if kind == "bytes":
        return draw(damaged_bytes(out))
    if kind == "deep":
        return b"[" * 50_000 + b"]" * 50_000
    return out


def name_cases() -> st.SearchStrategy:
    return st.tuples(names(), scheme_json())


# ---- running a case ------------------------------------------------------------------------


def check_clip(clip) -> None:
    """Assert that a motion clip (positions or accelerometers) meets every reader's
    promise."""
    from emolab.io.motion import MotionClip, SensorClip

    assert isinstance(clip, MotionClip | SensorClip)
    times = clip.frame_times
    signals = [clip.positions] if isinstance(clip, MotionClip) else [clip.acceleration]
    if isinstance(clip, SensorClip) and clip.angular_velocity is not None:
        signals.append(clip.angular_velocity)
    assert times.dtype == np.float64 and times.ndim == 1 and times.size >= 1
    assert np.isfinite(times).all() and (np.diff(times) > 0).all()
    for values in signals:
        assert values.dtype == np.float32
        assert values.shape == (times.size, clip.skeleton.n_joints, 3)
        assert not np.isinf(values).any()
    assert not np.isnan(signals[0]).all()
    if isinstance(clip, SensorClip) and clip.body_height is not None:
        assert 0.3 <= clip.body_height <= 3.0
    assert np.isfinite(clip.fps) and np.isfinite(clip.duration) and clip.duration >= 0
    assert parents_problem(clip.parents, clip.n_joints) is None
    assert all(isinstance(w, str) and w for w in clip.warnings)


def check_audio(samples: np.ndarray) -> None:
    assert samples.dtype == np.float32 and samples.ndim == 1 and samples.size >= 1
    assert np.isfinite(samples).all()


_unique = count()


def _outcome(case: tuple[str, bytes], folder: Path, read, check) -> str:
    """Write one case to ``folder`` and ``check(read(path))``: 'read', or the typed error's
    name; raises anything else."""
    name, data = case
    path = folder / name
    path.write_bytes(data)
    try:
        result = read(path)
    except EmolabError as exc:
        return type(exc).__name__
    check(result)
    return "read"


def run_motion(case: tuple[str, bytes], folder: Path) -> str:
    """Read one motion case: 'read' or the typed error's name; raises anything else."""
    from emolab.io.motion import read_motion

    return _outcome(case, folder, read_motion, check_clip)


def run_audio(case: tuple[str, bytes], folder: Path) -> str:
    """Read one audio case: 'read' or the typed error's name; raises anything else."""
    from emolab.io.audio import load_for_features, read_audio_info

    def read(path: Path):
        return read_audio_info(path), load_for_features(path)

    def check(result) -> None:
        info, samples = result
        assert info.frames >= 1 and info.samplerate > 0
        check_audio(samples)

    return _outcome(case, folder, read, check)


def run_names(case: tuple[str, bytes], folder: Path) -> str:
    """Parse one name with the bundled schemes and load one scheme file: 'read' when the
    name parses, else the typed error's name; raises anything else."""
    from emolab.io.naming import load_scheme

    name, scheme_bytes = case
    outcome = "BadName"
    for scheme_name in ("multimodal14", "ravdess"):
        try:
            parsed = load_scheme(scheme_name).parse(Path("/data") / name)
        except EmolabError:
            continue
        assert all(c.isascii() and c.isdigit() and len(c) == 2 for c in parsed.codes.values())
        str(parsed.key).encode("utf-8")
        outcome = "read"
    path = folder / f"scheme{next(_unique)}.json"  # unique: loaded schemes are cached
    path.write_bytes(scheme_bytes)
    try:
        load_scheme(path).parse(name).meanings  # noqa: B018
    except EmolabError:
        pass
    finally:
        path.unlink()
    return outcome


@dataclass(frozen=True)
class Target:
    cases: Callable[[], st.SearchStrategy]
    run: Callable[[tuple, Path], str]


TARGETS: dict[str, Target] = {
    "audio": Target(audio_cases, run_audio),
    "bvh": Target(bvh_cases, run_motion),
    "csv": Target(csv_cases, run_motion),
    "npz": Target(npz_cases, run_motion),
    "c3d": Target(c3d_cases, run_motion),
    "imu": Target(imu_cases, run_motion),
    "names": Target(name_cases, run_names),
}


def fuzz(reader: str, cases: int, folder: Path, examples: int = 3) -> tuple[Counter, list[str]]:
    """Run ``cases`` random cases against one reader: outcomes counted ('read', each typed
    error's name, 'untyped'), and the first few untyped ones with exception and case."""
    target = TARGETS[reader]
    outcomes: Counter = Counter()
    shown: list[str] = []

    @settings(
        max_examples=cases,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.cases())
    def probe(case):
        try:
            outcomes[target.run(case, folder)] += 1
        except Exception as exc:  # what the fuzzer is looking for: anything untyped
            outcomes["untyped"] += 1
            if len(shown) < examples:
                where = traceback.extract_tb(exc.__traceback__)[-1]
                shown.append(
                    f"{type(exc).__name__}: {str(exc)[:200]} "
                    f"(at {Path(where.filename).name}:{where.lineno}) case={case!r:.300}"
                )

    probe()
    return outcomes, shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per reader")
    parser.add_argument("--readers", default=",".join(TARGETS), help="comma-separated subset")
    args = parser.parse_args(argv)
    total_bad = 0
    with tempfile.TemporaryDirectory(prefix="emolab-fuzz-") as tmp:
        for reader in args.readers.split(","):
            folder = Path(tmp) / reader
            folder.mkdir()
            started = time.perf_counter()
            outcomes, shown = fuzz(reader, args.cases, folder)
            bad = outcomes["untyped"]
            total_bad += bad
            seconds = time.perf_counter() - started
            typed = ", ".join(f"{k} {v}" for k, v in outcomes.most_common() if k != "untyped")
            print(
                f"{reader:6s} cases: {outcomes.total():6d}  untyped errors: {bad}  "
                f"({typed}; {seconds:.0f} s)"
            )
            for line in shown:
                print(f"    {line}")
            sys.stdout.flush()
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
