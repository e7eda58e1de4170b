"""Audio features against signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.features.audio import FEATURES, NAMES, aggregate, extract, frame_tracks

SR = 16_000


def harmonic(f0: np.ndarray, amplitude: float = 0.1, n: int = 12) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(f0) / SR
    return amplitude * sum(np.sin(k * phase) / k for k in range(1, n + 1))


def feature(vector: np.ndarray, name: str) -> float:
    return float(vector[NAMES.index(name)])


def test_28_named_features_with_units():
    assert len(NAMES) == 28 == len(set(NAMES))
    assert all(unit for _, unit, _ in FEATURES)


def test_pure_tone_f0_centroid_and_level():
    t = np.arange(2 * SR) / SR
    vector, flags = extract(0.5 * np.sin(2 * np.pi * 220 * t))
    assert flags == set()
    assert feature(vector, "f0_mean") == pytest.approx(12 * np.log2(220 / 27.5), abs=0.05)
    assert feature(vector, "f0_sd") < 0.05
    assert feature(vector, "voiced_fraction") == pytest.approx(1.0)
    assert feature(vector, "centroid") == pytest.approx(220, abs=15)
    assert feature(vector, "rolloff") < 300
    assert feature(vector, "rms_mean") == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.2)
    assert feature(vector, "zcr") == pytest.approx(2 * 220 / SR, rel=0.05)


@pytest.mark.parametrize(("low", "high"), [(60, 120), (100, 200), (200, 480)])
def test_pitch_tracker_error_against_a_known_glide(low, high):
    t = np.arange(3 * SR) / SR
    truth = low * (high / low) ** (t / 3)
    tracks = frame_tracks(harmonic(truth))
    times = tracks.frame_times() - (256 - 200) / SR  # pitch window centre
    voiced = tracks.voiced
    assert voiced.mean() > 0.95
    estimate = 27.5 * 2 ** (tracks.f0_st[voiced] / 12)
    cents = 1200 * np.log2(estimate / np.interp(times[voiced], t, truth))
    assert np.median(np.abs(cents)) < 5
    assert np.percentile(np.abs(cents), 95) < 15


def test_f0_statistics_of_a_known_contour():
    t = np.arange(2 * SR) / SR
    semitones = 40 + 2 * np.sin(2 * np.pi * 1.5 * t)  # ±2 st around 40 st
    vector, _ = extract(harmonic(27.5 * 2 ** (semitones / 12)))
    assert feature(vector, "f0_mean") == pytest.approx(40, abs=0.2)
    assert feature(vector, "f0_sd") == pytest.approx(2 / np.sqrt(2), abs=0.2)
    assert feature(vector, "f0_range") == pytest.approx(2 * 2 * np.sin(np.radians(72)), abs=0.5)


def test_leading_and_trailing_silence_are_trimmed():
    t = np.arange(SR) / SR
    fade = np.minimum(1, np.minimum(t, t[::-1]) / 0.02)  # no clicks at the edges
    tone = 0.3 * np.sin(2 * np.pi * 150 * t) * fade
    padded = np.concatenate([np.zeros(SR), tone, np.zeros(2 * SR)])
    a, _ = extract(tone)
    b, _ = extract(padded)
    # frames straddling the edges of the sound add a little; the silence adds nothing
    for name, tolerance in (("voiced_fraction", 0.05), ("rms_mean", 1.0), ("f0_mean", 0.05),
                            ("centroid", 10.0)):  # fmt: skip
        assert feature(b, name) == pytest.approx(feature(a, name), abs=tolerance)


def test_loudness_peaks_and_voiced_segments_of_bursts():
    # 4 bursts per second of 120 ms voiced sound separated by silence-ish gaps
    t = np.arange(3 * SR) / SR
    gate = (np.mod(t, 0.25) < 0.12).astype(float)
    signal = harmonic(np.full_like(t, 150.0)) * gate + 1e-4 * np.random.default_rng(
        0
    ).standard_normal(len(t))
    vector, _ = extract(signal)
    assert feature(vector, "loudness_peaks") == pytest.approx(4.0, abs=0.6)
    assert feature(vector, "voiced_segment") == pytest.approx(0.12, abs=0.04)


def test_silence_and_noise_give_defined_values_and_flags():
    silent, flags = extract(np.zeros(SR))
    assert {"silent", "unvoiced"} <= flags
    assert np.isfinite(silent).all()
    noise, flags = extract(0.1 * np.random.default_rng(1).standard_normal(SR))
    assert "unvoiced" in flags
    assert np.isfinite(noise).all()
    assert feature(noise, "flatness") > 0.3
    short, flags = extract(np.ones(100) * 0.1)
    assert "short" in flags
    assert np.isfinite(short).all()


def test_aggregate_over_a_sub_range_matches_that_part():
    first = harmonic(np.full(SR, 120.0))
    second = harmonic(np.full(SR, 240.0))
    tracks = frame_tracks(np.concatenate([first, second]))
    half = tracks.n_frames // 2
    low = aggregate(tracks, 0, half - 5)
    high = aggregate(tracks, half + 5, None)
    # each part's pitch, in semitones re 27.5 Hz, is known from its frequency alone
    assert feature(low, "f0_mean") == pytest.approx(12 * np.log2(120 / 27.5), abs=0.1)
    assert feature(high, "f0_mean") == pytest.approx(12 * np.log2(240 / 27.5), abs=0.1)
    assert feature(low, "f0_sd") < 0.1 and feature(high, "f0_sd") < 0.1
    # and a part's spectral features are those of that part extracted on its own
    alone, _ = extract(first)
    for name, tolerance in (("centroid", 5.0), ("voiced_fraction", 0.02), ("mfcc2", 0.5)):
        assert feature(low, name) == pytest.approx(feature(alone, name), abs=tolerance), name


def test_long_signals_are_processed_in_chunks_with_the_same_result(monkeypatch):
    from emolab.features import audio, spectral
    from emolab.features.baseline import mfcc40_means

    rng = np.random.default_rng(3)
    t = np.arange(4 * 16_000) / 16_000
    x = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))
         + 0.01 * rng.standard_normal(t.size)).astype(np.float32)  # fmt: skip
    whole = audio.frame_tracks(x)
    baseline = mfcc40_means(x)
    monkeypatch.setattr(spectral, "CHUNK_FRAMES", 37)  # many chunks, boundaries everywhere
    chunked = audio.frame_tracks(x)
    for name in ("f0_st", "rms_db", "zcr", "centroid", "bandwidth", "rolloff", "flatness",
                 "flux", "mfcc"):  # fmt: skip
        # blocks keep running sums short: only their rounding may differ
        np.testing.assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-9,
                                   atol=1e-9, err_msg=name)  # fmt: skip
    np.testing.assert_allclose(mfcc40_means(x), baseline, rtol=1e-6)
    assert whole.flux[whole.active].any()


def test_a_long_file_read_a_stretch_at_a_time_gives_the_same_features(tmp_path):
    import soundfile as sf

    from emolab.features import extract

    rng = np.random.default_rng(5)
    t = np.arange(65 * 16_000) / 16_000  # over a minute: streamed
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.2 * t)
    x = 0.3 * np.sin(2 * np.pi * np.cumsum(pitch) / 16_000) * (np.sin(2 * np.pi * 0.5 * t) > 0)
    path = tmp_path / "02-01-01-01-01-01-01.wav"
    sf.write(path, (x + 0.003 * rng.standard_normal(t.size)).astype(np.float32), 16_000,
             subtype="FLOAT")  # fmt: skip
    streamed = extract.audio_file_features(path)
    whole = extract._audio_features(_whole_signal(path), None)
    np.testing.assert_allclose(streamed.vector, whole.vector, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(streamed.windows, whole.windows, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(streamed.baseline, whole.baseline, rtol=1e-6, atol=1e-6)
    assert streamed.flags == whole.flags


def test_a_long_ogg_vorbis_file_is_decoded_whole_not_a_stretch_at_a_time(tmp_path, monkeypatch):
    """Over a minute at 16 kHz would be streamed, but libsndfile's Vorbis seeks can land a
    block off (see emolab.io.audio.seeks_exactly): a real 61 s Vorbis recording failed as
    "truncated". Vorbis is decoded whole, with the features of the whole signal."""
    import soundfile as sf

    from emolab.features import extract
    from emolab.io import audio

    def no_stream(path):
        raise AssertionError("an Ogg Vorbis file was read a stretch at a time")

    rng = np.random.default_rng(6)
    t = np.arange(61 * 16_000) / 16_000
    x = harmonic(150 + 30 * np.sin(2 * np.pi * 0.3 * t)) * (np.sin(2 * np.pi * 0.7 * t) > 0)
    path = tmp_path / "02-01-01-01-01-01-01.ogg"
    sf.write(path, (x + 0.003 * rng.standard_normal(t.size)).astype(np.float32), 16_000)
    monkeypatch.setattr(audio, "MonoStream", no_stream)
    features = extract.audio_file_features(path)
    whole = extract._audio_features(_whole_signal(path), None)
    np.testing.assert_array_equal(features.vector, whole.vector)
    assert features.windows.shape == (121, len(NAMES))


def _whole_signal(path):
    from emolab.io.audio import load_for_features

    return load_for_features(path)


def test_a_stream_refuses_bad_samples_with_a_typed_error(tmp_path):
    import soundfile as sf

    from emolab.core.errors import BadSamples
    from emolab.io.audio import MonoStream

    x = np.zeros(70 * 16_000, np.float32)
    x[50 * 16_000] = np.nan
    path = tmp_path / "bad.wav"
    sf.write(path, x, 16_000, subtype="FLOAT")
    with MonoStream(path) as stream:
        assert len(stream) == x.size
        assert stream[0:100].dtype == np.float32
        with pytest.raises(BadSamples, match=r"bad\.wav"):
            stream[49 * 16_000 : 51 * 16_000]


def test_filterbank_dct_and_baseline_equal_librosa_and_scipy():
    """Our numpy building blocks against the libraries they stand in for (see spectral.py)."""
    import librosa
    import scipy.fft

    from emolab.features.baseline import mfcc40_means
    from emolab.features.spectral import dct_matrix, mel_filterbank

    for n_fft, n_mels in ((512, 40), (2048, 128)):
        reference = librosa.filters.mel(
            sr=SR, n_fft=n_fft, n_mels=n_mels, htk=True, dtype=np.float64
        )
        np.testing.assert_allclose(mel_filterbank(n_fft, n_mels), reference, rtol=0, atol=1e-15)
    for n_out, n_in in ((13, 40), (40, 128)):
        reference = scipy.fft.dct(np.eye(n_in), type=2, norm="ortho", axis=0)[:n_out]
        np.testing.assert_allclose(dct_matrix(n_out, n_in), reference, rtol=0, atol=1e-12)
    rng = np.random.default_rng(7)
    t = np.arange(3 * SR) / SR
    x = (harmonic(130 + 30 * np.sin(2 * np.pi * t)) + 0.01 * rng.standard_normal(t.size)).astype(
        np.float32
    )
    librosa_way = librosa.feature.mfcc(y=x, sr=SR, n_mfcc=40, htk=True, center=False)
    np.testing.assert_allclose(mfcc40_means(x), librosa_way.mean(axis=1), rtol=1e-5, atol=1e-4)
