"""Fusion classifiers for audio + body (9) features, scikit-learn compatible.

Audio is the seed's 28 features, or those plus the extended eGeMAPS-style functionals
(``audio_set`` 'extended', :mod:`emolab.features.extended`). Every estimator takes a
design matrix whose column 0 is the participant id (a number), so that per-participant
normalisation and grouped calibration survive any subsetting that cross-validation does:

- recording-level modes (audio, body, early, late):
  ``[participant | audio 28 | body 9 | extended audio]``, NaN where a modality is missing;
- temporal: one row per 1 s window,
  ``[participant | recording | audio 28 | body 9 | extended audio]``.

The extended columns come last so that models saved before they existed read the same
columns as before.

Probabilities are calibrated by temperature scaling (Guo et al. 2017, "On calibration of
modern neural networks"): one number T divides the classifier's log-probabilities, fit by
log-loss on out-of-fold predictions of participant-grouped folds inside ``fit`` (so a
caller's outer split never leaks into calibration). The classifier's own probabilities are
scaled; an SVM has none, its one-vs-rest decision values (mostly vote counts, so its
confidence is coarse) are the logits. Models saved before emolab did its own scaling keep
scikit-learn's ``CalibratedClassifierCV(method="temperature")`` and are read as before.

Temporal fusion adds a second temperature at the recording level: the mean of a
recording's window log-probabilities is not itself calibrated (windows of one recording
are not independent evidence), so its scale is fit on out-of-fold recordings too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.pipeline import Pipeline

from emolab.models.data import N_EXTENDED, NotEnoughData
from emolab.models.modes import (
    AUDIO_SETS,
    DEFAULT_KINDS,
    FUSION_MODES,
    KIND_CHOICES,
    MODEL_KINDS,
    N_AUDIO,
    N_BODY,
)

AUDIO_COLUMNS = tuple(range(1, 1 + N_AUDIO))
BODY_COLUMNS = tuple(range(1 + N_AUDIO, 1 + N_AUDIO + N_BODY))
EXTENDED_COLUMNS = tuple(range(1 + N_AUDIO + N_BODY, 1 + N_AUDIO + N_BODY + N_EXTENDED))
WINDOW_AUDIO_COLUMNS = tuple(c + 1 for c in AUDIO_COLUMNS)
WINDOW_BODY_COLUMNS = tuple(c + 1 for c in BODY_COLUMNS)
WINDOW_EXTENDED_COLUMNS = tuple(c + 1 for c in EXTENDED_COLUMNS)


#: Design-matrix widths of models saved before the extended set (no ``n_columns_``).
LEGACY_RECORDING_COLUMNS = 1 + N_AUDIO + N_BODY
LEGACY_WINDOW_COLUMNS = 2 + N_AUDIO + N_BODY


def fitted_width(model, legacy: int) -> int:
    """The design-matrix width ``model`` was fit on (``legacy`` for models saved before
    widths were recorded)."""
    return int(getattr(model, "n_columns_", legacy))


def _narrow(X: np.ndarray, width: int) -> np.ndarray:
    """The first ``width`` columns of X: a model reads the layout it was fit on, and later
    versions only ever append columns."""
    return X if X.shape[1] == width else X[:, :width]


def audio_columns(audio_set: str, window: bool = False) -> tuple[int, ...]:
    """Design-matrix columns of an audio feature set (window matrices: ``window``)."""
    if audio_set not in AUDIO_SETS:
        raise ValueError(f"unknown audio feature set '{audio_set}' ({', '.join(AUDIO_SETS)})")
    if window:
        seed, extra = WINDOW_AUDIO_COLUMNS, WINDOW_EXTENDED_COLUMNS
    else:
        seed, extra = AUDIO_COLUMNS, EXTENDED_COLUMNS
    return seed + extra if audio_set == "extended" else seed


def resolve_kind(kind: str, part: str) -> str:
    """The concrete classifier of ``part`` ('audio', 'body', 'early', 'temporal') when
    asked for ``kind`` ('default' gives :data:`DEFAULT_KINDS`; 'auto' is resolved by
    :mod:`emolab.models.selection` before a model is made)."""
    if kind == "default":
        return DEFAULT_KINDS[part]
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind '{kind}' (choose from {', '.join(KIND_CHOICES)})")
    return kind


LATE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS and OpenMP code on one thread. emolab's matrices are small (thousands of
    rows × 37 columns): threads waiting on each other cost more than they give, and many
    times more on a busy machine (measured: a logistic regression on 10,000 recordings fit
    in 0.2 s on one thread, in 0.8 to 15 s on two of a busy 2-core machine). The limit is
    process-wide while it lasts."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _nan_stat(function, F: np.ndarray) -> np.ndarray:
    """Column statistic ignoring NaN; an all-missing column gives NaN without a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(F, axis=0)


class ParticipantScaler(TransformerMixin, BaseEstimator):
    """Z-score features per participant (Bernhardt & Robinson 2007).

    Column 0 of X is the participant id and is dropped from the output. A participant
    with at least ``min_rows`` rows in the data being transformed is normalised by its
    own mean and SD (no labels are used); others by the global statistics learnt in
    ``fit``. Missing values become 0, the participant's (or global) mean.
    """

    def __init__(self, columns: tuple[int, ...] | None = None, min_rows: int = 10):
        self.columns = columns
        self.min_rows = min_rows

    def _features(self, X: np.ndarray) -> np.ndarray:
        cols = list(self.columns) if self.columns is not None else list(range(1, X.shape[1]))
        return np.asarray(X[:, cols], dtype=np.float64)

    def fit(self, X, y=None):
        F = self._features(X)
        self.mean_ = np.nan_to_num(_nan_stat(np.nanmean, F))
        self.scale_ = np.nan_to_num(_nan_stat(np.nanstd, F), nan=1.0)
        self.scale_[self.scale_ < 1e-9] = 1.0
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        F = self._features(X)
        groups = np.asarray(X[:, 0])
        out = (F - self.mean_) / self.scale_
        for group in np.unique(groups):
            rows = groups == group
            if rows.sum() < self.min_rows:
                continue
            G = F[rows]
            mean, scale = _nan_stat(np.nanmean, G), _nan_stat(np.nanstd, G)
            mean = np.where(np.isnan(mean), self.mean_, mean)
            scale = np.where(np.isnan(scale) | (scale < 1e-9), self.scale_, scale)
            out[rows] = (G - mean) / scale
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def make_classifier(kind: str = "logreg", seed: int = 0):
    """The base classifier of one kind (logistic regression by default)."""
    if kind == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=0.5, max_iter=3000)
    if kind == "svm":
        from sklearn.svm import SVC

        return SVC(C=1.0, kernel="rbf", gamma="scale")
    if kind == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=(64,), alpha=1e-2, max_iter=600, early_stopping=True,
            random_state=seed,
        )  # fmt: skip
    if kind == "rf":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=200, min_samples_leaf=2, random_state=seed)
    raise ValueError(f"unknown model kind '{kind}' (choose from {', '.join(MODEL_KINDS)})")


def block_pipeline(columns: tuple[int, ...] | None, kind: str = "logreg") -> Pipeline:
    return Pipeline(
        [("normalise", ParticipantScaler(columns=columns)), ("classify", make_classifier(kind))]
    )


#: The smallest probability a log is taken of (a forest's zero votes, a class a fold's
#: training data lacked).
LOG_FLOOR = 1e-6
#: Bounds of a fitted temperature: beyond them the data say nothing more.
TEMPERATURE_RANGE = (0.05, 20.0)


def log_proba(model, X) -> np.ndarray:
    """A fitted classifier's log-probabilities, or for a classifier without probabilities
    (an SVM) its one-vs-rest decision values as logits; columns in its classes' order."""
    if hasattr(model, "predict_proba"):
        return np.log(np.clip(model.predict_proba(X), LOG_FLOOR, 1))
    scores = np.asarray(model.decision_function(X), dtype=float)
    if scores.ndim == 1:  # two classes: positive favours the second
        scores = np.column_stack([-scores, scores]) / 2
    return scores


def fit_temperature(logits: np.ndarray, target: np.ndarray) -> float:
    """The T that minimises the log-loss of softmax(logits / T) for class indices
    ``target`` (bounded search in log T)."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(target))

    def loss(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, target]))

    low, high = np.log(TEMPERATURE_RANGE[0]), np.log(TEMPERATURE_RANGE[1])
    found = minimize_scalar(loss, bounds=(low, high), method="bounded",
                            options={"xatol": 1e-4})  # fmt: skip
    return float(np.exp(found.x))


class GroupCalibrated(ClassifierMixin, BaseEstimator):
    """Temperature-scaled ``estimator``: the temperature is fit on participant-grouped
    out-of-fold predictions of the training data (participant = column 0 of X); the final
    estimator is fit on all of it. With one participant nothing can be calibrated without
    leaking: the temperature is 1 and the card says the model is uncalibrated."""

    def __init__(self, estimator=None, n_splits: int = 5):
        self.estimator = estimator
        self.n_splits = n_splits

    def fit(self, X, y):
        self.fit_oof(X, y)
        return self

    def fit_oof(self, X, y) -> np.ndarray | None:
        """Fit; return the out-of-fold log-probabilities before scaling (rows of X ×
        ``classes_``), or None when there was nothing to calibrate on."""
        from sklearn.model_selection import GroupKFold

        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        groups = X[:, 0]
        k = min(self.n_splits, len(np.unique(groups)))
        oof = None
        if k >= 2:
            splits = list(GroupKFold(n_splits=k).split(X, y, groups))
            if any(len(np.unique(y[train])) < 2 for train, _ in splits):
                raise NotEnoughData("calibrating on participant-grouped folds needs at least 2 "
                                    "labels to train on in every fold; more participants "
                                    "with recordings of several labels are needed")  # fmt: skip
            oof = np.full((len(X), len(self.classes_)), np.log(LOG_FLOOR))
            for train, test in splits:
                fold = clone(self.estimator).fit(X[train], y[train])
                at = np.searchsorted(self.classes_, fold.classes_)
                oof[np.ix_(test, at)] = log_proba(fold, X[test])
            self.temperature_ = fit_temperature(oof, np.searchsorted(self.classes_, y))
        else:
            self.temperature_ = 1.0
        self.model_ = clone(self.estimator).fit(X, y)
        return oof

    def predict_proba(self, X):
        temperature = getattr(self, "temperature_", None)
        if temperature is None and hasattr(self.model_, "predict_proba"):
            # saved before emolab scaled itself: CalibratedClassifierCV (or one participant)
            return self.model_.predict_proba(X)
        logits = log_proba(self.model_, X) / (temperature or 1.0)
        return in_class_order(_normalise_log(logits), self.model_.classes_, self.classes_)


def _present(X: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    return ~np.isnan(np.asarray(X[:, list(columns)], dtype=float)).all(axis=1)


def in_class_order(proba: np.ndarray, model_classes, classes) -> np.ndarray:
    """``proba`` (rows × ``model_classes``) with its columns placed in the order of
    ``classes``: 0 for a class the model never saw; a row the model could not predict
    (NaN) stays NaN."""
    proba = np.asarray(proba, dtype=float)
    index = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(proba), len(classes)))
    out[:, [index[c] for c in model_classes]] = proba
    out[np.isnan(proba).any(axis=1)] = np.nan
    return out


class ModalityClassifier(ClassifierMixin, BaseEstimator):
    """One modality alone (``modality`` 'audio' or 'body'), or both concatenated
    ('early': concatenate → per-participant scaling → classifier). Rows lacking the
    modality are skipped in fit and get NaN probabilities."""

    def __init__(
        self, modality: str = "audio", kind: str = "logreg", n_splits: int = 5,
        audio_set: str = "seed28",
    ):  # fmt: skip
        self.modality = modality
        self.kind = kind
        self.n_splits = n_splits
        self.audio_set = audio_set

    def _columns(self) -> tuple[int, ...]:
        # models saved before audio sets existed have no attribute: they used the 28
        audio = audio_columns(getattr(self, "audio_set", "seed28"))
        return {"audio": audio, "body": BODY_COLUMNS, "early": audio + BODY_COLUMNS}[self.modality]

    def _rows(self, X) -> np.ndarray:
        # presence is decided by the 28 (every audio file has them)
        if self.modality == "early":
            return _present(X, AUDIO_COLUMNS) | _present(X, BODY_COLUMNS)
        return _present(X, AUDIO_COLUMNS if self.modality == "audio" else BODY_COLUMNS)

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        rows = self._rows(X)
        kind = resolve_kind(self.kind, self.modality)
        self.n_columns_ = X.shape[1]
        self.model_ = GroupCalibrated(block_pipeline(self._columns(), kind), self.n_splits)
        self.model_.fit(X[rows], y[rows])
        return self

    def predict_proba(self, X):
        X = _narrow(np.asarray(X, dtype=float), fitted_width(self, LEGACY_RECORDING_COLUMNS))
        out = np.full((len(X), len(self.classes_)), np.nan)
        rows = self._rows(X)
        if rows.any():
            out[rows] = in_class_order(self.model_.predict_proba(X[rows]), self.model_.classes_,
                                       self.classes_)  # fmt: skip
        return out


def _normalise_log(log_p: np.ndarray) -> np.ndarray:
    log_p = log_p - log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p)
    return p / p.sum(axis=1, keepdims=True)


class LateFusion(ClassifierMixin, BaseEstimator):
    """Weighted product of calibrated audio and body probabilities: p ∝ exp(Σ wₘ log pₘ).

    Weights come from a grid, by the log-loss of out-of-fold probabilities on
    participant-grouped folds of the training data. A recording lacking a modality is
    predicted from the other alone.
    """

    def __init__(
        self, kind: str = "logreg", n_splits: int = 5, weight_splits: int = 3,
        audio_set: str = "seed28", body_kind: str | None = None,
    ):  # fmt: skip
        self.kind = kind
        self.n_splits = n_splits
        self.weight_splits = weight_splits
        self.audio_set = audio_set
        self.body_kind = body_kind

    def _part(self, modality: str) -> ModalityClassifier:
        """The classifier of one modality: ``kind`` for audio, ``body_kind`` (or ``kind``)
        for body."""
        kind = self.kind if modality == "audio" else (self.body_kind or self.kind)
        return ModalityClassifier(modality, resolve_kind(kind, modality), self.n_splits,
                                  getattr(self, "audio_set", "seed28"))  # fmt: skip

    def fit(self, X, y):
        from sklearn.model_selection import GroupKFold

        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_columns_ = X.shape[1]
        self.audio_ = self._part("audio").fit(X, y)
        self.body_ = self._part("body").fit(X, y)
        groups = X[:, 0]
        k = min(self.weight_splits, len(np.unique(groups)))
        both = _present(X, AUDIO_COLUMNS) & _present(X, BODY_COLUMNS)
        self.weights_ = (1.0, 1.0)
        if k >= 2 and both.sum() >= 2 * len(self.classes_):
            oof_a = np.full((len(X), len(self.classes_)), np.nan)
            oof_b = oof_a.copy()
            for train, test in GroupKFold(n_splits=k).split(X, y, groups):
                a = self._part("audio").fit(X[train], y[train])
                b = self._part("body").fit(X[train], y[train])
                oof_a[test] = self._align(a, X[test])
                oof_b[test] = self._align(b, X[test])
            ok = both & ~np.isnan(oof_a).any(axis=1) & ~np.isnan(oof_b).any(axis=1)
            target = np.searchsorted(self.classes_, y[ok])
            la, lb = np.log(np.clip(oof_a[ok], 1e-9, 1)), np.log(np.clip(oof_b[ok], 1e-9, 1))
            best = None
            for wa in LATE_WEIGHTS:
                for wb in LATE_WEIGHTS:
                    if wa == wb == 0:
                        continue
                    p = _normalise_log(wa * la + wb * lb)
                    loss = -np.mean(np.log(np.clip(p[np.arange(len(p)), target], 1e-12, 1)))
                    if best is None or loss < best[0] - 1e-9:
                        best = (loss, (wa, wb))
            self.weights_ = best[1]
        return self

    def _align(self, model: ModalityClassifier, X) -> np.ndarray:
        return in_class_order(model.predict_proba(X), model.classes_, self.classes_)

    def log_terms(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Weighted log-probability terms (n × classes) of audio and body; NaN if missing."""
        X = np.asarray(X, dtype=float)
        wa, wb = self.weights_
        la = wa * np.log(np.clip(self._align(self.audio_, X), 1e-9, 1))
        lb = wb * np.log(np.clip(self._align(self.body_, X), 1e-9, 1))
        return la, lb

    def predict_proba(self, X):
        la, lb = self.log_terms(X)
        total = np.where(np.isnan(la), 0, la) + np.where(np.isnan(lb), 0, lb)
        out = _normalise_log(total)
        neither = np.isnan(la).all(axis=1) & np.isnan(lb).all(axis=1)
        out[neither] = np.nan
        return out

    def contributions(self, X) -> np.ndarray:
        """(n × 2) share of audio and body in the evidence for each row's top label."""
        la, lb = self.log_terms(X)
        top = np.nanargmax(np.nan_to_num(self.predict_proba(X), nan=-1), axis=1)
        rows = np.arange(len(top))
        evidence = []
        for term in (la, lb):
            centred = term[rows, top] - term.mean(axis=1)  # NaN rows: modality missing
            evidence.append(np.where(np.isnan(centred), 0, np.maximum(centred, 0)))
        evidence = np.stack(evidence, axis=1)
        total = evidence.sum(axis=1, keepdims=True)
        return np.divide(evidence, total, out=np.full_like(evidence, 0.5), where=total > 0)


def _first_rows(values: np.ndarray) -> np.ndarray:
    """Row of the first occurrence of each distinct value, in order of appearance."""
    _, first = np.unique(values, return_index=True)
    return np.sort(first)


class TemporalFusion(ClassifierMixin, BaseEstimator):
    """A window classifier on audio + body features of 1 s windows; a recording's
    probability is the normalised mean of its windows' log-probabilities.

    X rows are windows: ``[participant | recording | audio 28 | body 9 | extended]``. ``fit`` takes
    one label per window (its recording's); ``predict_proba`` returns one row per
    recording, in order of first appearance (see :meth:`recordings`).
    """

    def __init__(self, kind: str = "logreg", n_splits: int = 5, audio_set: str = "seed28"):
        self.kind = kind
        self.n_splits = n_splits
        self.audio_set = audio_set

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        columns = audio_columns(self.audio_set, window=True) + WINDOW_BODY_COLUMNS
        kind = resolve_kind(self.kind, "temporal")
        self.n_columns_ = X.shape[1]
        self.model_ = GroupCalibrated(block_pipeline(columns, kind), self.n_splits)
        oof = self.model_.fit_oof(X, y)
        self.recording_temperature_ = 1.0
        if oof is not None:  # the windows' out-of-fold evidence, pooled per recording
            windows = _normalise_log(oof / self.model_.temperature_)
            pooled, first = self._pool(np.log(np.clip(windows, LOG_FLOOR, 1)), X[:, 1])
            target = np.searchsorted(self.classes_, y[first])
            self.recording_temperature_ = fit_temperature(pooled, target)
        return self

    @staticmethod
    def _pool(log_p: np.ndarray, recording: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean window log-probability per recording, the row of each recording's first
        window), recordings in order of first appearance."""
        first = _first_rows(recording)
        ids = recording[first]
        pooled = np.stack([log_p[recording == rid].mean(axis=0) for rid in ids])
        return pooled, first

    def window_proba(self, X) -> np.ndarray:
        X = _narrow(np.asarray(X, dtype=float), fitted_width(self, LEGACY_WINDOW_COLUMNS))
        proba = self.model_.predict_proba(X)
        return in_class_order(proba, self.model_.classes_, self.classes_)

    @staticmethod
    def recordings(X) -> np.ndarray:
        column = np.asarray(X)[:, 1]
        return column[_first_rows(column)]

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        if getattr(self, "recording_temperature_", None) is None:  # saved before it existed
            log_p, temperature = np.log(np.clip(self.window_proba(X), 1e-9, 1)), 1.0
        else:
            log_p = np.log(np.clip(self.window_proba(X), LOG_FLOOR, 1))
            temperature = self.recording_temperature_
        pooled, _ = self._pool(log_p, X[:, 1])
        return _normalise_log(pooled / temperature)


def make_model(
    fusion: str, kind: str = "logreg", audio_set: str = "seed28", body_kind: str | None = None
):
    """The estimator of a fusion mode. ``kind`` may be 'default' (each part's default,
    :data:`~emolab.models.modes.DEFAULT_KINDS`); for late fusion it is the audio part's
    and ``body_kind`` (when given) the body part's. Concrete kinds are stored in the
    model, so a saved model never depends on what 'default' means later."""
    if fusion in ("audio", "body", "early"):
        return ModalityClassifier(fusion, resolve_kind(kind, fusion), audio_set=audio_set)
    if fusion == "late":
        return LateFusion(
            resolve_kind(kind, "audio"), audio_set=audio_set,
            body_kind=resolve_kind(body_kind or kind, "body"),
        )  # fmt: skip
    if fusion == "temporal":
        return TemporalFusion(resolve_kind(kind, "temporal"), audio_set=audio_set)
    raise ValueError(f"unknown fusion mode '{fusion}' (choose from {', '.join(FUSION_MODES)})")
