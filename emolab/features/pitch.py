"""F0 of speech: an FFT-based YIN pitch tracker (de Cheveigné & Kawahara 2002).

25 ms integration window, 60–500 Hz, CMNDF threshold 0.15, parabolic refinement, run at
8 kHz after a low-pass (F0 ≤ 500 Hz needs nothing above 4 kHz). Frames are the 10 ms
frames of the audio features, searched a block at a time so memory does not follow the
recording's length. The low-pass is applied only at the samples kept (as matrix
products), and the difference function comes from 384-point FFTs, enough for a linear
correlation of the window with its lags.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from emolab.features import spectral
from emolab.features.spectral import (
    HOP,
    N_FFT,
    Signal,
    frame_view,
    running_energy,
    segment,
)
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


#: The decimator reads the 16 kHz signal in rows of this many samples, each giving half as
#: many outputs. Short rows keep each matrix product of a few-second clip below OpenBLAS's
#: threshold for using a second thread, which costs more than it saves on work this size.
_ROW = 8


@cache
def _decimator() -> tuple[np.ndarray, ...]:
    """(8 × 4) matrices ``m[0]``, ``m[1]``, … such that, for ``rows`` a signal cut into
    rows of 8 samples, ``Σ_k rows[k : k + count] @ m[k]`` is the low-passed signal at every
    other sample (``np.convolve(signal, taps, 'valid')[::2]``, 4 outputs per row): a few
    matrix products instead of a convolution computing every output."""
    flipped = _halfband()[::-1]  # convolution reverses the taps
    reach = -(-(_ROW - 2 + len(flipped)) // _ROW)  # rows that a row's outputs read
    both = np.zeros((reach * _ROW, _ROW // 2))  # output i of a row reads samples 2i … 2i + 14
    for i in range(_ROW // 2):
        both[2 * i : 2 * i + len(flipped), i] = flipped
    return tuple(both[k * _ROW : (k + 1) * _ROW].copy() for k in range(reach))


#: FFT length of the difference function: at least window + longest lag (334 samples at
#: 8 kHz), so the correlation is linear, not circular; 384 = 3 · 2⁷ is quicker than 512.
YIN_FFT = 384


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
    assert span <= YIN_FFT
    decimator = _decimator()
    half = len(_halfband()) // 2
    decimated_length = (length + 1) // 2  # samples of the whole 8 kHz signal
    for first in range(0, chosen.size, spectral.CHUNK_FRAMES):
        part = chosen[first : first + spectral.CHUNK_FRAMES]
        # this block's stretch of the 8 kHz signal: low-pass (zeros beyond the ends, as
        # a whole-signal 'same' convolution has), then every other sample
        lo, hi = int(part[0]) * hop, int(part[-1]) * hop + span
        rows = -(-(hi - lo) // (_ROW // 2))  # rows of input samples giving 8 kHz ones
        stretch = segment(x, 2 * lo - half, 2 * lo - half + _ROW * (rows + len(decimator) - 1))
        stretch[2 * (hi - lo) - 1 + 2 * half :] = 0.0  # read no further than needed
        blocks = stretch.reshape(-1, _ROW)
        y = blocks[:rows] @ decimator[0]
        for k in range(1, len(decimator)):
            y += blocks[k : k + rows] @ decimator[k]
        y = y.ravel()[: hi - lo]
        del stretch, blocks
        y[max(decimated_length - lo, 0) :] = 0.0  # past the end of the signal
        starts = (part - part[0]) * hop
        # energy of the window at each lag τ ≤ tau_max of each frame
        lagged = frame_view(running_energy(y), tau_max + 1, 1)
        energy = lagged[starts + window] - lagged[starts]
        del lagged
        f0_all[part], aperiodicity_all[part] = _yin_frames(
            y, energy, starts, sr, window, tau_min, tau_max
        )
    return f0_all, aperiodicity_all


def _yin_frames(x, energy_b, starts, sr, window, tau_min, tau_max):
    """(F0 Hz, aperiodicity) of the frames starting at ``starts`` (8 kHz samples), given
    the energy of the window at each lag (``energy_b``, frames × lags)."""
    span = window + tau_max
    n = len(starts)
    # each frame's stretch zero-padded to YIN_FFT, then its first ``window`` samples alone
    padded = np.zeros((n, YIN_FFT))
    padded[:, :span] = frame_view(x, span, 1)[starts]
    spectrum = np.fft.rfft(padded, axis=1)
    padded[:, window:] = 0.0
    product = np.fft.rfft(padded, axis=1)
    del padded
    np.conjugate(product, out=product)
    product *= spectrum
    del spectrum
    cross = np.fft.irfft(product, YIN_FFT, axis=1)[:, : tau_max + 1]
    del product
    energy_a = energy_b[:, :1]
    d = energy_b + energy_a
    d -= 2 * cross
    np.maximum(d, 0, out=d)
    taus = np.arange(tau_max + 1)
    running = np.cumsum(d[:, 1:], axis=1)
    cmndf = np.ones_like(d)
    cmndf[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(running, 1e-12)
    search = cmndf[:, tau_min : tau_max + 1]
    # first dip below the threshold: first below-threshold τ, then down to its local minimum
    below = search < YIN_THRESHOLD
    rows = np.arange(n)
    first = below.argmax(axis=1)
    has = below[rows, first]
    first = np.where(has, first, search.argmin(axis=1))
    # walk downhill from there, at most 30 steps (a dip is rarely wider than a few samples):
    # stop at the first τ ≥ first whose successor is not lower
    stop = np.ones(search.shape, dtype=bool)
    np.less(search[:, 1:], search[:, :-1], out=stop[:, :-1])
    np.logical_not(stop[:, :-1], out=stop[:, :-1])
    stop &= np.arange(search.shape[1]) >= first[:, None]
    best = np.minimum(stop.argmax(axis=1), first + 30)
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
