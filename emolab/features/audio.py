"""The 28 audio features (eGeMAPS-inspired; Eyben et al., IEEE TAC 2016).

Computed from mono 16 kHz samples with numpy only: 32 ms Hann frames every 10 ms, the YIN
pitch tracker of :mod:`emolab.features.pitch` (every 20 ms on frames within 30 dB of the
loudest), and a 40-band mel filterbank and DCT-II from :mod:`emolab.features.spectral`.
No librosa at run time: its numba compilation would cost the user ~30 s on the first
click (PLATFORM.md). Leading and trailing silence (frames more than 35 dB below the
loudest) is trimmed first. Silent or unvoiced input gives defined values (zeros for what
cannot be measured) and a flag, never NaN.

Frame-level tracks are computed once per clip; :func:`aggregate` turns any range of
frames into the 28 features, so windows for temporal fusion cost little extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emolab.features import spectral
from emolab.features.pitch import yin
from emolab.features.spectral import (
    HOP,
    N_FFT,
    Signal,
    dct_matrix,
    hann,
    mel_filterbank,
    running_energy,
    segment,
)
from emolab.io.audio import FEATURE_SAMPLERATE

EXTRACTOR = "audio"
VERSION = "1"
TRIM_DB = 35.0
N_MELS = 40
N_MFCC = 13

#: (name, unit, description) of each feature, in vector order.
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("f0_mean", "st", "mean F0 over voiced frames, semitones re 27.5 Hz"),
    ("f0_sd", "st", "standard deviation of F0 over voiced frames"),
    ("f0_range", "st", "5th–95th percentile range of F0"),
    ("voiced_fraction", "ratio", "share of (trimmed) frames that are voiced"),
    ("rms_mean", "dBFS", "mean frame RMS level"),
    ("rms_sd", "dB", "standard deviation of frame RMS level"),
    ("rms_range", "dB", "5th–95th percentile range of frame RMS level"),
    ("zcr", "ratio", "zero-crossing rate: sign changes per sample"),
    ("centroid", "Hz", "mean spectral centroid"),
    ("bandwidth", "Hz", "mean spectral bandwidth (spread about the centroid)"),
    ("rolloff", "Hz", "mean frequency below which 85 % of spectral magnitude lies"),
    ("flatness", "ratio", "mean spectral flatness (geometric / arithmetic mean power)"),
    ("flux", "ratio", "mean spectral flux of L1-normalised magnitude spectra"),
    ("loudness_peaks", "1/s", "peaks of the smoothed level per second (speech-rate proxy)"),
    ("voiced_segment", "s", "mean length of voiced stretches"),
    *((f"mfcc{i + 1}", "coef", f"mean MFCC c{i} (c0: log energy)") for i in range(N_MFCC)),
)
NAMES = tuple(f[0] for f in FEATURES)
assert len(NAMES) == 28


@dataclass
class AudioFrames:
    """Frame-level tracks of one clip (10 ms frames)."""

    f0_st: np.ndarray  # semitones re 27.5 Hz (0 where unvoiced)
    voiced: np.ndarray  # bool
    rms_db: np.ndarray
    zcr: np.ndarray
    centroid: np.ndarray
    bandwidth: np.ndarray
    rolloff: np.ndarray
    flatness: np.ndarray
    flux: np.ndarray
    mfcc: np.ndarray  # frames × 13
    active: np.ndarray  # bool: inside the trimmed (non-silent) region
    aperiodicity: np.ndarray  # YIN's CMNDF minimum per frame (1 where not searched)
    hop_s: float = HOP / FEATURE_SAMPLERATE
    flags: set[str] = field(default_factory=set)

    @property
    def n_frames(self) -> int:
        return int(self.rms_db.shape[0])

    def frame_times(self) -> np.ndarray:
        """Centre time (s) of each frame."""
        return (np.arange(self.n_frames) * HOP + N_FFT / 2) / FEATURE_SAMPLERATE


def frame_tracks(x: np.ndarray | Signal) -> AudioFrames:
    """Frame-level tracks of mono 16 kHz samples (spectral tracks only where not silent).

    ``x`` is an array or any :class:`Signal` (e.g. a file read a stretch at a time):
    every step reads one stretch at a time, so memory does not follow the length."""
    if not isinstance(x, Signal):
        x = np.asarray(x)
        if x.dtype != np.float32:
            x = x.astype(np.float64, copy=False)
    flags: set[str] = set()
    length = len(x)
    if length < N_FFT:  # read as zeros past the end
        length = N_FFT
        flags.add("short")
    n = 1 + (length - N_FFT) // HOP
    rms = np.empty(n)
    # a block of frames at a time, each from the running energy of its own stretch
    for first in range(0, n, spectral.CHUNK_FRAMES):
        count = min(spectral.CHUNK_FRAMES, n - first)
        squares = running_energy(segment(x, first * HOP, (first + count - 1) * HOP + N_FFT))
        starts = np.arange(count) * HOP
        rms[first : first + count] = squares[starts + N_FFT] - squares[starts]
    rms = np.sqrt(np.maximum(rms, 0) / N_FFT)
    rms_db = 20 * np.log10(rms + 1e-10)
    peak = rms_db.max()
    active = rms_db > peak - TRIM_DB
    if peak < -80:  # digital silence
        active[:] = False
        flags.add("silent")
    elif active.any():
        first, last = np.flatnonzero(active)[[0, -1]]
        active[:] = False
        active[first : last + 1] = True
    zcr, centroid, bandwidth, rolloff, flatness, flux = (np.zeros(n) for _ in range(6))
    mfcc = np.zeros((n, N_MFCC))
    all_rows = np.flatnonzero(active)
    if all_rows.size:
        freqs = np.fft.rfftfreq(N_FFT, 1 / FEATURE_SAMPLERATE)
        previous = None  # the last normalised spectrum of the chunk before (for flux)
        # chunks of frames keep memory bounded for long recordings; every quantity is per
        # frame (flux carries one row over), so the result does not depend on the chunking
        for start in range(0, all_rows.size, spectral.CHUNK_FRAMES):
            rows = all_rows[start : start + spectral.CHUNK_FRAMES]
            stretch = segment(x, int(rows[0]) * HOP, int(rows[-1]) * HOP + N_FFT)
            frames = np.lib.stride_tricks.sliding_window_view(stretch.astype(np.float32), N_FFT)[
                ::HOP
            ][rows - rows[0]]
            signs = np.signbit(frames)
            zcr[rows] = np.mean(signs[:, 1:] != signs[:, :-1], axis=1)
            spectrum = np.abs(np.fft.rfft(frames * hann(N_FFT), axis=1))
            power = spectrum * spectrum
            total = spectrum.sum(axis=1) + 1e-12
            c = spectrum @ freqs / total
            centroid[rows] = c
            spread = spectrum @ (freqs**2) / total - c**2
            bandwidth[rows] = np.sqrt(np.maximum(spread, 0))
            cumulative = np.cumsum(spectrum, axis=1)
            rolloff[rows] = freqs[np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)]
            log_power = np.log(power + 1e-12)
            flatness[rows] = np.exp(log_power.mean(axis=1)) / (power.mean(axis=1) + 1e-12)
            normalised = spectrum / total[:, None]
            step = np.zeros(len(rows))
            step[1:] = np.sum(np.abs(np.diff(normalised, axis=0)), axis=1)
            if previous is not None:
                step[0] = np.sum(np.abs(normalised[0] - previous))
            previous = normalised[-1]
            flux[rows] = step
            mfcc[rows] = (
                np.log(power @ mel_filterbank(N_FFT, N_MELS).T + 1e-10)
                @ dct_matrix(N_MFCC, N_MELS).T
            )
    loud = active & (rms_db > peak - 30)  # quieter frames are never counted as voiced
    # pitch every 20 ms (pyin's default hop is ~23 ms); odd frames take the one before
    f0, aperiodicity = yin(x, np.flatnonzero(loud[::2]) * 2, length=length)
    f0, aperiodicity = f0[:n], aperiodicity[:n]
    f0[1::2] = f0[0::2][: len(f0[1::2])]
    aperiodicity[1::2] = aperiodicity[0::2][: len(aperiodicity[1::2])]
    voiced = (f0 > 0) & loud
    f0_st = np.where(voiced, 12 * np.log2(np.maximum(f0, 1e-6) / 27.5), 0.0)
    return AudioFrames(
        f0_st=f0_st, voiced=voiced, rms_db=rms_db, zcr=zcr, centroid=centroid,
        bandwidth=bandwidth, rolloff=rolloff, flatness=flatness, flux=flux, mfcc=mfcc,
        active=active, aperiodicity=aperiodicity, flags=flags,
    )  # fmt: skip


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of runs of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return edges[1::2] - edges[::2]


def _count_peaks(level_db: np.ndarray, hop_s: float) -> int:
    """Level maxima (50 ms smoothing) that rise ≥ 3 dB above the lowest level within
    150 ms on each side, at least 100 ms apart."""
    if len(level_db) < 3:
        return 0
    smooth = np.convolve(np.pad(level_db, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    reach = max(1, int(0.15 / hop_s))
    padded = np.pad(smooth, reach, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    left_min = windows[:, :reach].min(axis=1)
    right_min = windows[:, reach + 1 :].min(axis=1)
    is_max = smooth >= windows.max(axis=1)
    peaks = np.flatnonzero(is_max & (smooth - np.maximum(left_min, right_min) >= 3.0))
    count, last = 0, -(10**9)
    for p in peaks:
        if p - last >= int(0.1 / hop_s):
            count, last = count + 1, p
    return count


def aggregate(tracks: AudioFrames, start: int = 0, stop: int | None = None) -> np.ndarray:
    """The 28 features over frames [start, stop) of the active region (float32)."""
    sl = slice(start, stop)
    active = tracks.active[sl]
    out = np.zeros(len(NAMES), dtype=np.float64)
    if not active.any():  # silence: only the level is measurable
        out[4] = float(np.mean(tracks.rms_db[sl])) if tracks.rms_db[sl].size else -200.0
        return out.astype(np.float32)
    voiced = tracks.voiced[sl] & active
    n_active = int(active.sum())
    if voiced.any():
        f0 = tracks.f0_st[sl][voiced]
        p5, p95 = np.percentile(f0, [5, 95])
        out[0:3] = [f0.mean(), f0.std(), p95 - p5]
        out[14] = float(_runs(voiced).mean()) * tracks.hop_s
    out[3] = voiced.sum() / n_active
    level = tracks.rms_db[sl][active]
    l5, l95 = np.percentile(level, [5, 95])
    out[4:7] = [level.mean(), level.std(), l95 - l5]
    out[7] = tracks.zcr[sl][active].mean()
    out[8] = tracks.centroid[sl][active].mean()
    out[9] = tracks.bandwidth[sl][active].mean()
    out[10] = tracks.rolloff[sl][active].mean()
    out[11] = tracks.flatness[sl][active].mean()
    out[12] = tracks.flux[sl][active].mean()
    out[13] = _count_peaks(level, tracks.hop_s) / (n_active * tracks.hop_s)
    out[15:] = tracks.mfcc[sl][active].mean(axis=0)
    return out.astype(np.float32)


def extract(samples: np.ndarray) -> tuple[np.ndarray, set[str]]:
    """The 28 features of one clip (mono 16 kHz) and flags ('silent', 'unvoiced', 'short')."""
    tracks = frame_tracks(samples)
    flags = set(tracks.flags)
    if not tracks.voiced.any():
        flags.add("unvoiced")
    return aggregate(tracks), flags
