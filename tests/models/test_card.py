"""Model cards of both formats load, read alike and are checked strictly."""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pytest

from emolab.core.errors import ProjectError
from emolab.core.progress import run_to_end
from emolab.models.card import (
    CARD_V1,
    CARD_V2,
    card_classes,
    card_labels,
    card_summary,
    check_card,
)
from emolab.models.evaluation import evaluate
from emolab.models.training import TrainedModel, fit, model_card
from emolab.project.models import activate_model, active_model, add_model, bundled_model_files
from emolab.project.models import models as stored_models
from emolab.project.store import Project


@pytest.fixture(scope="module")
def body(small_dataset) -> TrainedModel:
    """A body-only model with a format-2 card and an evaluation."""
    estimator = fit(small_dataset, "body")
    evaluation = run_to_end(evaluate(small_dataset, "body"))
    card = model_card(small_dataset, "body", "logreg", estimator, evaluation, True, "test")
    return TrainedModel(estimator, card, evaluation)


def _v1(card: dict) -> dict:
    """The same card as format 1 wrote it: classes under 'labels', no label counts."""
    old = {k: v for k, v in card.items() if k not in ("classes", "labels")}
    evaluation = {k: v for k, v in card["evaluation"].items()
                  if k in ("fusion", "model", "split", "accuracy", "uar", "macro_f1", "ece",
                           "confusion", "labels")}  # fmt: skip
    return {**old, "format": CARD_V1, "labels": card["classes"], "evaluation": evaluation}


def test_the_bundled_card_is_format_2_and_a_format_1_card_reads_like_it(body):
    _, card = bundled_model_files()
    assert card["format"] == CARD_V2 and check_card(card) is card
    assert {"audio", "body"} <= set(card["domain"])  # what its training data looks like
    old = _v1(card)  # the bundled card before issue 14, as format 1 wrote it
    assert check_card(old) is old
    assert card_classes(old) == old["labels"] and len(card_classes(old)) == 8
    assert card_labels(old) == {"source": "intended", "min_raters": None, "min_agreement": None,
                                "recordings": old["training"]["recordings"],
                                "per_class": None, "excluded": None}  # fmt: skip
    summary = card_summary(old)
    assert summary["metrics"]["intervals"] is None and summary["metrics"]["uar"] > 0
    assert set(summary["features"]) == {"audio", "body", "windows"}


def test_a_new_card_is_format_2_with_classes_labels_and_intervals(body, small_dataset):
    card = body.card
    assert card["format"] == CARD_V2 and check_card(card) is card
    assert card_classes(card) == sorted(set(small_dataset.labels))
    labels = card_labels(card)
    assert labels["source"] == "intended" and labels["recordings"] == len(small_dataset)
    assert labels["excluded"] == {}
    assert set(card["evaluation"]["intervals"]) == {"uar", "accuracy", "macro_f1", "ece"}
    json.dumps(card)  # JSON-ready
    summary = card_summary(card)
    assert set(summary["features"]) == {"body"} and summary["features"]["body"]["count"] == 9
    assert summary["metrics"]["reliable"] is True


def test_both_formats_load_from_a_project(tmp_path, body):
    old = TrainedModel(body.estimator, _v1(body.card))
    with Project.create(tmp_path / "p.emolab") as project:
        v1 = add_model(project, old, activate=False)
        v2 = add_model(project, body, activate=False)
        for model_id in (v1, v2):
            activate_model(project, model_id)
            assert active_model(project).id == model_id
        listed = {m.id: m.summary() for m in stored_models(project)}
        assert listed[v1]["card_format"] == CARD_V1 and listed[v1]["labels"]["per_class"] is None
        assert listed[v2]["labels"]["per_class"] == body.card["labels"]["per_class"]
        assert listed[v1]["classes"] == listed[v2]["classes"]
        assert active_model(project).notice is None


BROKEN = {
    "an unknown format": (lambda c: c.update(format="emolab-model-card/9"), "unknown format"),
    "no format": (lambda c: c.pop("format"), "unknown format None"),
    "an unknown fusion": (lambda c: c.update(fusion="quantum"), "unknown fusion mode"),
    "an unknown classifier": (lambda c: c.update(estimator="gpt"), "unknown classifier"),
    "no classes": (lambda c: c.pop("classes"), "'classes' is not a list"),
    "repeated classes": (lambda c: c.update(classes=["a", "a"]), "'classes' is not a list"),
    "classes as text": (lambda c: c.update(classes="ab"), "'classes' is not a list"),
    "a list of labels": (lambda c: c.update(labels=["a", "b"]), "'labels' entry is not an obj"),
    "an odd source": (lambda c: c["labels"].update(source="rater:"), "label source 'rater:'"),
    "a negative count": (lambda c: c["labels"]["excluded"].update(tie=-1), "table of counts"),
    "counts that differ": (lambda c: c["labels"].update(recordings=1), "do not add up"),
    "a bad agreement": (lambda c: c["labels"].update(min_agreement=2), "share"),
    "no intervals": (lambda c: c["evaluation"].pop("intervals"), "lacks a [low, high]"),
    "a reversed interval": (
        lambda c: c["evaluation"]["intervals"].update(uar=[0.9, 0.1]),
        "lacks a [low, high]",
    ),
    "no reliability flag": (lambda c: c["evaluation"].pop("reliable"), "'evaluation.reliable'"),
    "a text figure": (lambda c: c["evaluation"].update(macro_f1="good"), "lacks numeric"),
    "a training list": (lambda c: c.update(training=[]), "'training' entry is not an object"),
}


@pytest.mark.parametrize("what", BROKEN)
def test_a_card_not_shaped_as_its_format_promises_is_refused(body, what):
    change, message = BROKEN[what]
    card = copy.deepcopy(body.card)
    change(card)
    with pytest.raises(ValueError, match=re.escape(message)):
        check_card(card)


def test_a_format_1_card_is_checked_as_strictly(body):
    card = _v1(body.card)
    check_card(card)
    for change in (lambda c: c.pop("labels"), lambda c: c.update(labels={"source": "x"}),
                   lambda c: c["evaluation"].pop("ece")):  # fmt: skip
        broken = copy.deepcopy(card)
        change(broken)
        with pytest.raises(ValueError, match="its model card"):
            check_card(broken)


def test_a_card_that_misdescribes_its_model_is_not_made_active(tmp_path, body):
    renamed = {**body.card, "classes": [*body.card["classes"][:-1], "zzz"]}
    wrong_fusion = {**body.card, "fusion": "audio"}
    with Project.create(tmp_path / "p.emolab") as project:
        first = add_model(project, TrainedModel(body.estimator, renamed), activate=False)
        second = add_model(project, TrainedModel(body.estimator, wrong_fusion), activate=False)
        with pytest.raises(ProjectError, match=r"names the classes .* but the model predicts"):
            activate_model(project, first)
        with pytest.raises(ProjectError, match="says 'audio' fusion, but the model is 'body'"):
            activate_model(project, second)
        assert not any(m.active for m in stored_models(project))
    assert np.array_equal(body.estimator.classes_, sorted(body.card["classes"]))
