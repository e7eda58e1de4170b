"""SYNTHETIC audio + movement pairs with a known offset, for testing offset estimation.

A pair is one participant of the demo corpus saying several takes in a row (the demo's
speech synthesis), moving as the demo's skeleton does (beat gestures on stressed
syllables), recorded by two devices that started at different moments: motion time =
audio time + ``offset`` (s), the sign of a recording's ``sync_offset``. Optionally the
participant claps once before speaking (a slate): both hands meet at speed in front of
the chest and stop, and the audio has a sharp broadband click at the moment of contact.

Like the demo corpus, this says nothing about real people; it lets a test know the
true offset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from emolab.demo.corpus import EMOTION_CODES, Condition, make_participant
from emolab.demo.motion import FPS, animate
from emolab.demo.speech import SAMPLE_RATE, synthesise
from emolab.io.motion import MotionClip

#: Seconds from the approach's start to the hands' contact, and how long they stay
#: together, in a clap.
CLAP_APPROACH_S = 0.3
CLAP_HOLD_S = 0.08
CLAP_RELEASE_S = 0.4
#: Joints that move with a hand in a clap (Kinect v2 names), per side.
_HAND_JOINTS = ("Wrist{}", "Hand{}", "HandTip{}", "Thumb{}")


@dataclass(frozen=True)
class SyncPair:
    """Audio and movement of one SYNTHETIC recording, and the truth about them."""

    samples: np.ndarray  # mono float32
    samplerate: int
    motion: MotionClip
    offset: float  # s: motion time = audio time + offset
    clap_at: float | None  # s of audio time at which the hands meet (None: no clap)
    stressed_onsets: tuple[float, ...]  # s of audio time


def sync_pair(
    seed: int,
    offset: float,
    fps: float = FPS,
    clap_at: float | None = 2.5,
    takes: int = 4,
    emotion: str | None = None,
) -> SyncPair:
    """A pair of ``takes`` utterances in a row (about 3 s each, after ``clap_at`` + 0.8 s
    or 0.5 s of silence) whose movement file (``fps`` frames/s) is as long as the audio and
    starts ``offset`` s before it (after it when negative); deterministic given ``seed``."""
    rng = np.random.default_rng([seed, 4242])
    person = make_participant(1 + seed % 11, seed)
    emotion = emotion or list(EMOTION_CODES)[int(rng.integers(len(EMOTION_CODES)))]
    strong = emotion != "neutral" and bool(rng.random() < 0.5)
    start = (clap_at + 0.8) if clap_at is not None else 0.5
    samplerate = SAMPLE_RATE
    pieces, onsets, t = [np.zeros(round(start * samplerate), np.float32)], [], start
    for take in range(takes):
        condition = Condition(person.number, emotion, strong, 1 + take % 2, 1 + take // 2 % 2)
        utterance = synthesise(person.voice, condition.emotion, condition.strong,
                               condition.statement, rng, sr=samplerate)  # fmt: skip
        onsets += [t + s for s in utterance.stressed_onsets]
        pieces.append(utterance.samples)
        t += len(utterance.samples) / samplerate
        pause = rng.uniform(0.2, 0.6)
        pieces.append(np.zeros(round(pause * samplerate), np.float32))
        t += pause
    samples = np.concatenate(pieces)
    samples += (10 ** (-62 / 20) * rng.standard_normal(len(samples))).astype(np.float32)
    duration = len(samples) / samplerate
    motion = animate(person.body, emotion, strong, onsets, duration, rng, offset=offset,
                     fps=fps)  # fmt: skip
    if clap_at is not None:
        samples = _clap_sound(samples, samplerate, clap_at, rng)
        motion = _clap_movement(motion, clap_at + offset, rng)
    return SyncPair(samples, samplerate, motion, float(offset), clap_at, tuple(onsets))


def _clap_sound(samples: np.ndarray, samplerate: int, at: float,
                rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """A clap's click at ``at`` s: broadband noise that decays within a few milliseconds."""
    out = samples.copy()
    first = round(at * samplerate)
    n = min(round(0.05 * samplerate), len(out) - first)
    decay = np.exp(-np.arange(n) / (0.005 * samplerate))
    out[first : first + n] += (0.5 * decay * rng.uniform(-1, 1, n)).astype(np.float32)
    return out


def _clap_movement(motion: MotionClip, contact: float, rng: np.random.Generator) -> MotionClip:
    """Both hands brought together in front of the chest, meeting at motion time
    ``contact`` (s) at full speed, then held and released."""
    skeleton = motion.skeleton
    t = motion.frame_times
    before = np.clip((t - (contact - CLAP_APPROACH_S)) / CLAP_APPROACH_S, 0, 1)
    after = np.clip((t - contact - CLAP_HOLD_S) / CLAP_RELEASE_S, 0, 1)
    # accelerating towards contact (fastest when the hands meet), easing back after
    weight = np.where(t < contact, before**2, 0.5 * (1 + np.cos(np.pi * after)))
    weight = np.where(t < contact - CLAP_APPROACH_S, 0.0, weight)
    positions = motion.positions.astype(np.float64)
    chest = positions[:, skeleton.index("SpineShoulder")]
    meet = np.nanmedian(chest, axis=0) + np.array([0.0, -0.1, 0.3])
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        for pattern in _HAND_JOINTS:
            j = skeleton.index(pattern.format(side))
            rest = positions[:, j]
            # each joint keeps its place relative to the hand
            hand_rest = positions[:, skeleton.index(f"Hand{side}")]
            target = meet + np.array([sign * 0.015, 0.0, 0.0]) + (rest - hand_rest)
            moved = (1 - weight[:, None]) * rest + weight[:, None] * target
            noise = rng.normal(0, 0.003, moved.shape)
            positions[:, j] = np.where(weight[:, None] > 0, moved + noise, rest)
    return replace(motion, positions=positions.astype(np.float32))


def following_pair(seed: int, offset: float, fps: float = FPS, duration: float = 20.0,
                   samplerate: int = SAMPLE_RATE) -> SyncPair:  # fmt: skip
    """A pair built to test the envelope correlation itself: bursts of a harmonic tone
    (syllable-like, 0.08–0.35 s, at −30 to −10 dB) and one hand circling at a speed that follows
    their loudness exactly (up to 1.5 m/s), the rest of the body still (3 mm sensor
    noise). Motion time = audio time + ``offset``; deterministic given ``seed``."""
    from emolab.io.skeletons import load_topology

    rng = np.random.default_rng([seed, 777])
    n = round(duration * samplerate)
    loudness = np.zeros(n)
    t = rng.uniform(0.2, 0.6)
    while t < duration - 0.5:
        length = rng.uniform(0.08, 0.35)
        first, count = round(t * samplerate), round(length * samplerate)
        loudness[first : first + count] += 10 ** (rng.uniform(-30, -10) / 20) * np.hanning(count)
        t += length + (rng.uniform(0.05, 0.3) if rng.random() < 0.8 else rng.uniform(0.5, 1.2))
    seconds = np.arange(n) / samplerate
    f0 = rng.uniform(100, 220)  # a vowel-like carrier: its level is steady within 20 ms
    carrier = sum(np.sin(2 * np.pi * k * f0 * seconds + rng.uniform(0, 6.3)) / k
                  for k in range(1, 9))  # fmt: skip
    carrier /= np.sqrt(np.mean(carrier**2))
    samples = (loudness * carrier + 10 ** (-62 / 20) * rng.standard_normal(n)).astype(np.float32)

    skeleton = load_topology("kinect_v2").skeleton
    frames = round(duration * fps)
    times = np.arange(frames) / fps
    audio_index = np.round((times - offset) * samplerate).astype(np.int64)
    inside = (audio_index >= 0) & (audio_index < n)
    speed = np.where(inside, loudness[np.clip(audio_index, 0, n - 1)], 0.0)
    speed *= 1.5 / loudness.max()
    radius = 0.25
    # the trapezoid rule: the hand's speed between two frames is the mean of theirs
    steps = np.concatenate([[0.0], 0.5 * (speed[1:] + speed[:-1]) / fps])
    angle = np.cumsum(steps) / radius
    rest = np.stack([0.02 * np.arange(skeleton.n_joints), np.full(skeleton.n_joints, 1.0),
                     np.zeros(skeleton.n_joints)], axis=1)  # fmt: skip
    positions = np.broadcast_to(rest, (frames, skeleton.n_joints, 3)).copy()
    positions[:, skeleton.index("HandLeft")] = [0.5, 1.0, 0.0]
    circle = np.stack([-0.3 + radius * np.cos(angle), 1.0 + radius * np.sin(angle),
                       np.zeros(frames)], axis=1)  # fmt: skip
    for name in ("WristRight", "HandRight", "HandTipRight", "ThumbRight"):
        positions[:, skeleton.index(name)] = circle
    positions += rng.normal(0, 0.003, positions.shape)
    motion = MotionClip(times, positions.astype(np.float32), skeleton, source_units="m")
    return SyncPair(samples, samplerate, motion, float(offset), None, ())


def write_sync_pair(folder: str | Path, pair: SyncPair, participant: int = 1,
                    repetition: int = 1) -> tuple[Path, Path]:  # fmt: skip
    """Write a pair as a WAV and a CSV named in the 14-digit scheme (neutral, statement 1,
    the given participant and repetition), so a project can import it; returns the paths."""
    from emolab.io.audio import write_audio
    from emolab.io.motion_csv import write_motion_csv
    from emolab.io.naming import load_scheme

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scheme = load_scheme("multimodal14")
    condition = Condition(participant, "neutral", False, 1, repetition)
    wav = folder / scheme.format(condition.codes("03", "audio"), ".wav")
    csv = folder / scheme.format(condition.codes("03", "body"), ".csv")
    write_audio(wav, pair.samples, pair.samplerate)
    write_motion_csv(csv, pair.motion, precision=4)
    return wav, csv
