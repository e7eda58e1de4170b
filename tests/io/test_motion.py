from __future__ import annotations

import math
import zipfile

import numpy as np
import pytest

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.bvh import read_bvh, read_bvh_document
from emolab.io.motion import MAX_REPAIR_GAP_S, MotionClip, infer_units, read_motion, write_motion
from emolab.io.motion_csv import read_motion_csv
from emolab.io.motion_npz import read_motion_npz
from emolab.io.skeletons import load_topology, parents_problem, skeleton_for_names
from tests.conftest import SIMPLE_BVH


def test_bvh_forward_kinematics_known_positions(simple_bvh):
    clip = read_motion(simple_bvh)
    assert clip.source_units == "cm"  # 1.9 units tall → centimetres
    assert clip.joint_names == ("Hips", "Spine", "Head", "Head_End", "LeftUpLeg", "LeftFoot")
    assert clip.fps == pytest.approx(60, rel=1e-3)
    rest = clip.positions[0]
    np.testing.assert_allclose(rest[1], [0, 1.4, 0], atol=1e-6)  # hips 0.9 + spine 0.5
    np.testing.assert_allclose(rest[3], [0, 2.0, 0], atol=1e-6)
    # frame 2: Z rotation 90° at the root turns the body's up (y) into −x
    turned = clip.positions[1]
    np.testing.assert_allclose(turned[1], [-0.5, 0.9, 0], atol=1e-6)
    np.testing.assert_allclose(turned[4], [0, 1.0, 0], atol=1e-6)  # +x offset → +y
    # frame 3: X rotation 90° (channel order Z X Y) turns y into +z, and root x moved 5 cm
    tipped = clip.positions[2]
    np.testing.assert_allclose(tipped[1], [0.05, 0.9, 0.5], atol=1e-6)


def test_bvh_channel_order_is_respected(tmp_path):
    # Same angles, two orders: R = Rz·Rx differs from Rx·Rz
    def one_joint(order: str) -> np.ndarray:
        text = (
            "HIERARCHY\nROOT A\n{\nOFFSET 0 0 0\nCHANNELS 3 " + order + "\n"
            "JOINT B\n{\nOFFSET 0 100 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n}\n}\n"
            "MOTION\nFrames: 1\nFrame Time: 0.01\n"
        )
        values = {"Zrotation": 90.0, "Xrotation": 90.0, "Yrotation": 0.0}
        row = " ".join(str(values[c]) for c in order.split()) + " 0 0 0\n"
        path = tmp_path / f"{order.replace(' ', '')}.bvh"
        path.write_text(text + row)
        return read_motion(path, units="m").positions[0, 1]

    zxy = one_joint("Zrotation Xrotation Yrotation")  # Rz(Rx(y)) = Rz(z) = z
    xzy = one_joint("Xrotation Zrotation Yrotation")  # Rx(Rz(y)) = Rx(−x) = −x
    np.testing.assert_allclose(zxy, [0, 0, 100], atol=1e-9)
    np.testing.assert_allclose(xzy, [-100, 0, 0], atol=1e-9)


@pytest.mark.parametrize(
    ("edit", "message", "line"),
    [
        (lambda s: s.replace("Frames: 3", "Frames: 4"), "header says 4 frames", 32),
        (lambda s: s.replace("5 90 0 0 90", "5 90 zero 0 90"), "'zero' is not a number", 36),
        (lambda s: s.replace("0 90 0 90 0 0", "0 90 0 90 0"), "has 17 values", 35),
        (lambda s: s.replace("  JOINT LeftUpLeg\n  {", "  JOINT LeftUpLeg\n"), "expected '{'", 22),
        (lambda s: s.replace("    OFFSET 0 -80 0\n", ""), "'LeftFoot' has no OFFSET", 27),
        (
            lambda s: s.replace(
                "CHANNELS 3 Zrotation Xrotation Yrotation\n    JOINT Head",
                "CHANNELS 3 Zrotation Qrotation Yrotation\n    JOINT Head",
            ),
            "unknown channel 'Qrotation'",
            9,
        ),
        (lambda s: s.replace("MOTION", "MOTON"), "no MOTION section", None),
    ],
)
def test_broken_bvh_names_file_and_line(tmp_path, edit, message, line):
    path = tmp_path / "broken.bvh"
    path.write_text(edit(SIMPLE_BVH))
    with pytest.raises(CorruptFile) as info:
        read_motion(path)
    assert message in str(info.value)
    assert "broken.bvh" in str(info.value)
    assert info.value.line == line


def test_unbalanced_braces_are_a_broken_hierarchy(tmp_path):
    path = tmp_path / "braces.bvh"
    path.write_text(SIMPLE_BVH.replace("MOTION", "}\nMOTION"))
    with pytest.raises(CorruptFile, match="broken hierarchy"):
        read_motion(path)
    path.write_text(
        SIMPLE_BVH.replace(
            "      End Site\n      {\n        OFFSET 0 20 0\n      }\n",
            "      End Site\n      {\n        OFFSET 0 20 0\n",
        )
    )
    with pytest.raises(CorruptFile, match="broken hierarchy"):
        read_motion(path)


def test_bvh_document_round_trip(tmp_path, simple_bvh):
    from emolab.io.bvh import write_bvh_document

    doc = read_bvh_document(simple_bvh)
    out = tmp_path / "again.bvh"
    write_bvh_document(out, doc)
    np.testing.assert_allclose(
        read_motion(out).positions, read_motion(simple_bvh).positions, atol=1e-6
    )


@pytest.mark.parametrize("ext", [".csv", ".bvh", ".npz"])
def test_writers_round_trip(tmp_path, simple_bvh, ext):
    clip = read_motion(simple_bvh)
    out = tmp_path / f"copy{ext}"
    write_motion(out, clip)
    back = read_motion(out)
    assert back.joint_names == clip.joint_names
    assert back.parents == clip.parents
    np.testing.assert_allclose(back.positions, clip.positions, atol=2e-6)
    np.testing.assert_allclose(back.frame_times, clip.frame_times, atol=1e-6)
    assert back.skeleton.roles == clip.skeleton.roles


def test_csv_long_gaps_stay_nan_and_are_reported(tmp_path):
    topo = load_topology("kinect_v2").skeleton
    n = 30
    positions = np.tile(np.linspace(0, 1.7, topo.n_joints)[None, :, None], (n, 1, 3))
    positions = positions.astype(np.float32)
    positions[2:14, topo.index("HandLeft")] = np.nan  # 12 frames at 30 fps: 0.4 s
    clip = MotionClip(np.arange(n) / 30, positions, topo)
    path = tmp_path / "k.csv"
    write_motion(path, clip)
    back = read_motion(path)
    assert np.isnan(back.positions[2:14, topo.index("HandLeft")]).all()
    assert not np.isnan(back.positions[0]).any()
    assert back.missing_fraction == pytest.approx(12 / (n * 25))
    assert back.missing_per_joint() == {"HandLeft": pytest.approx(0.4)}
    assert back.skeleton.joint("left_hand") == topo.index("HandLeft")
    assert back.warnings == ("12 samples (1.6%) left missing",)


def test_csv_without_parents_matches_a_bundled_topology_and_infers_units(tmp_path):
    names = ["SpineBase", "SpineShoulder", "Neck", "Head", "HandLeft", "AnkleLeft"]
    header = "time," + ",".join(f"{j}_{a}" for j in names for a in "xyz")
    heights = [950, 1400, 1500, 1700, 1000, 80]  # millimetres
    rows = [f"{t / 30:.4f}," + ",".join(f"0,{h},0" for h in heights) for t in range(3)]
    path = tmp_path / "mm.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    clip = read_motion(path)
    assert clip.source_units == "mm"
    assert clip.positions[0, 3, 1] == pytest.approx(1.7)
    assert clip.skeleton.name == "kinect_v2"
    # Neck's parent is SpineShoulder, HandLeft climbs to SpineShoulder past missing joints
    assert clip.parents[names.index("Neck")] == names.index("SpineShoulder")
    assert clip.parents[names.index("HandLeft")] == names.index("SpineShoulder")
    assert clip.skeleton.joint("head") == 3


def test_csv_z_up_and_declared_fps(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("# units=m up=z fps=50\nHead_x,Head_y,Head_z\n0,0.2,1.7\n0,0.2,1.7\n")
    clip = read_motion(path)
    np.testing.assert_allclose(clip.positions[0, 0], [0, 1.7, -0.2], atol=1e-6)
    assert clip.fps == pytest.approx(50)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("time,Head_x,Head_y\n0,1,2\n", "coordinate columns", 1),
        ("time,Head_x,Head_y,Head_z\n0,1,2,3\n0.1,1,2\n", "row has 3 values", 3),
        ("time,Head_x,Head_y,Head_z\n0,1,2,3\n0.1,1,two,3\n", "'two' in column 'Head_y'", 3),
        ("time,Head_x,Head_y,Head_z\n0,1,2,3\n0,1,2,3\n", "time does not increase", 3),
        ("Head_x,Head_y,Head_z\n0,1,2\n", "no time column", None),
        ("time,Head_x,Head_y,Head_z\n", "no motion frames", None),
    ],
)
def test_broken_csv(tmp_path, text, message, line):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(CorruptFile) as info:
        read_motion(path)
    assert message in str(info.value)
    assert info.value.line == line


def test_npz_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(
        path,
        positions=np.zeros((2, 1, 3)),
        joint_names=np.array([object()], dtype=object),
        fps=np.array(30),
    )
    with pytest.raises(CorruptFile, match="never unpickles"):
        read_motion(path)


def test_empty_and_unknown_motion_files(tmp_path):
    empty = tmp_path / "e.bvh"
    empty.write_text("")
    with pytest.raises(EmptyFile):
        read_motion(empty)
    other = tmp_path / "x.trc"
    other.write_bytes(b"1")
    with pytest.raises(UnsupportedFormat, match="not a motion format"):
        read_motion(other)


def test_unit_inference():
    assert infer_units(1.75) == "m"
    assert infer_units(175) == "cm"
    assert infer_units(1750) == "mm"
    assert infer_units(68) == "in"
    assert infer_units(float("nan")) == "m"


def test_roles_resolve_for_common_naming_variants():
    for names in (
        ["Hips", "Spine", "Neck", "Head", "LeftArm", "LeftForeArm", "LeftHand"],
        ["hip", "abdomen", "neck", "head", "lShldr", "lForeArm", "lHand"],
        [
            "mixamorig:Hips",
            "mixamorig:Spine",
            "mixamorig:Neck",
            "mixamorig:Head",
            "mixamorig:LeftArm",
            "mixamorig:LeftForeArm",
            "mixamorig:LeftHand",
        ],
    ):
        roles = skeleton_for_names(names).roles
        assert roles["pelvis"] == 0
        assert roles["head"] == 3
        assert roles["left_shoulder"] == 4
        assert roles["left_hand"] == 6


def test_frame_at_picks_the_frame_showing_at_a_time(simple_bvh):
    clip = read_motion(simple_bvh)
    assert clip.frame_at(-1.0) == 0
    assert clip.frame_at(0.0) == 0
    assert clip.frame_at(0.0167) == 1
    assert clip.frame_at(10.0) == 2


# ---- bad files are typed, per-file errors; NaN/inf are repaired or left missing ----------


@pytest.mark.parametrize("frame_time", ["inf", "0", "-0.01", "nan", "-inf"])
def test_bvh_frame_time_must_be_positive_and_finite(tmp_path, frame_time):
    path = tmp_path / "t.bvh"
    path.write_text(SIMPLE_BVH.replace("Frame Time: 0.0166667", f"Frame Time: {frame_time}"))
    with pytest.raises(CorruptFile, match="not a positive, finite number") as info:
        read_motion(path)
    assert info.value.line == 33


def test_bvh_frame_time_so_small_its_rate_overflows_is_refused(tmp_path):
    path = tmp_path / "t.bvh"
    path.write_text(SIMPLE_BVH.replace("Frame Time: 0.0166667", "Frame Time: 5e-324"))
    with pytest.raises(CorruptFile, match="frame times"):
        read_motion(path)


def _chain_bvh(depth: int) -> str:
    head = "HIERARCHY\nROOT J0\n{\nOFFSET 0 0 0\nCHANNELS 3 Xposition Yposition Zposition\n"
    body = "".join(f"JOINT J{i}\n{{\nOFFSET 0 0.001 0\n" for i in range(1, depth))
    return head + body + "}\n" * depth + "MOTION\nFrames: 2\nFrame Time: 0.01\n0 0 0\n1 0 0\n"


def test_a_5000_deep_bvh_hierarchy_reads_without_recursion(tmp_path):
    path = tmp_path / "deep.bvh"
    path.write_text(_chain_bvh(5000))
    clip = read_motion(path, units="m")
    assert clip.n_joints == 5000
    assert clip.parents[4999] == 4998
    np.testing.assert_allclose(clip.positions[1, 4999], [1.0, 4.999, 0.0], atol=1e-4)


def test_a_deep_bvh_missing_its_closing_braces_names_the_end(tmp_path):
    path = tmp_path / "deep.bvh"
    path.write_text(_chain_bvh(5000).replace("}\n" * 5000, "}\n" * 4999))
    with pytest.raises(CorruptFile, match="file ends inside it"):
        read_motion(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("OFFSET 0 50 0", "OFFSET 0 inf 0"), "'inf' is not a finite number"),
        (lambda s: s.replace("Frames: 3", "Frames: ³"), "is not a whole number"),
        (lambda s: s.replace("Frames: 3", "Frames: " + "9" * 5000), "is not a whole number"),
        (lambda s: s.replace("CHANNELS 3 Zrotation Xrotation Yrotation\n    JOINT Head",
                             "CHANNELS 99999 Zrotation\n    JOINT Head"), "more than the 6"),
        (lambda s: s.encode("utf-8") + b"\xff", "not a text BVH file"),
    ],
)  # fmt: skip
def test_malformed_bvh_numbers_are_typed_errors(tmp_path, edit, message):
    path = tmp_path / "bad.bvh"
    content = edit(SIMPLE_BVH)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(CorruptFile, match=message):
        read_bvh(path)


def test_nan_and_inf_in_bvh_channels_become_repaired_or_missing_positions(tmp_path):
    rows = [" ".join(["0"] * 6 + [str(10.0 * i)] * 3) for i in range(30)]
    rows[5] = rows[5].replace("50.0 50.0 50.0", "nan 50.0 50.0")  # spine: 1 frame
    rows[20] = "0 0 0 inf 0 0 " + " ".join(["0"] * 3)  # root: 1 frame, everything moves
    text = (
        "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\n"
        "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
        "JOINT Spine\n{\nOFFSET 0 50 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n"
        "End Site\n{\nOFFSET 0 40 0\n}\n}\n}\n"
        "MOTION\nFrames: 30\nFrame Time: 0.02\n" + "\n".join(rows) + "\n"
    )
    path = tmp_path / "nan.bvh"
    path.write_text(text)
    clip = read_bvh(path, units="cm")
    assert np.isfinite(clip.positions).all()
    # a joint's own rotation moves only its children; a root's rotation moves all but it:
    # the end site misses frames 5 and 20, the spine frame 20
    assert clip.warnings == ("3 short gaps (3 samples) in 2 joints interpolated",)
    expected = (clip.positions[4, 2] + clip.positions[6, 2]) / 2
    np.testing.assert_allclose(clip.positions[5, 2], expected, atol=1e-6)


def test_csv_fps_must_be_a_positive_number(tmp_path):
    for fps in ("0", "sixty", "-30", "inf", "nan"):
        path = tmp_path / "f.csv"
        path.write_text(f"# fps={fps}\nHead_x,Head_y,Head_z\n0,1.7,0\n0,1.7,0\n")
        with pytest.raises(CorruptFile, match=f"'# fps={fps}' is not a positive frame rate"):
            read_motion(path)


@pytest.mark.parametrize(
    ("parents", "reason"),
    [
        ("1,0", "cycle"),
        ("0,-1", "its own parent"),
        ("-1,2", "neither -1 nor a joint index"),
        ("-1", "gives 1 parent indices for 2 joints"),
        ("-1,x", "not a list of whole numbers"),
    ],
)
def test_csv_parents_must_form_a_forest(tmp_path, parents, reason):
    path = tmp_path / "p.csv"
    path.write_text(f"# fps=30 parents={parents}\nA_x,A_y,A_z,B_x,B_y,B_z\n0,1,0,0,1.7,0\n")
    with pytest.raises(CorruptFile, match=reason):
        read_motion_csv(path)


def test_parents_problem_finds_long_cycles_without_recursion():
    n = 10_000
    chain = [-1, *range(n - 1)]
    assert parents_problem(chain, n) is None
    assert "cycle" in parents_problem([n - 1, *range(n - 1)], n)


def test_csv_nan_and_inf_policy(tmp_path):
    fps, n = 60, 100
    longest = int(MAX_REPAIR_GAP_S * fps)  # 15 frames is still repaired
    t = np.arange(n) / fps
    head = np.stack([t, 1.7 + 0 * t, 0 * t], axis=1)
    hand = np.stack([0 * t, 1.0 + t, 0 * t], axis=1).astype(object)
    hand[10 : 10 + longest] = "inf"  # short gap: repaired along the straight line
    hand[40 : 40 + longest + 1] = "nan"  # one frame too long: left missing
    hand[n - 3 :] = ""  # at the end: nothing to interpolate towards
    rows = [f"{t[i]:.6f}," + ",".join(str(v) for v in (*head[i], *hand[i])) for i in range(n)]
    path = tmp_path / "gaps.csv"
    path.write_text("time,Head_x,Head_y,Head_z,HandLeft_x,HandLeft_y,HandLeft_z\n")
    with path.open("a") as fh:
        fh.write("\n".join(rows) + "\n")
    clip = read_motion(path, units="m")
    np.testing.assert_allclose(
        clip.positions[10 : 10 + longest, 1, 1], 1.0 + t[10 : 10 + longest], rtol=1e-6
    )
    assert np.isnan(clip.positions[40 : 40 + longest + 1, 1]).all()
    assert np.isnan(clip.positions[n - 3 :, 1]).all()
    assert not np.isinf(clip.positions).any()
    left = longest + 1 + 3
    assert clip.warnings == (
        f"1 short gap ({longest} samples) in 1 joint interpolated; "
        f"{left} samples ({100 * left / (2 * n):.1f}%) left missing",
    )


def test_a_clip_with_every_position_missing_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("time,Head_x,Head_y,Head_z\n0,nan,nan,nan\n0.1,inf,,\n")
    with pytest.raises(BadSamples, match="every joint position is missing"):
        read_motion(path)


def test_csv_time_must_be_finite(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time,Head_x,Head_y,Head_z\n0,0,1.7,0\ninf,0,1.7,0\n")
    with pytest.raises(CorruptFile, match="time is empty or not finite") as info:
        read_motion(path)
    assert info.value.line == 3


def _npz(path, **arrays):
    base = {"positions": np.zeros((4, 2, 3)) + 1.0, "joint_names": np.array(["Head", "Neck"])}
    np.savez(path, **(base | arrays))
    return path


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"fps": np.array([30.0, 30.0])}, "fps must be one number"),
        ({"fps": np.array(0.0)}, "not a positive frame rate"),
        ({"fps": np.array("sixty")}, "fps are not numbers"),
        ({"fps": np.array(30), "parents": np.array(["-1", "0"])}, "parents must be a list"),
        ({"fps": np.array(30), "parents": np.array([1, 0])}, "cycle"),
        ({"fps": np.array(30), "parents": np.array([-1, 7])}, "neither -1 nor a joint index"),
        ({"fps": np.array(30), "positions": np.zeros((4, 2, 3)).astype(str)}, "not numbers"),
        ({"frame_times": np.array([0, 0.1, np.nan, 0.3])}, "NaN or infinite"),
        ({"frame_times": np.array([0, 0.1, 0.1, 0.3])}, "do not increase"),
        ({"fps": np.array(30), "units": np.array(3)}, "units must be one word"),
        ({"fps": np.array(30), "joint_names": np.array(["Head", "Ne\x00ck"])}, "not printable"),
        ({"fps": np.array(30), "positions": np.full((4, 2, 3), np.inf)}, "every joint position"),
    ],
)  # fmt: skip
def test_malformed_npz_arrays_are_refused_with_a_reason(tmp_path, arrays, message):
    path = _npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(CorruptFile, match=message):
        read_motion(path)


def test_truncated_and_damaged_npz_are_corrupt(tmp_path):
    good = _npz(tmp_path / "good.npz", fps=np.array(30))
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile, match="not a readable NPZ archive"):
        read_motion_npz(cut)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x93NUMPY" + b"\0" * 100)
    with pytest.raises(CorruptFile, match="not a readable NPZ archive"):
        read_motion_npz(garbage)


def test_npz_array_header_larger_than_its_data_is_refused_before_allocating(tmp_path):
    path = tmp_path / "liar.npz"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 1, 3), }"
    header = header.ljust(118) + "\n"
    member = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("positions.npy", member + b"\0" * 24)
        archive.writestr("joint_names.npy", _npy_bytes(np.array(["Head"])))
        archive.writestr("fps.npy", _npy_bytes(np.array(30.0)))
    with pytest.raises(CorruptFile, match="declares shape") as info:
        read_motion(path)
    assert str(math.prod((100000000000, 1, 3)) * 8) in str(info.value)


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npz_reader_never_unpickles_even_a_harmless_object(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, positions=np.zeros((2, 1, 3), dtype=object), joint_names=np.array(["A"]))
    with pytest.raises(CorruptFile, match="never unpickles"):
        read_motion(path)


def test_npz_with_inf_samples_is_repaired_and_warns(tmp_path):
    positions = np.tile(np.array([[0, 1.7, 0], [0, 1.0, 0]]), (30, 1, 1)).astype(float)
    positions[3, 1, 0] = np.inf
    positions[4, 1, 2] = -np.inf
    path = _npz(tmp_path / "inf.npz", positions=positions, fps=np.array(30.0))
    clip = read_motion(path)
    assert np.isfinite(clip.positions).all()
    assert clip.warnings == ("1 short gap (2 samples) in 1 joint interpolated",)


def test_values_too_large_for_float32_are_missing_not_infinite(tmp_path):
    path = tmp_path / "big.csv"
    rows = "\n".join(f"{i / 30:.4f},0,1.7,0,0,{'1e300' if i == 5 else '1.0'},0" for i in range(20))
    path.write_text("time,Head_x,Head_y,Head_z,Neck_x,Neck_y,Neck_z\n" + rows + "\n")
    clip = read_motion(path, units="m")
    assert np.isfinite(clip.positions).all()
    assert clip.positions[5, 1, 1] == pytest.approx(1.0)


def test_motion_clips_built_in_code_have_no_warnings():
    topo = load_topology("kinect_v2").skeleton
    clip = MotionClip(np.arange(2) / 30, np.zeros((2, topo.n_joints, 3), np.float32), topo)
    assert clip.warnings == ()


def test_unreadable_motion_paths_are_typed_errors(tmp_path):
    folder = tmp_path / "dir.bvh"
    folder.mkdir()
    with pytest.raises(CorruptFile, match="cannot be read"):
        read_motion(folder)
    with pytest.raises(CorruptFile, match="does not exist"):
        read_bvh(tmp_path / "missing.bvh")


def test_a_5000_deep_bvh_writes_back(tmp_path):
    from emolab.io.bvh import write_bvh_document

    path = tmp_path / "deep.bvh"
    path.write_text(_chain_bvh(5000))
    out = tmp_path / "again.bvh"
    write_bvh_document(out, read_bvh_document(path))
    np.testing.assert_allclose(
        read_motion(out, units="m").positions, read_motion(path, units="m").positions, atol=1e-6
    )


@pytest.mark.parametrize(
    ("times", "fps"),
    [("0,16.7,33.3", None), (None, "1e308"), (None, "0.001")],
)
def test_frame_rates_outside_the_plausible_range_are_refused(tmp_path, times, fps):
    path = tmp_path / "rate.csv"
    if times:
        rows = [f"{t},0,1.7,0" for t in times.split(",")]
        path.write_text("time,Head_x,Head_y,Head_z\n" + "\n".join(rows) + "\n")
    else:
        path.write_text(f"# fps={fps}\nHead_x,Head_y,Head_z\n0,1.7,0\n0,1.7,0\n0,1.7,0\n")
    with pytest.raises(CorruptFile, match="are the frame times in seconds"):
        read_motion(path)
