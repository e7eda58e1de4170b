"""The bundled default model predicts unseen (synthetic) participants as its card says."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emolab.core.progress import run_to_end
from emolab.models.persistence import model_from_bytes
from emolab.models.training import predict
from emolab.project.demo import build_demo_project
from emolab.project.features import extract_features, feature_table
from emolab.project.store import Project
from emolab.resources import resource_path

MARGIN = 0.15  # 2 unseen participants vary more than the card's 11-fold estimate


def test_bundled_card_describes_the_model():
    card = json.loads(resource_path("models", "default.card.json").read_text())
    assert card["training"]["synthetic"] is True
    assert "SYNTHETIC" in card["note"]
    assert card["evaluation"]["split"] == "leave one participant out"
    assert len(card["features"]["audio"]["names"]) == 28
    assert len(card["features"]["body"]["names"]) == 9


@pytest.mark.slow
def test_bundled_model_meets_its_card_on_unseen_participants(tmp_path):
    card = json.loads(resource_path("models", "default.card.json").read_text())
    model = model_from_bytes(resource_path("models", "default.skops").read_bytes())
    # another seed makes participants the bundled model never saw
    path = run_to_end(build_demo_project(tmp_path, participants=2, seed=123))
    with Project.open(path) as project:
        run_to_end(extract_features(project))
        data = feature_table(project)
    prediction = predict(model, data)
    predicted = np.array(prediction.classes)[prediction.proba.argmax(axis=1)]
    recalls = [np.mean(predicted[data.labels == c] == c) for c in np.unique(data.labels)]
    assert np.mean(recalls) >= card["evaluation"]["uar"] - MARGIN


def test_the_bundled_card_states_its_data_features_and_real_data_behaviour():
    from emolab.models.modes import DEFAULT_KINDS
    from emolab.project.models import bundled_model_files

    _blob, card = bundled_model_files()
    assert card["training"]["synthetic"] is True
    assert card["training_data"].startswith("SYNTHETIC: ")
    assert "near-chance" in card["expected_real_data"]
    assert card["features"]["audio_set"] == "extended"
    assert len(card["features"]["audio_extended"]["names"]) == 88
    assert card["estimators"] == {"temporal": DEFAULT_KINDS["temporal"]}
    assert "second temperature" in card["calibration"]
    assert {"audio", "body", "voice"} <= set(card["domain"])
