"""Speech-accompanying body movement for the SYNTHETIC demo corpus.

A standing Kinect-v2-style skeleton (25 joints, metres, y up, facing +z) is posed by a
small kinematic model: trunk lean/turn, head pitch/turn, and per arm shoulder
abduction, shoulder flexion and elbow flexion. Beat gestures of the dominant hand peak
on the stressed syllables of the utterance, so audio and motion share a time base.

Emotion changes movement as the body-expression literature reports it (Wallbott 1998;
Dael, Mortillaro & Scherer 2012; Laban effort qualities); see :data:`EMOTION_MOVEMENT`.
Participants differ in height, habitual gesture size and speed, posture and handedness.
Measurement noise (3 mm) and short hand-tracking dropouts (NaN) mimic a depth sensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.io.motion import MotionClip
from emolab.io.skeletons import load_topology

FPS = 60.0
STRONG_FACTOR = 1.5


@dataclass(frozen=True)
class Movement:
    """How an emotion changes movement, relative to the speaker's neutral style."""

    amplitude: float  # × beat-gesture size (degrees of shoulder/elbow flexion)
    stroke: float  # s, width of one gesture stroke (smaller = faster)
    expansion: float  # degrees of extra shoulder abduction (− = arms held in)
    lean: float  # degrees of trunk pitch (+ forward, − backward)
    head: float  # degrees of head pitch (+ down)
    turn: float  # degrees of trunk/head turn away
    jerk: float  # 0–1, sharpness of strokes and irregular timing
    bounce: float  # m of vertical bounce (happy)
    tremor: float  # degrees of 9 Hz tremor (fear)
    rest_elbow: float  # degrees of elbow flexion between gestures
    bimanual: float  # non-dominant hand's share of each gesture


EMOTION_MOVEMENT: dict[str, Movement] = {
    "neutral": Movement(1.00, 0.22, 0.0, 0.0, 2.0, 0.0, 0.1, 0.000, 0.0, 25.0, 0.2),
    "calm": Movement(0.80, 0.26, -2.0, -1.0, 3.0, 0.0, 0.0, 0.000, 0.0, 20.0, 0.2),
    "happy": Movement(1.30, 0.18, 12.0, -2.0, -6.0, 0.0, 0.2, 0.012, 0.0, 35.0, 0.6),
    "sad": Movement(0.60, 0.30, -6.0, 7.0, 18.0, 0.0, 0.0, 0.000, 0.0, 15.0, 0.1),
    "angry": Movement(1.45, 0.13, 8.0, 8.0, -2.0, 0.0, 0.8, 0.004, 0.0, 45.0, 0.5),
    "fearful": Movement(0.80, 0.15, -8.0, -6.0, 6.0, 5.0, 0.5, 0.000, 1.5, 65.0, 0.7),
    "disgust": Movement(0.85, 0.24, -3.0, -5.0, 4.0, 22.0, 0.2, 0.000, 0.0, 30.0, 0.3),
    "surprised": Movement(1.20, 0.14, 6.0, -4.0, -8.0, 0.0, 0.3, 0.000, 0.0, 30.0, 0.8),
}

_NEUTRAL = EMOTION_MOVEMENT["neutral"]


def movement_for(emotion: str, strong: bool, expressiveness: float = 1.0) -> Movement:
    """An emotion's movement; deviations from neutral scale with ``expressiveness`` and
    by 1.5 more at strong intensity."""
    m = EMOTION_MOVEMENT[emotion]
    k = expressiveness * (STRONG_FACTOR if strong else 1.0)
    if k == 1.0:
        return m
    values = {}
    for name in Movement.__dataclass_fields__:
        a, b = getattr(m, name), getattr(_NEUTRAL, name)
        if name in ("amplitude", "stroke"):
            values[name] = float(b * (a / b) ** k)
        else:
            values[name] = b + k * (a - b)
    values["jerk"] = float(np.clip(values["jerk"], 0.0, 1.0))
    values["stroke"] = max(values["stroke"], 0.06)
    values["amplitude"] = max(values["amplitude"], 0.1)
    values["tremor"] = max(values["tremor"], 0.0)
    values["bounce"] = max(values["bounce"], 0.0)
    values["bimanual"] = float(np.clip(values["bimanual"], 0.0, 1.0))
    return Movement(**values)


@dataclass(frozen=True)
class Body:
    """A participant's body and movement habits."""

    height: float  # m
    amplitude: float  # × gesture size
    speed: float  # × gesture speed
    lean: float  # degrees of habitual trunk pitch
    head: float  # degrees of habitual head pitch (+ down)
    stance: float  # pelvis height / body height (knee bend, posture)
    right_handed: bool


def _rx(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack(
        [np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2
    )


def _ry(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack(
        [np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2
    )


def _rz(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack(
        [np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2
    )


def _apply(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (n × 3 or 3) by per-frame matrices r (n × 3 × 3)."""
    return np.einsum("nij,nj->ni", r, np.broadcast_to(v, (r.shape[0], 3)))


def _gesture_track(
    times: np.ndarray, strokes: list[float], width: float, jerk: float, rng: np.random.Generator
) -> np.ndarray:
    """Sum of stroke pulses peaking just before each stressed syllable (0–1 each)."""
    track = np.zeros_like(times)
    skip = rng.uniform(0.1, 0.45)  # how many stressed syllables go without a gesture
    for onset in strokes:
        if rng.random() < skip:
            continue
        peak = onset - 0.05 + jerk * rng.normal(0, 0.03)
        w = width * rng.uniform(0.85, 1.15)
        x = (times - peak) / w
        # jerk sharpens the pulse from a Gaussian towards a pointed exp(-|x|) profile
        pulse = (1 - jerk) * np.exp(-0.5 * x**2) + jerk * np.exp(-1.6 * np.abs(x))
        track += pulse * rng.uniform(0.75, 1.0)
    return np.minimum(track, 1.6)


def animate(
    body: Body,
    emotion: str,
    strong: bool,
    stressed_onsets: list[float],
    duration: float,
    rng: np.random.Generator,
    offset: float = 0.0,
    expressiveness: float = 1.0,
    fps: float = FPS,
) -> MotionClip:
    """Joint positions for one recording at ``fps`` frames/s; motion time = audio time +
    ``offset`` (s)."""
    m = movement_for(emotion, strong, expressiveness)
    topo = load_topology("kinect_v2").skeleton
    n = round(duration * fps)
    times = np.arange(n) / fps
    # the performance runs on the performer's (audio) clock; the file's clock is offset
    audio_times = times - offset
    h = body.height
    deg = np.pi / 180

    style = float(np.exp(rng.normal(0, 0.25)))  # this take's gesture size, around habit
    beats = _gesture_track(audio_times, stressed_onsets, m.stroke / body.speed, m.jerk, rng) * (
        m.amplitude * body.amplitude * style
    )
    if emotion == "surprised":  # a sudden raise at the first stress, then a freeze
        start = stressed_onsets[0] - 0.1 if stressed_onsets else 0.5
        beats = 0.3 * beats + 1.1 * m.amplitude / (1 + np.exp(-(audio_times - start) / 0.04))
    breathing = np.sin(2 * np.pi * 0.25 * audio_times + rng.uniform(0, 6.3))
    sway_x = 0.01 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * audio_times + rng.uniform(0, 6.3))
    sway_z = 0.008 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * audio_times + rng.uniform(0, 6.3))
    tremor = m.tremor * np.sin(2 * np.pi * 9.0 * audio_times + rng.uniform(0, 6.3))
    ramp = np.clip(audio_times / 0.8, 0, 1)  # turn-away and lean build up over the first 0.8 s

    # --- trunk and head -------------------------------------------------------------------
    bounce = m.bounce * np.abs(np.sin(2 * np.pi * 2.0 * audio_times))
    pelvis = np.stack(
        [sway_x, np.full(n, body.stance * h) + bounce + 0.002 * breathing, sway_z], axis=-1
    )
    # this take's posture: people shift, turn and settle differently every time
    take_lean, take_head, take_turn = rng.normal(0, 3.0), rng.normal(0, 5.0), rng.normal(0, 9.0)
    take_open, take_elbow = rng.normal(0, 5.0), rng.normal(0, 10.0)
    pitch = (body.lean + take_lean + m.lean * ramp + 1.0 * beats * (m.lean > 0)) * deg
    yaw = (m.turn + take_turn) * ramp * deg
    roll = 0.8 * np.sin(2 * np.pi * 0.17 * audio_times) * deg
    trunk = _ry(yaw) @ _rx(pitch) @ _rz(roll)
    spine_len = 0.29 * h
    spine_mid = pelvis + _apply(trunk, np.array([0, 0.5 * spine_len, 0]))
    chest = pelvis + _apply(trunk, np.array([0, spine_len, 0]))
    head_pitch = (body.head + take_head + m.head + 3 * np.sin(2 * np.pi * 0.3 * audio_times)) * deg
    head_pitch = head_pitch + 0.05 * beats
    head_rot = trunk @ _ry(0.5 * yaw) @ _rx(head_pitch)
    neck = chest + _apply(trunk, np.array([0, 0.045 * h, 0]))
    head = neck + _apply(head_rot, np.array([0, 0.075 * h, 0.01 * h]))

    # --- arms -------------------------------------------------------------------------------
    shrug = 0.015 * h * (m.expansion < -5)
    joints: dict[str, np.ndarray] = {
        "SpineBase": pelvis, "SpineMid": spine_mid, "SpineShoulder": chest,
        "Neck": neck, "Head": head,
    }  # fmt: skip
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        dominant = body.right_handed == (side == "Right")
        share = 1.0 if dominant else float(np.clip(m.bimanual + rng.normal(0, 0.2), 0, 1))
        gesture = beats * share
        shoulder = chest + _apply(trunk, np.array([sign * 0.129 * h, -0.02 * h + shrug, 0]))
        abduction = (8 + m.expansion + take_open + 10 * gesture) * deg
        flexion = (10 + 30 * gesture + tremor) * deg
        elbow_flex = (m.rest_elbow + take_elbow + 35 * gesture + 2 * tremor) * deg
        if emotion == "disgust" and not dominant:  # a slow push-away of the other hand
            flexion = flexion + 25 * ramp * deg
            elbow_flex = elbow_flex + 30 * ramp * deg
        upper_rot = trunk @ _rx(-flexion) @ _rz(sign * abduction)
        elbow = shoulder + _apply(upper_rot, np.array([0, -0.186 * h, 0]))
        fore_rot = trunk @ _rx(-(flexion + elbow_flex)) @ _rz(sign * 0.6 * abduction)
        wrist = elbow + _apply(fore_rot, np.array([0, -0.146 * h, 0]))
        hand = wrist + _apply(fore_rot, np.array([0, -0.04 * h, 0]))
        tip = hand + _apply(fore_rot, np.array([0, -0.05 * h, 0]))
        thumb = hand + _apply(fore_rot, np.array([-sign * 0.02 * h, -0.02 * h, 0.02 * h]))
        joints.update({
            f"Shoulder{side}": shoulder, f"Elbow{side}": elbow, f"Wrist{side}": wrist,
            f"Hand{side}": hand, f"HandTip{side}": tip, f"Thumb{side}": thumb,
        })  # fmt: skip

    # --- legs: feet planted, knees follow the pelvis ------------------------------------------
    pelvis_rot = _ry(0.3 * yaw)
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        hip = pelvis + _apply(pelvis_rot, np.array([sign * 0.095 * h, -0.03 * h, 0]))
        ankle = np.broadcast_to(np.array([sign * 0.1 * h, 0.039 * h, 0.0]), (n, 3))
        knee = 0.5 * (hip + ankle) + np.array([0, 0, 0.02 * h])
        foot = ankle + np.array([0, -0.02 * h, 0.08 * h])
        joints.update({f"Hip{side}": hip, f"Knee{side}": knee, f"Ankle{side}": ankle,
                       f"Foot{side}": foot})  # fmt: skip

    positions = np.stack([joints[name] for name in topo.joint_names], axis=1)
    positions = positions + rng.normal(0, 0.003, positions.shape)  # sensor noise, 3 mm
    if rng.random() < 0.15:  # a short hand-tracking dropout
        side = "Left" if rng.random() < 0.5 else "Right"
        start, length = int(rng.integers(0, max(n - 20, 1))), int(rng.integers(5, 20))
        for name in (f"HandTip{side}", f"Thumb{side}"):
            positions[start : start + length, topo.index(name)] = np.nan
    return MotionClip(times, positions.astype(np.float32), topo, source_units="m")
