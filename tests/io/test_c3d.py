"""C3D marker files: units, axes, missing markers, Plug-in Gait joint centres, bad files.

Every file is written here with the ``c3d`` package's Writer (``tests/c3d_data.py``)."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.core.errors import BadSamples, CorruptFile, EmolabError, EmptyFile, UnsupportedFormat
from emolab.io.motion import clip_from_samples, read_motion, write_motion
from emolab.io.motion_c3d import joints_from_markers
from emolab.io.skeletons import load_topology
from tests.c3d_data import c3d_bytes, plug_in_gait_markers, zup
from tests.fuzz_readers import check_clip
from tests.sensor_data import demo_motion, sensors_from_motion

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Labels of no marker set: each stays a point of its own.
_PLAIN = ("Marker1", "prop_a", "Bob:HeadTop", "x", "*12", "Stick End", "ÄÖ")


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@st.composite
def marker_files(draw):
    """(c3d bytes, labels, positions in metres y up with NaN where missing, rate, units)."""
    n_points = draw(st.integers(1, 5))
    labels = draw(
        st.lists(st.sampled_from(_PLAIN[:6]), min_size=n_points, max_size=n_points, unique=True)
    )
    frames = draw(st.integers(1, 25))
    rate = draw(st.sampled_from((30.0, 50.0, 60.0, 100.0, 120.0, 250.0, 47.5)))
    units = draw(st.sampled_from(("mm", "cm", "m")))
    per_metre = {"mm": 1000.0, "cm": 100.0, "m": 1.0}[units]
    floats = draw(st.booleans())
    step = 0.1 if units == "mm" else 0.01  # the 16-bit grid, in file units
    grid = draw(
        st.lists(
            st.integers(-15000, 15000),
            min_size=frames * n_points * 3,
            max_size=frames * n_points * 3,
        )
    )
    file_units = np.array(grid, dtype=np.float64).reshape(frames, n_points, 3) * step
    invalid = np.array(
        draw(st.lists(st.booleans(), min_size=frames * n_points, max_size=frames * n_points))
    ).reshape(frames, n_points)
    zeroed = (
        np.array(
            draw(
                st.lists(st.integers(0, 9), min_size=frames * n_points, max_size=frames * n_points)
            )
        ).reshape(frames, n_points)
        == 0
    )
    file_units[zeroed] = 0.0
    screen = draw(st.sampled_from((("+X", "+Z"), ("+X", "+Y"), ("-Y", "+Z"))))
    data = c3d_bytes(
        labels,
        file_units,
        rate=rate,
        units=units,
        scale=-1.0 if floats else step,
        screen=screen,
        invalid=invalid,
    )
    # what the file holds: 32-bit floats, or the Writer's truncated 16-bit multiples
    lab = file_units.astype(np.float32).astype(np.float64)
    if not floats:
        stored = np.float32(step)
        lab = np.trunc(file_units.astype(np.float32) / stored) * float(stored)
    missing = invalid | (lab == 0).all(axis=2)
    right = {"+X": (0, 1.0), "-Y": (1, -1.0)}[screen[0]]
    upward = {"+Z": (2, 1.0), "+Y": (1, 1.0)}[screen[1]]
    axes = np.eye(3)
    u, v = right[1] * axes[right[0]], upward[1] * axes[upward[0]]
    rotation = np.stack([u, v, np.cross(u, v)])
    metres = (lab @ rotation.T) / per_metre
    metres[missing] = np.nan
    return data, labels, metres, rate, units


@PROPERTY
@given(case=marker_files())
def test_random_marker_files_read_back_in_metres_y_up(tmp_path_factory, case):
    """Units, screen axes, frame rate, invalid (residual −1) and all-zero samples."""
    data, labels, metres, rate, units = case
    path = _write(tmp_path_factory.mktemp("c3d"), "take.c3d", data)
    if np.isnan(metres).all():
        with pytest.raises(BadSamples, match="every joint position is missing"):
            read_motion(path)
        return
    clip = read_motion(path)
    check_clip(clip)
    assert clip.joint_names == tuple(labels)
    assert clip.source_units == units
    np.testing.assert_allclose(clip.frame_times, np.arange(len(metres)) / rate)
    expected = clip_from_samples(clip.frame_times, metres, clip.skeleton, None, "m")
    np.testing.assert_allclose(clip.positions, expected.positions, rtol=1e-6, atol=1e-6)
    assert np.array_equal(np.isnan(clip.positions), np.isnan(expected.positions))


@PROPERTY
@given(
    case=marker_files(),
    cut=st.integers(1, 4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6),
)
def test_damaged_marker_files_read_or_give_a_typed_error(tmp_path_factory, case, cut, flips):
    """Truncations and byte flips anywhere (header, parameters, data): a valid clip or an
    EmolabError naming the file, quickly."""
    data = bytearray(case[0])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    if cut < len(data) and cut % 3 == 0:
        del data[cut:]
    path = _write(tmp_path_factory.mktemp("c3d"), "bad.c3d", bytes(data))
    started = time.monotonic()
    try:
        check_clip(read_motion(path))
    except EmolabError as exc:
        assert exc.path == path and exc.reason
    assert time.monotonic() - started < 5


def test_intel_frames_decode_as_the_c3d_package_reads_them(tmp_path):
    import warnings

    import c3d

    rng = np.random.default_rng(3)
    xyz = rng.normal(0, 500, (40, 4, 3))
    invalid = rng.random((40, 4)) < 0.2
    for scale in (-1.0, 0.1):
        path = _write(
            tmp_path,
            f"s{scale}.c3d",
            c3d_bytes(["a", "b", "c", "d"], xyz, scale=scale, invalid=invalid, screen=("+X", "+Y")),
        )
        clip = read_motion(path)
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = np.array([p[:, :4] for _, p, _ in c3d.Reader(handle).read_frames()])
        gone = theirs[..., 3] < 0
        assert np.array_equal(gone, invalid)
        # the reader interpolates short gaps; where c3d has a sample, both agree
        np.testing.assert_allclose(clip.positions[~gone], theirs[..., :3][~gone] / 1000, atol=1e-6)


def test_plug_in_gait_markers_become_joint_centres(tmp_path):
    motion = demo_motion()
    labels, metres, outputs = plug_in_gait_markers(motion)
    path = _write(
        tmp_path, "pig.c3d", c3d_bytes(labels, zup(metres) * 1000, rate=60, angles=outputs)
    )
    clip = read_motion(path)
    check_clip(clip)
    assert clip.skeleton.name == "plug_in_gait"
    joints = load_topology("plug_in_gait").skeleton.joint_names
    assert clip.joint_names == (*joints, "LTHI", "RTHI")  # wand markers kept as points
    assert "LKneeAngles" not in clip.joint_names
    assert any("LKneeAngles" in w and "not positions" in w for w in clip.warnings)
    column = {label: k for k, label in enumerate(labels)}

    def mean(*names):
        return np.mean([metres[:, column[n]] for n in names], axis=0)

    def joint(name):
        return clip.positions[:, clip.skeleton.index(name)]

    ok = ~np.isnan(joint("Head")).any(axis=1)
    np.testing.assert_allclose(
        joint("Head")[ok], mean("LFHD", "RFHD", "LBHD", "RBHD")[ok], atol=1e-5
    )
    np.testing.assert_allclose(joint("Neck"), mean("C7", "CLAV"), atol=1e-5)
    np.testing.assert_allclose(joint("Thorax"), mean("C7", "CLAV", "T10", "STRN"), atol=1e-5)
    pelvis = (mean("LASI", "RASI") + mean("LPSI", "RPSI")) / 2
    np.testing.assert_allclose(joint("Pelvis"), pelvis, atol=1e-5)
    np.testing.assert_allclose(joint("LeftShoulder"), metres[:, column["LSHO"]], atol=1e-5)
    np.testing.assert_allclose(joint("RightKnee"), metres[:, column["RKNE"]], atol=1e-5)
    wrist = mean("LWRA", "LWRB")
    ok = ~np.isnan(joint("LeftHand")).any(axis=1) & ~np.isnan(wrist).any(axis=1)
    np.testing.assert_allclose(
        joint("LeftHand")[ok], ((wrist + metres[:, column["LFIN"]]) / 2)[ok], atol=1e-5
    )
    # bones: the topology's, and none for the kept markers
    assert clip.parents[clip.skeleton.index("Head")] == clip.skeleton.index("Neck")
    assert clip.parents[clip.skeleton.index("LTHI")] == -1
    roles = clip.skeleton.roles
    assert clip.joint_names[roles["left_hand"]] == "LeftHand"
    assert clip.joint_names[roles["pelvis"]] == "Pelvis"
    assert clip.joint_names[roles["right_foot"]] == "RightAnkle"


def test_harrington_hip_centres_in_a_known_pelvis():
    """Facing +z with y up (right-handed), the right side is −x."""
    pelvis = {
        "RASI": (-0.12, 1.0, 0.05),
        "LASI": (0.12, 1.0, 0.05),
        "RPSI": (-0.05, 1.0, -0.10),
        "LPSI": (0.05, 1.0, -0.10),
    }
    labels = list(pelvis)
    markers = np.array([list(pelvis.values())] * 3)
    values, skeleton = joints_from_markers(markers, labels)
    width, depth = 0.24, 0.15
    forward = -0.24 * depth - 0.0099
    up = -0.30 * width - 0.0109
    lateral = 0.33 * width + 0.0073
    origin = np.array([0.0, 1.0, 0.05])
    right_hip = origin + np.array([-lateral, up, forward])
    left_hip = origin + np.array([lateral, up, forward])
    np.testing.assert_allclose(values[0, skeleton.index("RightHip")], right_hip, atol=1e-9)
    np.testing.assert_allclose(values[0, skeleton.index("LeftHip")], left_hip, atol=1e-9)
    np.testing.assert_allclose(values[0, skeleton.index("Pelvis")], [0, 1.0, -0.025], atol=1e-9)
    # every marker went into a centre: none is left as a point
    assert skeleton.joint_names == ("Pelvis", "LeftHip", "RightHip")
    assert skeleton.roles == {"pelvis": 0, "left_hip": 1, "right_hip": 2}


def test_a_joint_is_missing_where_one_of_its_markers_is(tmp_path):
    xyz = np.tile(
        [[60.0, 1700, 80], [-60, 1700, 80], [60, 1700, -80], [-60, 1700, -80]], (30, 1, 1)
    )
    invalid = np.zeros((30, 4), bool)
    invalid[10:25, 1] = True  # RFHD gone for 15 frames (0.5 s at 30 fps): a long gap
    path = _write(
        tmp_path,
        "head.c3d",
        c3d_bytes(
            ["LFHD", "RFHD", "LBHD", "RBHD"], xyz, rate=30, screen=("+X", "+Y"), invalid=invalid
        ),
    )
    clip = read_motion(path)
    assert clip.joint_names == ("Head",)
    head = clip.positions[:, 0]
    assert np.isnan(head[10:25]).all() and not np.isnan(head[:10]).any()
    np.testing.assert_allclose(head[0], [0, 1.7, 0], atol=1e-6)  # never a 3-marker mean


def test_labels_of_a_bundled_topology_get_its_bones_and_survive_a_round_trip(tmp_path):
    motion = demo_motion()
    path = tmp_path / "kinect.c3d"
    write_motion(path, motion)
    back = read_motion(path)
    assert back.joint_names == motion.joint_names
    assert back.parents == motion.parents and back.skeleton.roles == motion.skeleton.roles
    np.testing.assert_allclose(back.positions, motion.positions, atol=1e-6)
    np.testing.assert_allclose(back.frame_times, motion.frame_times, atol=1e-6)
    assert back.source_units == "mm" and back.warnings == ()


def test_unknown_markers_are_kept_as_points_with_prefixes_and_case_ignored(tmp_path):
    xyz = np.tile([[60.0, 80, 1700], [-60, 80, 1700], [0, 0, 900], [300, 0, 1000]], (5, 1, 1))
    labels = ["Bob:lfhd", "Bob:RFHD ", "Bob:Stick", "Bob:Stick"]
    clip = read_motion(_write(tmp_path, "a.c3d", c3d_bytes(labels, xyz)))
    assert clip.joint_names == ("Head", "Bob:Stick", "Bob:Stick#2")
    assert clip.parents == (-1, -1, -1)
    np.testing.assert_allclose(clip.positions[0, 0], [0, 1.7, -0.08], atol=1e-6)  # z up → y up


def test_units_and_axes_come_from_the_file_or_are_said_to_be_guessed(tmp_path):
    xyz = np.tile([[0.0, 0.0, 0.1], [0.0, 0.0, 1.8]], (4, 1, 1))
    metres = read_motion(_write(tmp_path, "m.c3d", c3d_bytes(["A", "B"], xyz, units="m")))
    assert metres.source_units == "m" and metres.warnings == ()
    np.testing.assert_allclose(metres.positions[0, 1], [0, 1.8, 0], atol=1e-6)
    guessed = read_motion(
        _write(tmp_path, "g.c3d", c3d_bytes(["A", "B"], xyz * 1000, units=None, screen=None))
    )
    assert guessed.source_units == "mm"
    assert any("POINT:UNITS is missing" in w for w in guessed.warnings)
    assert any("taken as z up" in w for w in guessed.warnings)
    np.testing.assert_allclose(guessed.positions[0, 1], [0, 1.8, 0], atol=1e-6)
    given_units = read_motion(tmp_path / "g.c3d", units="cm", up="z")
    np.testing.assert_allclose(given_units.positions[0, 1], [0, 18.0, 0], atol=1e-5)
    with pytest.raises(CorruptFile, match="up axis 'q'"):
        read_motion(tmp_path / "g.c3d", up="q")


def test_unknown_units_are_refused(tmp_path):
    data = c3d_bytes(["A"], np.ones((2, 1, 3)), units="mm").replace(b"mm", b"fu", 1)
    with pytest.raises(CorruptFile, match="POINT:UNITS 'fu' is not a length unit"):
        read_motion(_write(tmp_path, "fu.c3d", data))


@pytest.mark.parametrize(
    "damage, error, message",
    [
        (lambda d: d[:300], CorruptFile, "too short for a C3D file"),
        (lambda d: d[:1] + b"\x51" + d[2:], CorruptFile, "not a C3D file"),
        (lambda d: d[: len(d) - 512 * 2], CorruptFile, "is truncated: declares 400 frames"),
        (lambda d: b"\x00" * 512 * 3, CorruptFile, "not a C3D file"),
    ],
)
def test_bad_files_name_the_reason(tmp_path, damage, error, message):
    data = c3d_bytes(["A", "B"], np.ones((400, 2, 3)))
    path = _write(tmp_path, "bad.c3d", damage(data))
    with pytest.raises(error, match=message) as caught:
        read_motion(path)
    assert caught.value.path == path


def test_a_header_declaring_billions_of_frames_is_refused_at_once(tmp_path):
    data = bytearray(c3d_bytes(["A"], np.ones((3, 1, 3))))
    data[2:4] = struct.pack("<H", 65535)  # header: points
    data[8:10] = struct.pack("<H", 65535)  # header: last frame
    path = _write(tmp_path, "huge.c3d", bytes(data))
    started = time.monotonic()
    with pytest.raises(CorruptFile):
        read_motion(path)
    assert time.monotonic() - started < 2


def test_a_file_of_model_outputs_only_is_empty(tmp_path):
    data = c3d_bytes(["LKneeAngles"], np.ones((3, 1, 3)), angles=["LKneeAngles"])
    with pytest.raises(EmptyFile, match="every point is a model output"):
        read_motion(_write(tmp_path, "angles.c3d", data))


@pytest.mark.parametrize("suffix", [".c3d", ".bvh", ".npz"])
def test_accelerometers_are_written_as_csv_only(tmp_path, suffix):
    sensors = sensors_from_motion(demo_motion())
    with pytest.raises(UnsupportedFormat, match="accelerometer clips are written as CSV"):
        write_motion(tmp_path / f"imu{suffix}", sensors)
