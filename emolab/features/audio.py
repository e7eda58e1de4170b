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

Cost: ~1.6 ms per 3-s clip, warm, on the 2-core development machine (``extract``; the
frames' FFTs and the pitch tracker take about a quarter and a third of it). Per-frame sums
are taken 32 samples at a time, spectral sums as matrix products, and every array but the
magnitude spectrum is a few frames' worth (see :func:`_spectral`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from emolab.features import spectral
from emolab.features.pitch import yin
from emolab.features.spectral import (
    HOP,
    N_FFT,
    Signal,
    dct_matrix,
    frame_view,
    hann,
    mel_filterbank,
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
    if not isinstance(x, np.ndarray) and not isinstance(x, Signal):  # (a quick check first)
        x = np.asarray(x)
        if x.dtype != np.float32:
            x = x.astype(np.float64, copy=False)
    flags: set[str] = set()
    length = len(x)
    if length < N_FFT:  # read as zeros past the end
        length = N_FFT
        flags.add("short")
    n = 1 + (length - N_FFT) // HOP
    energy = np.empty(n)
    crossings = np.empty(n)
    # a block of frames at a time, each from its own stretch
    for first in range(0, n, spectral.CHUNK_FRAMES):
        count = min(spectral.CHUNK_FRAMES, n - first)
        energy[first : first + count], crossings[first : first + count] = _level_and_signs(
            segment(x, first * HOP, (first + count - 1) * HOP + N_FFT)
        )
    rms = np.sqrt(energy / N_FFT)
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
    zcr = np.where(active, crossings / (N_FFT - 1), 0.0)  # sign changes per sample pair
    centroid, bandwidth, rolloff, flatness, flux = (np.zeros(n) for _ in range(5))
    mfcc = np.zeros((n, N_MFCC))
    if active.any():  # the active frames are one run, from trimming
        begin, end = np.flatnonzero(active)[[0, -1]] + [0, 1]
        previous = None  # the last normalised spectrum of the block before (for flux)
        # blocks of frames keep memory bounded for long recordings; every quantity is per
        # frame (flux carries one row over), so the result does not depend on the blocks
        for start in range(begin, end, spectral.CHUNK_FRAMES):
            rows = slice(start, min(start + spectral.CHUNK_FRAMES, end))
            frames = _frames(x, rows.start, rows.stop)
            previous = _spectral(
                frames, previous, centroid[rows], bandwidth[rows], rolloff[rows],
                flatness[rows], flux[rows], mfcc[rows],
            )  # fmt: skip
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


#: Frames start every HOP = 5 · 32 samples and are N_FFT = 16 · 32 long: per-frame sums are
#: sums of 16 consecutive sums over 32-sample blocks.
_BLOCK = int(np.gcd(HOP, N_FFT))


def _level_and_signs(stretch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(energy, zero crossings) of each frame of a stretch (float64, its frames exactly
    filling it): the sum of squares, and the number of sign changes between neighbouring
    samples, each summed 32 samples at a time and then 16 blocks per frame."""
    blocks = stretch.reshape(-1, _BLOCK)
    per_frame, step = N_FFT // _BLOCK, HOP // _BLOCK
    energy = frame_view(np.einsum("ij,ij->i", blocks, blocks), per_frame, step).sum(axis=1)
    signs = np.signbit(stretch)
    changes = np.empty(len(stretch), dtype=np.uint8)  # 1 where samples i and i + 1 differ
    np.not_equal(signs[1:], signs[:-1], out=changes[:-1].view(bool))
    changes[-1] = 0
    counts = np.einsum("ij->i", changes.reshape(-1, _BLOCK))  # ≤ 32: no uint8 overflow
    counts = frame_view(counts, per_frame, step).sum(axis=1, dtype=np.int64)
    # a frame's blocks also count the change from its last sample to the next one
    counts -= changes[N_FFT - 1 :: HOP][: len(counts)]
    return energy, counts


def _frames(x: np.ndarray | Signal, first: int, stop: int) -> np.ndarray:
    """Frames ``first`` … ``stop - 1`` (float32; a view where they lie inside an array)."""
    a, b = first * HOP, (stop - 1) * HOP + N_FFT
    if isinstance(x, np.ndarray) and b <= len(x):
        stretch = x[a:b].astype(np.float32, copy=False)
    else:
        stretch = segment(x, a, b).astype(np.float32)
    return frame_view(stretch, N_FFT, HOP)


_MEL_GROUP = 5


@cache
def _weights() -> tuple[np.ndarray, np.ndarray, list, np.ndarray]:
    """Bin frequencies; the (257 × 3) matrix turning magnitude spectra into (Σ|X|, Σ f·|X|,
    Σ f²·|X|); the mel filterbank in groups of 5 filters with the bins they cover
    (filters, bins, weights); and the DCT. Each bin lies under at most two neighbouring
    filters, so the groups' products do a seventh of the work of the whole (40 × 257)
    product, and each stays below OpenBLAS's threshold for a second thread on a
    few-second clip (waking one costs more than it saves here, and stalls when the other
    core is busy)."""
    freqs = np.fft.rfftfreq(N_FFT, 1 / FEATURE_SAMPLERATE)
    moments = np.column_stack([np.ones_like(freqs), freqs, freqs**2])
    filterbank = mel_filterbank(N_FFT, N_MELS)
    groups = []
    for first in range(0, N_MELS, _MEL_GROUP):
        filters = slice(first, min(first + _MEL_GROUP, N_MELS))
        covered = np.flatnonzero(filterbank[filters].any(axis=0))
        if covered.size:
            bins = slice(int(covered[0]), int(covered[-1]) + 1)
            groups.append((filters, bins, filterbank[filters, bins].T.copy()))
    return freqs, moments, groups, dct_matrix(N_MFCC, N_MELS).T.copy()


def _spectral(frames, previous, centroid, bandwidth, rolloff, flatness, flux, mfcc):
    """Fill the spectral tracks of a block of frames in place; return its last normalised
    spectrum (for the next block's flux).

    Everything comes from one magnitude spectrum, squared in place once the magnitude is
    done with; sums are mostly matrix products. Only that one array is as large as the
    block (the rest works on ``_ROWS`` frames at a time): besides bounding memory, this
    keeps malloc from returning memory to the system after every clip and faulting it
    back in on the next (~2 µs per 4 KiB page here)."""
    freqs, moments, mel_groups, dct = _weights()
    spectrum = np.empty((len(frames), N_FFT // 2 + 1))
    window = hann(N_FFT)
    for a in range(0, len(frames), _ROWS):
        rows = slice(a, a + _ROWS)
        np.abs(np.fft.rfft(frames[rows] * window, axis=1), out=spectrum[rows])
    sums = spectrum @ moments
    total = sums[:, 0] + 1e-12
    c = sums[:, 1] / total
    centroid[:] = c
    bandwidth[:] = np.sqrt(np.maximum(sums[:, 2] / total - c**2, 0))
    rolloff[:] = freqs[_rolloff_bins(spectrum, 0.85 * sums[:, 0])]
    # flux between L1-normalised spectra; each run of rows is preceded by the row before
    normalised = np.empty((min(_ROWS, len(frames)) + 1, spectrum.shape[1]))
    for a in range(0, len(frames), _ROWS):
        rows = slice(a, a + _ROWS)
        run = normalised[: len(spectrum[rows]) + 1]
        np.divide(spectrum[rows], total[rows, None], out=run[1:])
        run[0] = run[1] if previous is None else previous  # the very first step is 0
        steps = run[1:] - run[:-1]
        flux[rows] = np.einsum("ij->i", np.abs(steps, out=steps))
        previous = run[-1].copy()
    power = np.square(spectrum, out=spectrum)
    mel = np.zeros((len(power), N_MELS))
    for filters, bins, weights in mel_groups:
        mel[:, filters] = power[:, bins] @ weights
    mfcc[:] = np.log(mel + 1e-10) @ dct
    mean_power = np.einsum("ij->i", power) / power.shape[1]
    power += 1e-12
    log_power = np.log(power, out=power)
    flatness[:] = np.exp(np.einsum("ij->i", log_power) / power.shape[1]) / (mean_power + 1e-12)
    return previous


_ROWS = 64  # frames per step of the STFT and the flux

_RUN = 16  # the rolloff search starts from runs of 16 bins


def _rolloff_bins(spectrum: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per row, the first bin at which the running total of ``spectrum`` reaches ``limit``:
    ``np.argmax(np.cumsum(spectrum, axis=1) >= limit[:, None], axis=1)`` without a running
    sum over every bin (``np.cumsum`` adds one element at a time, ~3 ns each): the totals
    of 16 runs of 16 bins give the run that holds it, a running sum inside that run the
    bin."""
    top = N_FFT // 2  # the runs cover bins 0 … 255; bin 256 (Nyquist) is last anyway
    runs = spectrum[:, :top].reshape(len(spectrum), top // _RUN, _RUN)
    ends = np.cumsum(np.einsum("ijk->ij", runs), axis=1)  # running total at each run's end
    below = (ends < limit[:, None]).sum(axis=1)  # runs wholly below the limit
    run = np.minimum(below, ends.shape[1] - 1)
    rows = np.arange(len(spectrum))
    before = ends[rows, run - 1]  # the running total before the run …
    before[run == 0] = 0.0  # … (run - 1 = -1 read the last)
    inside = np.cumsum(runs[rows, run], axis=1)
    inside += before[:, None]
    found = run * _RUN + (inside < limit[:, None]).sum(axis=1)
    found[below == ends.shape[1]] = top
    return found


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
    edge = 2  # the smoothing pads each end with copies of its edge value
    padded = np.concatenate(
        [np.repeat(level_db[:1], edge), level_db, np.repeat(level_db[-1:], edge)]
    )
    smooth = np.convolve(padded, np.ones(2 * edge + 1) / (2 * edge + 1), mode="valid")
    reach = max(1, int(0.15 / hop_s))
    padded = np.concatenate([np.repeat(smooth[:1], reach), smooth, np.repeat(smooth[-1:], reach)])
    # padded[i + reach] is smooth[i]; its left side is padded[i : i + reach], its right side
    # padded[i + reach + 1 : i + 2 * reach + 1]
    side_min = _sliding(np.minimum, padded, reach)
    left_min, right_min = side_min[: len(smooth)], side_min[reach + 1 :]
    is_max = smooth >= _sliding(np.maximum, padded, 2 * reach + 1)
    peaks = np.flatnonzero(is_max & (smooth - np.maximum(left_min, right_min) >= 3.0))
    count, last = 0, -(10**9)
    for p in peaks:
        if p - last >= int(0.1 / hop_s):
            count, last = count + 1, p
    return count


def _sliding(extreme: np.ufunc, a: np.ndarray, width: int) -> np.ndarray:
    """``extreme`` (np.minimum or np.maximum) over each run of ``width`` elements of ``a``
    (``len(a) - width + 1`` values), by doubling runs: a few whole-array operations instead
    of one reduction per window."""
    run = 1
    while 2 * run <= width:
        a = extreme(a[:-run], a[run:])  # a[i] now covers 2 · run elements from i
        run *= 2
    return a if run == width else extreme(a[: len(a) - (width - run)], a[width - run :])


def _percentile_range(values: np.ndarray) -> tuple[float, float]:
    """``np.percentile(values, [5, 95])`` (its default linear method, the same arithmetic)
    from one sort, without its ~25 µs of argument handling."""
    ordered = np.sort(values)
    positions = (len(ordered) - 1) * (np.array([5.0, 95.0]) / 100)
    below = np.floor(positions).astype(int)
    gamma = positions - below
    a, b = ordered[below], ordered[np.minimum(below + 1, len(ordered) - 1)]
    gap = b - a
    result = np.where(gamma >= 0.5, b - gap * (1 - gamma), a + gap * gamma)
    return float(result[0]), float(result[1])


def aggregate(tracks: AudioFrames, start: int = 0, stop: int | None = None) -> np.ndarray:
    """The 28 features over frames [start, stop) of the active region (float32)."""
    sl = slice(start, stop)
    active = tracks.active[sl]
    out = np.zeros(len(NAMES), dtype=np.float64)
    if not active.any():  # silence: only the level is measurable
        out[4] = float(np.mean(tracks.rms_db[sl])) if tracks.rms_db[sl].size else -200.0
        return out.astype(np.float32)
    voiced = tracks.voiced[sl] & active
    rows = np.flatnonzero(active) + sl.indices(tracks.n_frames)[0]
    n_active = len(rows)
    if voiced.any():
        f0 = tracks.f0_st[sl][voiced]
        p5, p95 = _percentile_range(f0)
        out[0:3] = [f0.mean(), f0.std(), p95 - p5]
        out[14] = float(_runs(voiced).mean()) * tracks.hop_s
    out[3] = voiced.sum() / n_active
    level = tracks.rms_db[rows]
    l5, l95 = _percentile_range(level)
    out[4:7] = [level.mean(), level.std(), l95 - l5]
    for i, track in enumerate(
        (tracks.zcr, tracks.centroid, tracks.bandwidth, tracks.rolloff, tracks.flatness,
         tracks.flux), start=7,
    ):  # fmt: skip
        out[i] = track[rows].sum() / n_active  # what .mean() computes, without its overhead
    out[13] = _count_peaks(level, tracks.hop_s) / (n_active * tracks.hop_s)
    out[15:] = tracks.mfcc[rows].mean(axis=0)
    return out.astype(np.float32)


def extract(samples: np.ndarray) -> tuple[np.ndarray, set[str]]:
    """The 28 features of one clip (mono 16 kHz) and flags ('silent', 'unvoiced', 'short')."""
    tracks = frame_tracks(samples)
    flags = set(tracks.flags)
    if not tracks.voiced.any():
        flags.add("unvoiced")
    return aggregate(tracks), flags
