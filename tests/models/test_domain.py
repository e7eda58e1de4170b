"""The domain check: recordings unlike a model's training data are told apart from new
speakers recorded the same way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from emolab.demo.corpus import conditions, generate_recording, make_participant
from emolab.features import extended
from emolab.features.audio import extract
from emolab.models.domain import farthest, outside, scores, summarise


@pytest.fixture(scope="module")
def split(small_dataset):
    data = small_dataset
    held = data.participants == np.unique(data.participants)[-1]
    return data.subset(~held), data.subset(held)


def test_unseen_synthetic_speakers_recorded_alike_are_inside(split):
    train, unseen = split
    summary = summarise(train)
    assert {"audio", "body"} <= set(summary)
    assert len(summary["audio"]["median"]) == 28 and summary["audio"]["threshold"] > 0
    share = outside(summary, unseen).mean()
    assert share <= 0.05, f"{share:.0%} of an unseen SYNTHETIC participant flagged"
    assert not outside(summary, train).mean() > 0.02


def _shifted_samples(kind: str, n: int = 12) -> list[np.ndarray]:
    """New SYNTHETIC recordings, changed as a different recording setup would change them."""
    person = make_participant(40, seed=3)
    out = []
    for condition in conditions(40)[:n]:
        utterance, _ = generate_recording(person, condition, seed=3)
        x = utterance.samples.astype(np.float64)
        if kind == "quiet":
            x = x * 0.01  # 40 dB lower
        elif kind == "pitch":  # everything an octave up (played at twice the speed)
            x = signal.resample_poly(x, 1, 2)
        elif kind == "pitch-down":  # an octave down (a 32 kHz recording read as 16 kHz)
            x = signal.resample_poly(x, 2, 1)
        elif kind == "telephone":  # an 8 kHz, band-limited recording resampled to 16 kHz
            x = signal.resample_poly(signal.resample_poly(x, 1, 2), 2, 1)
            sos = signal.butter(6, [300, 3400], btype="band", fs=16_000, output="sos")
            x = signal.sosfilt(sos, x)
        elif kind == "noisy":
            x = x + np.random.default_rng(0).normal(0, 0.05, len(x))
        out.append(x.astype(np.float32))
    return out


def _probe(unseen, samples: list[np.ndarray]):
    """Audio-only rows of these samples' features (the seed's 28 and the extended 88)."""
    probe = unseen.subset(np.arange(len(samples)))
    probe.audio = np.array([extract(x)[0] for x in samples], dtype=np.float64)
    probe.extended = np.array([extended.extract(x) for x in samples], dtype=np.float64)
    probe.body = np.full_like(probe.body, np.nan)
    return probe


def _shifted_audio(kind: str, n: int = 12) -> np.ndarray:
    return np.array([extract(x)[0] for x in _shifted_samples(kind, n)], dtype=np.float64)


# An octave up is not flagged: the SYNTHETIC corpus' voices span that range already (so
# the features of such a recording are like the training data's); an octave down is not.
@pytest.mark.parametrize("kind", ["quiet", "telephone", "noisy", "pitch-down"])
def test_recordings_made_differently_are_outside(split, kind):
    train, unseen = split
    summary = summarise(train)
    probe = _probe(unseen, _shifted_samples(kind))
    flagged = outside(summary, probe)
    assert flagged.mean() >= 0.9, f"only {flagged.mean():.0%} of '{kind}' recordings flagged"
    assert np.isfinite(scores(summary, probe)["audio"]).all()
    assert np.isfinite(scores(summary, probe)["voice"]).all()


def test_an_unshifted_new_synthetic_speaker_is_inside_the_joint_voice_check(split):
    train, unseen = split
    summary = summarise(train)
    voice = summary["voice"]
    k = 28 + len(extended.NAMES)
    assert len(voice["median"]) == k and np.asarray(voice["precision"]).shape == (k, k)
    assert json.loads(json.dumps(summary)) == summary  # plain JSON: no NaN, no arrays
    probe = _probe(unseen, _shifted_samples("none"))
    assert outside(summary, probe).mean() <= 0.1
    assert np.nanmedian(scores(summary, probe)["voice"]) < voice["threshold"] / 2


REAL_SPEECH = sorted(Path("/usr/share/pocketsphinx/test/data").glob("*/*.wav"))


@pytest.mark.skipif(not REAL_SPEECH, reason="real recordings come from the Debian package "
                    "pocketsphinx-testdata (.ci/run installs it)")  # fmt: skip
def test_real_speech_is_outside_a_model_trained_on_synthetic_voices(split):
    import soundfile as sf

    train, unseen = split
    summary = summarise(train)
    samples = []
    for path in REAL_SPEECH:
        x, rate = sf.read(path, dtype="float32", always_2d=True)
        x = x.mean(axis=1)
        samples.append(x if rate == 16_000 else
                       signal.resample_poly(x, 16_000, rate).astype(np.float32))  # fmt: skip
    flagged = outside(summary, _probe(unseen, samples))
    assert flagged.mean() >= 0.8, f"only {flagged.mean():.0%} of real recordings flagged"


def test_an_unchanged_new_synthetic_speaker_is_inside(split):
    train, unseen = split
    summary = summarise(train)
    audio = _shifted_audio("none")
    probe = unseen.subset(np.arange(len(audio)))
    probe.audio = audio
    assert outside(summary, probe).mean() <= 0.1
    names = [f"f{i}" for i in range(28)]
    assert len(farthest(summary, "audio", audio[0], names)) == 3


def test_too_few_recordings_give_no_summary_and_nothing_flagged(split):
    train, _ = split
    few = train.subset(np.arange(5))
    summary = summarise(few)
    assert "audio" not in summary and not outside(summary, few).any()


def test_the_bundled_models_suggestions_on_the_demo_are_inside_and_say_so(demo_copy):
    from emolab.core.progress import run_to_end
    from emolab.project.models import bundled_model_files, predict_missing, suggestions
    from emolab.project.store import Project

    _blob, card = bundled_model_files()
    assert {"audio", "body"} <= set(card["domain"])  # the bundled card knows its data
    with Project.open(demo_copy) as project:
        project.execute("DELETE FROM suggestions")
        run_to_end(predict_missing(project))
        found = suggestions(project)
    assert len(found) == 240 and all(s.domain is not None for s in found)
    outside_share = np.mean([s.outside_training for s in found])
    assert outside_share <= 0.05, f"{outside_share:.0%} of the SYNTHETIC demo flagged"


def test_suggestions_of_recordings_unlike_the_training_data_are_flagged(split):
    from emolab.project.models import domain_rows

    train, unseen = split
    card = {"domain": summarise(train)}
    probe = unseen.subset(np.arange(12))
    probe.audio = _shifted_audio("telephone")
    rows = domain_rows(card, probe)
    assert all(r["outside"] for r in rows) and all("audio" in r for r in rows)
    assert domain_rows({}, probe) == [None] * 12  # no summary: nobody can tell
    assert domain_rows({"domain": {"audio": {"median": "x"}}}, probe) == [None] * 12


def test_a_recording_with_most_of_a_modalitys_features_unmeasured_is_outside(split):
    """Body features from accelerometers alone: one of nine measured, the rest NaN."""
    train, unseen = split
    summary = summarise(train)
    probe = unseen.subset(np.arange(6))
    assert not outside(summary, probe).any()
    probe.body[:3, 1:] = np.nan  # only the first feature left
    probe.body[3:, :4] = np.nan  # five of nine left: still comparable
    flagged = outside(summary, probe)
    assert flagged[:3].all() and not flagged[3:].any()
