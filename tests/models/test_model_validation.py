"""Crafted or corrupted model files are refused with UnsafeModel; none crashes or hangs.

Each mutant is a skops file made from a small fitted model. All are loaded in one child
process (restarted after a crash, which is then pinned on the mutant in progress), so a
segfault fails a test instead of killing pytest.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

import emolab
from emolab.core.errors import ProjectError, UnsafeModel
from emolab.core.progress import run_to_end
from emolab.models import fusion
from emolab.models.data import N_EXTENDED
from emolab.models.modes import N_AUDIO, N_BODY
from emolab.models.persistence import model_from_bytes, model_to_bytes
from emolab.models.training import TrainedModel, fit, model_card
from emolab.models.validation import RECORDING_COLUMNS, validate_estimator
from emolab.project.models import (
    PredictReport,
    activate_model,
    active_model,
    add_model,
    models,
    predict_missing,
    suggestions,
)
from emolab.project.store import Project

CHILD_TIMEOUT_S = 60
#: feature columns an early-fusion model reads (participant column aside): audio, body, extended
EARLY = N_AUDIO + N_BODY + N_EXTENDED
AUDIO = N_AUDIO + N_EXTENDED  # an audio model's columns


class Payload:
    """Stands in for an attacker's class: not on the allow-list."""

    def __init__(self):
        self.command = "rm -rf ~"


# ---- base models ------------------------------------------------------------------------------
@dataclass
class Base:
    blob: bytes
    X: np.ndarray  # a small input it predicts on


def _small_forest(kind: str = "rf", seed: int = 0):
    """Stands in for fusion.make_classifier: 4 trees instead of 200."""
    return RandomForestClassifier(n_estimators=4, max_depth=5, random_state=seed)


@pytest.fixture(scope="session")
def bases(small_dataset) -> dict[str, Base]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    forest = RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0)
    forest.fit(X, rng.integers(0, 3, 60))
    design = small_dataset.design_matrix()
    with pytest.MonkeyPatch.context() as patch:  # small forests keep the files small
        patch.setattr(fusion, "make_classifier", _small_forest)
        late_rf = fit(small_dataset, "late", "rf")
    out = {"forest": Base(model_to_bytes(forest), X[:8]),
           "late-rf": Base(model_to_bytes(late_rf), design[:20])}  # fmt: skip
    for fusion_mode, kind in (("early", "logreg"), ("body", "svm"), ("audio", "mlp")):
        model = fit(small_dataset, fusion_mode, kind)
        out[f"{fusion_mode}-{kind}"] = Base(model_to_bytes(model), design[:20])
    return out


def _load(blob: bytes):
    return skops.io.loads(blob, trusted=skops.io.get_untrusted_types(data=blob))


# ---- ways to mutate a model file --------------------------------------------------------------
Mutation = Callable[[bytes], bytes]


def on_object(change: Callable[[object], object]) -> Mutation:
    """Load the model, change it in place, save it again."""

    def mutate(blob: bytes) -> bytes:
        model = _load(blob)
        change(model)
        return skops.io.dumps(model)

    return mutate


def on_archive(change: Callable[[dict, dict[str, np.ndarray]], None]) -> Mutation:
    """Edit schema.json and the .npy arrays inside the skops zip archive."""

    def mutate(blob: bytes) -> bytes:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        schema = json.loads(files.pop("schema.json"))
        arrays = {name: np.load(io.BytesIO(data), allow_pickle=False)
                  for name, data in files.items()}  # fmt: skip
        change(schema, arrays)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("schema.json", json.dumps(schema))
            for name, array in arrays.items():
                data = io.BytesIO()
                np.save(data, array, allow_pickle=False)
                archive.writestr(name, data.getvalue())
        return out.getvalue()

    return mutate


def replaced_by(blob: bytes) -> Mutation:
    return lambda _: blob


def _first_tree_node(node):
    """The schema node of the first Tree in a skops schema."""
    if isinstance(node, dict):
        if node.get("__class__") == "Tree":
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first_tree_node(child)
        if found is not None:
            return found
    return None


def _tree_node_count(count: int):
    def change(schema, arrays):
        entry = _first_tree_node(schema)["content"]["content"]["node_count"]
        entry["content"] = str(count)
        entry["__id__"] = 1  # skops shares loaded values by id: make this one its own

    return change


def _tree_values_one_class_too_many(schema, arrays):
    name = _first_tree_node(schema)["content"]["content"]["values"]["file"]
    values = arrays[name]
    arrays[name] = np.concatenate([values, values[:, :, :1]], axis=2)


def _unknown_class(schema, arrays):
    schema["__module__"], schema["__class__"] = "subprocess", "Popen"


def _garbage_schema(blob: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", "{not json")
    return out.getvalue()


# ---- where things are inside a model -----------------------------------------------------------
def _pipeline(modality):
    """The fitted Pipeline inside an emolab ModalityClassifier."""
    return modality.model_.model_


def _tree(model, i: int = 0):
    return model.estimators_[i].tree_


def _late_tree(model, part: str, i: int):
    return _pipeline(getattr(model, part))["classify"].estimators_[i].tree_


def _split(tree) -> int:
    """A split node other than the root."""
    return int(np.flatnonzero(tree.children_left[1:] != -1)[0] + 1)


def _leaf(tree) -> int:
    return int(np.flatnonzero(tree.children_left == -1)[0])


def _set(obj, name: str, value) -> None:
    setattr(obj, name, value)


def _assign(array, index, value) -> None:
    """array[index] = value (a tree's node arrays are views: this edits the tree)."""
    array[index] = value


def _misplace_random_state(mlp) -> None:
    state = list(mlp._random_state.get_state())
    state[2] = 10**6  # position in the 624-word key
    mlp._random_state.set_state(tuple(state))


def _svc(model):
    return _pipeline(model)["classify"]


def _negative_support_counts(svc) -> None:
    counts = svc._n_support.copy()
    counts[0] -= 10**9
    counts[1] += 10**9  # the sum, which scikit-learn checks, stays right
    svc._n_support = counts


# id: (base, mutation, text the refusal must contain)
MUTANTS: dict[str, tuple[str, Mutation, str]] = {
    # decision trees (a bare random forest on 5 features, 3 classes)
    "tree-right-child-out-of-range": ("forest", on_object(
        lambda m: _assign(_tree(m, 1).children_right, 0, 99999)),
        "tree 1 node 0: right child 99999 out of range (node count"),
    "tree-left-child-negative": ("forest", on_object(
        lambda m: _assign(_tree(m).children_left, 0, -7)),
        "tree 0 node 0: left child -7 out of range"),
    "tree-cycle-to-root": ("forest", on_object(
        lambda m: _assign(_tree(m).children_left, _split(_tree(m)), 0)),
        "tree 0 node 0: is reached twice from the root"),
    "tree-self-loop": ("forest", on_object(
        lambda m: _assign(_tree(m).children_right, _split(_tree(m)), _split(_tree(m)))),
        "is reached twice from the root"),
    "tree-shared-child": ("forest", on_object(
        lambda m: _assign(_tree(m).children_right, 0, _tree(m).children_left[0])),
        "is reached twice from the root"),
    "tree-unreachable-subtree": ("forest", on_object(
        lambda m: [_assign(_tree(m).children_right, _split(_tree(m)), -1),
                   _assign(_tree(m).children_left, _split(_tree(m)), -1)]),
        "cannot be reached from the root"),
    "tree-leaf-with-one-child": ("forest", on_object(
        lambda m: _assign(_tree(m).children_right, _leaf(_tree(m)), 0)),
        "a leaf has both -1"),
    "tree-feature-out-of-range": ("forest", on_object(
        lambda m: _assign(_tree(m, 2).feature, 0, 5)),
        "tree 2 node 0: feature 5 out of range (5 features)"),
    "tree-feature-negative": ("forest", on_object(
        lambda m: _assign(_tree(m).feature, 0, -3)),
        "node 0: feature -3 out of range"),
    "tree-threshold-nan": ("forest", on_object(
        lambda m: _assign(_tree(m).threshold, 0, np.nan)),
        "node 0: threshold nan is not finite"),
    "tree-threshold-inf": ("forest", on_object(
        lambda m: _assign(_tree(m).threshold, 0, np.inf)),
        "node 0: threshold inf is not finite"),
    "tree-value-nan": ("forest", on_object(
        lambda m: _assign(_tree(m).value, (0, 0, 0), np.nan)),
        "value array: has NaN or infinite values"),
    "tree-value-wrong-shape": ("forest", on_archive(_tree_values_one_class_too_many),
        "not a readable skops model (Wrong shape for value array"),
    "tree-node-count-zero": ("forest", on_archive(_tree_node_count(0)),
        "node count 0 outside 1…"),
    "tree-node-count-negative": ("forest", on_archive(_tree_node_count(-5)),
        "node count -5 outside 1…"),
    "tree-fewer-features-than-forest": ("forest", on_object(
        lambda m: _set(m.estimators_[0], "n_features_in_", 3)),
        "expects 3 features but gets 5"),
    "forest-class-count": ("forest", on_object(lambda m: _set(m, "n_classes_", 5)),
        "n_classes_: is 5, not 3"),
    "forest-without-trees": ("forest", on_object(lambda m: _set(m, "estimators_", [])),
        "estimators_: is not a non-empty list of trees"),
    # trees deep inside emolab's late fusion
    "fusion-tree-child-out-of-range": ("late-rf", on_object(
        lambda m: _assign(_late_tree(m, "audio_", 3).children_right, 0, 99999)),
        "model.audio_.model_.model_['classify']: "
        "tree 3 node 0: right child 99999 out of range"),
    "fusion-tree-feature-out-of-range": ("late-rf", on_object(
        lambda m: _assign(_late_tree(m, "body_", 0).feature, 0, 10**6)),
        "feature 1000000 out of range (9 features)"),
    "fusion-late-weights-nan": ("late-rf", on_object(
        lambda m: _set(m, "weights_", (np.nan, 1.0))),
        "weights_[0]: is nan, not a finite number"),
    "fusion-late-parts-swapped": ("late-rf", on_object(
        lambda m: _set(m, "audio_", m.body_)),
        "model.audio_: is the 'body' classifier"),
    # logistic regression, per-participant scaler, class lists, calibration (early fusion)
    "logreg-coef-wrong-shape": ("early-logreg", on_object(
        lambda m: _set(_pipeline(m)["classify"], "coef_",
                       _pipeline(m)["classify"].coef_[:, :-1].copy())),
        f"['classify'].coef_: has shape (8, {EARLY - 1}), expected 8×{EARLY}"),
    "logreg-coef-nan": ("early-logreg", on_object(
        lambda m: _assign(_pipeline(m)["classify"].coef_, (2, 5), np.nan)),
        "coef_: has NaN or infinite values"),
    "logreg-intercept-wrong-length": ("early-logreg", on_object(
        lambda m: _set(_pipeline(m)["classify"], "intercept_",
                       _pipeline(m)["classify"].intercept_[:2].copy())),
        "intercept_: has shape (2,), expected 8"),
    "logreg-coef-missing": ("early-logreg", on_object(
        lambda m: delattr(_pipeline(m)["classify"], "coef_")),
        "coef_: is a NoneType, not an array"),
    "scaler-mean-wrong-length": ("early-logreg", on_object(
        lambda m: _set(_pipeline(m)["normalise"], "mean_",
                       _pipeline(m)["normalise"].mean_[:-1].copy())),
        f"['normalise'].mean_: has shape ({EARLY - 1},), expected {EARLY}"),
    "scaler-scale-zero": ("early-logreg", on_object(
        lambda m: _assign(_pipeline(m)["normalise"].scale_, 3, 0.0)),
        "scale_: has values that are not positive"),
    "scaler-mean-inf": ("early-logreg", on_object(
        lambda m: _assign(_pipeline(m)["normalise"].mean_, 0, np.inf)),
        "mean_: has NaN or infinite values"),
    "scaler-column-out-of-range": ("early-logreg", on_object(
        lambda m: _set(_pipeline(m)["normalise"], "columns",
                       (*_pipeline(m)["normalise"].columns[:-1], 999))),
        f"columns[{EARLY - 1}]: is 999, outside 1…{EARLY}"),
    "classes-wrapper-lacks-one": ("early-logreg", on_object(
        lambda m: _set(m, "classes_", m.classes_[:-1].copy())),
        "that the wrapper lacks"),
    "classes-repeated": ("early-logreg", on_object(
        lambda m: _assign(m.classes_, 1, m.classes_[0])),
        "model.classes_: is not sorted and unique"),
    "classes-two-dimensional": ("early-logreg", on_object(
        lambda m: _set(m, "classes_", m.classes_.reshape(2, -1))),
        "model.classes_: has shape (2, 4)"),
    "calibrated-classes-differ": ("early-logreg", on_object(
        lambda m: _set(m.model_, "classes_", m.classes_[1:].copy())),
        "differ from the wrapper's"),
    "temperature-nan": ("early-logreg", on_object(
        lambda m: _set(m.model_, "temperature_", np.nan)),
        "temperature_: is nan, not a finite positive number"),
    "temperature-negative": ("early-logreg", on_object(
        lambda m: _set(m.model_, "temperature_", -2.0)),
        "temperature_: is -2.0, not a finite positive number"),
    "modality-unknown": ("early-logreg", on_object(lambda m: _set(m, "modality", "smell")),
        "model.modality: is 'smell'"),
    "inner-model-is-a-dict": ("early-logreg", on_object(
        lambda m: _set(m.model_, "model_", {"coef": np.zeros(3)})),
        "model.model_.model_: is a dict, expected Pipeline"),
    "step-of-unknown-type": ("early-logreg", on_object(
        lambda m: _assign(_pipeline(m).steps, 0, ("normalise", FunctionTransformer(np.exp)))),
        "FunctionTransformer, which emolab does not know how to check"),
    # support vector machine (libsvm reads by the counts in _n_support)
    "svc-support-counts-negative": ("body-svm", on_object(
        lambda m: _negative_support_counts(_svc(m))),
        "_n_support: [-"),
    "svc-dual-coef-wrong-shape": ("body-svm", on_object(
        lambda m: _set(_svc(m), "_dual_coef_", _svc(m)._dual_coef_[:, :1].copy())),
        "_dual_coef_: has shape"),
    "svc-intercept-wrong-length": ("body-svm", on_object(
        lambda m: _set(_svc(m), "_intercept_", _svc(m)._intercept_[:1].copy())),
        "_intercept_: has shape (1,), expected 28"),
    "svc-precomputed-kernel": ("body-svm", on_object(
        lambda m: _set(_svc(m), "kernel", "precomputed")),
        "kernel: is 'precomputed'"),
    "svc-support-vectors-nan": ("body-svm", on_object(
        lambda m: _assign(_svc(m).support_vectors_, (0, 0), np.nan)),
        "support_vectors_: has NaN or infinite values"),
    # multi-layer perceptron
    "mlp-weights-wrong-shape": ("audio-mlp", on_object(
        lambda m: _assign(_pipeline(m)["classify"].coefs_, 0,
                          _pipeline(m)["classify"].coefs_[0][:-1].copy())),
        f"coefs_[0]: has shape ({AUDIO - 1}, 64), expected {AUDIO}×any"),
    "mlp-weights-nan": ("audio-mlp", on_object(
        lambda m: _assign(_pipeline(m)["classify"].coefs_[1], (0, 0), np.nan)),
        "coefs_[1]: has NaN or infinite values"),
    "mlp-layer-count": ("audio-mlp", on_object(
        lambda m: _set(_pipeline(m)["classify"], "n_layers_", 5)),
        "and n_layers_ 5"),
    "mlp-random-state-position": ("audio-mlp", on_object(
        lambda m: _misplace_random_state(_pipeline(m)["classify"])),
        "has an invalid generator state (position 1000000)"),
    # not a model at all
    "truncated-archive": ("early-logreg", lambda b: b[: len(b) // 2],
        "not a readable skops model"),
    "random-bytes": ("early-logreg",
        lambda b: np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "not a readable skops model"),
    "empty-file": ("early-logreg", lambda b: b"", "is empty, not a skops model"),
    "schema-not-json": ("early-logreg", _garbage_schema, "not a readable skops model"),
    "top-level-dict": ("early-logreg", replaced_by(skops.io.dumps({"coef": np.zeros(3)})),
        "model: is a dict, not a classifier"),
    "top-level-array": ("early-logreg", replaced_by(skops.io.dumps(np.zeros((3, 3)))),
        "model: is a numpy.ndarray, not a classifier"),
    "top-level-unfitted": ("early-logreg", replaced_by(skops.io.dumps(LogisticRegression())),
        "n_features_in_: is None, not an integer"),
    "untrusted-type": ("early-logreg", replaced_by(skops.io.dumps({"model": Payload()})),
        "outside emolab's allow-list"),
    "schema-names-subprocess": ("early-logreg", on_archive(_unknown_class),
        "subprocess.Popen"),
}  # fmt: skip

# Loads each named file with model_from_bytes and, if it loads, predicts on its input.
CHILD = """
import sys
import numpy as np
from emolab.models.data import N_EXTENDED
from emolab.models.modes import N_AUDIO, N_BODY
from emolab.models.persistence import model_from_bytes
folder = sys.argv[1]
for name in sys.argv[2:]:
    print("start", name, flush=True)
    with open(f"{folder}/{name}.skops", "rb") as f:
        data = f.read()
    try:
        model = model_from_bytes(data, name)
    except Exception as exc:
        print("refused", name, type(exc).__name__, str(exc).replace("\\n", " "), flush=True)
        continue
    try:
        proba = model.predict_proba(np.load(f"{folder}/{name}.npy"))
    except Exception as exc:
        print("failed", name, type(exc).__name__, str(exc).replace("\\n", " "), flush=True)
        continue
    print("predicted", name, "finite" if np.isfinite(proba).all() else "not-finite", flush=True)
"""


@dataclass
class Outcome:
    kind: str  # refused / failed (predict raised) / predicted / crashed / hung
    detail: str


def run_children(folder: Path, names: list[str], code: str = CHILD,
                 timeout_s: float = CHILD_TIMEOUT_S) -> dict[str, Outcome]:  # fmt: skip
    """Outcome of every file; a child that dies is restarted after the file it died on."""
    outcomes: dict[str, Outcome] = {}
    todo = list(names)
    while todo:
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(folder), *todo],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(emolab.__file__).parents[1],
        )  # fmt: skip
        try:
            out, err = child.communicate(timeout=timeout_s)
            ending = f"exit code {child.returncode}: {err.strip()[-300:]}"
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
            ending = f"no answer within {timeout_s} s"
        current = None
        for line in out.splitlines():
            kind, name, *rest = line.split(" ", 2)
            if kind == "start":
                current = name
            else:
                outcomes[name] = Outcome(kind, rest[0] if rest else "")
                current = None
        if current is not None:
            hung = ending.startswith("no answer")
            outcomes[current] = Outcome("hung" if hung else "crashed", ending)
        elif child.returncode != 0:
            raise AssertionError(f"the child failed outside any model file: {ending}")
        todo = [n for n in todo if n not in outcomes]
    return outcomes


@pytest.fixture(scope="session")
def outcomes(bases, tmp_path_factory) -> dict[str, Outcome]:
    folder = tmp_path_factory.mktemp("mutants")
    for name, base in bases.items():
        (folder / f"original-{name}.skops").write_bytes(base.blob)
        np.save(folder / f"original-{name}.npy", base.X)
    for name, (base, mutate, _) in MUTANTS.items():
        (folder / f"{name}.skops").write_bytes(mutate(bases[base].blob))
        np.save(folder / f"{name}.npy", bases[base].X)
    return run_children(folder, [f"original-{n}" for n in bases] + list(MUTANTS))


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_refused_without_crashing(outcomes, name):
    outcome = outcomes[name]
    assert outcome.kind == "refused", f"{name}: {outcome.kind} ({outcome.detail})"
    error, message = outcome.detail.split(" ", 1)
    assert error == "UnsafeModel", message
    assert MUTANTS[name][2] in message


@pytest.mark.parametrize("base", ["forest", "late-rf", "early-logreg", "body-svm", "audio-mlp"])
def test_unmutated_model_loads_and_predicts(outcomes, base):
    outcome = outcomes[f"original-{base}"]
    assert (outcome.kind, outcome.detail) == ("predicted", "finite")


MISBEHAVING_CHILD = """
import os, sys, time
for name in sys.argv[2:]:
    print("start", name, flush=True)
    if name == "crash":
        os.abort()
    if name == "hang":
        time.sleep(60)
    print("refused", name, "UnsafeModel stand-in", flush=True)
"""


def test_a_crash_or_hang_is_pinned_on_its_file(tmp_path):
    names = ["first", "crash", "middle", "hang", "last"]
    found = run_children(tmp_path, names, MISBEHAVING_CHILD, timeout_s=3)
    assert {n: o.kind for n, o in found.items()} == {
        "first": "refused", "crash": "crashed", "middle": "refused", "hang": "hung",
        "last": "refused",
    }  # fmt: skip


def test_the_expected_width_is_checked(bases):
    width = RECORDING_COLUMNS  # participant | audio | body | extended
    model = model_from_bytes(bases["late-rf"].blob, "late.skops", n_features=width)
    validate_estimator(model, width + 1, "late.skops")  # later columns are ignored
    with pytest.raises(UnsafeModel, match=f"expects {width} features but gets {width - 1}"):
        validate_estimator(model, width - 1, "late.skops")


def test_report_reads_as_a_sentence():
    assert str(PredictReport(1)) == "1 suggestion added."
    assert str(PredictReport(0, ["Model 2 'x' could not be loaded (…)."])) == (
        "No suggestions were added. Model 2 'x' could not be loaded (…)."
    )


# ---- the project: activation, fallback, listing ------------------------------------------------
@pytest.fixture(scope="session")
def early(bases, small_dataset) -> TrainedModel:
    estimator = model_from_bytes(bases["early-logreg"].blob)
    card = model_card(small_dataset, "early", "logreg", estimator, None, True, "test")
    return TrainedModel(estimator, card)


def _tampered(bases, early: TrainedModel) -> TrainedModel:
    """The early model with a NaN coefficient (add_model stores it as it is)."""
    blob = MUTANTS["logreg-coef-nan"][1](bases["early-logreg"].blob)
    return TrainedModel(_load(blob), early.card)


def _set_card(project: Project, model_id: int, text: str) -> None:
    with project.transaction():
        project.execute("UPDATE models SET card = ? WHERE id = ?", (text, model_id))


def test_activate_model_refuses_a_model_that_does_not_validate(tmp_path, bases, early):
    with Project.create(tmp_path / "p.emolab") as project:
        good = add_model(project, early)
        bad = add_model(project, _tampered(bases, early), activate=False, name="shared")
        forest = add_model(project, TrainedModel(_load(bases["forest"].blob), early.card),
                           activate=False)  # fmt: skip
        broken_card = add_model(project, early, activate=False)
        _set_card(project, broken_card, '{"fusion": ')
        with pytest.raises(UnsafeModel, match=rf"model {bad} 'shared' was not made active: "
                           r".*\['classify'\]\.coef_: has NaN"):  # fmt: skip
            activate_model(project, bad)
        with pytest.raises(UnsafeModel, match="RandomForestClassifier, not an emolab fusion"):
            activate_model(project, forest)
        with pytest.raises(ProjectError, match="not made active: its model card is not valid"):
            activate_model(project, broken_card)
        assert [m.id for m in models(project) if m.active] == [good]
        activate_model(project, good)


def test_a_broken_active_model_gives_way_to_the_bundled_one(bases, early, demo_copy):
    with Project.open(demo_copy) as project:
        bad = add_model(project, _tampered(bases, early), name="v3 early/logreg")
        report = run_to_end(predict_missing(project))
        [notice] = report.notices
        assert notice.startswith(f"Model {bad} 'v3 early/logreg' could not be loaded (model.")
        assert "coef_: has NaN or infinite values" in notice
        assert notice.endswith("); using the bundled default model instead.")
        assert str(report) == f"240 suggestions added. {notice}"
        listed = {m.id: m for m in models(project)}
        assert not listed[bad].active  # kept for the user, only set aside
        [bundled] = [m for m in listed.values() if m.active]
        assert bundled.bundled
        assert {s.model_id for s in suggestions(project)} == {bundled.id}
        again = run_to_end(predict_missing(project))
        assert (again.added, again.notices) == (0, [])


def test_models_flags_broken_cards_and_a_broken_active_card_falls_back(tmp_path, early):
    with Project.create(tmp_path / "p.emolab") as project:
        first = add_model(project, early, activate=False)
        empty = add_model(project, early, activate=False)
        garbled = add_model(project, early, activate=False)
        odd = add_model(project, early, activate=False)
        mine = add_model(project, early, name="mine")
        _set_card(project, empty, "")
        _set_card(project, garbled, '{"fusion": ')
        _set_card(project, odd, json.dumps({**early.card, "evaluation": {"uar": "high"}}))
        _set_card(project, mine, "null")
        listed = {m.id: m for m in models(project)}
        assert listed[first].problem is None and listed[first].card["fusion"] == "early"
        assert (listed[empty].card, listed[empty].problem) == ({}, "its model card is empty")
        assert listed[garbled].problem.startswith("its model card is not valid JSON (")
        assert listed[odd].problem.startswith("its model card's 'evaluation' entry lacks numeric")
        assert listed[mine].problem == "its model card is not a JSON object"
        report = run_to_end(predict_missing(project))  # no recordings: only the model changes
        assert report.notices == [
            f"Model {mine} 'mine' could not be loaded (its model card is not a JSON object); "
            "using the bundled default model instead."
        ]
        assert str(report).startswith("No suggestions were added. Model")
        active = active_model(project)
        assert active.notice is None and active.id != mine
        assert [m.bundled for m in models(project) if m.active] == [True]
