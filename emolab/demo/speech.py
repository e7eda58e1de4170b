"""Source-filter speech synthesis for the SYNTHETIC demo corpus (numpy/scipy only).

An utterance is a sequence of syllables (onset consonant, vowel, coda, stress). The
voice source is a glottal pulse train following an F0 contour, with per-period jitter
and per-pulse shimmer, shaped by a glottal low-pass (spectral tilt) and lip radiation,
plus aspiration noise. Vowels pass through a cascade of four formant resonators;
consonants are filtered noise (fricatives, bursts) or low murmurs (nasals); phrases are
separated by pauses.

Emotion changes the prosody as the vocal-emotion literature reports it (Murray & Arnott
1993; Scherer 2003): F0 level and range, contour, speech rate, loudness, spectral tilt,
breathiness and jitter; see :data:`EMOTION_PROSODY`. Strong intensity multiplies every
deviation from neutral by :data:`STRONG_FACTOR`.

This is not speech anyone said: it proves the pipeline is wired, not that emotion is
recognised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.io.audio import FEATURE_SAMPLERATE

#: Synthesised at the features' analysis rate, so extracting them resamples nothing.
SAMPLE_RATE = FEATURE_SAMPLERATE
STRONG_FACTOR = 1.6


@dataclass(frozen=True)
class Prosody:
    """How an emotion changes speech, relative to the speaker's neutral voice."""

    f0_shift: float  # semitones
    f0_range: float  # × pitch-accent and contour excursions
    rate: float  # × syllables per second
    loudness: float  # dB
    tilt: float  # glottal pole radius; higher = steeper spectral tilt (softer, breathier)
    jitter: float  # relative SD of period length
    shimmer: float  # relative SD of pulse amplitude
    breath: float  # aspiration noise relative to voicing
    final: float  # semitones of the phrase-final movement (+ rise, − fall)
    pause: float  # × pause length
    tremor: float = 0.0  # semitones of 7 Hz F0 tremor


#: Prosody per emotion. Directions follow Murray & Arnott (1993, Table 1) and Scherer
#: (2003); sizes are set so that emotions overlap (neutral ~ calm, fearful ~ surprised)
#: and speaker differences are as large as some emotion differences.
EMOTION_PROSODY: dict[str, Prosody] = {
    "neutral": Prosody(0.0, 1.00, 1.00, 0.0, 0.970, 0.006, 0.030, 0.02, -2.0, 1.0),
    "calm": Prosody(-0.8, 0.80, 0.90, -2.5, 0.976, 0.005, 0.030, 0.04, -2.5, 1.3),
    "happy": Prosody(3.0, 1.45, 1.07, 3.0, 0.965, 0.008, 0.040, 0.03, 1.0, 0.9),
    "sad": Prosody(-1.5, 0.60, 0.80, -5.0, 0.982, 0.010, 0.050, 0.06, -3.5, 1.6),
    "angry": Prosody(2.5, 1.35, 1.10, 6.0, 0.945, 0.012, 0.050, 0.01, -4.0, 0.8),
    "fearful": Prosody(4.5, 1.25, 1.18, 1.0, 0.968, 0.018, 0.070, 0.05, 0.5, 0.9, 0.6),
    "disgust": Prosody(-2.0, 1.15, 0.82, -1.0, 0.975, 0.010, 0.060, 0.03, -4.5, 1.2),
    "surprised": Prosody(4.0, 1.60, 1.02, 3.0, 0.962, 0.008, 0.040, 0.03, 4.0, 1.0),
}

_NEUTRAL = EMOTION_PROSODY["neutral"]


def prosody_for(emotion: str, strong: bool, expressiveness: float = 1.0) -> Prosody:
    """An emotion's prosody. Every deviation from neutral is scaled by ``expressiveness``
    (how strongly this speaker acts this take) and by 1.6 more at strong intensity."""
    p = EMOTION_PROSODY[emotion]
    k = expressiveness * (STRONG_FACTOR if strong else 1.0)
    if k == 1.0:
        return p

    def lin(a: float, b: float) -> float:
        return b + k * (a - b)

    def log(a: float, b: float) -> float:
        return float(b * (a / b) ** k)

    return Prosody(
        f0_shift=lin(p.f0_shift, _NEUTRAL.f0_shift),
        f0_range=log(p.f0_range, _NEUTRAL.f0_range),
        rate=log(p.rate, _NEUTRAL.rate),
        loudness=lin(p.loudness, _NEUTRAL.loudness),
        tilt=float(np.clip(lin(p.tilt, _NEUTRAL.tilt), 0.93, 0.99)),
        jitter=log(p.jitter, _NEUTRAL.jitter),
        shimmer=log(p.shimmer, _NEUTRAL.shimmer),
        breath=log(p.breath, _NEUTRAL.breath),
        final=lin(p.final, _NEUTRAL.final),
        pause=log(p.pause, _NEUTRAL.pause),
        tremor=p.tremor * k,
    )


# Vowel formants F1–F3 (Hz) of an adult male voice (Peterson & Barney 1952); F4 3500 Hz.
VOWELS: dict[str, tuple[float, float, float]] = {
    "i": (270, 2290, 3010), "I": (390, 1990, 2550), "e": (530, 1840, 2480),
    "ae": (660, 1720, 2410), "a": (730, 1090, 2440), "o": (570, 840, 2410),
    "U": (440, 1020, 2240), "u": (300, 870, 2240), "A": (640, 1190, 2390),
    "er": (490, 1350, 1690),
}  # fmt: skip

# Consonants: kind and, for noise, the pass band (Hz).
CONSONANTS: dict[str, tuple[str, float, float]] = {
    "s": ("fricative", 4000, 7500), "sh": ("fricative", 2200, 5000),
    "f": ("fricative", 1500, 7500), "dh": ("fricative", 1200, 5000), "h": ("aspiration", 500, 3500),
    "t": ("plosive", 2500, 7000), "k": ("plosive", 1500, 4000), "p": ("plosive", 500, 2500),
    "d": ("plosive", 2500, 6000), "g": ("plosive", 1200, 3500), "b": ("plosive", 400, 2000),
    "m": ("nasal", 250, 0), "n": ("nasal", 300, 0), "ng": ("nasal", 280, 0),
    "r": ("liquid", 400, 0), "l": ("liquid", 350, 0), "z": ("fricative", 3500, 7000),
}  # fmt: skip

# (onset, vowel, coda, stressed). The statements of the two language groups share
# nothing but length; "other language" speakers use open CV syllables of equal weight.
STATEMENTS: dict[str, dict[int, list[tuple[str, str, str, bool]]]] = {
    "english": {
        1: [("k", "I", "d", True), ("", "a", "r", False), ("t", "o", "", True),
            ("k", "I", "ng", False), ("b", "a", "", True), ("dh", "A", "", False),
            ("d", "o", "r", True)],
        2: [("d", "o", "g", True), ("", "a", "r", False), ("s", "I", "", True),
            ("t", "I", "ng", False), ("b", "a", "", True), ("dh", "A", "", False),
            ("d", "o", "r", True)],
    },
    "other": {
        1: [("k", "a", "", False), ("r", "i", "", False), ("t", "o", "", True),
            ("m", "a", "", False), ("s", "e", "", False), ("n", "o", "", True),
            ("d", "a", "", False)],
        2: [("p", "e", "", False), ("l", "o", "", True), ("m", "i", "", False),
            ("s", "a", "", False), ("t", "u", "", True), ("n", "e", "", False),
            ("r", "a", "", False)],
    },
}  # fmt: skip

#: Vowel duration (s) at rate 1: English is stress-timed, the other group syllable-timed.
RHYTHM = {"english": {True: 0.19, False: 0.08}, "other": {True: 0.15, False: 0.12}}
PHRASE_BREAK_AFTER = 3  # a pause follows the fourth syllable


@dataclass(frozen=True)
class Voice:
    """A speaker: habitual F0 (Hz), vocal-tract scaling, range, rate and level."""

    f0: float
    formant_scale: float
    range: float
    rate: float
    level: float  # dB
    language: str  # 'english' or 'other'


@dataclass(frozen=True)
class Utterance:
    samples: np.ndarray  # float32 mono
    samplerate: int
    stressed_onsets: list[float]  # seconds: vowel onsets of stressed syllables
    syllable_onsets: list[float]
    speech_start: float
    speech_end: float


def _resonator(freq: float, bandwidth: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Second-order resonator with unit gain at DC (Klatt 1980)."""
    r = np.exp(-np.pi * bandwidth / sr)
    a = np.array([1.0, -2 * r * np.cos(2 * np.pi * freq / sr), r * r])
    return np.array([a.sum()]), a


def _formant_filter(formants: list[float], sr: int) -> tuple[np.ndarray, np.ndarray]:
    b, a = np.array([1.0]), np.array([1.0])
    for freq, bw in zip(formants, (70, 100, 140, 200), strict=False):
        if freq < sr / 2 - 200:
            rb, ra = _resonator(freq, bw, sr)
            b, a = np.convolve(b, rb), np.convolve(a, ra)
    return b, a


def _band_noise(n: int, low: float, high: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    sos = butter(2, [low, min(high, sr / 2 - 100)], btype="bandpass", fs=sr, output="sos")
    return sosfilt(sos, rng.standard_normal(n))


def _fade(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    attack, release = min(attack, n // 2), min(release, n // 2)
    if attack:
        env[:attack] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    if release:
        env[-release:] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, release))
    return env


def synthesise(
    voice: Voice,
    emotion: str,
    strong: bool,
    statement: int,
    rng: np.random.Generator,
    sr: int = SAMPLE_RATE,
    expressiveness: float = 1.0,
) -> Utterance:
    """One utterance of ``statement`` (1 or 2) in ``emotion``; deterministic given ``rng``."""
    from scipy.signal import lfilter

    p = prosody_for(emotion, strong, expressiveness)
    syllables = STATEMENTS[voice.language][statement]
    rate = voice.rate * p.rate * rng.uniform(0.88, 1.12)
    lead = rng.uniform(0.25, 0.45)

    # --- timeline: consonant and vowel segments in seconds -------------------------------
    segments = []  # (kind, start, duration, payload)
    t = lead
    stressed_onsets, syllable_onsets = [], []
    for index, (onset, vowel, coda, stressed) in enumerate(syllables):
        if onset:
            kind = CONSONANTS[onset][0]
            dur = {"plosive": 0.07, "fricative": 0.09, "aspiration": 0.06}.get(kind, 0.06) / rate
            segments.append(("cons", t, dur, onset))
            t += dur
        vdur = RHYTHM[voice.language][stressed] / rate * rng.uniform(0.9, 1.1)
        syllable_onsets.append(t)
        if stressed:
            stressed_onsets.append(t)
        segments.append(("vowel", t, vdur, (vowel, stressed)))
        t += vdur
        if coda:
            dur = 0.06 / rate
            segments.append(("cons", t, dur, coda))
            t += dur
        if index == PHRASE_BREAK_AFTER:
            t += 0.16 * p.pause * rng.uniform(0.8, 1.2)
    speech_end = t
    # recordings run at least 2 s: a fast take leaves more silence after it
    total = int(max(t + rng.uniform(0.25, 0.45), rng.uniform(2.0, 2.2)) * sr)
    out = np.zeros(total)

    # --- F0 contour (semitones re the speaker's habitual F0), per sample ------------------
    times = np.arange(total) / sr
    span = max(speech_end - lead, 1e-3)
    progress = np.clip((times - lead) / span, 0, 1)
    contour = -1.5 * progress  # declination
    accent = 2.2 * voice.range
    for onset in stressed_onsets:
        contour += accent * np.exp(-0.5 * ((times - onset - 0.05) / 0.07) ** 2)
    contour += p.final * np.clip((progress - 0.75) / 0.25, 0, 1) ** 2
    semitones = p.f0_shift + p.f0_range * contour + rng.normal(0, 1.0)  # take-level pitch
    if p.tremor:
        semitones += p.tremor * np.sin(2 * np.pi * 7.0 * times + rng.uniform(0, 2 * np.pi))
    f0 = voice.f0 * 2 ** (semitones / 12)

    # --- voice source: jittered pulse train over voiced stretches -------------------------
    voiced = np.zeros(total, dtype=bool)
    for kind, start, dur, payload in segments:
        if kind == "vowel" or (kind == "cons" and CONSONANTS[payload][0] in ("nasal", "liquid")):
            voiced[int(start * sr) : int((start + dur) * sr)] = True
    source = np.zeros(total)
    position = lead * sr
    while position < total - 1:
        i = int(position)
        period = sr / f0[i] * (1 + p.jitter * rng.standard_normal())
        if voiced[i]:
            frac = position - i
            amp = 1 + p.shimmer * rng.standard_normal()
            source[i] += amp * (1 - frac)
            source[i + 1] += amp * frac
        position += max(period, sr / 600)
    # glottal low-pass (two real poles) then lip radiation (first difference)
    source = lfilter([1.0], np.convolve([1, -p.tilt], [1, -p.tilt]), source)
    source = np.diff(source, prepend=0.0)
    source /= np.abs(source).max() + 1e-12
    breath = _band_noise(total, 400, 6000, rng, sr) * p.breath * 3
    source += breath * voiced

    # --- vocal tract per segment ----------------------------------------------------------
    scale = voice.formant_scale
    for kind, start, dur, payload in segments:
        a, n = int(start * sr), max(int(dur * sr), 16)
        piece = slice(a, min(a + n, total))
        n = piece.stop - piece.start
        if kind == "vowel":
            vowel, stressed = payload
            formants = [f * scale * rng.uniform(0.97, 1.03) for f in VOWELS[vowel]] + [3500 * scale]
            b, aa = _formant_filter(formants, sr)
            seg = lfilter(b, aa, source[piece]) * _fade(n, int(0.015 * sr), int(0.03 * sr))
            gain = 1.4 if stressed else 1.0
            if stressed and p.loudness > 3:  # tense, abrupt onsets
                seg *= _fade(n, int(0.004 * sr), 0) * 1.2
            out[piece] += gain * seg
        else:
            kind_c, low, high = CONSONANTS[payload]
            if kind_c in ("nasal", "liquid"):
                b, aa = _formant_filter([low * scale, 1200 * scale, 2500 * scale], sr)
                level = 0.25 if kind_c == "nasal" else 0.5
                out[piece] += level * lfilter(b, aa, source[piece]) * _fade(n, 80, 80)
            else:
                noise = _band_noise(n, low, high, rng, sr)
                if kind_c == "plosive":  # closure silence then a short burst
                    env = np.zeros(n)
                    burst = int(0.02 * sr)
                    env[-burst:] = np.exp(-np.linspace(0, 5, burst))
                else:
                    env = _fade(n, int(0.02 * sr), int(0.02 * sr))
                level = 0.25 if kind_c == "aspiration" else 0.35
                out[piece] += level * noise * env

    # --- level: speaker, emotion, microphone distance; room noise -------------------------
    speech = out[int(lead * sr) : int(speech_end * sr)]
    rms = np.sqrt(np.mean(speech**2)) + 1e-12
    level_db = -22 + voice.level + p.loudness + rng.uniform(-4, 4)  # microphone distance
    out *= 10 ** (level_db / 20) / rms
    out += 10 ** (-62 / 20) * rng.standard_normal(total)
    out = np.tanh(out * 1.2) / 1.2  # soft limit instead of hard clipping
    return Utterance(
        samples=out.astype(np.float32),
        samplerate=sr,
        stressed_onsets=stressed_onsets,
        syllable_onsets=syllable_onsets,
        speech_start=lead,
        speech_end=speech_end,
    )
