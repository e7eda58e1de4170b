"""The synthetic corpus: deterministic, readable, shaped as documented, not trivial."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from emolab.core.progress import run_to_end
from emolab.demo.corpus import (
    EMOTION_CODES,
    conditions,
    describe_emotions,
    generate_corpus,
    generate_recording,
    make_participant,
)
from emolab.io.audio import load_for_features
from emolab.io.motion import read_motion
from emolab.io.naming import load_scheme
from emolab.project.store import Project

README = Path(__file__).resolve().parents[2] / "README.md"


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path):
    run_to_end(generate_corpus(tmp_path / "a", participants=1, seed=5))
    run_to_end(generate_corpus(tmp_path / "b", participants=1, seed=5))
    run_to_end(generate_corpus(tmp_path / "c", participants=1, seed=6))
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert len(a) == 2 * 60 + 2  # 60 recordings × (wav + csv) + manifest + notice
    assert a == b
    assert set(a) == set(c)
    assert sum(a[k] != c[k] for k in a) >= 120


def test_every_file_is_named_in_the_scheme_and_reads_back(small_demo):
    scheme = load_scheme("multimodal14")
    corpus = small_demo.parent / "corpus"
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".wav", ".csv"))
    assert len(files) == 4 * 60 * 2
    for path in files:
        parsed = scheme.parse(path)
        if parsed.modality == "audio":
            samples = load_for_features(path)
            assert 2.0 <= len(samples) / 16000 <= 4.25  # 'about 2–4 s'
        else:
            clip = read_motion(path)
            assert clip.fps == pytest.approx(60, rel=1e-3)
            assert clip.skeleton.name == "kinect_v2"
            assert clip.missing_fraction < 0.02
    with Project.open(small_demo) as project:
        summary = project.summary()
        assert summary.synthetic
        assert summary.paired == 240
        assert (project.last_import() or {}).get("rejected") == []


def test_participants_match_their_collection_type():
    people = [make_participant(i, 0) for i in range(1, 12)]
    for person in people:
        if person.collection == "01":
            assert person.sex == "male"
        if person.collection == "02":
            assert person.sex == "female"
        assert (person.voice.language == "other") == (person.collection == "04")
    assert sum(p.collection == "03" for p in people) >= 3
    assert sum(p.collection == "04" for p in people) >= 3
    assert len(conditions(1)) == 60


def _f0_semitones(samples: np.ndarray) -> float:
    """Median F0 of the voiced frames (librosa's YIN, independent of emolab's pitch code;
    frames within 25 dB of the loudest count as voiced)."""
    import librosa

    f0 = librosa.yin(samples, fmin=60, fmax=500, sr=16000, frame_length=1024)
    rms = librosa.feature.rms(y=samples, frame_length=1024, hop_length=256)[0][: len(f0)]
    voiced = 20 * np.log10(rms + 1e-12) > 20 * np.log10(rms.max()) - 25
    return float(np.median(12 * np.log2(f0[: len(rms)][voiced] / 27.5)))


def _measures(seed: int = 0, participants: range = range(1, 5)) -> dict[str, dict[str, list]]:
    """Per emotion, per participant means of a few measures (normal intensity, rep. 1)."""
    out: dict[str, dict[str, list]] = {e: {"f0": [], "hand": [], "head": [], "rms": []}
                                       for e in EMOTION_CODES}  # fmt: skip
    for number in participants:
        person = make_participant(number, seed)
        for condition in conditions(number):
            if condition.strong or condition.repetition != 1:
                continue
            utterance, clip = generate_recording(person, condition, seed)
            speech = utterance.samples[int(utterance.speech_start * 16000) :]
            hand = clip.skeleton.joint("right_hand" if person.body.right_handed else "left_hand")
            speed = np.linalg.norm(np.diff(clip.positions[:, hand], axis=0), axis=1) * clip.fps
            head = clip.positions[:, clip.skeleton.joint("head"), 1] / person.body.height
            m = out[condition.emotion]
            m["f0"].append(_f0_semitones(speech))
            m["hand"].append(float(np.nanmean(speed)) / person.body.height)
            m["head"].append(float(np.nanmean(head)))
            m["rms"].append(float(20 * np.log10(np.sqrt(np.mean(speech**2)))))
    return out


@pytest.fixture(scope="module")
def measures():
    return _measures()


def _mean(measures, emotion, key):
    return float(np.mean(measures[emotion][key]))


def test_documented_directions_hold_on_average(measures):
    assert _mean(measures, "angry", "f0") > _mean(measures, "sad", "f0") + 1
    assert _mean(measures, "happy", "f0") > _mean(measures, "sad", "f0") + 1
    assert _mean(measures, "fearful", "f0") > _mean(measures, "neutral", "f0")
    assert _mean(measures, "angry", "rms") > _mean(measures, "sad", "rms") + 3
    assert _mean(measures, "angry", "hand") > 1.15 * _mean(measures, "sad", "hand")
    assert _mean(measures, "happy", "hand") > _mean(measures, "calm", "hand")
    assert _mean(measures, "sad", "head") < _mean(measures, "happy", "head")


def test_no_single_measure_separates_all_emotions(measures):
    """Leave-one-participant-out nearest-class-mean on one measure stays far from perfect."""
    emotions = list(EMOTION_CODES)
    n_people = len(measures["neutral"]["f0"])
    for key in ("f0", "hand", "head", "rms"):
        values = {e: np.array(measures[e][key]).reshape(n_people, -1) for e in emotions}
        correct = total = 0
        for held in range(n_people):
            centres = {e: np.delete(values[e], held, axis=0).mean() for e in emotions}
            for e in emotions:
                for v in values[e][held]:
                    guess = min(emotions, key=lambda c: abs(centres[c] - v))
                    correct += guess == e
                    total += 1
        assert correct / total < 0.5, f"{key} alone separates emotions ({correct}/{total})"


def test_speaker_differences_rival_emotion_differences(measures):
    """F0 spread between speakers is as large as between some emotions (e.g. neutral/calm)."""
    neutral = np.array(measures["neutral"]["f0"])
    calm = np.array(measures["calm"]["f0"])
    assert np.ptp(neutral) > abs(neutral.mean() - calm.mean())


def _hand_height(clip, person) -> np.ndarray:
    hand = clip.skeleton.joint("right_hand" if person.body.right_handed else "left_hand")
    y = clip.positions[:, hand, 1].astype(float)
    return np.nan_to_num((y - np.nanmean(y)) / (np.nanstd(y) + 1e-9))


def test_gestures_peak_on_stressed_syllables():
    """Hand height, z-scored per recording, is well above its mean at stressed syllables."""
    person = make_participant(1, 0)
    locked = []
    for condition in conditions(1):
        if condition.emotion not in ("angry", "happy", "neutral"):
            continue
        utterance, clip = generate_recording(person, condition, 0)
        y = _hand_height(clip, person)
        frames = [round((t - 0.05) * clip.fps) for t in utterance.stressed_onsets]
        locked += [y[f] for f in frames if 0 <= f < len(y)]
    assert np.mean(locked) > 0.5


def test_a_known_sync_offset_shifts_the_movement():
    person = make_participant(1, 0)
    condition = next(c for c in conditions(1) if c.emotion == "angry")
    _, base = generate_recording(person, condition, 0, sync_offset=0.0)
    _, shifted = generate_recording(person, condition, 0, sync_offset=0.2)
    a, b = _hand_height(base, person), _hand_height(shifted, person)

    def correlation(k: int) -> float:
        return float(np.corrcoef(a[: len(a) - k], b[k:])[0, 1])

    best = max(range(25), key=correlation)
    assert best == 12  # 0.2 s at 60 fps


def test_readme_documents_the_generators_emotion_table():
    assert describe_emotions() in README.read_text()
