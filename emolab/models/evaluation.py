"""Honest evaluation: participant-independent splits, the metrics SCIENCE.md asks for,
and the source project's baseline beside them.

- ``split="participant"``: leave one participant out.
- ``split="collection"``: train on one language group, test on the other
  (English as first language ↔ other language), both ways.
A random 67/33 split appears only for the baseline, labelled optimistic. Every result,
the baseline's too, carries 95 % bootstrap intervals over participants, recall per class,
UAR per participant and the reliability diagram (:mod:`emolab.models.metrics`).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field

import numpy as np

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.features.baseline import DIFFERENCES_FROM_SEED
from emolab.models.data import (
    Dataset,
    NotEnoughData,
    data_problem,
    require_enough_data,
    usable_rows,
)
from emolab.models.fusion import TemporalFusion, in_class_order, one_thread
from emolab.models.metrics import score
from emolab.models.modes import DEFAULT_AUDIO_SET
from emolab.models.selection import describe_kind, unfitted_model

LANGUAGE_GROUPS = ("English as first language", "other language")
SPLIT_NAMES = {
    "participant": "leave one participant out",
    "collection": "collection types held out (English first <-> other language)",
    "random": "random 67/33 (optimistic: same speakers on both sides)",
}
BASELINE_NAME = "baseline: 40 MFCC means"
SEED_RECIPE = ("librosa.feature.mfcc defaults with 40 coefficients, mean over time, "
               "RandomForest")  # fmt: skip
#: Each way the baseline departs from the seed's recipe: its features', and its forest's.
SEED_RECIPE_DIFFERENCES = (
    *DIFFERENCES_FROM_SEED,
    "the forest (scikit-learn's defaults: 100 trees) is seeded (random_state=0)",
)


@dataclass
class EvaluationResult:
    """Scores of one fusion mode (or the baseline) on held-out data; see
    :mod:`emolab.models.metrics` for the intervals and breakdowns."""

    fusion: str
    model: str
    split: str
    accuracy: float
    uar: float  # unweighted average recall (balanced accuracy)
    macro_f1: float
    ece: float  # expected calibration error, 15 bins, top label
    n_recordings: int
    n_participants: int
    chance_uar: float  # 1 / number of classes
    chance_accuracy: float  # share of the most frequent class
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)  # rows true, columns predicted
    note: str = ""
    # 95 % bootstrap interval over participants of each of uar, accuracy, macro_f1, ece
    intervals: dict[str, list[float]] = field(default_factory=dict)
    reliable: bool = False  # False with 3 or fewer participants: the intervals say little
    bootstrap: dict = field(default_factory=dict)  # resamples, seed, level, unit
    per_class_recall: dict[str, float | None] = field(default_factory=dict)
    per_participant_uar: dict[str, float] = field(default_factory=dict)
    reliability: list[dict] = field(default_factory=list)  # low, high, count, confidence, accuracy
    features: str = ""  # audio feature set ('seed28', 'extended'); '' for body-only and baselines
    # 'auto': the kinds each outer fold chose on its own training participants (nested)
    selections: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def splits(data: Dataset, split: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) of each fold."""
    if split == "participant":
        from sklearn.model_selection import LeaveOneGroupOut

        if len(np.unique(data.participants)) < 2:
            raise NotEnoughData("leave-one-participant-out needs at least 2 participants")
        return list(LeaveOneGroupOut().split(data.labels, groups=data.participants))
    if split == "collection":
        sides = [np.flatnonzero(data.collections == g) for g in LANGUAGE_GROUPS]
        if any(len(s) == 0 for s in sides):
            raise NotEnoughData(
                "the collection split needs recordings of both collection types "
                f"'{LANGUAGE_GROUPS[0]}' and '{LANGUAGE_GROUPS[1]}'"
            )
        return [(sides[0], sides[1]), (sides[1], sides[0])]
    raise EmolabError(f"unknown split '{split}' (participant or collection)")


def fit_predict(
    data: Dataset, train: np.ndarray, test: np.ndarray, fusion: str, kind: str,
    classes: np.ndarray, audio_set: str = DEFAULT_AUDIO_SET, chosen: list | None = None,
) -> np.ndarray:  # fmt: skip
    """Fit on ``train`` rows, return probabilities (test rows × classes; NaN unpredictable).
    With ``kind`` 'auto' the kinds are chosen on the training rows alone (appended to
    ``chosen``)."""
    tr, te = data.subset(train), data.subset(test)
    model, selection = unfitted_model(tr, fusion, kind, audio_set)
    if selection is not None and chosen is not None:
        held_out = ", ".join(sorted({str(p) for p in te.participants}))
        chosen.append({"held_out": held_out, "chosen": selection.chosen,
                       "folds": selection.folds, "scores": selection.scores})  # fmt: skip
    with one_thread():
        model.fit(*tr.model_inputs(fusion))
    out = np.full((len(test), len(classes)), np.nan)
    if fusion == "temporal":
        Xt, _ = te.window_matrix()
        if len(Xt) == 0:
            return out
        rows = TemporalFusion.recordings(Xt).astype(int)
    else:
        Xt, rows = te.design_matrix(), np.arange(len(test))
    out[rows] = in_class_order(model.predict_proba(Xt), model.classes_, classes)
    return out


def evaluate(
    data: Dataset,
    fusion: str,
    kind: str = "default",
    split: str = "participant",
    cancel: CancelToken | None = None,
    audio_set: str = DEFAULT_AUDIO_SET,
) -> Generator[Progress, None, EvaluationResult]:
    """Out-of-fold probabilities for every recording, scored; yields progress per fold.
    ``kind`` 'auto' is nested: every fold chooses on its own training data
    (:mod:`emolab.models.selection`). :class:`NotEnoughData` when ``fusion`` cannot learn
    from ``data``."""
    require_enough_data(data, fusion)
    classes = np.unique(data.labels)
    folds = splits(data, split)
    usable = usable_rows(data, fusion)
    for train, _ in folds:
        learnt = np.unique(data.labels[train][usable[train]])
        if len(learnt) < 2:
            raise NotEnoughData(f"'{fusion}' cannot be evaluated: a fold of the split "
                                f"({SPLIT_NAMES[split]}) would train on recordings that all "
                                f"have the label '{learnt[0] if len(learnt) else ''}'")  # fmt: skip
    proba = np.full((len(data), len(classes)), np.nan)
    chosen: list[dict] = []
    for done, (train, test) in enumerate(folds):
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield Progress(done, len(folds), f"{fusion}: fold {done + 1}/{len(folds)}")
        proba[test] = fit_predict(data, train, test, fusion, kind, classes, audio_set, chosen)
    yield Progress(len(folds), len(folds), f"{fusion}: done")
    result = _result(data, proba, classes, fusion, describe_kind(fusion, kind), split)
    result.features = "" if fusion == "body" else audio_set
    result.selections = chosen
    return result


def _result(data, proba, classes, fusion, kind, split, note="") -> EvaluationResult:
    scored = ~np.isnan(proba).any(axis=1)
    truth = np.searchsorted(classes, data.labels[scored])
    s = score(proba[scored], truth, data.participants[scored], [str(c) for c in classes])
    counts = np.bincount(truth, minlength=len(classes))
    return EvaluationResult(
        fusion=fusion, model=kind, split=SPLIT_NAMES[split], accuracy=s.accuracy, uar=s.uar,
        macro_f1=s.macro_f1, ece=s.ece, n_recordings=int(scored.sum()),
        n_participants=len(np.unique(data.participants[scored])),
        chance_uar=1 / len(classes), chance_accuracy=float(counts.max() / counts.sum()),
        labels=[str(c) for c in classes], confusion=s.confusion, note=note,
        intervals=s.intervals, reliable=s.reliable, bootstrap=s.bootstrap,
        per_class_recall=s.per_class_recall, per_participant_uar=s.per_participant_uar,
        reliability=s.reliability,
    )  # fmt: skip


def baseline_data(data: Dataset) -> Dataset:
    """The recordings the MFCC baseline can use (those with audio)."""
    return data.subset(np.flatnonzero(~np.isnan(data.baseline).any(axis=1)))


def baseline_problem(data: Dataset) -> str | None:
    """Why the baseline cannot run on ``data`` (None when it can)."""
    return data_problem(baseline_data(data), "audio")


def evaluate_baseline(
    data: Dataset, split: str = "participant", seed: int = 0, cancel: CancelToken | None = None
) -> Generator[Progress, None, tuple[EvaluationResult, EvaluationResult]]:
    """The source project's baseline (40 MFCC means + RandomForest; see
    ``SEED_RECIPE_DIFFERENCES``) on the same split, and on a random 67/33 split — labelled
    optimistic, never reported alone."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    problem = baseline_problem(data)
    if problem is not None:
        raise NotEnoughData(f"the MFCC baseline cannot run: {problem}")
    sub = baseline_data(data)
    classes = np.unique(sub.labels)

    def fit_predict_forest(train, test, out):
        model = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=-1)
        model.fit(sub.baseline[train], sub.labels[train])
        out[test] = in_class_order(model.predict_proba(sub.baseline[test]), model.classes_,
                                   classes)  # fmt: skip

    proba = np.full((len(sub), len(classes)), np.nan)
    folds = splits(sub, split)
    for done, (train, test) in enumerate(folds):
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield Progress(done, len(folds) + 1, f"baseline: fold {done + 1}/{len(folds)}")
        fit_predict_forest(train, test, proba)
    grouped = _result(sub, proba, classes, BASELINE_NAME, "rf", split,
                      note="source project's baseline")  # fmt: skip
    yield Progress(len(folds), len(folds) + 1, "baseline: random split")
    train, test = train_test_split(np.arange(len(sub)), test_size=0.33, random_state=seed)
    random_proba = np.full((len(sub), len(classes)), np.nan)
    fit_predict_forest(train, test, random_proba)
    optimistic = _result(
        sub, random_proba, classes, BASELINE_NAME, "rf", "random",
        note="OPTIMISTIC: a random split puts each speaker on both sides",
    )  # fmt: skip
    yield Progress(len(folds) + 1, len(folds) + 1, "baseline: done")
    return grouped, optimistic
