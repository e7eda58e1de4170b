"""Audio↔motion offset estimation on SYNTHETIC pairs whose offset is known: within one
motion frame at 30, 60 and 120 fps for offsets up to ±2 s, and "not usable" (with the
reason) whenever the signals give no real evidence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emolab.demo.sync import _clap_movement, _clap_sound, following_pair, sync_pair
from emolab.features.offset import (
    DEFAULT_MAX_LAG_S,
    MIN_CONFIDENCE,
    estimate_offset,
    lagged_correlation,
)
from emolab.io.motion import MotionClip


def _estimate(samples, samplerate, motion: MotionClip, **options):
    hands = [motion.skeleton.joint("left_hand"), motion.skeleton.joint("right_hand")]
    return estimate_offset(samples, samplerate, motion.frame_times, motion.positions, hands,
                           **options)  # fmt: skip


def _frames_off(estimate, truth: float, fps: float) -> float:
    assert estimate.usable, estimate.reason
    return abs(estimate.offset - truth) * fps


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
@pytest.mark.parametrize("offset", [-2.0, -0.61, 0.0, 0.37, 2.0])
def test_a_clap_gives_the_offset_within_a_motion_frame(fps, offset):
    # demo speech and gestures, a clap 2.5 s into the audio
    pair = sync_pair(seed=int(fps) * 1000 + round(offset * 100) + 500, offset=offset, fps=fps)
    estimate = _estimate(pair.samples, pair.samplerate, pair.motion)
    assert estimate.method == "clap"
    assert _frames_off(estimate, offset, fps) <= 1.0
    assert estimate.clap.audio_time == pytest.approx(2.5, abs=0.002)
    assert MIN_CONFIDENCE <= estimate.confidence <= 1.0


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
@pytest.mark.parametrize("offset", [-2.0, -1.26, 0.0, 0.83, 2.0])
def test_movement_that_follows_loudness_gives_the_offset_within_a_frame(fps, offset):
    pair = following_pair(seed=int(fps) * 1000 + round(offset * 100) + 500, offset=offset,
                          fps=fps)  # fmt: skip
    estimate = _estimate(pair.samples, pair.samplerate, pair.motion)
    assert estimate.method == "envelope"
    assert _frames_off(estimate, offset, fps) <= 1.0
    assert estimate.confidence >= MIN_CONFIDENCE


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    offset=st.floats(-2.0, 2.0),
    fps=st.sampled_from([24.0, 25.0, 30.0, 50.0, 60.0, 90.0, 100.0, 120.0]),
    seed=st.integers(0, 10_000),
)
def test_any_offset_and_frame_rate_within_a_frame(offset, fps, seed):
    pair = following_pair(seed, offset, fps=fps, duration=12.0)
    assert _frames_off(_estimate(pair.samples, pair.samplerate, pair.motion), offset, fps) <= 1


def test_sign_convention_motion_time_is_audio_time_plus_offset():
    # the clap is heard at 2.5 s of audio and seen 0.75 s later in the movement file
    pair = sync_pair(seed=3, offset=0.75, fps=60.0)
    estimate = _estimate(pair.samples, pair.samplerate, pair.motion)
    assert estimate.clap.motion_time - estimate.clap.audio_time == pytest.approx(0.75, abs=0.02)
    assert estimate.offset == pytest.approx(0.75, abs=1 / 60)


def test_irregular_frame_times_are_read_as_they_are():
    pair = following_pair(seed=5, offset=0.4, fps=60.0)
    jitter = np.random.default_rng(0).uniform(-0.002, 0.002, pair.motion.n_frames)
    times = pair.motion.frame_times + jitter
    estimate = estimate_offset(pair.samples, pair.samplerate, times, pair.motion.positions)
    assert _frames_off(estimate, 0.4, 60.0) <= 1.0


# ---- no usable correlation: says so, never guesses -------------------------------------------
@pytest.fixture(scope="module")
def loudness_pair():
    return following_pair(seed=11, offset=0.5, fps=60.0)


@pytest.fixture(scope="module")
def speech_pair():
    return sync_pair(seed=12, offset=0.5, fps=60.0, clap_at=None)


def test_noise_audio_is_not_usable(loudness_pair):
    noise = np.random.default_rng(1).normal(0, 0.1, len(loudness_pair.samples))
    estimate = _estimate(noise.astype(np.float32), loudness_pair.samplerate, loudness_pair.motion)
    assert not estimate.usable and estimate.offset is None
    assert "chance" in estimate.reason or "ambiguous" in estimate.reason


def test_a_still_body_with_sensor_noise_is_not_usable(speech_pair):
    motion = speech_pair.motion
    rng = np.random.default_rng(2)
    still = motion.positions[:1] + rng.normal(0, 0.003, motion.positions.shape)
    estimate = _estimate(speech_pair.samples, speech_pair.samplerate,
                         replace(motion, positions=still.astype(np.float32)))  # fmt: skip
    assert not estimate.usable
    assert estimate.reason


def test_flat_signals_say_what_is_flat(speech_pair):
    motion = speech_pair.motion
    frozen = replace(motion, positions=np.repeat(motion.positions[:1], motion.n_frames, axis=0))
    estimate = _estimate(speech_pair.samples, speech_pair.samplerate, frozen)
    assert not estimate.usable and estimate.reason == "the body does not move"
    silent = np.zeros_like(speech_pair.samples)
    estimate = _estimate(silent, speech_pair.samplerate, motion)
    assert not estimate.usable and "silent" in estimate.reason
    hum = np.full_like(speech_pair.samples, 0.1)
    estimate = _estimate(hum, speech_pair.samplerate, motion)
    assert not estimate.usable and "never changes" in estimate.reason


@pytest.mark.parametrize("seeds", [(21, 22), (23, 24), (25, 26)])
def test_audio_and_movement_of_different_recordings_are_not_usable(seeds):
    one, other = (following_pair(seed, 0.3, fps=60.0) for seed in seeds)
    estimate = _estimate(one.samples, one.samplerate, other.motion)
    assert not estimate.usable, estimate


def test_an_offset_beyond_the_search_is_not_guessed():
    pair = following_pair(seed=31, offset=3.2, fps=60.0)
    estimate = _estimate(pair.samples, pair.samplerate, pair.motion)
    assert not estimate.usable
    assert f"±{DEFAULT_MAX_LAG_S:g} s" in estimate.reason or "chance" in estimate.reason
    wider = _estimate(pair.samples, pair.samplerate, pair.motion, max_lag=4.0)
    assert _frames_off(wider, 3.2, 60.0) <= 1.0


def test_too_little_overlap_is_said():
    pair = following_pair(seed=32, offset=0.0, fps=60.0, duration=1.5)
    estimate = _estimate(pair.samples, pair.samplerate, pair.motion)
    assert not estimate.usable and "overlap" in estimate.reason


def test_a_clap_far_from_a_confident_envelope_estimate_is_reported_not_resolved():
    # movement that follows loudness (the envelopes say +0.4 s), and a clap heard at 6 s
    # whose hands meet 1.1 s before that in the movement file: evidence that disagrees
    pair = following_pair(seed=33, offset=0.4, fps=60.0, duration=60.0)
    rng = np.random.default_rng(0)
    click = _clap_sound(np.zeros_like(pair.samples), pair.samplerate, 6.0, rng)
    samples = pair.samples + 0.1 * click  # quieter than the loudest "speech"
    motion = _clap_movement(pair.motion, 6.0 - 1.1, rng)
    estimate = _estimate(samples, pair.samplerate, motion)
    assert not estimate.usable
    assert "disagree" in estimate.reason
    assert estimate.clap.offset == pytest.approx(-1.1, abs=0.02)
    assert estimate.envelope_offset == pytest.approx(0.4, abs=0.02)


def test_stereo_samples_are_refused():
    with pytest.raises(ValueError):
        estimate_offset(np.zeros((100, 2)), 16_000, np.arange(10) / 10, np.zeros((10, 1, 3)))


def test_no_movement_frames_is_not_usable():
    estimate = estimate_offset(np.ones(16_000), 16_000, np.zeros(1), np.zeros((1, 1, 3)))
    assert not estimate.usable and "movement" in estimate.reason


def test_lagged_correlation_matches_numpy_at_every_lag():
    rng = np.random.default_rng(4)
    a, m = rng.normal(size=300), rng.normal(size=250)
    k0, lags = 7, np.arange(-40, 41)
    r = lagged_correlation(a, m, k0, lags, min_overlap=50)
    for lag, value in zip(lags, r, strict=True):
        shift = lag - k0
        first, stop = max(0, -shift), min(len(a), len(m) - shift)
        expected = np.corrcoef(a[first:stop], m[first + shift : stop + shift])[0, 1]
        assert value == pytest.approx(expected, abs=1e-9)
