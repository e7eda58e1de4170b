"""Building blocks of the audio features: framing a signal a stretch at a time (and
cheap strided views of its frames), running energies, the Hann window, a mel filterbank
and a DCT-II, the last three built once and cached.

In numpy, not librosa or scipy, on purpose (measured in a fresh process):
``import librosa.filters`` takes ~1 s because it imports numba, and ``import scipy.fft``
~0.2 s, where a user's first extraction takes ~0.3 s in all. What they would give is the
same to rounding: :func:`mel_filterbank` equals ``librosa.filters.mel(sr=16000,
n_fft=…, n_mels=…, htk=True, dtype=np.float64)`` exactly, and :func:`dct_matrix` equals
``scipy.fft.dct(np.eye(n_in), type=2, norm="ortho", axis=0)[:n_out]`` to 1e-15
(tests/features/test_audio_features.py checks both).
"""

from __future__ import annotations

from functools import cache
from typing import Protocol, runtime_checkable

import numpy as np

from emolab.io.audio import FEATURE_SAMPLERATE

N_FFT = 512  # 32 ms at 16 kHz
HOP = 160  # 10 ms
#: Frames processed at once: bounds memory for long recordings (~4,096 × 512 samples).
CHUNK_FRAMES = 4096


@runtime_checkable
class Signal(Protocol):
    """Mono samples that can be read a stretch at a time: ``len()`` and ``[a:b]``."""

    def __len__(self) -> int: ...
    def __getitem__(self, stretch: slice) -> np.ndarray: ...


def segment(x: np.ndarray | Signal, start: int, stop: int) -> np.ndarray:
    """``x[start:stop]`` as float64, zeros where it reaches outside the signal."""
    out = np.zeros(stop - start)
    a, b = max(start, 0), min(stop, len(x))
    if b > a:
        out[a - start : b - start] = x[a:b]
    return out


def frame_view(x: np.ndarray, length: int, step: int) -> np.ndarray:
    """Rows of ``length`` samples starting every ``step`` samples of a 1-D array: a
    read-only view, as ``sliding_window_view(x, length)[::step]`` without its ~14 µs of
    argument checks (which add up over the few dozen views of a clip)."""
    x = np.ascontiguousarray(x)
    count = max(0, (len(x) - length) // step + 1)
    view = np.ndarray((count, length), x.dtype, x, 0, (step * x.itemsize, x.itemsize))
    view.flags.writeable = False
    return view


def running_energy(x: np.ndarray) -> np.ndarray:
    """[0, x0², x0² + x1², …] (float64) of a stretch (callers pass one block of frames at a
    time, so its length is bounded).

    The squares are summed 8 at a time by one matrix product (small enough for OpenBLAS to
    keep to one thread on a few-second clip), then block by block: ``np.cumsum`` adds one
    element at a time (~3 ns each); this is twice as fast and rounds no worse."""
    n = len(x)
    rows = -(-n // _RUN)
    squares = np.zeros(rows * _RUN + 1)
    np.square(x, out=squares[1 : n + 1], dtype=np.float64)
    sums = squares[1:].reshape(rows, _RUN) @ _upper_ones(_RUN)  # running sums within rows
    sums[1:] += np.cumsum(sums[:-1, -1])[:, None]  # plus the rows before
    squares[1:] = sums.ravel()
    return squares[: n + 1]


_RUN = 8


@cache
def _upper_ones(n: int) -> np.ndarray:
    """(n × n) ones on and above the diagonal: ``v @ _upper_ones(n)`` is v's running sum."""
    return np.triu(np.ones((n, n)))


@cache
def hann(n: int) -> np.ndarray:
    """Periodic Hann window of ``n`` samples (as librosa and scipy's ``fftbins=True``)."""
    return np.hanning(n + 1)[:-1]


@cache
def mel_filterbank(n_fft: int, n_mels: int) -> np.ndarray:
    """(n_mels × n_fft/2+1) triangular filters from 0 Hz to Nyquist at 16 kHz.

    HTK mel scale (2595·log10(1 + f/700)), not librosa's default Slaney scale (linear
    below 1 kHz), with Slaney's equal-area normalisation: ``librosa.filters.mel`` with
    ``htk=True``. Both the 28 features and the 40-MFCC baseline use it; changing the scale
    would change every stored feature vector.
    """
    sr = FEATURE_SAMPLERATE
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)

    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    edges = 700 * (10 ** (np.linspace(mel(0), mel(sr / 2), n_mels + 2) / 2595) - 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lower) / (centre - lower)
    down = (upper - freqs) / (upper - centre)
    weights = np.maximum(0, np.minimum(up, down))
    weights *= 2.0 / (upper - lower)  # equal area (Slaney normalisation)
    return weights


@cache
def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Orthonormal DCT-II rows 0..n_out-1 (``n_out × n_in``)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    m = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2 / n_in)
    m[0] /= np.sqrt(2)
    return m
