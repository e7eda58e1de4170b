"""Scores with 95 % bootstrap intervals over participants (emolab.models.metrics)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score

from emolab.core.progress import run_to_end
from emolab.models.evaluation import evaluate, evaluate_baseline
from emolab.models.metrics import BINS, METRIC_NAMES, expected_calibration_error, score

CLASSES = ["a", "b", "c", "d"]


def predictions(participants: int, per_participant: int = 40, seed: int = 0):
    """Probabilities, true class indices and participant codes: each participant's
    predictions are right with their own probability (0.35–0.85)."""
    rng = np.random.default_rng(seed)
    truth, proba, who = [], [], []
    for p in range(participants):
        skill = rng.uniform(0.35, 0.85)
        t = rng.integers(0, len(CLASSES), per_participant)
        right = rng.random(per_participant) < skill
        guess = np.where(right, t, rng.integers(0, len(CLASSES), per_participant))
        q = rng.dirichlet(np.ones(len(CLASSES)), per_participant)
        q[np.arange(per_participant), guess] += 1.5
        proba.append(q / q.sum(axis=1, keepdims=True))
        truth.append(t)
        who += [f"{p:02d}"] * per_participant
    return np.vstack(proba), np.concatenate(truth), np.array(who)


def sklearn_uar(truth: np.ndarray, predicted: np.ndarray) -> float:
    """scikit-learn's balanced accuracy, which averages over the classes that occur (and
    warns when a class is predicted that does not)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
        return balanced_accuracy_score(truth, predicted)


def test_point_estimates_agree_with_scikit_learn():
    proba, truth, who = predictions(12)
    truth[truth == 3] = 2  # class 'd' predicted sometimes but never true
    s = score(proba, truth, who, CLASSES)
    predicted = proba.argmax(axis=1)
    assert s.uar == pytest.approx(sklearn_uar(truth, predicted))
    assert s.macro_f1 == pytest.approx(f1_score(truth, predicted, average="macro", zero_division=0))
    assert s.accuracy == pytest.approx(np.mean(predicted == truth))
    assert s.ece == pytest.approx(expected_calibration_error(proba, truth))
    assert s.per_class_recall["d"] is None
    assert s.per_class_recall["a"] == pytest.approx(np.mean(predicted[truth == 0] == 0))
    first = who == "00"
    assert s.per_participant_uar["00"] == pytest.approx(sklearn_uar(truth[first], predicted[first]))
    assert len(s.per_participant_uar) == 12
    assert np.sum(s.confusion) == len(truth)


def test_reliability_bins_cover_every_prediction():
    proba, truth, who = predictions(6)
    bins = score(proba, truth, who, CLASSES).reliability
    assert len(bins) == BINS
    assert bins[0]["low"] == 0 and bins[-1]["high"] == 1
    assert sum(b["count"] for b in bins) == len(truth)
    confidence = proba.max(axis=1)
    for b in bins:
        inside = (confidence > b["low"]) & (confidence <= b["high"])
        assert b["count"] == inside.sum()
        if b["count"]:
            assert b["confidence"] == pytest.approx(confidence[inside].mean())
            correct = proba.argmax(axis=1)[inside] == truth[inside]
            assert b["accuracy"] == pytest.approx(correct.mean())
        else:
            assert b["confidence"] is None and b["accuracy"] is None


def test_intervals_hold_the_estimate_shrink_with_participants_and_repeat():
    widths = {}
    for participants in (5, 60):
        proba, truth, who = predictions(participants)
        s = score(proba, truth, who, CLASSES)
        assert s.reliable and s.bootstrap["resamples"] >= 1000
        for name in METRIC_NAMES:
            low, high = s.intervals[name]
            assert low <= getattr(s, name) <= high
        widths[participants] = {n: s.intervals[n][1] - s.intervals[n][0] for n in METRIC_NAMES}
        again = score(proba, truth, who, CLASSES)
        assert again.intervals == s.intervals  # seeded
    for name in METRIC_NAMES:
        assert widths[60][name] < widths[5][name]


def test_three_participants_or_fewer_are_unreliable():
    for participants, reliable in ((1, False), (3, False), (4, True)):
        proba, truth, who = predictions(participants)
        assert score(proba, truth, who, CLASSES).reliable is reliable


def test_every_evaluation_carries_intervals_and_breakdowns(small_dataset):
    three = small_dataset.subset(np.isin(small_dataset.participants, ["01", "02", "03"]))
    result = run_to_end(evaluate(three, "body"))
    out = result.to_dict()
    assert out["reliable"] is False and out["n_participants"] == 3
    assert set(out["intervals"]) == set(METRIC_NAMES)
    assert set(out["per_participant_uar"]) == {"01", "02", "03"}
    assert set(out["per_class_recall"]) == set(out["labels"])
    assert sum(b["count"] for b in out["reliability"]) == out["n_recordings"]
    grouped, optimistic = run_to_end(evaluate_baseline(small_dataset))
    for baseline in (grouped, optimistic):
        assert baseline.reliable and set(baseline.intervals) == set(METRIC_NAMES)
        assert baseline.intervals["uar"][0] <= baseline.uar <= baseline.intervals["uar"][1]
