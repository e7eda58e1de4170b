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
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import NoReturn

import numpy as np
from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier, _TemperatureScaling
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier
from sklearn.tree._tree import Tree

from emolab.core.errors import UnsafeModel
from emolab.models.fusion import (
    GroupCalibrated,
    LateFusion,
    ModalityClassifier,
    ParticipantScaler,
    TemporalFusion,
)
from emolab.models.modes import MODEL_KINDS, N_AUDIO, N_BODY

RECORDING_COLUMNS = 1 + N_AUDIO + N_BODY  # participant | audio | body
WINDOW_COLUMNS = 2 + N_AUDIO + N_BODY  # participant | recording | audio | body

FUSION_TYPES = (ModalityClassifier, LateFusion, TemporalFusion)
TRANSFORMER_TYPES = (ParticipantScaler, StandardScaler)
FOREST_TYPES = {RandomForestClassifier: DecisionTreeClassifier,
                ExtraTreesClassifier: ExtraTreeClassifier}  # fmt: skip
TREE_TYPES = (DecisionTreeClassifier, ExtraTreeClassifier)
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
SVM_KERNELS = ("linear", "poly", "rbf", "sigmoid")  # not 'precomputed': it indexes X by support_
MLP_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
MT19937_WORDS = 624


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


def _name(value: object) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _is_scalar(value: object) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, np.generic) and value.dtype.kind in "biufU"


class _Check:
    def __init__(self, source: str | Path):
        self.source = source

    def refuse(self, where: str, what: str) -> NoReturn:
        raise UnsafeModel(f"{where}: {what}", self.source)

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
                        self.refuse(where, f"has a key of type {_name(key)}")
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
                self.refuse(where, f"is a {_name(value)}, which emolab does not know how to check")

    # ---- basic values -------------------------------------------------------------------------
    def integer(self, value, where: str, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            self.refuse(where, f"is {value!r}, not an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"below {low}" if high is None else f"outside {low}…{high}"
            self.refuse(where, f"is {value}, {bounds}")
        return int(value)

    def number(self, value, where: str, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            self.refuse(where, f"is {value!r}, not a number")
        if not np.isfinite(value) or (positive and value <= 0):
            self.refuse(where, f"is {value}, not a finite{' positive' if positive else ''} number")
        return float(value)

    def choice(self, value, where: str, allowed) -> None:
        if not isinstance(value, str) or value not in allowed:
            self.refuse(where, f"is {value!r}, not one of {', '.join(map(repr, allowed))}")

    def array(self, value, where: str, shape: tuple, kind: str = "f") -> np.ndarray:
        """An array of dtype kind ``kind`` and ``shape`` (None: any length); floats finite."""
        if type(value) is not np.ndarray:
            self.refuse(where, f"is a {_name(value)}, not an array")
        if value.dtype.kind not in kind:
            self.refuse(where, f"has dtype {value.dtype}")
        if value.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(value.shape, shape, strict=True)
        ):
            expected = "×".join("any" if s is None else str(s) for s in shape) or "scalar"
            self.refuse(where, f"has shape {value.shape}, expected {expected}")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            self.refuse(where, "has NaN or infinite values")
        return value

    def classes(self, value, where: str) -> np.ndarray:
        """A class list: 1-D, not empty, unique and sorted (as np.unique makes it)."""
        if type(value) is not np.ndarray:
            self.refuse(where, f"is a {_name(value)}, not an array of classes")
        if value.ndim != 1 or len(value) == 0:
            self.refuse(where, f"has shape {value.shape}, expected a non-empty list")
        if value.dtype.kind == "O":
            if not all(isinstance(c, str | int) and not isinstance(c, bool) for c in value):
                self.refuse(where, "holds values that are neither text nor integers")
            if len({type(c) for c in value}) > 1:
                self.refuse(where, "mixes text and numbers")
        elif value.dtype.kind not in "iuUf" or (
            value.dtype.kind == "f" and not np.isfinite(value).all()
        ):
            self.refuse(where, f"has values of dtype {value.dtype}")
        if not all(a < b for a, b in pairwise(value)):
            self.refuse(where, "is not sorted and unique")
        return value

    def same_classes(self, inner, outer, where: str) -> None:
        if len(inner) != len(outer) or not np.array_equal(inner, outer):
            self.refuse(
                where, f"classes {inner.tolist()} differ from the wrapper's {outer.tolist()}"
            )

    def subset_classes(self, inner, outer, where: str) -> None:
        missing = [c for c in inner.tolist() if c not in set(outer.tolist())]
        if missing:
            self.refuse(where, f"predicts classes {missing} that the wrapper lacks")

    def expect(self, value, types, where: str) -> None:
        if type(value) not in types:
            names = ", ".join(t.__name__ for t in types)
            self.refuse(where, f"is a {_name(value)}, expected {names}")

    def head(self, model, where: str, n_features: int | None) -> tuple[int, np.ndarray]:
        """(input width, classes) of a classifier that must tell at least two classes."""
        n = self.features(model, where, n_features)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        if len(classes) < 2:
            self.refuse(f"{where}.classes_", "has fewer than two classes")
        return n, classes

    def features(self, estimator, where: str, n_features: int | None) -> int:
        n = self.integer(getattr(estimator, "n_features_in_", None),
                         f"{where}.n_features_in_", 1)  # fmt: skip
        if n_features is not None and n != n_features:
            self.refuse(where, f"expects {n} features but gets {n_features}")
        return n

    # ---- the prediction path -------------------------------------------------------------------
    def model(self, model: object, n_features: int | None) -> None:
        if isinstance(model, FUSION_TYPES):
            if n_features is None:
                temporal = isinstance(model, TemporalFusion)
                n_features = WINDOW_COLUMNS if temporal else RECORDING_COLUMNS
            self.fusion(model, "model", n_features)
        elif type(model) in (*BASE_CLASSIFIER_TYPES, Pipeline, CalibratedClassifierCV):
            self.classifier(model, "model", n_features)
        else:
            self.refuse("model", f"is a {_name(model)}, not a classifier")

    def fusion(self, model, where: str, n_features: int) -> None:
        self.choice(model.kind, f"{where}.kind", MODEL_KINDS)
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
                self.fusion(part, f"{where}.{name}", n_features)
                self.subset_classes(part.classes_, classes, f"{where}.{name}")
            return
        if isinstance(model, ModalityClassifier):
            self.choice(model.modality, f"{where}.modality", ("audio", "body", "early"))
        inner = getattr(model, "model_", None)
        self.expect(inner, (GroupCalibrated,), f"{where}.model_")
        self.group_calibrated(inner, f"{where}.model_", n_features)
        self.subset_classes(inner.classes_, classes, f"{where}.model_")

    def group_calibrated(self, model, where: str, n_features: int) -> None:
        self.integer(model.n_splits, f"{where}.n_splits", 1)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        inner = getattr(model, "model_", None)
        self.expect(inner, (CalibratedClassifierCV, Pipeline, *BASE_CLASSIFIER_TYPES),
                    f"{where}.model_")  # fmt: skip
        self.same_classes(self.classifier(inner, f"{where}.model_", n_features), classes, where)

    def classifier(self, model, where: str, n_features: int | None) -> np.ndarray:
        """Check a fitted classifier; returns its classes."""
        kind = type(model)
        if kind is CalibratedClassifierCV:
            return self.calibrated(model, where, n_features)
        if kind is Pipeline:
            return self.pipeline(model, where, n_features)
        if kind is LogisticRegression:
            return self.logistic(model, where, n_features)
        if kind is SVC:
            return self.svc(model, where, n_features)
        if kind is MLPClassifier:
            return self.mlp(model, where, n_features)
        if kind in FOREST_TYPES:
            return self.forest(model, where, n_features)
        if kind in TREE_TYPES:
            return self.decision_tree(model, where, n_features)
        self.refuse(where, f"is a {_name(model)}, not a classifier")

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

    def logistic(self, model, where: str, n_features: int | None) -> np.ndarray:
        n, classes = self.head(model, where, n_features)
        rows = 1 if len(classes) == 2 else len(classes)
        self.array(getattr(model, "coef_", None), f"{where}.coef_", (rows, n))
        self.array(getattr(model, "intercept_", None), f"{where}.intercept_", (rows,))
        return classes

    def svc(self, model, where: str, n_features: int | None) -> np.ndarray:
        # libsvm reads these arrays by the counts in _n_support, unchecked
        n, classes = self.head(model, where, n_features)
        k = len(classes)
        if model._impl != "c_svc" or model._sparse is not False:
            self.refuse(where, "is not a dense C-support vector classifier")
        self.choice(model.kernel, f"{where}.kernel", SVM_KERNELS)
        self.choice(model.decision_function_shape, f"{where}.decision_function_shape",
                    ("ovr", "ovo"))  # fmt: skip
        self.integer(model.degree, f"{where}.degree", 0, 100)
        self.number(model._gamma, f"{where}._gamma")
        self.number(model.coef0, f"{where}.coef0")
        self.number(model.cache_size, f"{where}.cache_size", positive=True)
        vectors = self.array(getattr(model, "support_vectors_", None),
                             f"{where}.support_vectors_", (None, n))  # fmt: skip
        n_sv = len(vectors)
        counts = self.array(model._n_support, f"{where}._n_support", (k,), kind="i")
        if (counts < 0).any() or counts.sum() != n_sv:
            self.refuse(f"{where}._n_support", f"{counts.tolist()} are not counts that add "
                        f"up to the {n_sv} support vectors")  # fmt: skip
        support = self.array(model.support_, f"{where}.support_", (n_sv,), kind="i")
        if (support < 0).any():
            self.refuse(f"{where}.support_", "has negative indices")
        pairs = k * (k - 1) // 2
        for name in ("_dual_coef_", "dual_coef_"):
            self.array(getattr(model, name, None), f"{where}.{name}", (k - 1, n_sv))
        for name in ("_intercept_", "intercept_"):
            self.array(getattr(model, name, None), f"{where}.{name}", (pairs,))
        for name in ("_probA", "_probB"):
            value = self.array(getattr(model, name, None), f"{where}.{name}", (None,))
            if len(value) not in (0, pairs):
                self.refuse(f"{where}.{name}", f"has {len(value)} values, not 0 or {pairs}")
        self.array(getattr(model, "class_weight_", None), f"{where}.class_weight_", (k,))
        shape = model.shape_fit_
        if not isinstance(shape, tuple) or len(shape) != 2 or shape[1] != n:
            self.refuse(f"{where}.shape_fit_", f"is {shape!r}, not (samples, {n})")
        return classes

    def mlp(self, model, where: str, n_features: int | None) -> np.ndarray:
        n, classes = self.head(model, where, n_features)
        k = len(classes)
        self.choice(model.activation, f"{where}.activation", MLP_ACTIVATIONS)
        outputs = 1 if k == 2 else k
        self.choice(model.out_activation_, f"{where}.out_activation_",
                    ("logistic",) if k == 2 else ("softmax",))  # fmt: skip
        if self.integer(model.n_outputs_, f"{where}.n_outputs_") != outputs:
            self.refuse(f"{where}.n_outputs_", f"is {model.n_outputs_}, not {outputs}")
        coefs, intercepts = model.coefs_, model.intercepts_
        if not isinstance(coefs, list) or not isinstance(intercepts, list) or not coefs:
            self.refuse(where, "has no layers")
        if len(intercepts) != len(coefs) or model.n_layers_ != len(coefs) + 1:
            self.refuse(where, f"has {len(coefs)} weight matrices, {len(intercepts)} bias "
                        f"vectors and n_layers_ {model.n_layers_}")  # fmt: skip
        width = n
        for i, (coef, bias) in enumerate(zip(coefs, intercepts, strict=True)):
            last = i == len(coefs) - 1
            coef = self.array(coef, f"{where}.coefs_[{i}]", (width, outputs if last else None))
            width = coef.shape[1]
            self.array(bias, f"{where}.intercepts_[{i}]", (width,))
        binarizer = getattr(model, "_label_binarizer", None)
        self.expect(binarizer, (LabelBinarizer,), f"{where}._label_binarizer")
        self.same_classes(self.classes(binarizer.classes_, f"{where}._label_binarizer.classes_"),
                          classes, f"{where}._label_binarizer")  # fmt: skip
        return classes

    def random_state(self, state: np.random.RandomState, where: str) -> None:
        # numpy accepts any position on set_state; a later draw would read out of bounds
        name, key, pos, *_ = state.get_state(legacy=True)
        if name != "MT19937" or len(key) != MT19937_WORDS or not 0 <= pos <= MT19937_WORDS:
            self.refuse(where, f"has an invalid generator state (position {pos})")

    def forest(self, model, where: str, n_features: int | None) -> np.ndarray:
        n = self.features(model, where, n_features)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        if self.integer(model.n_outputs_, f"{where}.n_outputs_") != 1:
            self.refuse(f"{where}.n_outputs_", "is not 1")
        if self.integer(model.n_classes_, f"{where}.n_classes_") != len(classes):
            self.refuse(f"{where}.n_classes_", f"is {model.n_classes_}, not {len(classes)}")
        if model.n_jobs is not None:
            self.integer(model.n_jobs, f"{where}.n_jobs", -1, 64)
        trees = getattr(model, "estimators_", None)
        if not isinstance(trees, list) or not trees:
            self.refuse(f"{where}.estimators_", "is not a non-empty list of trees")
        tree_type = FOREST_TYPES[type(model)]
        for i, tree in enumerate(trees):
            at = f"{where}.estimators_[{i}]"
            self.expect(tree, (tree_type,), at)
            self.decision_tree(tree, at, n, len(classes), label=f"{where}: tree {i}")
        return classes

    def decision_tree(self, model, where: str, n_features: int | None,
                      n_classes: int | None = None, label: str = "") -> np.ndarray:  # fmt: skip
        n = self.features(model, where, n_features)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        k = len(classes)
        if n_classes is not None and k != n_classes:
            self.refuse(where, f"has {k} classes, not the forest's {n_classes}")
        if self.integer(model.n_outputs_, f"{where}.n_outputs_") != 1:
            self.refuse(f"{where}.n_outputs_", "is not 1")
        if self.integer(model.n_classes_, f"{where}.n_classes_") != k:
            self.refuse(f"{where}.n_classes_", f"is {model.n_classes_}, not {k}")
        tree = getattr(model, "tree_", None)
        self.expect(tree, (Tree,), f"{where}.tree_")
        self.tree(tree, label or f"{where}: tree", n, k)
        return classes

    def tree(self, tree: Tree, where: str, n_features: int, n_classes: int) -> None:
        """Node arrays: children in range, a tree shape, split features in range, finite
        thresholds, and a value array of (nodes, 1, classes)."""
        count, capacity = tree.node_count, tree.capacity
        if not 1 <= count <= capacity:
            self.refuse(where, f"node count {count} outside 1…{capacity} (its node array)")
        if tree.n_outputs != 1 or tree.n_classes.tolist() != [n_classes]:
            self.refuse(where, f"has {tree.n_classes.tolist()} classes per output, "
                        f"not [{n_classes}]")  # fmt: skip
        if tree.n_features != n_features:
            self.refuse(where, f"was built for {tree.n_features} features, not {n_features}")
        left, right = tree.children_left, tree.children_right
        for side, children in (("left", left), ("right", right)):
            bad = np.flatnonzero((children < -1) | (children >= count))
            if bad.size:
                node = bad[0]
                self.refuse(f"{where} node {node}", f"{side} child {children[node]} out of range "
                            f"(node count {count})")  # fmt: skip
        leaf = left == -1
        bad = np.flatnonzero(leaf != (right == -1))
        if bad.size:
            node = bad[0]
            self.refuse(f"{where} node {node}", f"children {left[node]} and {right[node]}: "
                        "a leaf has both -1, a split neither")  # fmt: skip
        # breadth first from the root: a tree reaches every node exactly once
        visits = np.zeros(count, dtype=np.intp)
        frontier = np.array([0])
        while frontier.size:
            np.add.at(visits, frontier, 1)
            again = frontier[visits[frontier] > 1]
            if again.size:
                self.refuse(f"{where} node {again[0]}", "is reached twice from the root "
                            "(the children form a cycle or share a node)")  # fmt: skip
            splits = frontier[~leaf[frontier]]
            frontier = np.concatenate([left[splits], right[splits]])
        unreached = np.flatnonzero(visits == 0)
        if unreached.size:
            self.refuse(f"{where} node {unreached[0]}", "cannot be reached from the root")
        splits = ~leaf
        feature, threshold = tree.feature, tree.threshold
        bad = np.flatnonzero(splits & ((feature < 0) | (feature >= n_features)))
        if bad.size:
            node = bad[0]
            self.refuse(f"{where} node {node}", f"feature {feature[node]} out of range "
                        f"({n_features} features)")  # fmt: skip
        bad = np.flatnonzero(splits & ~np.isfinite(threshold))
        if bad.size:
            node = bad[0]
            self.refuse(f"{where} node {node}", f"threshold {threshold[node]} is not finite")
        value = self.array(tree.value, f"{where} value array", (count, 1, n_classes))
        if (value < 0).any():
            self.refuse(f"{where} value array", "has negative values")
