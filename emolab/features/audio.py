"""The 28 audio features (eGeMAPS-inspired; Eyben et al., IEEE TAC 2016).

Computed from mono 16 kHz samples with numpy only: 32 ms Hann frames every 10 ms, an
FFT-based YIN pitch tracker (de Cheveigné & Kawahara 2002; 25 ms integration window,
60–500 Hz, CMNDF threshold 0.15, parabolic refinement; run at 8 kHz after a low-pass,
every 20 ms on frames within 30 dB of the loudest), a 40-band mel filterbank and a
DCT-II. No librosa at run time: its numba compilation would cost the user ~30 s on the
first click (PLATFORM.md). Leading and trailing silence (frames more than 35 dB below
the loudest) is trimmed first. Silent or unvoiced input gives defined values (zeros for
what cannot be measured) and a flag, never NaN.

Frame-level tracks are computed once per clip; :func:`aggregate` turns any range of
frames into the 28 features, so windows for temporal fusion cost little extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Protocol, runtime_checkable

import numpy as np

EXTRACTOR = "audio"
VERSION = "1"
SAMPLE_RATE = 16_000
N_FFT = 512  # 32 ms
HOP = 160  # 10 ms
YIN_WINDOW = 400  # 25 ms
F0_MIN, F0_MAX = 60.0, 500.0
YIN_THRESHOLD = 0.15
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
    hop_s: float = HOP / SAMPLE_RATE
    flags: set[str] = field(default_factory=set)

    @property
    def n_frames(self) -> int:
        return int(self.rms_db.shape[0])

    def frame_times(self) -> np.ndarray:
        """Centre time (s) of each frame."""
        return (np.arange(self.n_frames) * HOP + N_FFT / 2) / SAMPLE_RATE


#: Frames processed at once: bounds memory for long recordings (~4,096 × 512 samples).
CHUNK_FRAMES = 4096


@cache
def _mel_matrix() -> np.ndarray:
    """(N_MELS × N_FFT/2+1) triangular filters, HTK mel scale, 0–8000 Hz, area-normalised."""
    freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)

    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    edges = 700 * (10 ** (np.linspace(mel(0), mel(SAMPLE_RATE / 2), N_MELS + 2) / 2595) - 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lower) / (centre - lower)
    down = (upper - freqs) / (upper - centre)
    weights = np.maximum(0, np.minimum(up, down))
    weights *= 2.0 / (upper - lower)  # equal area (Slaney normalisation)
    return weights


@cache
def _dct_matrix(n_out: int = N_MFCC, n_in: int = N_MELS) -> np.ndarray:
    """Orthonormal DCT-II rows 0..n_out-1."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    m = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2 / n_in)
    m[0] /= np.sqrt(2)
    return m


def _running_energy(x: np.ndarray) -> np.ndarray:
    """[0, x0², x0² + x1², …] (float64), built in one array: no temporaries as long as
    the signal, which matters for hour-long recordings."""
    squares = np.empty(len(x) + 1)
    squares[0] = 0.0
    np.multiply(x, x, out=squares[1:])
    np.cumsum(squares[1:], out=squares[1:])
    return squares


@runtime_checkable
class Signal(Protocol):
    """Mono samples that can be read a stretch at a time: ``len()`` and ``[a:b]``."""

    def __len__(self) -> int: ...
    def __getitem__(self, stretch: slice) -> np.ndarray: ...


def _segment(x: np.ndarray | Signal, start: int, stop: int) -> np.ndarray:
    """``x[start:stop]`` as float64, zeros where it reaches outside the signal."""
    out = np.zeros(stop - start)
    a, b = max(start, 0), min(stop, len(x))
    if b > a:
        out[a - start : b - start] = x[a:b]
    return out


@cache
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1]


def _frames(x: np.ndarray, length: int) -> np.ndarray:
    n = 1 + max(0, (len(x) - N_FFT)) // HOP
    need = (n - 1) * HOP + length
    if len(x) < need:
        x = np.pad(x, (0, need - len(x)))
    return np.lib.stride_tricks.sliding_window_view(x, length)[::HOP][:n]


@cache
def _halfband() -> np.ndarray:
    """15-tap Hamming-windowed sinc low-pass at 3.6 kHz (of 16 kHz) before decimating by 2."""
    n = np.arange(15) - 7
    taps = np.sinc(2 * 3600 / SAMPLE_RATE * n) * np.hamming(15)
    return taps / taps.sum()


def yin(
    x: np.ndarray | Signal,
    frames: np.ndarray | None = None,
    sr: int = SAMPLE_RATE,
    length: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, 0 where unvoiced) and aperiodicity (CMNDF minimum) per 10 ms frame of a
    16 kHz signal. The search runs at 8 kHz (F0 ≤ 500 Hz needs nothing above 4 kHz).

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
    for first in range(0, chosen.size, CHUNK_FRAMES):
        part = chosen[first : first + CHUNK_FRAMES]
        # this block's stretch of the 8 kHz signal: low-pass (zeros beyond the ends, as
        # a whole-signal 'same' convolution has), then every other sample
        lo, hi = int(part[0]) * hop, int(part[-1]) * hop + span
        stretch = _segment(x, 2 * lo - half, 2 * hi - 1 + half)
        y = np.convolve(stretch, taps, mode="valid")[::2]
        y[max(decimated_length - lo, 0) :] = 0.0  # past the end of the signal
        f0_all[part], aperiodicity_all[part] = _yin_frames(
            y, _running_energy(y), (part - part[0]) * hop, sr, window, tau_min, tau_max
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
    for first in range(0, n, CHUNK_FRAMES):
        count = min(CHUNK_FRAMES, n - first)
        squares = _running_energy(_segment(x, first * HOP, (first + count - 1) * HOP + N_FFT))
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
        freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)
        previous = None  # the last normalised spectrum of the chunk before (for flux)
        # chunks of frames keep memory bounded for long recordings; every quantity is per
        # frame (flux carries one row over), so the result does not depend on the chunking
        for start in range(0, all_rows.size, CHUNK_FRAMES):
            rows = all_rows[start : start + CHUNK_FRAMES]
            stretch = _segment(x, int(rows[0]) * HOP, int(rows[-1]) * HOP + N_FFT)
            frames = np.lib.stride_tricks.sliding_window_view(stretch.astype(np.float32), N_FFT)[
                ::HOP
            ][rows - rows[0]]
            signs = np.signbit(frames)
            zcr[rows] = np.mean(signs[:, 1:] != signs[:, :-1], axis=1)
            spectrum = np.abs(np.fft.rfft(frames * _window(), axis=1))
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
            mfcc[rows] = np.log(power @ _mel_matrix().T + 1e-10) @ _dct_matrix().T
    loud = active & (rms_db > peak - 30)  # quieter frames are never counted as voiced
    # pitch every 20 ms (pyin's default hop is ~23 ms); odd frames take the one before
    f0, _ = yin(x, np.flatnonzero(loud[::2]) * 2, length=length)
    f0 = f0[:n]
    f0[1::2] = f0[0::2][: len(f0[1::2])]
    voiced = (f0 > 0) & loud
    f0_st = np.where(voiced, 12 * np.log2(np.maximum(f0, 1e-6) / 27.5), 0.0)
    return AudioFrames(
        f0_st=f0_st, voiced=voiced, rms_db=rms_db, zcr=zcr, centroid=centroid,
        bandwidth=bandwidth, rolloff=rolloff, flatness=flatness, flux=flux, mfcc=mfcc,
        active=active, flags=flags,
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


@cache
def _baseline_matrices() -> tuple[np.ndarray, np.ndarray]:
    """128-band mel filterbank (over a 2048-point FFT) and a 40-row DCT, librosa's defaults."""
    n_fft, n_mels = 2048, 128
    freqs = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    hz = np.array([0.0, SAMPLE_RATE / 2])
    mels = 2595 * np.log10(1 + hz / 700)
    edges = 700 * (10 ** (np.linspace(mels[0], mels[1], n_mels + 2) / 2595) - 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    weights = np.maximum(0, np.minimum((freqs - lower) / (centre - lower),
                                       (upper - freqs) / (upper - centre)))  # fmt: skip
    weights *= 2.0 / (upper - lower)
    return weights, _dct_matrix(40, n_mels)


def mfcc40_means(x: np.ndarray | Signal) -> np.ndarray:
    """The source project's baseline: means of 40 MFCCs over the whole file (no trimming),
    2048-point frames every 512 samples, 128 mel bands, log power in dB."""
    n_fft, hop = 2048, 512
    if not isinstance(x, Signal):
        x = np.asarray(x)
    n = 1 + (max(len(x), n_fft) - n_fft) // hop
    mel_fb, dct = _baseline_matrices()
    window = np.hanning(n_fft + 1)[:-1]
    mel_db = np.empty((n, mel_fb.shape[0]))
    for first in range(0, n, CHUNK_FRAMES):  # a stretch at a time: bounded memory
        count = min(CHUNK_FRAMES, n - first)
        stretch = _segment(x, first * hop, (first + count - 1) * hop + n_fft)
        chunk = np.lib.stride_tricks.sliding_window_view(stretch, n_fft)[::hop]
        power = np.abs(np.fft.rfft(chunk * window, axis=1)) ** 2
        mel_db[first : first + count] = 10 * np.log10(np.maximum(power @ mel_fb.T, 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - 80)
    return (mel_db @ dct.T).mean(axis=0).astype(np.float32)
