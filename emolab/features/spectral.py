"""Building blocks of the audio features: framing a signal a stretch at a time, the Hann
window, a mel filterbank and a DCT-II, each built once and cached.

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


def running_energy(x: np.ndarray) -> np.ndarray:
    """[0, x0², x0² + x1², …] (float64), built in one array: no temporaries as long as
    the signal, which matters for hour-long recordings."""
    squares = np.empty(len(x) + 1)
    squares[0] = 0.0
    np.multiply(x, x, out=squares[1:])
    np.cumsum(squares[1:], out=squares[1:])
    return squares


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
