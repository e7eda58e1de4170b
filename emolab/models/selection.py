"""Choosing the classifier per modality on the project's own data ("auto").

When a researcher asks for ``auto``, each part of the model (the audio and body
classifiers of late fusion; the one classifier of the other modes) gets the kind among
:data:`~emolab.models.modes.MODEL_KINDS` with the best unweighted average recall under
leave-one-participant-out on the training data. Selection scores uncalibrated models:
temperature scaling divides every logit by one number, so it never changes which label a
model picks, and recall is the same with or without it; skipping it makes selection
about six times cheaper.

Evaluating an "auto" model is *nested*: each outer fold (a held-out participant) runs the
whole selection on its own training participants only, so the reported figure includes
the cost of choosing (a choice made on all the data and then evaluated on the same
participants would be optimistic). With more than :data:`MAX_INNER_FOLDS` participants the
inner loop uses that many participant-grouped folds instead of one per participant.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from emolab.models.data import Dataset, data_problem, usable_rows
from emolab.models.fusion import (
    LateFusion,
    ModalityClassifier,
    TemporalFusion,
    in_class_order,
    make_model,
    one_thread,
)
from emolab.models.modes import DEFAULT_AUDIO_SET, MODEL_KINDS

MAX_INNER_FOLDS = 10
METHOD = "leave-one-participant-out UAR on the training data (uncalibrated models)"


@dataclass
class Selection:
    """The kind chosen for each part, and every candidate's score."""

    chosen: dict[str, str]  # part ('audio', 'body', 'early', 'temporal') -> kind
    scores: dict[str, dict[str, float | None]]  # part -> kind -> UAR (None: could not fit)
    method: str = METHOD
    candidates: list[str] = field(default_factory=lambda: list(MODEL_KINDS))
    folds: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def parts(fusion: str) -> tuple[str, ...]:
    """The separately chosen parts of a fusion mode."""
    return ("audio", "body") if fusion == "late" else (fusion,)


def _folds(groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    if len(np.unique(groups)) > MAX_INNER_FOLDS:
        return list(GroupKFold(n_splits=MAX_INNER_FOLDS).split(groups, groups=groups))
    return list(LeaveOneGroupOut().split(groups, groups=groups))


def _uncalibrated(part: str, kind: str, audio_set: str):
    model = make_model(part, kind, audio_set)
    return model.set_params(n_splits=1)  # one fold: GroupCalibrated fits without calibrating


def _score_kind(data: Dataset, part: str, kind: str, audio_set: str) -> float | None:
    classes = np.unique(data.labels)
    proba = np.full((len(data), len(classes)), np.nan)
    for train, test in _folds(data.participants):
        tr, te = data.subset(train), data.subset(test)
        if len(np.unique(tr.labels)) < 2:
            return None
        model = _uncalibrated(part, kind, audio_set)
        with one_thread():
            model.fit(*tr.model_inputs(part))
        if isinstance(model, TemporalFusion):
            X, _ = te.window_matrix()
            if not len(X):
                continue
            rows = test[TemporalFusion.recordings(X).astype(int)]
        else:
            X, rows = te.design_matrix(), test
        proba[rows] = in_class_order(model.predict_proba(X), model.classes_, classes)
    scored = ~np.isnan(proba).any(axis=1)
    if not scored.any():
        return None
    from sklearn.metrics import balanced_accuracy_score

    truth = np.searchsorted(classes, data.labels[scored])
    return float(balanced_accuracy_score(truth, proba[scored].argmax(axis=1)))


def select(data: Dataset, fusion: str, audio_set: str) -> Selection:
    """Choose each part's kind on ``data`` (ties go to the simpler kind, in the order of
    :data:`MODEL_KINDS`). A part the data cannot train keeps the default."""
    from emolab.models.modes import DEFAULT_KINDS

    chosen, scores = {}, {}
    folds = len(_folds(data.participants))
    for part in parts(fusion):
        sub = data.subset(usable_rows(data, part))
        if data_problem(sub, part) is not None:
            chosen[part] = DEFAULT_KINDS[part]
            scores[part] = {}
            continue
        scores[part] = {kind: _score_kind(sub, part, kind, audio_set) for kind in MODEL_KINDS}
        ranked = [k for k in MODEL_KINDS if scores[part][k] is not None]
        chosen[part] = (max(ranked, key=lambda k: scores[part][k]) if ranked
                        else DEFAULT_KINDS[part])  # fmt: skip
    return Selection(chosen, scores, folds=folds)


def make_selected(fusion: str, selection: Selection, audio_set: str):
    """The (unfitted) model of ``fusion`` with the selected kinds."""
    if fusion == "late":
        return make_model("late", selection.chosen["audio"], audio_set,
                          body_kind=selection.chosen["body"])  # fmt: skip
    return make_model(fusion, selection.chosen[fusion], audio_set)


def kinds_of(estimator) -> dict[str, str]:
    """The concrete kind of each part of a fitted or unfitted fusion model."""
    if isinstance(estimator, LateFusion):
        return {"audio": estimator.kind, "body": estimator.body_kind or estimator.kind}
    if isinstance(estimator, ModalityClassifier):
        return {estimator.modality: estimator.kind}
    return {"temporal": estimator.kind}


def unfitted_model(data: Dataset, fusion: str, kind: str, audio_set: str = DEFAULT_AUDIO_SET):
    """(model, selection): the model of ``fusion`` for ``kind``; for 'auto' the kinds are
    chosen on ``data`` (:mod:`emolab.models.selection`), else the selection is None."""
    if kind == "auto":
        choice = select(data, fusion, audio_set)
        return make_selected(fusion, choice, audio_set), choice
    return make_model(fusion, kind, audio_set), None


def describe_kind(fusion: str, kind: str) -> str:
    """The classifier(s) ``kind`` means for ``fusion``: 'svm', 'svm+rf' (late: audio+body),
    or 'auto'."""
    if kind == "auto":
        return kind
    return "+".join(kinds_of(make_model(fusion, kind)).values())
