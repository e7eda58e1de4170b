"""Extended audio features: 88 eGeMAPS-style functionals, computed here in numpy.

The parameter families follow the extended Geneva Minimalistic Acoustic Parameter Set
(eGeMAPS; Eyben et al., "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for voice
research and affective computing", IEEE Trans. Affective Computing 7(2), 2016). The
definitions below are our own, written from the published descriptions: values are alike
in kind to openSMILE's, not numerically equal. numpy only (no scipy or librosa at run
time: their import and compile cost, see :mod:`emolab.features.spectral`).

Frames
    The 10 ms frames of :mod:`emolab.features.audio`, index-aligned with its
    :class:`~emolab.features.audio.AudioFrames` (32 ms periodic Hann window, 512-point FFT
    at 16 kHz). Only frames inside the trimmed non-silent region (``base.active``) are
    analysed, and functionals use active frames only. *Voiced*: the base tracker's voicing
    (YIN found an F0 and the frame is within 30 dB of the loudest). *Unvoiced* frames, for
    the UV spectral means: active, not voiced and within 30 dB of the loudest frame
    (consonants; pauses would otherwise dominate). *Unvoiced segments*: runs of active, not
    voiced frames (pauses included). The power spectrum is normalised so a sinusoid of
    amplitude A gives A²/4 in its peak bin. Bins 0 and 1 (< 50 Hz) are never used: a
    periodic Hann window leaks DC into those two only, so no spectral quantity depends on
    a DC offset.

Low-level descriptors (per frame; NaN in the tracks where not measured)
    * F0: the base tracker's F0, semitones re 27.5 Hz. F0 and loudness are smoothed by a
      3-frame moving average within their stretches (eGeMAPS' "sma3"); an F0 step above
      3 st between frames (> 150 st/s: an octave error, not intonation) ends a stretch.
    * Loudness: Σ over 26 triangular bands, equally spaced on the Bark scale (Traunmüller
      1990) from 50 Hz to 8 kHz, of (band power)^0.33, the spectrum first weighted by
      Hermansky's (1990) equal-loudness curve (1 at 1 kHz); the cube-root intensity-to-
      loudness law as in PLP. Arbitrary units: +10 dB multiplies it by 10^0.33 ≈ 2.1.
    * Jitter and shimmer (local; Teixeira et al. 2013), every 20 ms (the F0 tracker's
      rate): five successive waveform peaks, one per period, around the frame centre. The
      first is the largest sample, in one period, of the polarity with the larger
      excursion; each next one the largest within ±25 % of a period of where one F0
      period predicts it; each refined by a parabola through three samples. Jitter = mean
      |T(i+1) − T(i)| / mean T over the four periods; shimmer = mean |20·log10(A(i+1) /
      A(i))| dB over the five peak amplitudes. A frame whose ±2.5-period span is not all
      voiced is not measured (onsets and offsets would read as perturbation).
    * HNR (dB), every 40 ms, after Boersma (1993): the frame less its Hann-weighted mean,
      Hann-windowed and zero-padded to 1024 points; its autocorrelation (from the power
      spectrum) divided by the window's, normalised to 1 at lag 0; r = its largest value
      within ±(5 % + 1 sample) of the F0 period, refined by a parabola; HNR =
      10·log10(r / (1 − r)), clipped to [−10, 40] dB. (The brief's shortcut, YIN's
      aperiodicity, reads low whenever the period is not a whole number of samples at
      8 kHz: clean vowels gave 17 dB at 120 Hz and 40 dB at 200 Hz.) A 32 ms window holds
      under 3 periods below 94 Hz, where clean voices read lower (24 dB at 90 Hz).
    * Formants F1–F3 and bandwidths (Hz), every 40 ms: autocorrelation LPC of order 10
      (Markel & Gray 1976) of the same zero-padded frame, its power spectrum
      pre-emphasised (0.97) and cut at 5 kHz, i.e. as at a 10 kHz rate (five formants
      below 5 kHz, Praat's default). The roots of the LPC polynomials are the eigenvalues
      of their companion matrices, batched over frames; F = angle · fs / 2π, bandwidth =
      −ln|z| · fs / π (Snell & Milinazzo 1993). Candidates: roots above 150 Hz, below
      4.9 kHz and narrower than 600 Hz; F1–F3 are the lowest three. A frame with fewer
      candidates leaves the missing ones unmeasured.
    * Harmonic levels, with the formants, from the same 1024-point spectrum (15.6 Hz
      bins): L(f) is the largest bin (dB) within ±max(F0/4, ½ bin) of f (no
      interpolation: ≤ 1.4 dB scalloping). H1–H2 = L(F0) − L(2·F0); formant amplitude
      i = L(harmonic nearest Fi) − L(F0) (eGeMAPS' "F_i amplitude relative to F0");
      H1–A3 = L(F0) − the largest bin within F3 ± F0 (the strongest harmonic in the F3
      region; Hanson 1997).
    * Spectral balance, every active frame (512-point spectrum): alpha ratio =
      10·log10(Σ power 50–1000 Hz / Σ power 1–5 kHz); Hammarberg index = 10·log10(max
      power 0–2 kHz / max power 2–5 kHz) (Hammarberg et al. 1980); spectral slopes =
      least-squares slope of the log power spectrum (dB) against frequency (kHz) over
      0–500 Hz and 500–1500 Hz.
    * Spectral flux and MFCC 1–4: the base tracks (``base.flux``, ``base.mfcc[:, 1:5]``).
    Voiced frames between two measurements take the values of the last measurement in
    their voiced stretch (the first frame of a stretch is always measured).

Functionals (over any frame range: :func:`aggregate`)
    Mean and a spread: the coefficient of variation (SD / mean) for quantities on a ratio
    scale (F0 in semitones, loudness, jitter, shimmer, formant frequencies and bandwidths,
    flux); the standard deviation for quantities in dB or with a sign (HNR, H1–H2, H1–A3,
    formant amplitudes, alpha ratio, Hammarberg index, slopes, MFCCs), whose mean can sit
    near zero and make SD / mean unbounded. F0 and loudness add the 20th, 50th and 80th
    percentiles, the 20–80 range, and the mean and SD of the slopes of rising and of
    falling parts: each stretch is cut into monotonic parts (a flat step continues the
    current direction), a part's slope being its change over its duration, per second;
    falling slopes are negative. Temporal: loudness peaks per second of active time (a
    peak is the largest smoothed loudness within ±100 ms and ≥ 1.25 × (≈ 3 dB above) the
    lowest within 150 ms on each side), voiced segments per second of active time, mean
    and SD of voiced and of unvoiced segment lengths (s), and the equivalent sound level,
    10·log10(mean frame power) in dBFS from ``base.rms_db``.

Degenerate cases
    Nothing is ever NaN or infinite. A functional with no measured frame is 0 (no voiced
    frame: every F0, voice-quality, formant and voiced-spectrum feature is 0); a
    coefficient of variation of a zero mean is 0; a range without active frames gives 0
    for everything but the equivalent sound level, which is then that of all its frames
    (−200 dB, the base level floor, for digital silence or an empty range).

Cost: :func:`frame_tracks` reads the signal a block of ``spectral.CHUNK_FRAMES`` frames at
a time (memory does not follow the recording's length) and does the per-frame work;
:func:`aggregate` only selects and summarises, so temporal windows are cheap. No step runs
on a second BLAS thread, whatever the clip's length (waking one costs far more than these
small products, above all when the other cores are busy): sums over bins are einsums, and the
loudness filterbank is applied BLAS_ROWS frames per product.

References: Eyben et al. 2016 (eGeMAPS); Teixeira, Oliveira & Lopes 2013 (jitter,
shimmer); Boersma 1993 (HNR from the autocorrelation); de Cheveigné & Kawahara 2002
(YIN); Markel & Gray 1976 (linear prediction); Snell & Milinazzo 1993 (formants from LPC
roots); Hammarberg et al. 1980 (Hammarberg index); Hermansky 1990 (equal-loudness curve,
power law); Traunmüller 1990 (Bark scale); Hanson 1997 (H1–H2, H1–A3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from emolab.features import spectral
from emolab.features.audio import AudioFrames
from emolab.features.spectral import HOP, N_FFT, Signal, hann, segment
from emolab.io.audio import FEATURE_SAMPLERATE

EXTRACTOR = "audio_ext"
VERSION = "1"

SR = FEATURE_SAMPLERATE
BIN_HZ = SR / N_FFT
N_BINS = N_FFT // 2 + 1
#: Bins below this are never used: a DC offset leaks into bins 0 and 1 only.
FIRST_BIN = 2
#: Power floor for logarithms, at the base level floor (-200 dB): far below any recording,
#: so it only keeps digital zeros finite (a sine of amplitude A has A²/4 in its peak bin).
POWER_FLOOR = 1e-20
#: Voice frames (formants, harmonics, HNR) are zero-padded to this FFT size: a linear (not
#: circular) autocorrelation up to the longest period, and 15.6 Hz bins for harmonics.
VOICE_FFT = 2 * N_FFT
VOICE_BIN_HZ = SR / VOICE_FFT
VOICE_FIRST_BIN = 4  # 62.5 Hz, as FIRST_BIN
#: Frames within this many dB of the loudest are "sounding" (as the base pitch search).
SOUNDING_DB = 30.0

# loudness
N_BARK_BANDS = 26
LOUDNESS_LOW_HZ, LOUDNESS_HIGH_HZ = 50.0, 8000.0
LOUDNESS_EXPONENT = 0.33  # Stevens' power law as in PLP (Hermansky 1990)

# formants
LPC_RATE = 10_000  # band-limited to 5 kHz: five formants, as Praat's default for speech
LPC_ORDER = 10
PRE_EMPHASIS = 0.97
LPC_NOISE_FLOOR = 1e-4  # white-noise floor (-40 dB re r0): well-conditioned for pure tones
FORMANT_MIN_HZ, FORMANT_MAX_HZ = 150.0, 4900.0
FORMANT_MAX_BANDWIDTH_HZ = 600.0
N_FORMANTS = 3

# jitter, shimmer, HNR
#: Frames between measurements: jitter and shimmer every 20 ms (the F0 tracker's rate),
#: LPC formants and harmonic levels every 40 ms (the roots of 100 LPC polynomials cost
#: ~2 ms; formants move slowly against 40 ms).
PERTURBATION_EVERY = 2
FORMANT_EVERY = 4
N_PERIODS = 4  # periods per frame (five peaks)
PEAK_SEARCH = 0.25  # ± share of a period searched for the next peak
F0_MIN_HZ = 60.0  # the base tracker's lowest F0: bounds the analysis span
HNR_MIN_DB, HNR_MAX_DB = -10.0, 40.0
HNR_SEARCH = 0.05  # ± share of the F0 period searched for the autocorrelation peak
#: Lags of the autocorrelation used: the longest period searched and its neighbour (the
#: window's own autocorrelation, divided by, is ~0 near N_FFT)
HNR_MAX_LAG = int(np.ceil(SR / F0_MIN_HZ * (1 + HNR_SEARCH))) + 3
#: A larger F0 step between frames (≥ 150 st/s) is a tracking error (octave jump), not
#: intonation: it ends the F0 stretch for smoothing and slopes.
MAX_F0_STEP_ST = 3.0

# spectral balance bands (Hz)
ALPHA_LOW, ALPHA_HIGH = (50.0, 1000.0), (1000.0, 5000.0)
HAMMARBERG_LOW, HAMMARBERG_HIGH = (0.0, 2000.0), (2000.0, 5000.0)
SLOPE_BANDS = ((0.0, 500.0), (500.0, 1500.0))

# temporal
PEAK_REACH_S = 0.10  # a loudness peak is the largest within ±100 ms
PEAK_VALLEY_S = 0.15  # … and rises above the lowest value within 150 ms on each side
PEAK_RATIO = 1.25  # … by this factor (≈ 3 dB at exponent 0.33)
SILENT_LEVEL_DB = -200.0  # the base level floor: digital silence or an empty range
CV_MIN_MEAN = 1e-9  # a coefficient of variation with |mean| below this is 0

#: Frames per matrix product of the loudness filterbank. OpenBLAS runs a product on a second
#: thread from ~5·10⁵ multiply-adds (0.3.31 on 2 cores; older releases from 2.6·10⁵): the
#: whole block's (frames × 257) @ (257 × 26) passes that from ~80 frames, and waking the
#: thread cost ~10 ms per 3-s clip here (more with the other core busy) against a ~60 µs
#: product. 32 frames (2.1·10⁵) stay single-threaded on any clip length, with the same
#: per-row arithmetic, so the same values. The other sums over bins are einsums (no BLAS).
BLAS_ROWS = 32

Row = tuple[str, str, str, str]
_EYBEN = "Eyben et al. 2016"
_TEIXEIRA = "Teixeira et al. 2013"
_LPC = "Markel & Gray 1976; Snell & Milinazzo 1993"
_V = "over voiced frames"


def _stats(lld: str, unit: str, what: str, ref: str, relative: bool) -> tuple[Row, Row]:
    """The (mean, spread) rows of one descriptor: the spread is the coefficient of
    variation if ``relative``, else the standard deviation."""
    if relative:
        spread = (f"{lld}_cov", "ratio", f"coefficient of variation (SD / mean) of {what}", ref)
    else:
        spread = (f"{lld}_sd", unit, f"standard deviation of {what}", ref)
    return (f"{lld}_mean", unit, f"mean of {what}", ref), spread


def _contour(lld: str, unit: str, what: str, ref: str) -> tuple[Row, ...]:
    """The ten F0 / loudness functionals."""
    return (
        *_stats(lld, unit, what, ref, True),
        (f"{lld}_p20", unit, f"20th percentile of {what}", ref),
        (f"{lld}_p50", unit, f"median of {what}", ref),
        (f"{lld}_p80", unit, f"80th percentile of {what}", ref),
        (f"{lld}_range20_80", unit, f"80th minus 20th percentile of {what}", ref),
        (f"{lld}_rise_mean", f"{unit}/s", f"mean slope of rising parts of {what}", ref),
        (f"{lld}_rise_sd", f"{unit}/s", f"SD of the slopes of rising parts of {what}", ref),
        (f"{lld}_fall_mean", f"{unit}/s", f"mean slope (< 0) of falling parts of {what}", ref),
        (f"{lld}_fall_sd", f"{unit}/s", f"SD of the slopes of falling parts of {what}", ref),
    )


_BALANCE = (
    ("alpha", "dB", "alpha ratio (power 50–1000 Hz / 1–5 kHz)", _EYBEN),
    ("hammarberg", "dB", "Hammarberg index (peak power 0–2 kHz / 2–5 kHz)", "Hammarberg 1980"),
    ("slope0_500", "dB/kHz", "spectral slope 0–500 Hz", _EYBEN),
    ("slope500_1500", "dB/kHz", "spectral slope 500–1500 Hz", _EYBEN),
)
_MFCC = range(1, 5)

#: (name, unit, description, reference) of each feature, in vector order.
FEATURES: tuple[Row, ...] = (
    *_contour("f0", "st", "F0 (semitones re 27.5 Hz) over voiced frames", _EYBEN),
    *_contour(
        "loudness",
        "a.u.",
        "loudness (Bark-band power^0.33 sum) over active frames",
        f"{_EYBEN}; Hermansky 1990",
    ),
    *_stats("flux", "ratio", "spectral flux over active frames", _EYBEN, True),
    *(
        r
        for i in _MFCC
        for r in _stats(f"mfcc{i}", "coef", f"MFCC {i} over active frames", _EYBEN, False)
    ),
    *_stats("jitter", "ratio", f"local jitter {_V}", _TEIXEIRA, True),
    *_stats("shimmer", "dB", f"local shimmer {_V}", _TEIXEIRA, True),
    *_stats("hnr", "dB", f"harmonics-to-noise ratio {_V}", "Boersma 1993", False),
    *_stats("h1_h2", "dB", f"H1–H2 {_V}", f"Hanson 1997; {_EYBEN}", False),
    *_stats("h1_a3", "dB", f"H1–A3 {_V}", f"Hanson 1997; {_EYBEN}", False),
    *(
        row
        for i in range(1, N_FORMANTS + 1)
        for row in (
            *_stats(f"f{i}_freq", "Hz", f"F{i} centre frequency {_V}", _LPC, True),
            *_stats(f"f{i}_bandwidth", "Hz", f"F{i} bandwidth {_V}", _LPC, True),
            *_stats(
                f"f{i}_amplitude",
                "dB",
                f"level of the harmonic nearest F{i} re H1 {_V}",
                _EYBEN,
                False,
            ),
        )
    ),
    *(r for n, u, d, ref in _BALANCE for r in _stats(f"{n}_v", u, f"{d} {_V}", ref, False)),
    *_stats("flux_v", "ratio", f"spectral flux {_V}", _EYBEN, True),
    *(r for i in _MFCC for r in _stats(f"mfcc{i}_v", "coef", f"MFCC {i} {_V}", _EYBEN, False)),
    *((f"{n}_uv_mean", u, f"mean {d} over unvoiced frames", ref) for n, u, d, ref in _BALANCE),
    ("flux_uv_mean", "ratio", "mean spectral flux over unvoiced frames", _EYBEN),
    ("loudness_peaks_rate", "1/s", "loudness peaks per second of active time", _EYBEN),
    ("voiced_segments_rate", "1/s", "voiced segments per second of active time", _EYBEN),
    ("voiced_segment_mean", "s", "mean length of voiced segments", _EYBEN),
    ("voiced_segment_sd", "s", "SD of the length of voiced segments", _EYBEN),
    ("unvoiced_segment_mean", "s", "mean length of unvoiced segments (pauses included)", _EYBEN),
    ("unvoiced_segment_sd", "s", "SD of the length of unvoiced segments", _EYBEN),
    ("equivalent_level", "dBFS", "equivalent sound level: 10·log10 of mean frame power", _EYBEN),
)
NAMES = tuple(f[0] for f in FEATURES)
assert len(NAMES) == 88 == len(set(NAMES))
#: Which spreads are coefficients of variation: active-frame flux and MFCCs 1–4, and the
#: voiced block (jitter, shimmer, HNR, H1–H2, H1–A3, F/B/A × 3, balance × 4, flux, MFCCs).
_RELATIVE_SPECTRAL = np.array([True, False, False, False, False])
_RELATIVE_VOICED = np.array(
    [True, True, False, False, False, *([True, True, False] * N_FORMANTS), *[False] * 4,
     *_RELATIVE_SPECTRAL]
)  # fmt: skip


@dataclass
class ExtendedFrames:
    """Frame-level descriptors of one clip, index-aligned with the base
    :class:`~emolab.features.audio.AudioFrames` (float32; NaN where not measured)."""

    f0_st: np.ndarray  # smoothed F0 (semitones re 27.5 Hz), voiced frames
    f0_continues: np.ndarray  # bool: frame k continues the F0 stretch of frame k − 1
    loudness: np.ndarray  # smoothed loudness, active frames
    jitter: np.ndarray  # ratio
    shimmer: np.ndarray  # dB
    hnr: np.ndarray  # dB
    h1_h2: np.ndarray  # dB
    h1_a3: np.ndarray  # dB
    formants: np.ndarray  # frames × 3, Hz
    bandwidths: np.ndarray  # frames × 3, Hz
    amplitudes: np.ndarray  # frames × 3, dB re H1
    balance: np.ndarray  # frames × 4: alpha, Hammarberg, slope 0–500, slope 500–1500
    sounding: np.ndarray  # bool: active and within 30 dB of the loudest frame

    @property
    def n_frames(self) -> int:
        return int(self.loudness.shape[0])


# --- fixed weights, built once ------------------------------------------------------------


def _freqs() -> np.ndarray:
    return np.arange(N_BINS) * BIN_HZ


@cache
def _loudness_weights() -> np.ndarray:
    """(bins × bands) unit-peak triangles on the Bark scale times the equal-loudness curve
    (C-contiguous, for :func:`_band_power`)."""

    def bark(f):
        return 26.81 * f / (1960.0 + f) - 0.53

    def hz(z):
        return 1960.0 * (z + 0.53) / (26.28 - z)

    freqs = _freqs()
    edges = hz(np.linspace(bark(LOUDNESS_LOW_HZ), bark(LOUDNESS_HIGH_HZ), N_BARK_BANDS + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    triangles = np.maximum(0, np.minimum((freqs - lower) / (centre - lower),
                                         (upper - freqs) / (upper - centre)))  # fmt: skip
    w2 = (2 * np.pi * freqs) ** 2  # Hermansky's equal-loudness curve E(ω)
    equal = (w2 + 56.8e6) * w2**2 / ((w2 + 6.3e6) ** 2 * (w2 + 0.38e9))
    equal /= np.interp(1000.0, freqs, equal)  # 1 at 1 kHz
    weights = triangles * equal
    weights[:, :FIRST_BIN] = 0.0
    return np.ascontiguousarray(weights.T)


def _band(low: float, high: float) -> slice:
    """Bins with low ≤ f < high (never below FIRST_BIN)."""
    return slice(max(FIRST_BIN, int(np.ceil(low / BIN_HZ))), int(np.ceil(high / BIN_HZ)))


@cache
def _slope_weights() -> tuple[tuple[slice, np.ndarray], ...]:
    """Per slope band, its bins and their weights: the least-squares slope (per kHz) of the
    band's values is Σ values[bins] · weights."""
    out = []
    for low, high in SLOPE_BANDS:
        band = _band(low, high + BIN_HZ / 2)  # the upper edge included
        f = _freqs()[band] / 1000.0
        out.append((band, (f - f.mean()) / np.sum((f - f.mean()) ** 2)))
    return tuple(out)


@cache
def _lpc_shaping() -> np.ndarray:
    """Pre-emphasis |1 − μ·e^(−jω)|² on the voice-spectrum bins up to LPC_RATE / 2 (bins
    below VOICE_FIRST_BIN zeroed)."""
    omega = 2 * np.pi * np.arange(_lpc_bins()) * VOICE_BIN_HZ / SR
    gain = 1 + PRE_EMPHASIS**2 - 2 * PRE_EMPHASIS * np.cos(omega)
    gain[:VOICE_FIRST_BIN] = 0.0
    return gain


def _lpc_bins() -> int:
    return round(LPC_RATE / 2 / VOICE_BIN_HZ) + 1


@cache
def _window_autocorrelation() -> np.ndarray:
    """Normalised autocorrelation of the Hann window (lags 0 … N_FFT − 1): dividing a
    windowed frame's by it undoes the window's taper (Boersma 1993)."""
    spectrum = np.fft.rfft(hann(N_FFT), VOICE_FFT)
    acf = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, VOICE_FFT)[:N_FFT]
    return acf / acf[0]


# --- frame tracks ---------------------------------------------------------------------------


def frame_tracks(x: np.ndarray | Signal, base: AudioFrames) -> ExtendedFrames:
    """Frame-level descriptors of mono 16 kHz samples, on the frames of ``base`` (the
    tracks of :func:`emolab.features.audio.frame_tracks` for the same samples).

    Reads the signal a block of ``spectral.CHUNK_FRAMES`` frames at a time; every
    descriptor depends on its own frame (and, for jitter, a few periods around it) only,
    so the result does not depend on the blocking."""
    if not isinstance(x, Signal):
        x = np.asarray(x, dtype=np.float64)
    n = base.n_frames
    voiced = base.voiced & base.active  # (always so in the base tracks; made sure here)
    loudness = np.zeros(n)
    jitter, shimmer, hnr, h1_h2, h1_a3 = (np.full(n, np.nan) for _ in range(5))
    formants, bandwidths, amplitudes = (np.full((n, N_FORMANTS), np.nan) for _ in range(3))
    balance = np.full((n, len(_BALANCE)), np.nan)
    f0_hz = 27.5 * 2 ** (base.f0_st / 12)
    # voice descriptors are sampled (see _sampled): jitter and shimmer every 20 ms (the
    # pitch tracker's rate), HNR, LPC and harmonic levels every 40 ms (LPC roots are the
    # costliest step); the frames between take the values of the last sampled frame
    perturbation_frames, perturbation_source = _sampled(voiced, PERTURBATION_EVERY)
    formant_frames, formant_source = _sampled(voiced, FORMANT_EVERY)
    perturbation_frames &= _span_voiced(voiced, f0_hz)
    rows_all = np.flatnonzero(base.active)
    for first in range(0, rows_all.size, spectral.CHUNK_FRAMES):
        rows = rows_all[first : first + spectral.CHUNK_FRAMES]
        power = _power_spectra(x, rows)
        level = power + POWER_FLOOR
        np.log10(level, out=level)
        level *= 10
        loudness[rows] = (_band_power(power) ** LOUDNESS_EXPONENT).sum(axis=1)
        balance[rows] = _balance(power, level)
        v_rows = rows[formant_frames[rows]]
        if v_rows.size:
            voice_power = _voice_spectra(x, v_rows)
            hnr[v_rows] = _hnr(voice_power, SR / f0_hz[v_rows])
            f, b = _formants(voice_power)
            formants[v_rows], bandwidths[v_rows] = f, b
            voice_level = voice_power + POWER_FLOOR
            np.log10(voice_level, out=voice_level)
            voice_level *= 10
            h1_h2[v_rows], h1_a3[v_rows], amplitudes[v_rows] = _harmonics(
                voice_level, f0_hz[v_rows], f
            )
        p_rows = rows[perturbation_frames[rows]]
        if p_rows.size:
            jitter[p_rows], shimmer[p_rows] = _perturbation(x, p_rows, SR / f0_hz[p_rows])
    for track in (jitter, shimmer):
        track[voiced] = track[perturbation_source[voiced]]
    for track in (hnr, h1_h2, h1_a3, formants, bandwidths, amplitudes):
        track[voiced] = track[formant_source[voiced]]
    continues = np.zeros(n, dtype=bool)  # frame k continues the F0 stretch of frame k − 1
    continues[1:] = voiced[1:] & voiced[:-1] & (np.abs(np.diff(base.f0_st)) <= MAX_F0_STEP_ST)
    sounding = base.active & (base.rms_db > base.rms_db.max(initial=SILENT_LEVEL_DB) - SOUNDING_DB)
    active_continues = np.zeros(n, dtype=bool)
    active_continues[1:] = base.active[1:] & base.active[:-1]

    def f32(a: np.ndarray) -> np.ndarray:
        return a.astype(np.float32)

    return ExtendedFrames(
        f0_st=f32(_smooth3(base.f0_st, voiced, continues)), f0_continues=continues,
        loudness=f32(np.nan_to_num(_smooth3(loudness, base.active, active_continues))),
        jitter=f32(jitter), shimmer=f32(shimmer), hnr=f32(hnr), h1_h2=f32(h1_h2),
        h1_a3=f32(h1_a3), formants=f32(formants), bandwidths=f32(bandwidths),
        amplitudes=f32(amplitudes), balance=f32(balance), sounding=sounding,
    )  # fmt: skip


def _power_spectra(x: np.ndarray | Signal, rows: np.ndarray) -> np.ndarray:
    """(rows × bins) power spectra of the Hann-windowed frames ``rows`` (increasing),
    normalised so a sinusoid of amplitude A gives A²/4 in its peak bin. In-place steps:
    fewer large temporaries (their allocation cost rivals the FFT's)."""
    stretch = segment(x, int(rows[0]) * HOP, int(rows[-1]) * HOP + N_FFT)
    frames = np.lib.stride_tricks.sliding_window_view(stretch, N_FFT)[::HOP]
    if rows[-1] - rows[0] + 1 == rows.size:  # consecutive (the usual case): no gather
        windowed = frames * hann(N_FFT)
    else:
        windowed = frames[rows - rows[0]] * hann(N_FFT)
    spectrum = np.fft.rfft(windowed, axis=1)
    del windowed
    power = np.square(spectrum.real)
    power += np.square(spectrum.imag)
    power *= 1.0 / float(hann(N_FFT).sum()) ** 2
    return power


def _band_power(power: np.ndarray) -> np.ndarray:
    """(frames × bands) loudness band powers of power spectra, BLAS_ROWS frames per matrix
    product (one batched matmul, and the remainder): each product stays on one thread."""
    weights = _loudness_weights()
    n = len(power)
    whole = n - n % BLAS_ROWS
    out = np.empty((n, N_BARK_BANDS))
    np.matmul(
        power[:whole].reshape(-1, BLAS_ROWS, power.shape[1]),
        weights,
        out=out[:whole].reshape(-1, BLAS_ROWS, N_BARK_BANDS),
    )
    if whole < n:
        np.matmul(power[whole:], weights, out=out[whole:])
    return out


def _voice_spectra(x: np.ndarray | Signal, rows: np.ndarray) -> np.ndarray:
    """(rows × VOICE_FFT/2+1) power spectra of the frames ``rows``, less their Hann-weighted
    mean (so a DC offset changes nothing), Hann-windowed and zero-padded to VOICE_FFT."""
    stretch = segment(x, int(rows[0]) * HOP, int(rows[-1]) * HOP + N_FFT)
    frames = np.lib.stride_tricks.sliding_window_view(stretch, N_FFT)[::HOP][rows - rows[0]]
    window = hann(N_FFT)
    frames = frames - (np.einsum("ij,j->i", frames, window) / window.sum())[:, None]
    frames *= window
    spectrum = np.fft.rfft(frames, VOICE_FFT, axis=1)
    power = np.square(spectrum.real)
    power += np.square(spectrum.imag)
    power *= 1.0 / float(window.sum()) ** 2
    return power


def _hnr(power: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Harmonics-to-noise ratio (dB) from the normalised autocorrelation r at the period
    (Boersma 1993): HNR = 10·log10(r / (1 − r)), r the largest value of the window-corrected
    autocorrelation within ±(5 % + 1 sample) of the F0 period, refined by a parabola."""
    longest = HNR_MAX_LAG - 2
    acf = np.fft.irfft(power, VOICE_FFT, axis=1)[:, :HNR_MAX_LAG]
    acf /= np.maximum(acf[:, :1], 1e-300) * _window_autocorrelation()[:HNR_MAX_LAG]
    lo = np.clip(np.floor(periods * (1 - HNR_SEARCH)).astype(int) - 1, 1, longest)
    hi = np.clip(np.ceil(periods * (1 + HNR_SEARCH)).astype(int) + 1, 1, longest)
    lags = lo[:, None] + np.arange(int(np.max(hi - lo)) + 1)
    rows = np.arange(len(acf))
    candidates = acf[rows[:, None], np.minimum(lags, longest)]
    lag = lo + np.argmax(np.where(lags <= hi[:, None], candidates, -np.inf), axis=1)
    left, centre, right = acf[rows, lag - 1], acf[rows, lag], acf[rows, lag + 1]
    curvature = left - 2 * centre + right
    peak = centre - np.divide(
        (left - right) ** 2, 8 * curvature, out=np.zeros_like(centre), where=curvature < -1e-12
    )
    r = np.clip(peak, 1e-9, 1 - 1e-9)
    return np.clip(10 * np.log10(r / (1 - r)), HNR_MIN_DB, HNR_MAX_DB)


def _sampled(voiced: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
    """Voiced frames to measure, and for each frame the frame whose values it takes.

    Measured: voiced frames whose index is a multiple of ``every`` and the first frame of
    each voiced stretch (so every stretch has one). Every voiced frame takes the values of
    the last measured frame of its stretch (itself if measured). Defined by frame index,
    so independent of the blocks the signal is read in."""
    idx = np.arange(len(voiced))
    starts = voiced.copy()
    starts[1:] &= ~voiced[:-1]
    measured = voiced & ((idx % every == 0) | starts)
    source = np.maximum.accumulate(np.where(measured, idx, 0))
    return measured, source


def _smooth3(values: np.ndarray, mask: np.ndarray, continues: np.ndarray) -> np.ndarray:
    """3-frame moving average within stretches (NaN outside ``mask``): frame k joins
    frame k − 1 where ``continues[k]``."""
    v = np.where(mask, values, 0.0)
    total, count = v.copy(), mask.astype(np.float64)
    link = continues[1:]
    total[1:] += np.where(link, v[:-1], 0.0)
    total[:-1] += np.where(link, v[1:], 0.0)
    count[1:] += link
    count[:-1] += link
    return np.where(mask, total / np.maximum(count, 1), np.nan)


def _balance(power: np.ndarray, level: np.ndarray) -> np.ndarray:
    """(frames × 4) alpha ratio, Hammarberg index (dB) and the two slopes (dB/kHz)."""
    out = np.empty((len(power), len(_BALANCE)))
    low, high = power[:, _band(*ALPHA_LOW)].sum(axis=1), power[:, _band(*ALPHA_HIGH)].sum(axis=1)
    out[:, 0] = 10 * np.log10((low + POWER_FLOOR) / (high + POWER_FLOOR))
    low = power[:, _band(*HAMMARBERG_LOW)].max(axis=1)
    high = power[:, _band(*HAMMARBERG_HIGH)].max(axis=1)
    out[:, 1] = 10 * np.log10((low + POWER_FLOOR) / (high + POWER_FLOOR))
    for j, (band, weights) in enumerate(_slope_weights(), start=2):
        out[:, j] = np.einsum("ij,j->i", level[:, band], weights)
    return out


def _formants(power: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frames × 3) formant frequencies and bandwidths (Hz; NaN if missing) from LPC of
    the power spectra, as at LPC_RATE."""
    n_bins = _lpc_bins()
    shaped = power[:, :n_bins] * _lpc_shaping()
    r = np.fft.irfft(shaped, n=2 * (n_bins - 1), axis=1)[:, : LPC_ORDER + 1]
    r[:, 0] *= 1 + LPC_NOISE_FLOOR
    a = _levinson(r)
    usable = np.isfinite(a).all(axis=1) & (r[:, 0] > 0)
    out_f = np.full((len(power), N_FORMANTS), np.nan)
    out_b = out_f.copy()
    if not usable.any():
        return out_f, out_b
    companion = np.zeros((int(usable.sum()), LPC_ORDER, LPC_ORDER))
    companion[:, 0, :] = -a[usable, 1:]
    companion[:, np.arange(1, LPC_ORDER), np.arange(LPC_ORDER - 1)] = 1.0
    roots = np.linalg.eigvals(companion)
    freq = np.angle(roots) * LPC_RATE / (2 * np.pi)
    bandwidth = -np.log(np.maximum(np.abs(roots), 1e-12)) * LPC_RATE / np.pi
    good = (
        (roots.imag > 0)
        & (freq > FORMANT_MIN_HZ)
        & (freq < FORMANT_MAX_HZ)
        & (bandwidth < FORMANT_MAX_BANDWIDTH_HZ)
    )
    freq = np.where(good, freq, np.inf)
    order = np.argsort(freq, axis=1)[:, :N_FORMANTS]
    f = np.take_along_axis(freq, order, axis=1)
    b = np.take_along_axis(bandwidth, order, axis=1)
    found = np.isfinite(f)
    out_f[usable] = np.where(found, f, np.nan)
    out_b[usable] = np.where(found, b, np.nan)
    return out_f, out_b


def _levinson(r: np.ndarray) -> np.ndarray:
    """LPC polynomials [1, a1 … ap] (frames × p+1) from autocorrelations, by the
    Levinson–Durbin recursion batched over frames (reflection coefficients kept in
    (−1, 1), so the predictor stays stable)."""
    n, order = r.shape[0], r.shape[1] - 1
    a = np.zeros((n, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = np.einsum("ij,ij->i", a[:, :i], r[:, i:0:-1])
        safe = err > 1e-12 * np.maximum(r[:, 0], 1e-300)
        k = np.clip(-acc / np.where(safe, err, 1.0), -0.9999, 0.9999) * safe
        a[:, 1 : i + 1] += k[:, None] * a[:, i - 1 :: -1]
        err *= 1 - k * k
    return a


def _harmonics(
    level: np.ndarray, f0: np.ndarray, formants: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H1–H2, H1–A3 and the formant amplitudes re H1 (dB; NaN where not measurable)."""
    harmonic_width = np.maximum(f0 / 4, 0.51 * VOICE_BIN_HZ)
    nearest = np.maximum(np.round(formants / f0[:, None]), 1) * f0[:, None]
    harmonics = _peak_level(level, np.column_stack([f0, 2 * f0, nearest]), harmonic_width[:, None])
    a3 = _peak_level(level, formants[:, 2:], f0[:, None])[:, 0]
    h1 = harmonics[:, 0]
    return h1 - harmonics[:, 1], h1 - a3, harmonics[:, 2:] - h1[:, None]


def _peak_level(level: np.ndarray, centres: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(frames × targets) largest level of voice spectra over bins (≥ VOICE_FIRST_BIN) within
    ±width of each centre (Hz); NaN where no bin is (a missing centre, or one past Nyquist)."""
    n_bins = level.shape[1]
    finite = np.isfinite(centres)
    centres = np.where(finite, centres, 0.0)
    lo = np.maximum(np.ceil((centres - widths) / VOICE_BIN_HZ), VOICE_FIRST_BIN).astype(int)
    hi = np.minimum(np.floor((centres + widths) / VOICE_BIN_HZ), n_bins - 1).astype(int)
    span = int(max(np.max(hi - lo, initial=0), 0)) + 1
    bins = lo[:, :, None] + np.arange(span)
    inside = bins <= hi[:, :, None]
    rows = np.arange(len(level))[:, None, None]
    peak = np.where(inside, level[rows, np.minimum(bins, n_bins - 1)], -np.inf).max(axis=2)
    return np.where(finite & (hi >= lo), peak, np.nan)


def _span_voiced(voiced: np.ndarray, f0_hz: np.ndarray) -> np.ndarray:
    """Frames whose perturbation span (±(N_PERIODS/2 + ½) periods) is entirely voiced."""
    reach = np.ceil((N_PERIODS / 2 + 0.5) * SR / np.maximum(f0_hz, F0_MIN_HZ) / HOP).astype(int)
    counts = np.concatenate([[0], np.cumsum(voiced)])
    idx = np.arange(len(voiced))
    lo, hi = idx - reach, idx + reach + 1
    inside = (lo >= 0) & (hi <= len(voiced))
    lo, hi = np.clip(lo, 0, len(voiced)), np.clip(hi, 0, len(voiced))
    return voiced & inside & (counts[hi] - counts[lo] == hi - lo)


def _perturbation(
    x: np.ndarray | Signal, rows: np.ndarray, periods: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Local jitter (ratio) and shimmer (dB) of the frames ``rows`` (periods in samples).

    Windows are sized for the longest period here and masked to each frame's own, so a
    frame's result does not depend on the other frames."""
    longest = float(periods.max())
    margin = int(np.ceil((N_PERIODS / 2 + 2) * longest)) + 2
    origin = int(rows[0]) * HOP + N_FFT // 2 - margin
    y = segment(x, origin, int(rows[-1]) * HOP + N_FFT // 2 + margin)
    centres = rows * HOP + N_FFT // 2 - origin
    start = np.floor(centres - (N_PERIODS / 2 + 0.5) * periods).astype(int)
    # amplitudes are measured from each frame's mean over its span: a DC offset is no voice
    span = np.maximum(np.rint((N_PERIODS + 1) * periods).astype(int), 1)
    running = np.empty(len(y) + 1)
    running[0] = 0.0
    np.cumsum(y, out=running[1:])
    dc = ((running[start + span] - running[start]) / span)[:, None]
    # polarity and first peak: the largest excursion in the first period of the span
    offsets = np.arange(int(np.ceil(longest)) + 1)
    window = y[start[:, None] + offsets] - dc
    within = offsets < periods[:, None]
    top = np.where(within, window, -np.inf).max(axis=1)
    bottom = np.where(within, -window, -np.inf).max(axis=1)
    sign = np.where(top >= bottom, 1.0, -1.0)
    peak = start + np.argmax(np.where(within, sign[:, None] * window, -np.inf), axis=1)
    peaks = [peak]
    reach = int(np.ceil(PEAK_SEARCH * longest))
    offsets = np.arange(-reach, reach + 1)
    within = np.abs(offsets) <= PEAK_SEARCH * periods[:, None]
    for _ in range(N_PERIODS):
        expected = np.rint(peaks[-1] + periods).astype(int)
        window = sign[:, None] * (y[expected[:, None] + offsets] - dc)
        peaks.append(expected + offsets[np.argmax(np.where(within, window, -np.inf), axis=1)])
    at = np.stack(peaks, axis=1)
    left, centre, right = (sign[:, None] * (y[at + k] - dc) for k in (-1, 0, 1))
    curvature = left - 2 * centre + right
    shift = np.clip(
        np.divide(0.5 * (left - right), curvature, out=np.zeros_like(curvature),
                  where=curvature < -1e-12),
        -0.5, 0.5,
    )  # fmt: skip
    times = at + shift
    amplitude = centre - 0.25 * (left - right) * shift
    lengths = np.diff(times, axis=1)
    jitter = np.abs(np.diff(lengths, axis=1)).mean(axis=1) / lengths.mean(axis=1)
    valid = (amplitude > 0).all(axis=1)
    safe = np.where(valid[:, None], amplitude, 1.0)
    shimmer = np.abs(20 * np.log10(safe[:, 1:] / safe[:, :-1])).mean(axis=1)
    return np.where(valid, jitter, np.nan), np.where(valid, shimmer, np.nan)


# --- functionals ----------------------------------------------------------------------------


def _column_stats(values: np.ndarray, relative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of (frames × columns): mean and SD of the finite values, the SD divided
    by |mean| where ``relative`` (0 where |mean| < CV_MIN_MEAN); 0 and 0 for a column with
    no finite value."""
    finite = np.isfinite(values)
    count = np.maximum(finite.sum(axis=0), 1)
    clean = np.where(finite, values, 0.0)
    mean = clean.sum(axis=0) / count
    deviation = np.where(finite, clean - mean, 0.0)
    sd = np.sqrt((deviation * deviation).sum(axis=0) / count)
    big = np.abs(mean) >= CV_MIN_MEAN
    cov = np.divide(sd, np.abs(mean), out=np.zeros_like(sd), where=big)
    return mean, np.where(relative, cov, sd)


def _interleaved(values: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """[mean₁, spread₁, mean₂, spread₂, …] of the columns (see _column_stats)."""
    return np.column_stack(_column_stats(values, relative)).ravel()


def _part_slopes(contour: np.ndarray, linked: np.ndarray, hop_s: float) -> np.ndarray:
    """Slopes (per second, signed) of the monotonic parts of ``contour``, where
    ``linked[k]`` says frames k and k + 1 belong to one stretch; a flat step continues
    the current direction."""
    if not linked.any():
        return np.zeros(0)
    step = np.where(linked, np.diff(np.where(np.isfinite(contour), contour, 0.0)), 0.0)
    direction = np.sign(step)
    idx = np.arange(step.size)
    starts = linked & ~np.concatenate([[False], linked[:-1]])
    stretch_start = np.maximum.accumulate(np.where(starts, idx, 0))
    last_move = np.maximum.accumulate(np.where(direction != 0, idx, -1))
    carried = np.where(
        linked & (last_move >= stretch_start), direction[np.maximum(last_move, 0)], 0.0
    )
    member = carried != 0
    if not member.any():
        return np.zeros(0)
    new_part = member & (carried != np.concatenate([[0.0], carried[:-1]]))
    part = np.cumsum(new_part) - 1
    total = np.bincount(part[member], weights=step[member])
    count = np.bincount(part[member])
    return total / (count * hop_s)


def _contour_functionals(
    contour: np.ndarray, mask: np.ndarray, linked: np.ndarray, hop_s: float
) -> list[float]:
    """Mean, CoV, 20/50/80th percentiles, 20–80 range, rising and falling slope stats
    (``linked[k]``: frames k and k + 1 are in one stretch)."""
    values = contour[mask].astype(np.float64)
    values = np.sort(values[np.isfinite(values)])
    if values.size == 0:
        return [0.0] * 10
    mean, sd = _moments(values)
    cov = sd / abs(mean) if abs(mean) >= CV_MIN_MEAN else 0.0
    # percentiles by linear interpolation between order statistics (numpy's default)
    position = np.array([0.2, 0.5, 0.8]) * (values.size - 1)
    below = position.astype(int)
    above = np.minimum(below + 1, values.size - 1)
    p20, p50, p80 = values[below] + (values[above] - values[below]) * (position - below)
    slopes = _part_slopes(contour, linked, hop_s)
    rise, fall = slopes[slopes > 0], slopes[slopes < 0]
    return [mean, cov, p20, p50, p80, p80 - p20, *_moments(rise), *_moments(fall)]


def _moments(values: np.ndarray) -> tuple[float, float]:
    """Mean and (population) SD; (0, 0) if empty."""
    if values.size == 0:
        return 0.0, 0.0
    mean = float(values.sum()) / values.size
    deviation = values - mean
    return mean, float(np.sqrt(np.einsum("i,i->", deviation, deviation) / values.size))


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of runs of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return edges[1::2] - edges[::2]


def _count_peaks(loudness: np.ndarray, hop_s: float) -> int:
    """Loudness maxima (largest within ±PEAK_REACH_S, first of a plateau) at least
    PEAK_RATIO × the lowest value within PEAK_VALLEY_S on each side."""
    n = loudness.size
    if n < 3:
        return 0
    reach = max(1, round(PEAK_REACH_S / hop_s))
    valley = max(1, round(PEAK_VALLEY_S / hop_s))
    wide = max(reach, valley)
    padded = np.concatenate([np.full(wide, loudness[0]), loudness, np.full(wide, loudness[-1])])

    def side(first: int, count: int) -> np.ndarray:
        """(n × count) the ``count`` values from ``first`` frames after each frame."""
        step = padded.strides[0]
        return np.lib.stride_tricks.as_strided(
            padded[wide + first :], shape=(n, count), strides=(step, step), writeable=False
        )

    before, after = side(-reach, reach).max(axis=1), side(1, reach).max(axis=1)
    left_min, right_min = side(-valley, valley).min(axis=1), side(1, valley).min(axis=1)
    is_peak = (
        (loudness > before)
        & (loudness >= after)
        & (loudness > 0)
        & (loudness >= PEAK_RATIO * np.maximum(left_min, right_min))
    )
    return int(is_peak.sum())


def _equivalent_level(power: np.ndarray) -> float:
    """10·log10 of the mean frame power (dB), SILENT_LEVEL_DB at the least."""
    if power.size == 0:
        return SILENT_LEVEL_DB
    return max(10 * float(np.log10(max(power.mean(), 1e-30))), SILENT_LEVEL_DB)


def aggregate(
    ext: ExtendedFrames, base: AudioFrames, start: int = 0, stop: int | None = None
) -> np.ndarray:
    """The 88 functionals over frames [start, stop) (active frames only), float32."""
    sl = slice(start, stop)
    out = np.zeros(len(NAMES))
    active = base.active[sl]
    power = 10 ** (base.rms_db[sl] / 10)
    if not active.any():
        out[-1] = _equivalent_level(power)
        return out.astype(np.float32)
    hop = base.hop_s
    voiced = base.voiced[sl] & active
    unvoiced = ext.sounding[sl] & ~voiced
    n_active = int(active.sum())
    pos = 0

    def put(values: Sequence[float] | np.ndarray) -> None:
        nonlocal pos
        out[pos : pos + len(values)] = values
        pos += len(values)

    put(_contour_functionals(ext.f0_st[sl], voiced, ext.f0_continues[sl][1:], hop))
    put(_contour_functionals(ext.loudness[sl], active, active[1:] & active[:-1], hop))
    spectral_columns = np.column_stack([base.flux[sl], base.mfcc[sl, 1:5]])
    put(_interleaved(spectral_columns[active], _RELATIVE_SPECTRAL))
    voice_columns = np.column_stack([
        ext.jitter[sl], ext.shimmer[sl], ext.hnr[sl], ext.h1_h2[sl], ext.h1_a3[sl],
        np.stack([ext.formants[sl], ext.bandwidths[sl], ext.amplitudes[sl]], axis=2).reshape(
            -1, 3 * N_FORMANTS),
        ext.balance[sl], spectral_columns,
    ])  # fmt: skip
    put(_interleaved(voice_columns[voiced], _RELATIVE_VOICED))
    unvoiced_columns = np.column_stack([ext.balance[sl], base.flux[sl]])[unvoiced]
    put(_column_stats(unvoiced_columns, np.zeros(unvoiced_columns.shape[1], bool))[0])
    active_s = n_active * hop
    voiced_runs = _runs(voiced) * hop
    unvoiced_runs = _runs(active & ~voiced) * hop
    put([_count_peaks(ext.loudness[sl][active], hop) / active_s, voiced_runs.size / active_s])
    put(_moments(voiced_runs))
    put(_moments(unvoiced_runs))
    put([_equivalent_level(power[active])])
    assert pos == len(NAMES)
    return out.astype(np.float32)


def extract(samples: np.ndarray) -> np.ndarray:
    """The 88 functionals of one clip (mono 16 kHz)."""
    from emolab.features import audio

    base = audio.frame_tracks(samples)
    return aggregate(frame_tracks(samples, base), base)
