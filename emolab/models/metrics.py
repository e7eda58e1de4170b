"""Scores of out-of-fold predictions, each with a 95 % bootstrap interval over participants.

Recordings of one participant are not independent (one voice, one body), so the unit of
resampling is the participant: each resample draws participants with replacement and
pools their recordings. Everything is computed from per-participant sufficient statistics
(a confusion matrix and calibration-bin sums each), so a resample is a weighted sum of
those and thousands of resamples cost a few matrix products.

With ``MIN_RELIABLE_PARTICIPANTS - 1`` or fewer participants the interval is computed but
marked unreliable: a bootstrap over three people says little about a fourth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METRIC_NAMES = ("uar", "accuracy", "macro_f1", "ece")
BINS = 15  # equal-width confidence bins of the ECE and the reliability diagram
RESAMPLES = 2000
SEED = 0
LEVEL = 0.95
MIN_RELIABLE_PARTICIPANTS = 4


@dataclass
class Scores:
    """Point estimates, intervals and the breakdowns an evaluation view shows."""

    accuracy: float
    uar: float  # unweighted average recall (balanced accuracy)
    macro_f1: float
    ece: float  # expected calibration error, BINS bins, top label
    confusion: list[list[int]]  # rows true, columns predicted
    intervals: dict[str, list[float]]  # metric: [low, high], LEVEL over participants
    reliable: bool  # False with fewer than MIN_RELIABLE_PARTICIPANTS participants
    bootstrap: dict  # resamples, seed, level, unit
    per_class_recall: dict[str, float | None]  # None: no recording of the class was scored
    per_participant_uar: dict[str, float]
    reliability: list[dict]  # per bin: low, high, count, confidence, accuracy (None if empty)


def _bin_of(confidence: np.ndarray) -> np.ndarray:
    """Bin index of each confidence: bin i holds (i/BINS, (i+1)/BINS]."""
    edges = np.linspace(0, 1, BINS + 1)
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, BINS - 1)


def expected_calibration_error(proba: np.ndarray, truth: np.ndarray, bins: int = BINS) -> float:
    """Top-label ECE: Σ_b (n_b / n) · |accuracy_b − confidence_b| over equal-width bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == truth
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    gap = np.bincount(index, correct - confidence, minlength=bins)
    return float(np.abs(gap).sum() / len(truth))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0)


def _from_confusion(C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(accuracy, UAR, macro-F1) of confusion matrices (…, K, K), as scikit-learn scores
    them: recall averaged over the classes that occur, F1 over the classes that occur or
    are predicted."""
    tp = np.diagonal(C, axis1=-2, axis2=-1)
    true, predicted = C.sum(axis=-1), C.sum(axis=-2)
    accuracy = _ratio(tp.sum(axis=-1), true.sum(axis=-1))
    occurs = true > 0
    uar = _ratio(np.where(occurs, _ratio(tp, true), 0).sum(axis=-1), occurs.sum(axis=-1))
    scored = (true + predicted) > 0
    f1 = np.where(scored, _ratio(2 * tp, true + predicted), 0)
    macro_f1 = _ratio(f1.sum(axis=-1), scored.sum(axis=-1))
    return accuracy, uar, macro_f1


def _interval(samples: np.ndarray, point: float) -> list[float]:
    """The LEVEL percentile interval, widened to hold the point estimate where the
    resampled distribution sits beside it (the ECE is biased upward by resampling)."""
    tail = (1 - LEVEL) / 2
    low, high = np.nanquantile(samples, [tail, 1 - tail])
    return [float(min(low, point)), float(max(high, point))]


def score(
    proba: np.ndarray,
    truth: np.ndarray,
    participants: np.ndarray,
    classes: list[str],
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Scores:
    """Score probabilities (n × classes) against true class indices (n), with intervals
    from ``resamples`` participant-level bootstrap resamples (seeded: repeatable)."""
    k = len(classes)
    predicted = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    correct = (predicted == truth).astype(float)
    people, group = np.unique(participants, return_inverse=True)
    g = len(people)
    # per participant: a confusion matrix, and per confidence bin the count and the sums
    # of confidence and of correctness
    C = np.bincount((group * k + truth) * k + predicted, minlength=g * k * k).reshape(g, k, k)
    cell = group * BINS + _bin_of(confidence)
    counts = np.bincount(cell, minlength=g * BINS).reshape(g, BINS)
    confidence_sums = np.bincount(cell, confidence, minlength=g * BINS).reshape(g, BINS)
    correct_sums = np.bincount(cell, correct, minlength=g * BINS).reshape(g, BINS)

    def ece(n, conf, corr):
        return np.abs(corr - conf).sum(axis=-1) / n.sum(axis=-1)

    total = C.sum(axis=0)
    accuracy, uar, macro_f1 = (float(v) for v in _from_confusion(total))
    overall = float(ece(counts.sum(0), confidence_sums.sum(0), correct_sums.sum(0)))
    points = {"uar": uar, "accuracy": accuracy, "macro_f1": macro_f1, "ece": overall}

    weights = np.random.default_rng(seed).multinomial(g, np.full(g, 1 / g), size=resamples)
    weights = weights.astype(float)
    b_accuracy, b_uar, b_f1 = _from_confusion(np.tensordot(weights, C, axes=1))
    b_ece = ece(weights @ counts, weights @ confidence_sums, weights @ correct_sums)
    samples = {"uar": b_uar, "accuracy": b_accuracy, "macro_f1": b_f1, "ece": b_ece}
    intervals = {name: _interval(samples[name], points[name]) for name in METRIC_NAMES}

    bin_n, bin_conf, bin_corr = counts.sum(0), confidence_sums.sum(0), correct_sums.sum(0)
    edges = np.linspace(0, 1, BINS + 1)
    reliability = [
        {"low": float(edges[b]), "high": float(edges[b + 1]), "count": int(bin_n[b]),
         "confidence": float(bin_conf[b] / bin_n[b]) if bin_n[b] else None,
         "accuracy": float(bin_corr[b] / bin_n[b]) if bin_n[b] else None}
        for b in range(BINS)
    ]  # fmt: skip
    recall = _ratio(np.diagonal(total), total.sum(axis=1))
    per_participant = _from_confusion(C)[1]
    return Scores(
        accuracy=points["accuracy"], uar=points["uar"], macro_f1=points["macro_f1"],
        ece=points["ece"], confusion=total.tolist(), intervals=intervals,
        reliable=g >= MIN_RELIABLE_PARTICIPANTS,
        bootstrap={"resamples": resamples, "seed": seed, "level": LEVEL, "unit": "participant"},
        per_class_recall={c: None if np.isnan(r) else float(r)
                          for c, r in zip(classes, recall, strict=True)},
        per_participant_uar={str(p): float(u) for p, u in zip(people, per_participant,
                                                              strict=True)},
        reliability=reliability,
    )  # fmt: skip
