"""Is a recording like the recordings a model was trained on? (issue 14, item 6)

A classifier's calibrated confidence holds only for data like its training data: the
bundled model, trained on the SYNTHETIC corpus, is confident and mostly wrong on real
speech. :func:`summarise` keeps, per modality, each feature's median and robust scale
(1.4826 × the median absolute deviation) over the training recordings, as plain numbers
that go into the model card. :func:`scores` gives a recording's **domain distance**: the
root mean square of its features' robust z-scores, each clipped to ±:data:`CLIP` so one
broken feature cannot dominate; beside it the largest single |z| (one feature far off,
such as the level of a quiet recording, is diluted in the mean). Both **thresholds** are
set from the training data itself, participant held out: each participant's recordings
are scored against the summary of the other participants, and a threshold is the
:data:`QUANTILE` quantile of those scores times :data:`MARGIN`. A recording is outside
when either figure is above its threshold. A new speaker recorded like the training
speakers therefore lies inside about 99 % of the time; a different level, band or
noise floor moves features far and lies outside.

Feature by feature misses a recording whose features are each plausible but whose
combination is not: a real voice against generated ones (in the seed's 28 alone, half of
the real read-speech recordings of pocketsphinx-testdata passed). So the voice is also
checked jointly: the seed's 28 audio features and the 88 extended functionals, robust
z-scored, by their **Mahalanobis distance** under a shrunk covariance (Ledoit & Wolf,
"A well-conditioned estimator for large-dimensional covariance matrices", 2004), divided
by the number of features; its threshold is set the same participant-held-out way. The
card keeps the medians, scales and the precision matrix as plain numbers (116 × 116).

Why these and not a fitted density model (a Gaussian mixture, an isolation forest): a
median, a scale and one covariance are all they fit, they store in a readable card (no
pickles), cost microseconds per recording, and a researcher can see which features are
off (:func:`farthest`). Raw features are used, before the per-participant z-scoring the
classifiers apply, because that scoring hides exactly the shifts (level, sample rate)
that make a calibration invalid.
"""

from __future__ import annotations

import numpy as np

from emolab.models.data import Dataset

CLIP = 20.0
QUANTILE = 0.99
MARGIN = 1.25
MIN_SCALE = 1e-6
#: A recording with features of a modality but fewer than this share of them measured is
#: outside (a model trained on complete vectors reads the rest as typical values).
MIN_MEASURED_SHARE = 0.5
#: Training recordings a summary needs (fewer: no domain check, said so).
MIN_RECORDINGS = 20


def _robust(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import warnings

    with warnings.catch_warnings():  # a feature never measured in training: NaN, unused
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(x, axis=0)
        mad = np.nanmedian(np.abs(x - median), axis=0) * 1.4826
        spread = np.nanstd(x, axis=0)
    # a feature constant in training (MAD 0) still gets a usable scale
    scale = np.where(
        mad > MIN_SCALE, mad, np.maximum(0.1 * spread, MIN_SCALE + 1e-3 * np.abs(median))
    )
    return median, scale


def _largest(x: np.ndarray, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The largest clipped |z| of each row (one feature far off: a level, a band)."""
    z = np.abs(np.clip((x - median) / scale, -CLIP, CLIP))
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(z).any(axis=1), np.nanmax(np.where(np.isfinite(z), z, -1),
                                                              axis=1), np.nan)  # fmt: skip


def _distance(x: np.ndarray, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    z = np.clip((x - median) / scale, -CLIP, CLIP)
    finite = np.isfinite(z)
    n = finite.sum(axis=1)
    total = np.where(finite, z * z, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.sqrt(total / np.maximum(n, 1)), np.nan)


#: Feature groups checked feature by feature (RMS and largest robust z).
MODALITIES = ("audio", "body")
#: The joint check of the voice: the seed's 28 audio features and the 88 extended
#: functionals together, by Mahalanobis distance (below). A card without it skips it.
VOICE = "voice"


def _rows(data: Dataset, modality: str) -> np.ndarray:
    if modality == VOICE:
        return np.hstack([data.audio, data.extended])
    return data.audio if modality == "audio" else data.body


def _standard(x: np.ndarray, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Robust z-scores, clipped; a feature not measured (NaN) sits at the median (0)."""
    with np.errstate(invalid="ignore"):
        z = np.clip((x - median) / scale, -CLIP, CLIP)
    return np.nan_to_num(z, nan=0.0)


def _joint_fit(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(median, scale, location, precision): a shrunk (Ledoit & Wolf 2004) covariance of
    the robust z-scores, whose inverse measures how far a recording lies in directions the
    training recordings hardly vary in (a real voice against generated ones)."""
    from sklearn.covariance import LedoitWolf

    median, scale = _robust(x)
    median = np.nan_to_num(median)
    fitted = LedoitWolf().fit(_standard(x, median, scale))
    return median, scale, fitted.location_, fitted.precision_


def _joint_distance(x, median, scale, location, precision) -> np.ndarray:
    """Mahalanobis distance per feature (√(dᵀ P d / k)); NaN for a row with no values."""
    d = _standard(x, median, scale) - location
    out = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, precision, d), 0) / x.shape[1])
    return np.where(np.isnan(x).all(axis=1), np.nan, out)


def _summarise_voice(data: Dataset) -> dict | None:
    x = _rows(data, VOICE).astype(np.float64)
    # rows with both audio sets (older caches have no extended functionals)
    present = ~np.isnan(data.audio).all(axis=1) & ~np.isnan(data.extended).all(axis=1)
    if present.sum() < MIN_RECORDINGS:
        return None
    x, groups = x[present], data.participants[present]
    held = []
    for group in np.unique(groups):
        inside = groups != group
        if inside.sum() >= MIN_RECORDINGS // 2:
            held.append(_joint_distance(x[~inside], *_joint_fit(x[inside])))
    median, scale, location, precision = _joint_fit(x)
    if not held:  # one participant: scored against itself (optimistic)
        held = [_joint_distance(x, median, scale, location, precision)]
    v = np.concatenate(held)
    return {"median": _plain(median), "scale": _plain(scale), "location": _plain(location),
            "precision": [[float(f"{value:.5g}") for value in row] for row in precision],
            "threshold": round(float(np.quantile(v[np.isfinite(v)], QUANTILE) * MARGIN), 4),
            "recordings": len(x), "participants": len(np.unique(groups)),
            "method": "Mahalanobis distance of robust z-scores (Ledoit-Wolf shrinkage), per "
                      "feature; participant-held-out 99th percentile x 1.25"}  # fmt: skip


def _voice_distance(spec: dict, data: Dataset) -> np.ndarray:
    x = _rows(data, VOICE).astype(np.float64)
    precision = np.asarray(spec["precision"], dtype=np.float64)
    if precision.shape != (x.shape[1], x.shape[1]) or len(spec["median"]) != x.shape[1]:
        return np.full(len(x), np.nan)
    missing = np.isnan(data.extended).all(axis=1)
    d = _joint_distance(x, _vector(spec, "median"), _vector(spec, "scale"),
                        _vector(spec, "location"), precision)  # fmt: skip
    return np.where(missing, np.nan, d)


def _plain(values: np.ndarray) -> list[float | None]:
    """JSON-ready: a feature never measured in training is None (not NaN)."""
    return [round(float(v), 6) if np.isfinite(v) else None for v in values]


def _vector(spec: dict, key: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in spec[key]], dtype=np.float64)


def summarise(data: Dataset) -> dict:
    """Per modality (with enough recordings): medians, scales and the threshold."""
    method = "rms and max robust z (clip 20); participant-held-out 99th percentile x 1.25"
    out: dict = {"method": method}
    for modality in MODALITIES:
        x = _rows(data, modality).astype(np.float64)
        present = ~np.isnan(x).all(axis=1)
        if present.sum() < MIN_RECORDINGS:
            continue
        x, groups = x[present], data.participants[present]
        median, scale = _robust(x)
        held_rms, held_max = [], []
        for group in np.unique(groups):
            inside = groups != group
            if inside.sum() < MIN_RECORDINGS // 2:
                continue
            m, s = _robust(x[inside])
            held_rms.append(_distance(x[~inside], m, s))
            held_max.append(_largest(x[~inside], m, s))
        if not held_rms:  # one participant: scored against itself (optimistic; said so)
            held_rms, held_max = [_distance(x, median, scale)], [_largest(x, median, scale)]

        def limit(values: list[np.ndarray]) -> float:
            v = np.concatenate(values)
            return round(float(np.quantile(v[np.isfinite(v)], QUANTILE) * MARGIN), 4)

        out[modality] = {"median": _plain(median), "scale": _plain(scale),
                         "threshold": limit(held_rms), "max_threshold": limit(held_max),
                         "recordings": len(x),
                         "participants": len(np.unique(groups))}  # fmt: skip
    voice = _summarise_voice(data)
    if voice is not None:
        out[VOICE] = voice
    return out


def scores(summary: dict | None, data: Dataset) -> dict[str, np.ndarray]:
    """modality → each recording's domain distance (NaN without that modality or summary)."""
    out = {}
    for modality in MODALITIES:
        x = _rows(data, modality).astype(np.float64)
        spec = (summary or {}).get(modality)
        if not spec or len(spec["median"]) != x.shape[1]:
            out[modality] = np.full(len(x), np.nan)
            continue
        out[modality] = _distance(x, _vector(spec, "median"), _vector(spec, "scale"))
    spec = (summary or {}).get(VOICE)
    if spec:
        out[VOICE] = _voice_distance(spec, data)
    return out


def outside(summary: dict | None, data: Dataset) -> np.ndarray:
    """True for recordings outside the training domain in any modality they have."""
    flags = np.zeros(len(data), dtype=bool)
    for modality, distance in scores(summary, data).items():
        spec = (summary or {}).get(modality)
        if spec and modality == VOICE:
            flags |= np.nan_to_num(distance, nan=0.0) > spec["threshold"]
        elif spec:
            x = _rows(data, modality).astype(np.float64)
            # most of a modality's features unmeasured (body features from accelerometers
            # alone): the model never saw such a recording, whatever the rest say
            measured = np.isfinite(x).sum(axis=1)
            flags |= (measured > 0) & (measured < MIN_MEASURED_SHARE * x.shape[1])
            largest = _largest(x, _vector(spec, "median"), _vector(spec, "scale"))
            flags |= np.nan_to_num(distance, nan=0.0) > spec["threshold"]
            flags |= np.nan_to_num(largest, nan=0.0) > spec.get("max_threshold", np.inf)
    return flags


def farthest(summary: dict, modality: str, row: np.ndarray, names: list[str], n: int = 3):
    """The ``n`` features of one recording farthest from the training data: (name, z)."""
    spec = summary[modality]
    z = (np.asarray(row, dtype=np.float64) - _vector(spec, "median")) / _vector(spec, "scale")
    order = np.argsort(-np.abs(np.nan_to_num(z)))[:n]
    return [(names[i], float(z[i])) for i in order]
