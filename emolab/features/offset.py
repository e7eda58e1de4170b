"""Estimate a recording's audio↔motion offset from the signals themselves (numpy only).

Sign convention, the project's ``sync_offset``: **motion time = audio time + offset** (s).
An event heard at audio time *a* shows in the movement file at motion time *a + offset*;
the offset is positive when the movement device started recording first.

Two kinds of evidence, each checked against chance:

1. **Envelopes.** The audio's RMS amplitude (20 ms windows every 5 ms) and the body's
   motion energy (summed speed of every joint, m/s, from central differences over
   ±20 ms) are put on one 200 Hz grid, both smoothed (Gaussian, σ = 30 ms), and their
   Pearson correlation r is computed over the part where both exist, at every lag within
   ±``max_lag`` (default 2.5 s; a lag where they overlap less than 2 s is skipped). The
   best lag is refined between grid steps by a parabola through it and its neighbours.
   Its **confidence** is ``1 − z(competitor) ÷ z(peak)`` with Fisher's z = atanh(r),
   the competitor being the higher of (a) the best other local maximum more than 0.25 s
   away (another lag that fits about as well) and (b) chance: the best r that 24
   unaligned copies of the motion energy reach with the same audio over the same lags
   (12 time-reversed, 12 shifted by more than twice the search range, all circularly),
   which keep the signals' rhythm but not their alignment. Usable from confidence 0.45
   (and r ≥ 0.1). Speech and co-speech gesture are loosely coupled (a gesture's stroke
   leads its stressed syllable by a varying amount), so on speech the envelopes are
   often no better than chance, and when they are, the estimate is coarse (a tenth of a
   second or more); when movement energy follows loudness closely it is within a
   fraction of a motion frame.
2. **A clap** (the hands meeting at speed with a sharp sound: a slate). Audio: the most
   clap-like burst of the pre-emphasised (first-differenced) signal in 2.5 ms blocks: its
   rise over the previous 5 ms times how much of it has died away 30 ms later; timed at
   its first sample above 30 % of the burst's peak. Motion: the most abrupt stop of the
   left hand's movement relative to the right (of all joints' movement when the skeleton
   has no two hands), from straight lines fitted to the 30 ms of
   positions before and after each frame, counted fully when the hands are then held at
   most 0.15 m apart (not at all from 0.35 m); timed where the approach line meets the
   hold line, a fraction of a frame. Salience of each: ``1 − second largest ÷ largest``
   (the second more than 0.3 s away); the clap's is the smaller of the two. A clap is
   used when its salience is at least 0.5 and it agrees with a usable envelope estimate
   to 0.3 s (confidence ``1 − (1 − envelope's)(1 − clap's)``), or alone from salience 0.6
   when the envelopes are not usable (confidence = salience). A clap and a usable
   envelope estimate that disagree are reported, not resolved.

Below the thresholds the result is **not usable** and says why (silent audio, a still
body, too little overlap, a peak no better than chance, two lags fitting equally, the
best lag at the edge of the search); it never carries a guessed offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Common rate (Hz) of the envelopes that are correlated.
ENVELOPE_RATE = 200.0
#: Audio window (s) of one envelope value.
AUDIO_WINDOW_S = 0.02
#: Largest offset searched (s) in either direction, by default.
DEFAULT_MAX_LAG_S = 2.5
#: Least overlap (s) of audio and movement at a lag for the lag to be considered.
MIN_OVERLAP_S = 2.0
#: Smoothing (Gaussian σ, s) of both envelopes before they are correlated.
ENVELOPE_SMOOTHING_S = 0.03
#: A competing peak must lie further than this (s) from the best one.
RIVAL_EXCLUSION_S = 0.25
#: Unaligned copies of the motion energy that say what chance correlation reaches.
SURROGATES = 24
#: Least peak correlation (Pearson r) for an envelope estimate.
MIN_CORRELATION = 0.1
#: Least confidence for an envelope estimate (see the module docstring).
MIN_CONFIDENCE = 0.45
#: Clap detection: audio block (s), isolation of the largest event from the next (s),
#: least salience to refine an envelope estimate, least to stand alone, and how far (s)
#: a clap may be from the envelope estimate it refines.
CLAP_BLOCK_S = 0.0025
CLAP_DECAY_S = 0.03
CLAP_ISOLATION_S = 0.3
CLAP_MIN_SALIENCE = 0.5
CLAP_ALONE_SALIENCE = 0.6
CLAP_AGREEMENT_S = 0.3
#: Distance (m) of the hands held together in a clap that counts fully, and not at all.
CLAP_APART_M = (0.15, 0.35)
#: Hand positions (s) fitted by a line on each side of a candidate stop.
STOP_FIT_S = 0.03
#: Audio level (dB re full scale) below which a recording counts as silent.
SILENCE_DB = -70.0
#: Motion energy standard deviation (m/s) below which the body counts as still.
STILL_SPEED = 1e-4
FLAT_AUDIO = "the audio's level never changes"
STILL_BODY = "the body does not move"


@dataclass(frozen=True)
class Clap:
    """A sharp event found in both signals: its audio and motion times (s), salience 0–1."""

    audio_time: float
    motion_time: float
    salience: float

    @property
    def offset(self) -> float:
        return self.motion_time - self.audio_time


@dataclass(frozen=True)
class OffsetEstimate:
    """An estimated offset (s; motion time = audio time + offset) with its confidence
    (0–1), or, when ``offset`` is None, the ``reason`` there is no usable estimate."""

    offset: float | None
    confidence: float
    method: str  # 'clap', 'envelope' or '' (not usable)
    reason: str = ""
    correlation: float = float("nan")  # peak Pearson r of the envelopes
    competitor: float = float("nan")  # best rival or chance r
    envelope_offset: float | None = None  # the envelopes' best lag (s), usable or not
    clap: Clap | None = None

    @property
    def usable(self) -> bool:
        return self.offset is not None

    def describe(self) -> str:
        """One line for people: the estimate and how sure, or why there is none."""
        if self.offset is None:
            return f"No usable estimate: {self.reason}"
        how = ("a clap in both signals" if self.method == "clap"
               else "speech and movement energy (coarse on speech: ±0.1 s or more)")  # fmt: skip
        return (f"Motion offset {self.offset:+.3f} s, confidence {self.confidence:.2f}, "
                f"from {how}")  # fmt: skip


def not_usable(reason: str, **details) -> OffsetEstimate:
    return OffsetEstimate(None, 0.0, "", reason, **details)


# ---- envelopes ------------------------------------------------------------------------------
def _block_energy(samples: np.ndarray, samplerate: float, rate: float,
                  difference: bool = False) -> np.ndarray:  # fmt: skip
    """Mean square of consecutive blocks 1/rate s long (block k starts at k/rate s), of
    the samples or (``difference``) of their first difference."""
    n = int(len(samples) * rate / samplerate)
    bounds = np.round(np.arange(n + 1) * samplerate / rate).astype(np.int64)
    out = np.empty(n)
    step = 4096  # blocks at a time, so an hour of audio needs no float64 copy of itself
    for first in range(0, n, step):
        last = min(first + step, n)
        start, stop = bounds[first], bounds[last]
        piece = samples[start:stop].astype(np.float64)
        if difference:
            piece = np.diff(piece, prepend=float(samples[start - 1]) if start else 0.0)
        out[first:last] = np.add.reduceat(piece * piece, bounds[first:last] - start)
    return out / np.maximum(np.diff(bounds), 1)


def audio_envelope(samples: np.ndarray, samplerate: float,
                   rate: float = ENVELOPE_RATE) -> np.ndarray:  # fmt: skip
    """RMS amplitude (full scale 1) of mono ``samples`` at ``rate`` Hz: value k is the RMS
    of the ``AUDIO_WINDOW_S`` around audio time k/rate."""
    energy = _block_energy(samples, samplerate, rate)
    half = max(1, round(AUDIO_WINDOW_S * rate / 2))
    sums = np.concatenate([[0.0], np.cumsum(energy)])
    k = np.arange(len(energy))
    first, stop = np.maximum(k - half, 0), np.minimum(k + half, len(energy))
    return np.sqrt((sums[stop] - sums[first]) / np.maximum(stop - first, 1))


def _filled(times: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Positions (frames × joints × 3, float64) with missing samples interpolated in time;
    joints never tracked are dropped."""
    out = positions.astype(np.float64)
    present = np.isfinite(out).all(axis=2)
    keep = present.any(axis=0)
    for j in np.flatnonzero(keep & ~present.all(axis=0)):
        ok = present[:, j]
        for c in range(3):
            out[:, j, c] = np.interp(times, times[ok], out[ok, j, c])
    return out[:, keep]


def motion_energy(times: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Summed speed of all joints (m/s) at each frame, from central differences over
    about ±20 ms (at least one frame each side), which keeps sensor noise down."""
    n = len(times)
    filled = _filled(times, positions)
    if n < 2 or not filled.shape[1]:
        return np.zeros(n)
    fps = 1.0 / float(np.median(np.diff(times)))
    half = max(1, round(0.02 * fps))
    index = np.arange(n)
    lo, hi = np.maximum(index - half, 0), np.minimum(index + half, n - 1)
    velocity = (filled[hi] - filled[lo]) / (times[hi] - times[lo])[:, None, None]
    return np.linalg.norm(velocity, axis=2).sum(axis=1)


def motion_envelope(times: np.ndarray, positions: np.ndarray,
                    rate: float = ENVELOPE_RATE) -> tuple[int, np.ndarray]:  # fmt: skip
    """(k0, values): motion energy interpolated onto motion times k/rate, k = k0, k0 + 1, …
    within the clip."""
    energy = motion_energy(times, positions)
    if len(times) < 2:
        return 0, np.zeros(0)
    k0 = int(np.ceil(times[0] * rate - 1e-9))
    k1 = int(np.floor(times[-1] * rate + 1e-9))
    grid = np.arange(k0, k1 + 1) / rate
    return k0, np.interp(grid, times, energy)


def _smooth(x: np.ndarray, sigma_s: float, rate: float) -> np.ndarray:
    sigma = sigma_s * rate
    half = int(3 * sigma)
    if half < 1 or len(x) < 2:
        return x
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(x, half, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


# ---- correlation ----------------------------------------------------------------------------
def lagged_correlation(audio: np.ndarray, motion: np.ndarray, k0: int, lags: np.ndarray,
                       min_overlap: int) -> np.ndarray:  # fmt: skip
    """Pearson r of ``audio[i]`` (audio time i/rate) with the motion envelope at motion
    time (i + lag)/rate, over the samples where both exist, for each lag (grid steps);
    ``motion[j]`` is at motion time (k0 + j)/rate. NaN where they overlap less than
    ``min_overlap`` samples or one side is constant there."""
    return _LaggedAudio(audio).correlate(motion, k0, lags, min_overlap)


class _LaggedAudio:
    """The audio side of :func:`lagged_correlation`, prepared once for the many motion
    envelopes (the real one and its unaligned copies) it is correlated with."""

    def __init__(self, audio: np.ndarray):
        self.a = audio - audio.mean()  # (r is shift-invariant; this keeps sums small)
        self.sums = [np.concatenate([[0.0], np.cumsum(x)]) for x in (self.a, self.a**2)]
        self._spectra: dict[int, np.ndarray] = {}

    def correlate(self, motion: np.ndarray, k0: int, lags: np.ndarray,
                  min_overlap: int) -> np.ndarray:  # fmt: skip
        m = motion - motion.mean()
        na, nm = len(self.a), len(m)
        size = 1 << int(np.ceil(np.log2(max(na + nm, 2))))
        if size not in self._spectra:
            self._spectra[size] = np.conj(np.fft.rfft(self.a, size))
        products = np.fft.irfft(self._spectra[size] * np.fft.rfft(m, size), size)
        sum_m, sum_mm = (np.concatenate([[0.0], np.cumsum(x)]) for x in (m, m * m))
        shift = lags - k0  # audio[i] meets motion[i + shift]
        first = np.maximum(0, -shift)
        stop = np.minimum(na, nm - shift)
        count = stop - first
        r = np.full(len(lags), np.nan)
        ok = count >= max(min_overlap, 2)
        if not ok.any():
            return r
        first, stop, count, s = first[ok], stop[ok], count[ok].astype(float), shift[ok]
        sa = self.sums[0][stop] - self.sums[0][first]
        saa = self.sums[1][stop] - self.sums[1][first]
        sm = sum_m[stop + s] - sum_m[first + s]
        smm = sum_mm[stop + s] - sum_mm[first + s]
        sam = products[s % size]
        va = saa - sa * sa / count
        vm = smm - sm * sm / count
        scale = np.sqrt(np.maximum(va, 0) * np.maximum(vm, 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(scale > 1e-12 * count, (sam - sa * sm / count) / scale, np.nan)
        r[ok] = value
        return r


def _local_maxima(r: np.ndarray) -> np.ndarray:
    finite = np.isfinite(r)
    left = np.concatenate([[-np.inf], np.where(finite, r, -np.inf)[:-1]])
    right = np.concatenate([np.where(finite, r, -np.inf)[1:], [-np.inf]])
    return finite & (r >= left) & (r >= right)


def _parabola(y0: float, y1: float, y2: float) -> float:
    """Sub-step position (−0.5…0.5) of the vertex of the parabola through three points."""
    denominator = y0 - 2 * y1 + y2
    if not np.isfinite(denominator) or denominator >= 0:
        return 0.0
    return float(np.clip(0.5 * (y0 - y2) / denominator, -0.5, 0.5))


def envelope_offset(audio_env: np.ndarray, motion_k0: int, motion_env: np.ndarray,
                    max_lag: float = DEFAULT_MAX_LAG_S,
                    rate: float = ENVELOPE_RATE) -> OffsetEstimate:  # fmt: skip
    """The offset at which the two envelopes correlate best (see the module docstring);
    ``audio_env[i]`` is at audio time i/rate, ``motion_env[j]`` at motion time
    (motion_k0 + j)/rate."""
    steps = round(max_lag * rate)
    lags = np.arange(-steps, steps + 1)
    if not len(audio_env) or np.ptp(audio_env) < 1e-6:
        return not_usable(FLAT_AUDIO)
    if not len(motion_env) or np.std(motion_env) < STILL_SPEED:
        return not_usable(STILL_BODY)
    a = _smooth(audio_env, ENVELOPE_SMOOTHING_S, rate)
    m = _smooth(motion_env, ENVELOPE_SMOOTHING_S, rate)
    min_overlap = int(MIN_OVERLAP_S * rate)
    audio = _LaggedAudio(a)
    r = audio.correlate(m, motion_k0, lags, min_overlap)
    if not np.isfinite(r).any():
        shift = lags - motion_k0
        overlap = np.maximum(np.minimum(len(a), len(m) - shift) - np.maximum(0, -shift), 0)
        return not_usable(f"audio and movement overlap at most {overlap.max() / rate:.1f} s "
                          f"within ±{max_lag:g} s (needs {MIN_OVERLAP_S:g} s)")  # fmt: skip
    best = int(np.nanargmax(r))
    peak = float(r[best])
    inside = 0 < best < len(r) - 1 and np.isfinite(r[best - 1]) and np.isfinite(r[best + 1])
    lag = (lags[best] + (_parabola(r[best - 1], peak, r[best + 1]) if inside else 0.0)) / rate
    rivals = (np.abs(lags - lags[best]) > RIVAL_EXCLUSION_S * rate) & _local_maxima(r)
    rival = float(r[rivals].max()) if rivals.any() else -1.0
    chance = _chance_correlation(audio, m, motion_k0, lags, min_overlap)
    competitor = max(rival, chance)
    confidence = _confidence(peak, competitor)
    details = dict(correlation=peak, competitor=competitor, envelope_offset=lag)
    if not inside:
        return not_usable(f"the best match ({lag:+.2f} s) is at the edge of the ±{max_lag:g} s "
                          "searched: the offset may be larger", **details)  # fmt: skip
    if peak < MIN_CORRELATION or confidence < MIN_CONFIDENCE:
        if rival > chance:
            second = lags[rivals][int(np.argmax(r[rivals]))] / rate
            reason = (f"ambiguous: {lag:+.2f} s (r = {peak:.2f}) and {second:+.2f} s "
                      f"(r = {rival:.2f}) fit almost equally well")  # fmt: skip
        else:
            than = "no better" if peak <= chance else "too little better"
            reason = (
                f"speech and movement energy correlate {than} than chance (best "
                f"r = {peak:.2f}, at {lag:+.2f} s; unaligned copies reach {chance:.2f})"
            )
        return not_usable(reason, **details)
    return OffsetEstimate(lag, confidence, "envelope", **details)


def _confidence(peak: float, competitor: float) -> float:
    """``1 − z(competitor) ÷ z(peak)`` with Fisher's z = atanh(r), which spreads
    correlations near 1 apart as their sampling error shrinks; 0 when the peak is not
    above the competitor."""
    if not peak > max(competitor, 0.0):
        return 0.0
    z_peak = np.arctanh(min(peak, 0.999999))
    return float(np.clip(1 - np.arctanh(max(competitor, 0.0)) / z_peak, 0.0, 1.0))


def _chance_correlation(audio: _LaggedAudio, m, k0, lags, min_overlap) -> float:
    """The best r that unaligned copies of ``m`` reach with the audio over the same lags: what
    chance alignment gives signals of this rhythm. The copies are ``m`` time-reversed and
    circularly shifted, and ``m`` circularly shifted by more than twice the lags searched
    each way (when it is long enough)."""
    n = len(m)
    half = SURROGATES // 2
    margin = 2 * int(np.abs(lags).max()) + 1
    copies = [np.roll(m[::-1], round(k * n / half)) for k in range(half)]
    if n - 2 * margin > 0:
        copies += [np.roll(m, margin + round(k * (n - 2 * margin) / max(half - 1, 1)))
                   for k in range(half)]  # fmt: skip
    best = -1.0
    for copy in copies:
        r = audio.correlate(copy, k0, lags, min_overlap)
        if np.isfinite(r).any():
            best = max(best, float(np.nanmax(r)))
    return best


# ---- clap -----------------------------------------------------------------------------------
def _salience(strength: np.ndarray, best: int, isolation: int) -> float:
    """1 − (largest value more than ``isolation`` steps from ``best``) ÷ value at ``best``."""
    top = float(strength[best])
    if top <= 0:
        return 0.0
    far = np.ones(len(strength), bool)
    far[max(best - isolation, 0) : best + isolation + 1] = False
    second = float(strength[far].max()) if far.any() else 0.0
    return float(np.clip(1 - second / top, 0, 1))


def audio_transient(samples: np.ndarray, samplerate: float) -> tuple[float, float] | None:
    """(audio time s, salience 0–1) of the most clap-like sound, or None when there is none.

    Pre-emphasised (first difference), so a broadband click stands out from voiced speech;
    scored by its rise in amplitude over the previous 5 ms times how much of it has died
    away 30 ms later (a clap is a burst, a vowel stays)."""
    rate = 1.0 / CLAP_BLOCK_S
    amplitude = np.sqrt(_block_energy(samples, samplerate, rate, difference=True))
    if len(amplitude) < 4:
        return None
    before = np.maximum(np.concatenate([[np.inf], amplitude[:-1]]),
                        np.concatenate([[np.inf, np.inf], amplitude[:-2]]))  # fmt: skip
    rise = np.maximum(amplitude - before, 0)
    late = round(CLAP_DECAY_S * rate)
    later = np.concatenate([amplitude[late:], np.zeros(min(late, len(amplitude)))])
    peak = np.maximum(amplitude, np.concatenate([amplitude[1:], [0.0]]))
    with np.errstate(invalid="ignore", divide="ignore"):
        died = np.where(peak > 0, np.clip(1 - later / peak, 0, 1), 0.0)
    strength = rise * died
    best = int(np.argmax(strength))
    if strength[best] <= 0:
        return None
    salience = _salience(strength, best, int(CLAP_ISOLATION_S * rate))
    # the burst's first sample above 30 % of its peak: the moment of contact
    first = round(max(best - 1, 0) * samplerate * CLAP_BLOCK_S)
    last = min(round((best + 2) * samplerate * CLAP_BLOCK_S), len(samples))
    window = samples[max(first - 1, 0) : last].astype(np.float64)
    burst = np.abs(np.diff(window, prepend=0.0) if first == 0 else np.diff(window))
    if not len(burst):
        return None
    onset = first + int(np.argmax(burst >= 0.3 * burst.max()))
    return onset / samplerate, salience


def _line_fits(times: np.ndarray, x: np.ndarray, n: int):
    """Least-squares lines through each run of ``n`` frames: (slope, value at the run's
    last frame) for runs ending at every frame (NaN before the n-th)."""
    frames = len(times)
    slope = np.full(x.shape, np.nan)
    value = np.full(x.shape, np.nan)
    if frames < n:
        return slope, value
    t = np.lib.stride_tricks.sliding_window_view(times, n)  # runs × n
    y = np.lib.stride_tricks.sliding_window_view(x, n, axis=0)  # runs × ... × n
    tc = t - t.mean(axis=1, keepdims=True)
    denominator = (tc * tc).sum(axis=1)
    shape = (len(t),) + (1,) * (x.ndim - 1) + (n,)
    tc = tc.reshape(shape)
    s = (tc * (y - y.mean(axis=-1, keepdims=True))).sum(axis=-1) / denominator.reshape(shape[:-1])
    v = y.mean(axis=-1) + s * tc[..., -1]
    slope[n - 1 :], value[n - 1 :] = s, v
    return slope, value


def hand_stop(times: np.ndarray, positions: np.ndarray,
              hands: list[int] | None = None) -> tuple[float, float] | None:  # fmt: skip
    """(motion time s, salience 0–1) of the most abrupt stop of the two hands' movement
    relative to each other as they meet (a clap: a raise of both arms together, or a
    stroke that ends with the hands apart, does not count), or of all joints when the
    skeleton has no two hands; None when the clip is too short."""
    frames = len(times)
    if frames < 8:
        return None
    filled = _filled(times, positions[:, hands] if hands else positions)
    clapping = bool(hands) and len(hands) == 2 and filled.shape[1] == 2
    if clapping:
        filled = filled[:, :1] - filled[:, 1:]  # left hand seen from the right hand
    fps = 1.0 / float(np.median(np.diff(times)))
    n = max(2, round(STOP_FIT_S * fps) + 1)
    if not filled.shape[1] or frames < 2 * n + 2:
        return None
    slope, value = _line_fits(times, filled, n)  # lines through the n frames up to each
    # the line before frame k ends at k; the line after is the one through k + 1 … k + n
    before_v, before_x = slope[: frames - n], value[: frames - n]
    after_v = slope[n:]
    after_x = value[n:] - after_v * (times[n:] - times[1 : frames - n + 1])[:, None, None]
    drop = (np.linalg.norm(before_v, axis=2) - np.linalg.norm(after_v, axis=2)).sum(axis=1)
    if clapping:  # the hands stop as they meet: how far apart they are held counts
        apart = np.linalg.norm(after_x[:, 0], axis=1)
        drop = drop * np.clip((CLAP_APART_M[1] - apart) / np.ptp(CLAP_APART_M), 0, 1)
    drop = np.where(np.isfinite(drop), drop, 0.0)
    best = int(np.argmax(drop))
    if drop[best] <= 0:
        return None
    salience = _salience(drop, best, int(CLAP_ISOLATION_S * fps))
    # where the approach line (through frame `best`) meets the hold line (from best + 1)
    t0, t1 = times[best], times[best + 1]
    dv = before_v[best] - after_v[best]  # joints × 3
    dx = before_x[best] - (after_x[best] - after_v[best] * (t1 - t0))  # both lines at t0
    squared = float((dv * dv).sum())
    tau = -float((dx * dv).sum()) / squared if squared > 0 else 0.0
    return float(np.clip(t0 + tau, t0, t1)), salience


def find_clap(samples: np.ndarray, samplerate: float, times: np.ndarray,
              positions: np.ndarray, hands: list[int] | None) -> Clap | None:  # fmt: skip
    """The sharpest sound and the most abrupt stop of the hands, as one event, or None."""
    sound = audio_transient(samples, samplerate)
    stop = hand_stop(times, positions, hands)
    if sound is None or stop is None:
        return None
    return Clap(sound[0], stop[0], min(sound[1], stop[1]))


# ---- the estimate ---------------------------------------------------------------------------
def estimate_offset(samples: np.ndarray, samplerate: float, frame_times: np.ndarray,
                    positions: np.ndarray, hands: list[int] | None = None,
                    max_lag: float = DEFAULT_MAX_LAG_S) -> OffsetEstimate:  # fmt: skip
    """The audio↔motion offset (s; motion time = audio time + offset) of mono audio
    ``samples`` and joint ``positions`` (frames × joints × 3, m) at ``frame_times`` (s),
    searched within ±``max_lag`` s; ``hands``: joint indices of the hands (for claps)."""
    samples = np.asarray(samples)
    frame_times = np.asarray(frame_times, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError("samples must be mono (one dimension)")
    if not len(samples) or not samplerate:
        return not_usable("there is no audio")
    if len(frame_times) < 2:
        return not_usable("there is no movement (fewer than two frames)")
    audio_env = audio_envelope(samples, samplerate)
    level = 10 * np.log10(float(np.mean(audio_env**2)) + 1e-20) if len(audio_env) else -200.0
    if level < SILENCE_DB:
        return not_usable(f"the audio is silent (level {level:.0f} dB re full scale)")
    k0, motion_env = motion_envelope(frame_times, positions)
    envelope = envelope_offset(audio_env, k0, motion_env, max_lag)
    if envelope.reason in (FLAT_AUDIO, STILL_BODY):
        return envelope
    clap = find_clap(samples, samplerate, frame_times, positions, hands)
    if clap is None or clap.salience < CLAP_MIN_SALIENCE or abs(clap.offset) > max_lag:
        return envelope
    details = dict(correlation=envelope.correlation, competitor=envelope.competitor,
                   envelope_offset=envelope.envelope_offset, clap=clap)  # fmt: skip
    if envelope.usable:
        if abs(clap.offset - envelope.offset) > CLAP_AGREEMENT_S:
            return not_usable(
                f"a clap ({clap.offset:+.3f} s) and speech and movement energy "
                f"({envelope.offset:+.2f} s) disagree", **details)  # fmt: skip
        confidence = 1 - (1 - envelope.confidence) * (1 - clap.salience)
        return OffsetEstimate(clap.offset, confidence, "clap", **details)
    if clap.salience >= CLAP_ALONE_SALIENCE:
        return OffsetEstimate(clap.offset, clap.salience, "clap", **details)
    return envelope
