"""Structural checks of a loaded model, before it predicts anything.

skops checks that a file holds only allowed types, not that their content is sane. Much of
scikit-learn's prediction code is compiled and indexes without bounds checks: a decision
tree whose child or feature indices point outside its arrays, an SVC whose support-vector
counts disagree with its coefficient arrays, or a tree whose children form a cycle crash
or hang the process the first time it predicts. :func:`validate_estimator` walks every
object reachable from a loaded model and checks the invariants that fitting guarantees,
so a crafted or corrupted file is refused with :class:`UnsafeModel` instead.

Reading a tree's arrays from Python is safe after loading: scikit-learn's
``Tree.__setstate__`` checks the dtype and shape of the node and value arrays and clamps
``node_count`` to the node array's length, so loading alone never reads out of bounds.

This module walks the model and checks emolab's own layers; the checks of scikit-learn's
base classifiers are in :mod:`emolab.models.estimator_checks`, the basic value checks both
use in :mod:`emolab.models.checks`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier, _TemperatureScaling
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree._tree import Tree

from emolab.core.errors import UnsafeModel
from emolab.models.checks import type_name
from emolab.models.data import N_EXTENDED
from emolab.models.estimator_checks import FOREST_TYPES, TREE_TYPES, EstimatorChecks
from emolab.models.fusion import (
    LEGACY_RECORDING_COLUMNS,
    LEGACY_WINDOW_COLUMNS,
    GroupCalibrated,
    LateFusion,
    ModalityClassifier,
    ParticipantScaler,
    TemporalFusion,
)
from emolab.models.modes import AUDIO_SETS, MODEL_KINDS, N_AUDIO, N_BODY

RECORDING_COLUMNS = 1 + N_AUDIO + N_BODY + N_EXTENDED  # participant | audio | body | extended
WINDOW_COLUMNS = 2 + N_AUDIO + N_BODY + N_EXTENDED  # participant | recording | audio | body | ext

FUSION_TYPES = (ModalityClassifier, LateFusion, TemporalFusion)
TRANSFORMER_TYPES = (ParticipantScaler, StandardScaler)
BASE_CLASSIFIER_TYPES = (LogisticRegression, SVC, MLPClassifier, *FOREST_TYPES, *TREE_TYPES)
#: Every type a model may contain; anything else reachable is refused.
KNOWN_TYPES = frozenset(
    {
        *FUSION_TYPES,
        GroupCalibrated,
        *TRANSFORMER_TYPES,
        *BASE_CLASSIFIER_TYPES,
        Pipeline,
        CalibratedClassifierCV,
        _CalibratedClassifier,
        _TemperatureScaling,
        LabelBinarizer,
        AdamOptimizer,
        Tree,
        np.random.RandomState,
    }
)
#: The check of each classifier type (a method of :class:`_Check`).
CLASSIFIER_CHECKS = {
    CalibratedClassifierCV: "calibrated",
    Pipeline: "pipeline",
    LogisticRegression: "logistic",
    SVC: "svc",
    MLPClassifier: "mlp",
    **dict.fromkeys(FOREST_TYPES, "forest"),
    **dict.fromkeys(TREE_TYPES, "decision_tree"),
}


def validate_estimator(
    model: object, n_features: int | None = None, source: str | Path = "model"
) -> None:
    """Refuse (:class:`UnsafeModel`) a model that is not a classifier emolab knows, or whose
    arrays are inconsistent; ``n_features`` is the width of the design matrix it will get
    (by default the one its type implies, e.g. 38 for a recording-level fusion model)."""
    check = _Check(source)
    try:
        check.types(model)
        check.model(model, n_features)
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as exc:
        # a missing or mistyped attribute the checks above did not foresee
        raise UnsafeModel(f"has an unexpected structure ({type(exc).__name__}: {exc})",
                          source) from exc  # fmt: skip


def _is_scalar(value: object) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, np.generic) and value.dtype.kind in "biufU"


class _Check(EstimatorChecks):
    """The whole model: its types, then emolab's fusion, calibration and pipeline layers
    down to the base classifiers (:mod:`emolab.models.estimator_checks`)."""

    # ---- every reachable object is of a known type ------------------------------------------
    def types(self, model: object) -> None:
        stack: list[tuple[object, str]] = [(model, "model")]
        seen: set[int] = set()
        while stack:
            value, where = stack.pop()
            if _is_scalar(value) or id(value) in seen:
                continue
            seen.add(id(value))
            if type(value) in (list, tuple):
                stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
            elif type(value) is dict:
                for key, v in value.items():
                    if not _is_scalar(key):
                        self.refuse(where, f"has a key of type {type_name(key)}")
                    stack.append((v, f"{where}[{key!r}]"))
            elif type(value) is np.ndarray:
                if value.dtype.kind == "O":
                    stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value.ravel()))
                elif value.dtype.kind not in "biufU":
                    self.refuse(where, f"is an array of unsupported dtype {value.dtype}")
            elif type(value) is np.random.RandomState:
                self.random_state(value, where)
            elif type(value) in KNOWN_TYPES:
                if type(value) is not Tree:  # checked where a classifier uses it
                    stack.extend((v, f"{where}.{k}") for k, v in vars(value).items())
            else:
                self.refuse(where, f"is a {type_name(value)}, "
                            "which emolab does not know how to check")  # fmt: skip

    # ---- the prediction path -------------------------------------------------------------------
    def model(self, model: object, n_features: int | None) -> None:
        if isinstance(model, FUSION_TYPES):
            # a fusion model reads the first columns it was fit on: a wider matrix is
            # narrowed at predict time, a narrower one cannot be
            width = self.width(model, "model")
            if n_features is not None and n_features < width:
                self.refuse("model", f"expects {width} features but gets {n_features}")
            self.fusion(model, "model", width)
        elif type(model) in (*BASE_CLASSIFIER_TYPES, Pipeline, CalibratedClassifierCV):
            self.classifier(model, "model", n_features)
        else:
            self.refuse("model", f"is a {type_name(model)}, not a classifier")

    def width(self, model, where: str) -> int:
        """The design-matrix width a fusion model reads: the one it was fit on (models
        saved before widths were recorded: the layout of their day), never more than
        emolab builds."""
        temporal = isinstance(model, TemporalFusion)
        legacy, current = ((LEGACY_WINDOW_COLUMNS, WINDOW_COLUMNS) if temporal
                           else (LEGACY_RECORDING_COLUMNS, RECORDING_COLUMNS))  # fmt: skip
        if not hasattr(model, "n_columns_"):
            return legacy
        return self.integer(model.n_columns_, f"{where}.n_columns_", legacy, current)

    def fusion(self, model, where: str, n_features: int) -> None:
        self.choice(model.kind, f"{where}.kind", MODEL_KINDS)
        if hasattr(model, "audio_set"):
            self.choice(model.audio_set, f"{where}.audio_set", AUDIO_SETS)
        if getattr(model, "body_kind", None) is not None:
            self.choice(model.body_kind, f"{where}.body_kind", MODEL_KINDS)
        self.integer(model.n_splits, f"{where}.n_splits", 1)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        if isinstance(model, LateFusion):
            self.integer(model.weight_splits, f"{where}.weight_splits", 1)
            weights = model.weights_
            if not isinstance(weights, tuple | list) or len(weights) != 2:
                self.refuse(f"{where}.weights_", f"is {weights!r}, not two weights")
            for i, w in enumerate(weights):
                if self.number(w, f"{where}.weights_[{i}]") < 0:
                    self.refuse(f"{where}.weights_[{i}]", f"is {w}, a negative weight")
            for name, modality in (("audio_", "audio"), ("body_", "body")):
                part = getattr(model, name, None)
                self.expect(part, (ModalityClassifier,), f"{where}.{name}")
                if part.modality != modality:
                    self.refuse(f"{where}.{name}", f"is the {part.modality!r} classifier")
                self.fusion(part, f"{where}.{name}", self.width(part, f"{where}.{name}"))
                self.subset_classes(part.classes_, classes, f"{where}.{name}")
            return
        if isinstance(model, ModalityClassifier):
            self.choice(model.modality, f"{where}.modality", ("audio", "body", "early"))
        if isinstance(model, TemporalFusion) and hasattr(model, "recording_temperature_"):
            self.number(model.recording_temperature_, f"{where}.recording_temperature_",
                        positive=True)  # fmt: skip
        inner = getattr(model, "model_", None)
        self.expect(inner, (GroupCalibrated,), f"{where}.model_")
        self.group_calibrated(inner, f"{where}.model_", n_features)
        self.subset_classes(inner.classes_, classes, f"{where}.model_")

    def group_calibrated(self, model, where: str, n_features: int) -> None:
        self.integer(model.n_splits, f"{where}.n_splits", 1)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        inner = getattr(model, "model_", None)
        if hasattr(model, "temperature_"):  # emolab's own temperature scaling
            self.number(model.temperature_, f"{where}.temperature_", positive=True)
            self.expect(inner, (Pipeline, *BASE_CLASSIFIER_TYPES), f"{where}.model_")
        else:  # saved before: scikit-learn's calibration wrapper (or one participant)
            self.expect(inner, (CalibratedClassifierCV, Pipeline, *BASE_CLASSIFIER_TYPES),
                        f"{where}.model_")  # fmt: skip
        self.same_classes(self.classifier(inner, f"{where}.model_", n_features), classes, where)

    def classifier(self, model, where: str, n_features: int | None) -> np.ndarray:
        """Check a fitted classifier; returns its classes."""
        check = CLASSIFIER_CHECKS.get(type(model))
        if check is None:
            self.refuse(where, f"is a {type_name(model)}, not a classifier")
        return getattr(self, check)(model, where, n_features)

    def calibrated(self, model, where: str, n_features: int | None) -> np.ndarray:
        self.choice(model.method, f"{where}.method", ("temperature",))
        n = self.features(model, where, n_features)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        parts = getattr(model, "calibrated_classifiers_", None)
        if not isinstance(parts, list) or not parts:
            self.refuse(f"{where}.calibrated_classifiers_", "is not a non-empty list")
        for i, part in enumerate(parts):
            at = f"{where}.calibrated_classifiers_[{i}]"
            self.expect(part, (_CalibratedClassifier,), at)
            self.choice(part.method, f"{at}.method", ("temperature",))
            self.same_classes(self.classes(part.classes, f"{at}.classes"), classes, at)
            calibrators = part.calibrators
            if not isinstance(calibrators, list) or len(calibrators) != 1:
                self.refuse(f"{at}.calibrators", "is not a list of one temperature")
            self.expect(calibrators[0], (_TemperatureScaling,), f"{at}.calibrators[0]")
            self.number(getattr(calibrators[0], "beta_", None), f"{at}.calibrators[0].beta_",
                        positive=True)  # fmt: skip
            self.expect(part.estimator, (Pipeline, *BASE_CLASSIFIER_TYPES), f"{at}.estimator")
            inner = self.classifier(part.estimator, f"{at}.estimator", n)
            # the inner estimator is fit on encoded labels: only the count must agree
            if len(inner) != len(classes):
                self.refuse(f"{at}.estimator", f"has {len(inner)} classes, not {len(classes)}")
        return classes

    def pipeline(self, model, where: str, n_features: int | None) -> np.ndarray:
        steps = model.steps
        if not isinstance(steps, list) or not steps:
            self.refuse(f"{where}.steps", "is not a non-empty list")
        names = []
        for i, step in enumerate(steps):
            if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
                self.refuse(f"{where}.steps[{i}]", "is not a (name, estimator) pair")
            names.append(step[0])
        if len(set(names)) != len(names):
            self.refuse(f"{where}.steps", f"repeats a step name: {names}")
        if model.memory is not None:
            self.refuse(f"{where}.memory", "is set; a model must not cache to disk")
        width = n_features
        for name, step in steps[:-1]:
            self.expect(step, TRANSFORMER_TYPES, f"{where}[{name!r}]")
            width = self.transformer(step, f"{where}[{name!r}]", width)
        name, final = steps[-1]
        self.expect(final, BASE_CLASSIFIER_TYPES, f"{where}[{name!r}]")
        return self.classifier(final, f"{where}[{name!r}]", width)

    def transformer(self, model, where: str, n_features: int | None) -> int:
        """Check a fitted transformer; returns its output width."""
        n = self.features(model, where, n_features)
        if type(model) is ParticipantScaler:
            self.integer(model.min_rows, f"{where}.min_rows", 1)
            columns = model.columns
            if columns is None:
                width = n - 1
            else:
                if not isinstance(columns, tuple | list) or not columns:
                    self.refuse(f"{where}.columns", f"is {columns!r}, not a list of columns")
                for i, c in enumerate(columns):
                    self.integer(c, f"{where}.columns[{i}]", 1, n - 1)
                width = len(columns)
            self.array(getattr(model, "mean_", None), f"{where}.mean_", (width,))
            scale = self.array(getattr(model, "scale_", None), f"{where}.scale_", (width,))
            if (scale <= 0).any():
                self.refuse(f"{where}.scale_", "has values that are not positive")
            return width
        for name in ("mean_", "scale_", "var_"):
            value = getattr(model, name, None)
            if value is not None:
                self.array(value, f"{where}.{name}", (n,))
        if getattr(model, "scale_", None) is not None and (model.scale_ == 0).any():
            self.refuse(f"{where}.scale_", "has zeros")
        return n
