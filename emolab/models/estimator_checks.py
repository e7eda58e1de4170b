"""Structural checks of scikit-learn's base classifiers inside a loaded model: linear,
support-vector and neural-network classifiers, random forests and decision trees.

Their prediction code is compiled and reads these arrays by the counts and indices stored
beside them, without bounds checks; each check below is an invariant fitting guarantees.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier
from sklearn.tree._tree import Tree

from emolab.models.checks import Checks

FOREST_TYPES = {RandomForestClassifier: DecisionTreeClassifier,
                ExtraTreesClassifier: ExtraTreeClassifier}  # fmt: skip
TREE_TYPES = (DecisionTreeClassifier, ExtraTreeClassifier)
SVM_KERNELS = ("linear", "poly", "rbf", "sigmoid")  # not 'precomputed': it indexes X by support_
MLP_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
MT19937_WORDS = 624


class EstimatorChecks(Checks):
    """Checks of fitted base classifiers; each returns the classifier's classes."""

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
            if model.probability is True and len(value) != pairs:
                self.refuse(f"{where}.{name}", f"has {len(value)} values, not {pairs}")
        if model.probability not in (True, False, "deprecated"):  # scikit-learn ≥ 1.9 default
            self.refuse(f"{where}.probability", f"is {model.probability!r}, not True or False")
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
