"""Accelerometer clips and files for tests, made from the SYNTHETIC demo's movement.

An accelerometer on a joint that does not turn measures the joint's acceleration less the
gravity vector: the positions differentiated twice plus 9.80665 m/s² upward. The demo's
sensors keep the room's axes (y up), which real ones do not; tests that need turning
sensors turn them themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emolab.io.motion import MotionClip, SensorClip, sensor_clip_from_samples
from emolab.io.skeletons import skeleton_for_names

#: Kinect joints of the demo skeleton that carry a sensor, by default.
SENSOR_JOINTS = ("HandLeft", "HandRight", "Head", "SpineBase")


def demo_motion(participant: int = 1, condition: int = 20) -> MotionClip:
    """One SYNTHETIC demo recording's movement (60 fps, 25 Kinect joints)."""
    from emolab.demo.corpus import conditions, generate_recording, make_participant

    person = make_participant(participant, 0)
    _, motion = generate_recording(person, conditions(1)[condition], 0)
    return motion


def figure_height(motion: MotionClip) -> float:
    """The body height (m) the position features use: the median vertical extent."""
    with np.errstate(all="ignore"):
        extent = np.nanmax(motion.positions[..., 1], axis=1) - np.nanmin(
            motion.positions[..., 1], axis=1
        )
    return float(np.nanmedian(extent))


def sensors_from_motion(
    motion: MotionClip,
    joints: tuple[str, ...] = SENSOR_JOINTS,
    gravity: bool = True,
    gyroscope: bool = False,
    height: float | None = None,
    smooth_s: float = 0.0,
) -> SensorClip:
    """What accelerometers on ``joints`` would read, in the room's axes: the joints'
    acceleration (m/s²) plus 1 g upward when ``gravity``; angular velocity zero.
    ``smooth_s``: σ (s) of a Gaussian applied to the positions first, so the demo's 3 mm
    tracking noise, twice differentiated, does not swamp the movement."""
    from emolab.features.body import lowpass

    index = [motion.skeleton.index(j) for j in joints]
    times = motion.frame_times
    positions = motion.positions[:, index].astype(np.float64)
    if smooth_s:
        positions = lowpass(positions, motion.fps, smooth_s)
    acceleration = np.gradient(np.gradient(positions, times, axis=0), times, axis=0)
    if gravity:
        acceleration[..., 1] += 9.80665
    gyro = np.zeros_like(acceleration) if gyroscope else None
    return sensor_clip_from_samples(times, acceleration, gyro, skeleton_for_names(list(joints)),
                                    None, gravity, height)  # fmt: skip


def write_sensor_csv(path: Path, clip: SensorClip) -> Path:
    from emolab.io.motion import write_motion

    write_motion(path, clip)
    return path
