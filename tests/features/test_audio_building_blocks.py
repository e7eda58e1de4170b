"""The quick building blocks of the audio features against the plain numpy they replace.

Each replaces a slower but obvious computation (a running sum, a convolution, a sliding
window, ``np.percentile``, a Python loop); these check they give the same answer."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.features import audio, pitch
from emolab.features.spectral import HOP, N_FFT, frame_view, running_energy, segment

SR = 16_000


def test_frame_view_is_a_strided_sliding_window():
    x = np.arange(3000, dtype=np.float32)
    for length, step in ((512, 160), (334, 1), (16, 5)):
        expected = np.lib.stride_tricks.sliding_window_view(x, length)[::step]
        np.testing.assert_array_equal(frame_view(x, length, step), expected)
    assert frame_view(x[:100], 512, 160).shape == (0, 512)
    assert not frame_view(x, 512, 160).flags.writeable


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 24_001])
def test_running_energy_is_a_cumulative_sum_of_squares(n):
    x = np.random.default_rng(n).standard_normal(n)
    expected = np.concatenate([[0.0], np.cumsum(x * x)])
    np.testing.assert_allclose(running_energy(x), expected, rtol=1e-12, atol=1e-12)
    x32 = x.astype(np.float32)  # squared in float64, as before
    expected = np.concatenate([[0.0], np.cumsum(x32.astype(np.float64) ** 2)])
    np.testing.assert_allclose(running_energy(x32), expected, rtol=1e-12, atol=1e-12)


def test_level_and_sign_changes_per_frame():
    rng = np.random.default_rng(1)
    count = 40
    stretch = rng.standard_normal((count - 1) * HOP + N_FFT)
    stretch[960:1700] = 0.0  # zeros: no sign change, and frames of exactly no energy
    stretch[2000:2100] = -0.0
    energy, crossings = audio._level_and_signs(stretch)
    frames = np.lib.stride_tricks.sliding_window_view(stretch, N_FFT)[::HOP]
    np.testing.assert_allclose(energy, (frames**2).sum(axis=1), rtol=1e-12)
    signs = np.signbit(frames)
    np.testing.assert_array_equal(crossings, (signs[:, 1:] != signs[:, :-1]).sum(axis=1))
    assert energy[6] == energy[7] == 0.0


def test_rolloff_bins_are_where_the_running_total_reaches_the_limit():
    rng = np.random.default_rng(2)
    spectrum = rng.random((300, N_FFT // 2 + 1)) ** 4
    spectrum[0] = 0.0  # silence: bin 0
    spectrum[1] = 0.0
    spectrum[1, -1] = 1.0  # everything at Nyquist
    spectrum[2] = 0.0
    spectrum[2, 16] = 1.0  # a run boundary
    spectrum[3, :] = 1.0
    for fraction in (0.85, 0.5, 0.99, 0.0):
        limit = fraction * spectrum.sum(axis=1)
        expected = np.argmax(np.cumsum(spectrum, axis=1) >= limit[:, None], axis=1)
        found = audio._rolloff_bins(spectrum, limit)
        np.testing.assert_array_equal(found, expected, err_msg=str(fraction))


def test_percentile_range_is_numpys():
    rng = np.random.default_rng(3)
    for n in [1, 2, 3, 19, 20, 21, 297, 1000]:
        for _ in range(20):
            values = rng.standard_normal(n) * 10 ** rng.uniform(-3, 3)
            if rng.random() < 0.3:
                values = np.round(values)  # ties
            assert audio._percentile_range(values) == tuple(np.percentile(values, [5, 95]))


def test_sliding_extremes_are_windowed_min_and_max():
    rng = np.random.default_rng(4)
    for n in (5, 31, 330):
        a = rng.standard_normal(n)
        for width in range(1, min(n, 40) + 1):
            windows = np.lib.stride_tricks.sliding_window_view(a, width)
            np.testing.assert_array_equal(audio._sliding(np.minimum, a, width), windows.min(1))
            np.testing.assert_array_equal(audio._sliding(np.maximum, a, width), windows.max(1))


def test_decimator_is_the_halfband_convolution_at_every_other_sample():
    x = np.random.default_rng(5).standard_normal(1001)
    taps = pitch._halfband()
    expected = np.convolve(x, taps, mode="valid")[::2]
    matrices = pitch._decimator()
    outputs = pitch._ROW // 2
    rows = -(-len(expected) // outputs)
    padded = np.zeros(pitch._ROW * (rows + len(matrices) - 1))
    padded[: len(x)] = x
    blocks = padded.reshape(-1, pitch._ROW)
    y = sum(blocks[k : k + rows] @ m for k, m in enumerate(matrices)).ravel()
    np.testing.assert_allclose(y[: len(expected)], expected, rtol=1e-12, atol=1e-14)


def _reference_yin(x: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The tracker as first written: a whole-stretch convolution, cumulative sums and a
    30-step downhill loop (every even frame searched)."""
    sr, hop, window = SR // 2, HOP // 2, pitch.YIN_WINDOW // 2
    tau_min, tau_max = int(sr / pitch.F0_MAX), int(np.ceil(sr / pitch.F0_MIN))
    n_frames = 1 + max(0, (length - N_FFT)) // HOP
    part = np.arange(0, n_frames, 2)
    span = window + tau_max
    taps = pitch._halfband()
    half = len(taps) // 2
    lo, hi = int(part[0]) * hop, int(part[-1]) * hop + span
    y = np.convolve(segment(x, 2 * lo - half, 2 * hi - 1 + half), taps, mode="valid")[::2]
    y[max((length + 1) // 2 - lo, 0) :] = 0.0
    squares = np.concatenate([[0.0], np.cumsum(y * y)])
    starts = (part - part[0]) * hop
    frames = y[starts[:, None] + np.arange(span)[None, :]]
    n_fft = 1 << int(np.ceil(np.log2(span + 1)))
    spectrum = np.fft.rfft(frames, n_fft)
    head = np.fft.rfft(frames[:, :window], n_fft)
    cross = np.fft.irfft(np.conj(head) * spectrum, n_fft)[:, : tau_max + 1]
    taus = np.arange(tau_max + 1)
    lagged = starts[:, None] + taus[None, :]
    energy_b = squares[lagged + window] - squares[lagged]
    d = np.maximum(energy_b[:, :1] + energy_b - 2 * cross, 0)
    cmndf = np.ones_like(d)
    cmndf[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(np.cumsum(d[:, 1:], axis=1), 1e-12)
    search = cmndf[:, tau_min:]
    below = search < pitch.YIN_THRESHOLD
    best = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    rows = np.arange(len(search))
    for _ in range(30):
        nxt = np.minimum(best + 1, search.shape[1] - 1)
        step = search[rows, nxt] < search[rows, best]
        if not step.any():
            break
        best = np.where(step, nxt, best)
    tau = best + tau_min
    left = cmndf[rows, np.maximum(tau - 1, 1)]
    centre = cmndf[rows, tau]
    right = cmndf[rows, np.minimum(tau + 1, tau_max)]
    denom = left - 2 * centre + right
    shift = np.divide(
        0.5 * (left - right), denom, out=np.zeros_like(denom), where=np.abs(denom) > 1e-12
    )
    f0 = np.where(centre < 0.25, sr / (tau + np.clip(shift, -0.5, 0.5)), 0.0)
    return f0, centre


def test_yin_equals_the_tracker_as_first_written():
    rng = np.random.default_rng(6)
    t = np.arange(2 * SR) / SR
    f0 = 90 * 2 ** (2 * t)  # 90 → 360 Hz
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.sin(k * phase) / k for k in range(1, 10)) * (0.2 + 0.2 * np.sin(2 * np.pi * t))
    x = x * (np.sin(2 * np.pi * 3 * t) > -0.3) + 0.02 * rng.standard_normal(t.size)
    n_frames = 1 + (len(x) - N_FFT) // HOP
    ours_f0, ours_ap = pitch.yin(x, np.arange(0, n_frames, 2), length=len(x))
    ref_f0, ref_ap = _reference_yin(x, len(x))
    np.testing.assert_allclose(ours_ap[::2], ref_ap, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours_f0[::2], ref_f0, rtol=1e-6, atol=1e-9)
    assert (ref_f0 > 0).mean() > 0.3  # voiced frames were compared, not only zeros
