"""F0 of speech: an FFT-based YIN pitch tracker (de Cheveigné & Kawahara 2002).

25 ms integration window, 60–500 Hz, CMNDF threshold 0.15, parabolic refinement, run at
8 kHz after a low-pass (F0 ≤ 500 Hz needs nothing above 4 kHz). Frames are the 10 ms
frames of the audio features, searched a block at a time so memory does not follow the
recording's length.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from emolab.features import spectral
from emolab.features.spectral import HOP, N_FFT, Signal, running_energy, segment
from emolab.io.audio import FEATURE_SAMPLERATE

YIN_WINDOW = 400  # 25 ms at 16 kHz
F0_MIN, F0_MAX = 60.0, 500.0
YIN_THRESHOLD = 0.15


@cache
def _halfband() -> np.ndarray:
    """15-tap Hamming-windowed sinc low-pass at 3.6 kHz (of 16 kHz) before decimating by 2."""
    n = np.arange(15) - 7
    taps = np.sinc(2 * 3600 / FEATURE_SAMPLERATE * n) * np.hamming(15)
    return taps / taps.sum()


def yin(
    x: np.ndarray | Signal,
    frames: np.ndarray | None = None,
    sr: int = FEATURE_SAMPLERATE,
    length: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, 0 where unvoiced) and aperiodicity (CMNDF minimum) per 10 ms frame of a
    16 kHz signal. The search runs at 8 kHz.

    ``frames`` (indices) restricts the search to frames worth it (loud enough to be
    voiced); the others get F0 0 and aperiodicity 1. Frames are searched a block at a
    time, each block decimating only its own stretch of the signal, so memory does not
    grow with the recording's length.
    """
    length = len(x) if length is None else length  # samples, zeros past the signal's end
    n_frames = 1 + max(0, (length - N_FFT)) // HOP
    sr, hop, window = sr // 2, HOP // 2, YIN_WINDOW // 2
    tau_min, tau_max = int(sr / F0_MAX), int(np.ceil(sr / F0_MIN))
    f0_all = np.zeros(n_frames)
    aperiodicity_all = np.ones(n_frames)
    chosen = np.arange(n_frames) if frames is None else np.asarray(frames, dtype=int)
    span = window + tau_max
    taps = _halfband()
    half = len(taps) // 2
    decimated_length = (length + 1) // 2  # samples of the whole 8 kHz signal
    for first in range(0, chosen.size, spectral.CHUNK_FRAMES):
        part = chosen[first : first + spectral.CHUNK_FRAMES]
        # this block's stretch of the 8 kHz signal: low-pass (zeros beyond the ends, as
        # a whole-signal 'same' convolution has), then every other sample
        lo, hi = int(part[0]) * hop, int(part[-1]) * hop + span
        stretch = segment(x, 2 * lo - half, 2 * hi - 1 + half)
        y = np.convolve(stretch, taps, mode="valid")[::2]
        y[max(decimated_length - lo, 0) :] = 0.0  # past the end of the signal
        f0_all[part], aperiodicity_all[part] = _yin_frames(
            y, running_energy(y), (part - part[0]) * hop, sr, window, tau_min, tau_max
        )
    return f0_all, aperiodicity_all


def _yin_frames(x, squares, starts, sr, window, tau_min, tau_max):
    """(F0 Hz, aperiodicity) of the frames starting at ``starts`` (8 kHz samples)."""
    span = window + tau_max
    segment = x[starts[:, None] + np.arange(span)[None, :]]
    n_fft = 1 << int(np.ceil(np.log2(span + 1)))
    spectrum = np.fft.rfft(segment, n_fft)
    head = np.fft.rfft(segment[:, :window], n_fft)
    cross = np.fft.irfft(np.conj(head) * spectrum, n_fft)[:, : tau_max + 1]
    taus = np.arange(tau_max + 1)
    lagged = starts[:, None] + taus[None, :]
    energy_b = squares[lagged + window] - squares[lagged]
    energy_a = energy_b[:, :1]
    d = np.maximum(energy_a + energy_b - 2 * cross, 0)
    running = np.cumsum(d[:, 1:], axis=1)
    cmndf = np.ones_like(d)
    cmndf[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(running, 1e-12)
    search = cmndf[:, tau_min : tau_max + 1]
    # first dip below the threshold: first below-threshold τ, then down to its local minimum
    below = search < YIN_THRESHOLD
    has = below.any(axis=1)
    first = np.where(has, below.argmax(axis=1), search.argmin(axis=1))
    rows = np.arange(len(search))
    best = first.copy()
    for _ in range(30):  # walk downhill; a dip is rarely wider than a few samples
        nxt = np.minimum(best + 1, search.shape[1] - 1)
        step = search[rows, nxt] < search[rows, best]
        if not step.any():
            break
        best = np.where(step, nxt, best)
    tau = best + tau_min
    # parabolic refinement
    left = cmndf[rows, np.maximum(tau - 1, 1)]
    centre = cmndf[rows, tau]
    right = cmndf[rows, np.minimum(tau + 1, tau_max)]
    denom = left - 2 * centre + right
    shift = np.divide(
        0.5 * (left - right), denom, out=np.zeros_like(denom), where=np.abs(denom) > 1e-12
    )
    period = tau + np.clip(shift, -0.5, 0.5)
    return np.where(centre < 0.25, sr / period, 0.0), centre
