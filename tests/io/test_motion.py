from __future__ import annotations

import numpy as np
import pytest

from emolab.core.errors import CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.bvh import read_bvh_document
from emolab.io.motion import MotionClip, infer_units, read_motion, write_motion
from emolab.io.skeletons import load_topology, skeleton_for_names
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


def test_csv_missing_joints_stay_nan_and_are_reported(tmp_path):
    topo = load_topology("kinect_v2").skeleton
    n = 10
    positions = np.tile(np.linspace(0, 1.7, topo.n_joints)[None, :, None], (n, 1, 3))
    positions = positions.astype(np.float32)
    positions[2:5, topo.index("HandLeft")] = np.nan
    clip = MotionClip(np.arange(n) / 30, positions, topo)
    path = tmp_path / "k.csv"
    write_motion(path, clip)
    back = read_motion(path)
    assert np.isnan(back.positions[2:5, topo.index("HandLeft")]).all()
    assert not np.isnan(back.positions[0]).any()
    assert back.missing_fraction == pytest.approx(3 / (n * 25))
    assert back.missing_per_joint() == {"HandLeft": pytest.approx(0.3)}
    assert back.skeleton.joint("left_hand") == topo.index("HandLeft")


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
    other = tmp_path / "x.c3d"
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
