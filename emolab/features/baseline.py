"""The source project's baseline features: means of 40 MFCCs over the whole file.

Computed as ``librosa.feature.mfcc(y=y, sr=16000, n_mfcc=40, htk=True,
center=False).mean(axis=1)`` computes them (equal to float32 rounding), in numpy and a
stretch at a time, so a long file needs no more memory than a short one and no numba.
That is not quite the seed's recipe, ``librosa.feature.mfcc`` with its defaults and 40
coefficients; :data:`DIFFERENCES_FROM_SEED` names each difference, for evaluation output.
"""

from __future__ import annotations

import numpy as np

from emolab.features import spectral
from emolab.features.spectral import Signal, dct_matrix, hann, mel_filterbank, segment

EXTRACTOR = "mfcc40"
VERSION = "1"
N_FFT, HOP, N_MELS, N_MFCC = 2048, 512, 128, 40  # librosa's defaults, and the seed's 40
TOP_DB = 80.0

#: How these 40 MFCC means differ from ``librosa.feature.mfcc(y, sr, n_mfcc=40)`` defaults.
DIFFERENCES_FROM_SEED = (
    "HTK mel scale (librosa's default is Slaney's)",
    "frames start at the first sample (librosa's default centres them, padding 1024 zeros "
    "at each end)",
    "audio at 16 kHz (librosa.load resamples to 22,050 Hz by default)",
)


def mfcc40_means(x: np.ndarray | Signal) -> np.ndarray:
    """Means (float32) of 40 MFCCs over the whole file (no trimming): 2048-point Hann frames
    every 512 samples, 128 mel bands, log power in dB floored 80 dB below the file's peak,
    orthonormal DCT-II."""
    if not isinstance(x, Signal):
        x = np.asarray(x)
    n = 1 + (max(len(x), N_FFT) - N_FFT) // HOP
    mel_fb, dct = mel_filterbank(N_FFT, N_MELS), dct_matrix(N_MFCC, N_MELS)
    window = hann(N_FFT)
    mel_db = np.empty((n, N_MELS))
    for first in range(0, n, spectral.CHUNK_FRAMES):  # a stretch at a time: bounded memory
        count = min(spectral.CHUNK_FRAMES, n - first)
        stretch = segment(x, first * HOP, (first + count - 1) * HOP + N_FFT)
        chunk = np.lib.stride_tricks.sliding_window_view(stretch, N_FFT)[::HOP]
        power = np.abs(np.fft.rfft(chunk * window, axis=1)) ** 2
        mel_db[first : first + count] = 10 * np.log10(np.maximum(power @ mel_fb.T, 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - TOP_DB)
    return (mel_db @ dct.T).mean(axis=0).astype(np.float32)
