"""Extended (eGeMAPS-style) audio features against signals with known answers."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.features import audio, spectral
from emolab.features import extended as E

SR = 16_000
VOWEL_A = (700.0, 1220.0, 2600.0)  # F1–F3 of an /a/-like vowel (Hz)
VOWEL_O = (570.0, 840.0, 2410.0)  # /o/, F1 and F2 close (Peterson & Barney 1952, male)
VOWEL_E_FEMALE = (610.0, 2120.0, 2850.0)  # /e/ of a vocal tract 15 % shorter


def vowel(
    f0: float = 120.0,
    seconds: float = 2.0,
    formants: tuple[float, ...] = VOWEL_A,
    bandwidths: tuple[float, ...] = (80.0, 90.0, 120.0),
    jitter: float = 0.0,
    shimmer: float = 0.0,
    noise: float = 0.0,
    level: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    """A synthetic vowel: a glottal pulse train (period jitter and pulse-amplitude shimmer
    as relative SDs, pulses placed at fractional samples), a two-pole glottal low-pass, lip
    radiation (first difference) and a cascade of formant resonators; peak ``level``,
    white noise at ``noise`` × level."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    periods = SR / f0 * (1 + jitter * rng.standard_normal(int(seconds * f0 * 1.5) + 10))
    times = 100 + np.cumsum(periods)
    times = times[times < n - 2]
    amplitudes = 1 + shimmer * rng.standard_normal(times.size)
    source = np.zeros(n)
    whole = times.astype(int)
    np.add.at(source, whole, amplitudes * (1 - (times - whole)))
    np.add.at(source, whole + 1, amplitudes * (times - whole))
    y = np.diff(lfilter([1.0], [1.0, -1.9, 0.9025], source), prepend=0.0)
    for freq, bandwidth in zip(formants, bandwidths, strict=True):
        r = np.exp(-np.pi * bandwidth / SR)
        a = [1.0, -2 * r * np.cos(2 * np.pi * freq / SR), r * r]
        y = lfilter([sum(a)], a, y)
    peak = np.abs(y).max(initial=0.0)
    if peak > 0:
        y *= level / peak
    return y + noise * level * rng.standard_normal(n)


def harmonic(f0: np.ndarray, amplitude: float = 0.1, n: int = 12) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(f0) / SR
    return amplitude * sum(np.sin(k * phase) / k for k in range(1, n + 1))


def feature(vector: np.ndarray, name: str) -> float:
    return float(vector[E.NAMES.index(name)])


def tracks(x: np.ndarray) -> tuple[E.ExtendedFrames, audio.AudioFrames]:
    base = audio.frame_tracks(x)
    return E.frame_tracks(x, base), base


def sliced(frames, start: int, stop: int):
    """A copy of a frame-track dataclass holding frames [start, stop) only."""
    changes = {
        f.name: getattr(frames, f.name)[start:stop]
        for f in dataclasses.fields(frames)
        if isinstance(getattr(frames, f.name), np.ndarray)
    }
    return dataclasses.replace(frames, **changes)


class Stream:
    """A Signal that is not an array: read a stretch at a time (as a long file is)."""

    def __init__(self, samples: np.ndarray) -> None:
        self._samples = samples

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, stretch: slice) -> np.ndarray:
        return self._samples[stretch].copy()


# --- the feature set --------------------------------------------------------------------


def test_88_named_documented_features():
    assert E.EXTRACTOR == "audio_ext" and E.VERSION == "1"
    assert len(E.NAMES) == 88 == len(set(E.NAMES)) == len(E.FEATURES)
    assert tuple(row[0] for row in E.FEATURES) == E.NAMES
    for row in E.FEATURES:
        assert len(row) == 4 and all(isinstance(s, str) and s for s in row), row
    vector = E.extract(vowel(seconds=0.6))
    assert vector.dtype == np.float32 and vector.shape == (88,)


def test_no_scipy_or_librosa_at_run_time():
    code = (
        "import sys, numpy as np\n"
        "from emolab.features import extended\n"
        "extended.extract(np.random.default_rng(0).standard_normal(16000) * 0.1)\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'librosa', 'numba'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- known answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f0", "formants"), [(120.0, VOWEL_A), (130.0, VOWEL_O), (210.0, VOWEL_E_FEMALE)]
)
def test_synthetic_vowel_formants_and_f0(f0, formants):
    vector = E.extract(vowel(f0, formants=formants))
    for i, truth in enumerate(formants, start=1):
        assert feature(vector, f"f{i}_freq_mean") == pytest.approx(truth, rel=0.1), i
        assert feature(vector, f"f{i}_freq_cov") < 0.05
        assert 0 < feature(vector, f"f{i}_bandwidth_mean") < E.FORMANT_MAX_BANDWIDTH_HZ
    semitones = 12 * np.log2(f0 / 27.5)
    for name in ("f0_mean", "f0_p20", "f0_p50", "f0_p80"):
        assert feature(vector, name) == pytest.approx(semitones, abs=0.1), name
    assert feature(vector, "f0_cov") < 0.005
    assert feature(vector, "f0_range20_80") < 0.2
    assert feature(vector, "jitter_mean") < 0.003
    assert feature(vector, "hnr_mean") > 10
    # the harmonic nearest F1 is stronger than H1 and far stronger than the one near F3
    assert feature(vector, "f1_amplitude_mean") > 0 > feature(vector, "f3_amplitude_mean")
    assert feature(vector, "h1_a3_mean") > 10


def test_f0_contour_slopes_and_percentiles():
    t = np.arange(3 * SR) / SR
    semitones = 40 + 6 * np.where(t < 1.5, t, 3 - t)  # up at 6 st/s, then down
    vector = E.extract(harmonic(27.5 * 2 ** (semitones / 12)))
    assert feature(vector, "f0_rise_mean") == pytest.approx(6.0, abs=0.5)
    assert feature(vector, "f0_fall_mean") == pytest.approx(-6.0, abs=0.5)
    assert feature(vector, "f0_rise_sd") < 1.0
    assert feature(vector, "f0_p50") == pytest.approx(44.5, abs=0.3)
    # a triangle contour is uniform over 40–49 st: the 20–80 range is 60 % of 9 st
    assert feature(vector, "f0_range20_80") == pytest.approx(5.4, abs=0.4)


def test_jitter_raises_jitter_and_shimmer_raises_shimmer():
    clean = E.extract(vowel())
    jittery = E.extract(vowel(jitter=0.02))
    shaky = E.extract(vowel(shimmer=0.1))
    # 2 % period SD: local jitter ≈ 2 % · 2/√π ≈ 2.3 %, ours a little lower
    assert feature(jittery, "jitter_mean") > 0.01
    assert feature(jittery, "jitter_mean") > 5 * feature(clean, "jitter_mean")
    # 10 % amplitude SD: local shimmer ≈ 8.7 dB · 0.1 · 2/√π ≈ 1 dB
    assert feature(shaky, "shimmer_mean") == pytest.approx(0.98, rel=0.3)
    assert feature(shaky, "shimmer_mean") > 3 * feature(clean, "shimmer_mean")
    assert feature(shaky, "jitter_mean") < 0.003  # amplitude changes are not jitter


def test_noise_lowers_hnr():
    clean = E.extract(vowel())
    noisy = E.extract(vowel(noise=0.1))
    assert feature(noisy, "hnr_mean") < feature(clean, "hnr_mean") - 5


def test_louder_copy_shifts_loudness_only():
    x = vowel(noise=0.01)
    quiet = E.extract(x)
    loud = E.extract(x * 10 ** (10 / 20))
    # Stevens' law: +10 dB multiplies loudness by 10^0.33
    assert feature(loud, "loudness_mean") == pytest.approx(
        10**E.LOUDNESS_EXPONENT * feature(quiet, "loudness_mean"), rel=0.01
    )
    assert feature(loud, "equivalent_level") == pytest.approx(
        feature(quiet, "equivalent_level") + 10, abs=0.01
    )
    level_bound = {n for n in E.NAMES if n.startswith("loudness_") and n != "loudness_cov"}
    level_bound |= {"equivalent_level", "loudness_peaks_rate"}
    for name in E.NAMES:
        if name not in level_bound:
            assert feature(loud, name) == pytest.approx(feature(quiet, name), rel=1e-3, abs=1e-3), (
                name
            )


def _first_order(x: np.ndarray, b: tuple[float, float], a: float = 0.0) -> np.ndarray:
    from scipy.signal import lfilter

    return lfilter(b, [1.0, -a], x)


def test_spectral_tilt_moves_balance_features():
    x = vowel(noise=0.01)
    flat = E.extract(x)
    brighter = E.extract(_first_order(x, (1.0, -0.95)))  # pre-emphasis: +6 dB/octave
    darker = E.extract(_first_order(x, (0.1, 0.0), a=0.9))  # one-pole low-pass
    for name, sign in (("alpha_v_mean", -1), ("hammarberg_v_mean", -1),
                       ("slope0_500_v_mean", 1), ("slope500_1500_v_mean", 1)):  # fmt: skip
        assert sign * (feature(brighter, name) - feature(flat, name)) > 2, name
        assert sign * (feature(darker, name) - feature(flat, name)) < -2, name


def test_temporal_features_of_bursts():
    # 4 bursts per second of 120 ms voiced sound separated by near-silence
    t = np.arange(3 * SR) / SR
    gate = (np.mod(t, 0.25) < 0.12).astype(float)
    rng = np.random.default_rng(0)
    vector = E.extract(harmonic(np.full_like(t, 150.0)) * gate + 1e-4 * rng.standard_normal(t.size))
    assert feature(vector, "voiced_segments_rate") == pytest.approx(4.0, abs=0.5)
    assert feature(vector, "voiced_segment_mean") == pytest.approx(0.12, abs=0.03)
    assert feature(vector, "unvoiced_segment_mean") == pytest.approx(0.13, abs=0.04)
    assert feature(vector, "loudness_peaks_rate") == pytest.approx(4.0, abs=0.6)


def test_demo_speech_gives_plausible_values():
    from emolab.demo.corpus import make_participant
    from emolab.demo.speech import synthesise

    for number in (1, 2):
        voice = make_participant(number, 0).voice
        samples = synthesise(voice, "neutral", False, 1, np.random.default_rng(number)).samples
        vector = E.extract(samples)
        assert np.isfinite(vector).all()
        f0 = 27.5 * 2 ** (feature(vector, "f0_p50") / 12)
        assert f0 == pytest.approx(voice.f0, rel=0.25)
        assert 400 < feature(vector, "f1_freq_mean") < 900
        assert 1000 < feature(vector, "f2_freq_mean") < 2000
        assert 2200 < feature(vector, "f3_freq_mean") < 3500
        assert 0.002 < feature(vector, "jitter_mean") < 0.1
        assert 5 < feature(vector, "hnr_mean") < 30


def test_dc_offset_changes_no_extended_track():
    x = vowel(jitter=0.01, shimmer=0.05)
    base = audio.frame_tracks(x)  # the same base tracks: only this module is under test
    plain, offset = E.frame_tracks(x, base), E.frame_tracks(x + 0.5, base)
    for field in dataclasses.fields(plain):
        np.testing.assert_allclose(
            getattr(offset, field.name), getattr(plain, field.name), rtol=1e-4, atol=1e-4,
            err_msg=field.name,
        )  # fmt: skip


# --- ranges and blocks ------------------------------------------------------------------


def test_a_range_gives_the_functionals_of_its_frames():
    x = np.concatenate([vowel(120.0, 1.5), vowel(200.0, 1.5, formants=VOWEL_O, seed=1)])
    ext, base = tracks(x)
    half = base.n_frames // 2
    for start, stop in ((0, half), (half, base.n_frames), (37, 191), (100, 101), (5, 5)):
        np.testing.assert_array_equal(
            E.aggregate(ext, base, start, stop),
            E.aggregate(sliced(ext, start, stop), sliced(base, start, stop)),
        )
    # and a part's functionals are those of that part extracted on its own
    first = E.aggregate(ext, base, 0, half - 5)
    alone = E.extract(vowel(120.0, 1.5))
    for name, tolerance in (("f0_mean", 0.05), ("f1_freq_mean", 20.0), ("f2_freq_mean", 30.0),
                            ("hnr_mean", 1.0), ("alpha_v_mean", 0.5)):  # fmt: skip
        assert feature(first, name) == pytest.approx(feature(alone, name), abs=tolerance), name
    second = E.aggregate(ext, base, half + 5, None)
    assert feature(second, "f0_mean") == pytest.approx(12 * np.log2(200 / 27.5), abs=0.1)
    assert feature(second, "f2_freq_mean") == pytest.approx(VOWEL_O[1], rel=0.1)


def _assert_same_tracks(a: E.ExtendedFrames, b: E.ExtendedFrames) -> None:
    for field in dataclasses.fields(a):
        np.testing.assert_allclose(
            getattr(a, field.name), getattr(b, field.name), rtol=1e-6, atol=1e-6,
            err_msg=field.name,
        )  # fmt: skip


def test_blocks_and_streams_give_the_in_memory_result(monkeypatch):
    x = vowel(150.0, 3.0, jitter=0.01, shimmer=0.05, noise=0.02)
    x[SR : SR + 4000] *= 0.001  # a pause: several voiced stretches
    base = audio.frame_tracks(x)
    whole = E.frame_tracks(x, base)
    monkeypatch.setattr(spectral, "CHUNK_FRAMES", 37)  # many blocks, boundaries everywhere
    for signal in (x, Stream(x)):
        blocked = E.frame_tracks(signal, base)
        _assert_same_tracks(blocked, whole)
        np.testing.assert_allclose(E.aggregate(blocked, base), E.aggregate(whole, base),
                                   rtol=1e-5, atol=1e-5)  # fmt: skip
    assert np.isfinite(whole.formants).any() and np.isfinite(whole.jitter).any()


@pytest.mark.parametrize("frames", [0, 1, E.BLAS_ROWS - 1, E.BLAS_ROWS, E.BLAS_ROWS + 1, 300])
def test_band_powers_in_small_products_equal_one_product(frames):
    # each product stays below OpenBLAS's smallest threshold for a second thread (2.6·10⁵
    # multiply-adds), whatever the block's length
    assert E.BLAS_ROWS * E.N_BINS * E.N_BARK_BANDS < 4 * 65536
    power = np.random.default_rng(frames).random((frames, E.N_BINS))
    expected = power @ E._loudness_weights()
    np.testing.assert_allclose(E._band_power(power), expected, rtol=1e-14, atol=0)


def test_a_recording_longer_than_a_block(monkeypatch):
    rng = np.random.default_rng(2)
    piece = vowel(130.0, 1.0, jitter=0.01) * np.r_[np.ones(SR - 3000), np.zeros(3000)]
    x = np.tile(piece, 45) + 0.001 * rng.standard_normal(45 * SR)  # 4,500 frames
    base = audio.frame_tracks(x)
    assert base.n_frames > spectral.CHUNK_FRAMES
    streamed = E.frame_tracks(Stream(x), base)
    monkeypatch.setattr(spectral, "CHUNK_FRAMES", 10**6)  # one block
    _assert_same_tracks(streamed, E.frame_tracks(x, base))


# --- degenerate input -------------------------------------------------------------------


def _vowel_and_pause() -> np.ndarray:
    """1.5 s of vowel, 0.5 s of digital silence."""
    return vowel(150.0, 2.0) * np.r_[np.ones(24_000), np.zeros(8_000)]


def _square(seconds: float = 3.0) -> np.ndarray:
    return np.sign(np.sin(2 * np.pi * 140 * np.arange(int(seconds * SR)) / SR))


DEGENERATE = {
    "empty": lambda: np.zeros(0),
    "one sample": lambda: np.array([0.3]),
    "shorter than a frame": lambda: np.full(100, 0.1),
    "half a second": lambda: vowel(seconds=0.5),
    "digital zeros": lambda: np.zeros(3 * SR),
    "subnormal": lambda: np.full(3 * SR, 1e-310),
    "unvoiced noise": lambda: 0.1 * np.random.default_rng(0).standard_normal(3 * SR),
    "square wave": _square,
    "clipped vowel": lambda: np.clip(20 * vowel(seconds=3.0), -1, 1),
    "dc only": lambda: np.full(3 * SR, 0.3),
    "vowel on dc": lambda: vowel(seconds=3.0) + 0.5,
    "click": lambda: np.eye(1, 3 * SR, SR)[0],
    "sixty seconds": lambda: np.tile(_vowel_and_pause(), 30),
}


@pytest.mark.parametrize("name", DEGENERATE)
def test_degenerate_input_gives_defined_values(name):
    x = DEGENERATE[name]()
    ext, base = tracks(x)
    assert ext.n_frames == base.n_frames
    vector = E.aggregate(ext, base)
    assert vector.dtype == np.float32 and vector.shape == (88,)
    bad = [name for name, value in zip(E.NAMES, vector, strict=True) if not np.isfinite(value)]
    assert not bad, bad
    for start in range(0, base.n_frames, 50):  # windows too
        assert np.isfinite(E.aggregate(ext, base, start, start + 100)).all()


def test_silence_and_noise_give_their_neutral_values():
    silent = E.extract(np.zeros(SR))
    assert feature(silent, "equivalent_level") == E.SILENT_LEVEL_DB
    assert not silent[:-1].any()
    noise = E.extract(0.1 * np.random.default_rng(1).standard_normal(SR))
    assert feature(noise, "f0_mean") == 0 and feature(noise, "jitter_mean") == 0
    assert feature(noise, "f1_freq_mean") == 0 and feature(noise, "voiced_segments_rate") == 0
    assert feature(noise, "loudness_mean") > 0
    assert abs(feature(noise, "alpha_uv_mean")) < 10  # white: the bands' widths decide
    assert feature(noise, "unvoiced_segment_mean") > 0.5


@st.composite
def signals(draw) -> np.ndarray:
    """Arbitrary finite signals up to 3 s: drawn samples, or tones, noise, pulses and
    silence at any level, with DC offsets and clipping."""
    if draw(st.booleans()):
        samples = draw(st.lists(st.floats(-2.0, 2.0, allow_subnormal=True), max_size=3000))
        return np.asarray(samples, dtype=np.float64)
    n = draw(st.integers(0, 3 * SR))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = np.arange(n) / SR
    kind = draw(st.sampled_from(["tone", "noise", "pulses", "zeros", "vowel"]))
    if kind == "tone":
        x = np.sin(2 * np.pi * draw(st.floats(20.0, 7900.0)) * t)
    elif kind == "noise":
        x = rng.standard_normal(n)
    elif kind == "pulses":
        x = (np.mod(np.arange(n), draw(st.integers(2, 400))) == 0).astype(float)
    elif kind == "vowel":
        x = vowel(draw(st.floats(60.0, 500.0)), max(n, 1) / SR, seed=1)[:n]
    else:
        x = np.zeros(n)
    x = x * draw(st.sampled_from([0.0, 1e-6, 0.01, 0.3, 1.0, 30.0])) + draw(
        st.sampled_from([0.0, 0.0, 0.2, -1.0])
    )
    if draw(st.booleans()):
        x = np.clip(x, -1.0, 1.0)
    return x


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=signals(), window=st.tuples(st.integers(0, 400), st.integers(0, 400)))
def test_any_finite_signal_gives_finite_features(x, window):
    ext, base = tracks(x)
    vector = E.aggregate(ext, base)
    assert vector.shape == (len(E.NAMES),) and vector.dtype == np.float32
    assert np.isfinite(vector).all()
    start, stop = sorted(window)
    assert np.isfinite(E.aggregate(ext, base, start, stop)).all()
