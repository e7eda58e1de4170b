"""C3D files for tests, written with the ``c3d`` package's Writer (no binary fixtures).

:func:`c3d_bytes` writes any labels and coordinates; :func:`plug_in_gait_markers` puts a
Plug-in Gait marker set on the SYNTHETIC demo skeleton (markers on the skin beside its
joints), plus two wand markers and a model output listed in ``POINT:ANGLES``.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from emolab.io.motion import MotionClip


def c3d_bytes(
    labels: list[str],
    xyz: np.ndarray,
    rate: float = 100.0,
    units: str | None = "mm",
    scale: float = -1.0,
    screen: tuple[str, str] | None = ("+X", "+Z"),
    invalid: np.ndarray | None = None,
    angles: list[str] = (),
) -> bytes:
    """A C3D file of points ``labels`` at ``xyz`` (frames × points × 3, file units).
    ``scale`` < 0: 32-bit floats; > 0: 16-bit integers of that many units (coordinates
    are rounded to it). ``invalid`` (frames × points): samples marked invalid (residual
    −1). ``units`` None: no POINT:UNITS; ``screen`` None: no X/Y_SCREEN."""
    import c3d

    frames, points = xyz.shape[:2]
    invalid = np.zeros((frames, points), bool) if invalid is None else invalid
    writer = c3d.Writer(point_rate=rate, point_scale=scale, point_units=units or "mm")
    writer.set_point_labels(labels)
    if screen is not None:
        writer.set_screen_axis(*screen)
    if angles:
        packed, width = c3d.Writer.pack_labels(list(angles))
        writer.point_group.add_str("ANGLES", "Angle outputs", packed, width, len(angles))
    no_analog = np.zeros((0, 0))
    data = []
    for f in range(frames):
        sample = np.zeros((points, 5), np.float32)
        sample[:, :3] = xyz[f]
        sample[:, 3] = np.where(invalid[f], -1.0, abs(scale))  # residual of one unit
        data.append((sample, no_analog))
    writer.add_frames(data)
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Writer warns that there are no analog channels
        writer.write(out)
    data = out.getvalue()
    if units is None:  # the Writer always names units: rename the parameter out of sight
        data = data.replace(b"UNITS", b"UNITZ", 1)
    return data


def zup(positions: np.ndarray) -> np.ndarray:
    """y-up coordinates (x, y, z) as a z-up lab writes them: (x, −z, y)."""
    return np.stack([positions[..., 0], -positions[..., 2], positions[..., 1]], axis=-1)


#: Plug-in Gait markers as offsets from a Kinect joint of the demo skeleton, in metres
#: along (right, up, forward) of the body.
_PIG = {
    "LFHD": ("Head", (-0.06, 0.05, 0.08)), "RFHD": ("Head", (0.06, 0.05, 0.08)),
    "LBHD": ("Head", (-0.06, 0.05, -0.08)), "RBHD": ("Head", (0.06, 0.05, -0.08)),
    "C7": ("Neck", (0.0, 0.0, -0.06)), "CLAV": ("SpineShoulder", (0.0, -0.02, 0.08)),
    "T10": ("SpineMid", (0.0, 0.0, -0.10)), "STRN": ("SpineMid", (0.0, 0.05, 0.10)),
    "LSHO": ("ShoulderLeft", (0.0, 0.04, 0.0)), "RSHO": ("ShoulderRight", (0.0, 0.04, 0.0)),
    "LELB": ("ElbowLeft", (-0.03, 0.0, 0.0)), "RELB": ("ElbowRight", (0.03, 0.0, 0.0)),
    "LWRA": ("WristLeft", (0.0, 0.0, 0.02)), "LWRB": ("WristLeft", (0.0, 0.0, -0.02)),
    "RWRA": ("WristRight", (0.0, 0.0, 0.02)), "RWRB": ("WristRight", (0.0, 0.0, -0.02)),
    "LFIN": ("HandTipLeft", (0.0, 0.0, 0.0)), "RFIN": ("HandTipRight", (0.0, 0.0, 0.0)),
    "LASI": ("HipLeft", (-0.04, 0.08, 0.10)), "RASI": ("HipRight", (0.04, 0.08, 0.10)),
    "LPSI": ("HipLeft", (0.03, 0.10, -0.08)), "RPSI": ("HipRight", (-0.03, 0.10, -0.08)),
    "LKNE": ("KneeLeft", (-0.05, 0.0, 0.0)), "RKNE": ("KneeRight", (0.05, 0.0, 0.0)),
    "LANK": ("AnkleLeft", (-0.04, 0.0, 0.0)), "RANK": ("AnkleRight", (0.04, 0.0, 0.0)),
    "LHEE": ("AnkleLeft", (0.0, -0.04, -0.06)), "RHEE": ("AnkleRight", (0.0, -0.04, -0.06)),
    "LTOE": ("FootLeft", (0.0, 0.0, 0.05)), "RTOE": ("FootRight", (0.0, 0.0, 0.05)),
    "LTHI": ("KneeLeft", (-0.08, 0.2, 0.0)), "RTHI": ("KneeRight", (0.08, 0.2, 0.0)),
    "LKneeAngles": ("KneeLeft", (0.0, 0.0, 0.0)),
}  # fmt: skip


def plug_in_gait_markers(motion: MotionClip) -> tuple[list[str], np.ndarray, list[str]]:
    """(labels, positions in metres y up: frames × markers × 3, the model outputs among
    them) of a Plug-in Gait marker set on a demo Kinect skeleton."""
    skeleton = motion.skeleton
    p = motion.positions.astype(np.float64)
    # the body's axes per frame: right (hips), up, forward = up × right
    right = p[:, skeleton.index("HipRight")] - p[:, skeleton.index("HipLeft")]
    right[:, 1] = 0
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    up = np.tile([0.0, 1.0, 0.0], (len(p), 1))
    forward = np.cross(up, right)
    labels, columns = [], []
    for label, (joint, (r, u, f)) in _PIG.items():
        base = p[:, skeleton.index(joint)]
        labels.append(label)
        columns.append(base + r * right + u * up + f * forward)
    return labels, np.stack(columns, axis=1), ["LKneeAngles"]
