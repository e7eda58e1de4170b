"""Choosing the classifier per modality on the project's own data ('auto'), nested inside
evaluation, and recorded in the card."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.core.progress import run_to_end
from emolab.models.data import N_EXTENDED, Dataset
from emolab.models.evaluation import evaluate
from emolab.models.modes import DEFAULT_KINDS, MODEL_KINDS, N_AUDIO, N_BODY
from emolab.models.selection import (
    Selection,
    describe_kind,
    kinds_of,
    make_selected,
    select,
)
from emolab.models.training import fit_selected, model_card


def _xor_dataset(participants: int = 4, per: int = 40, seed: int = 0) -> Dataset:
    """Two labels decided by the signs of two body features together (an XOR): no linear
    model can separate them, a forest or an RBF SVM can. Audio is noise."""
    rng = np.random.default_rng(seed)
    n = participants * per
    body = rng.normal(size=(n, N_BODY))
    labels = np.where((body[:, 0] > 0) ^ (body[:, 1] > 0), "happy", "sad")
    body[:, :2] += np.sign(body[:, :2]) * 0.5  # a margin around the quadrants
    body[:, 2:] = 0.0  # the other body features carry nothing (not even noise)
    return Dataset(
        recording_ids=np.arange(1, n + 1), keys=[f"r{i}" for i in range(n)], labels=labels,
        participants=np.repeat([f"P{p:02d}" for p in range(participants)], per),
        collections=np.full(n, ""), audio=rng.normal(size=(n, N_AUDIO)), body=body,
        baseline=np.full((n, 40), np.nan), audio_windows=[None] * n, body_windows=[None] * n,
        extended=rng.normal(size=(n, N_EXTENDED)),
    )  # fmt: skip


@pytest.fixture(scope="module")
def xor() -> Dataset:
    return _xor_dataset()


@pytest.fixture(scope="module")
def body_choice(xor) -> Selection:
    return select(xor, "body", "extended")


def test_selection_scores_every_kind_and_picks_a_nonlinear_one_for_an_xor(body_choice):
    scores = body_choice.scores["body"]
    assert set(scores) == set(MODEL_KINDS)
    assert all(s is not None and 0 <= s <= 1 for s in scores.values())
    assert scores["logreg"] < 0.7  # a line cannot split an XOR
    chosen = body_choice.chosen["body"]
    assert chosen != "logreg"
    assert scores[chosen] == max(scores.values()) and scores[chosen] > 0.85
    assert body_choice.folds == 4  # one inner fold per participant


def test_ties_go_to_the_simpler_kind(monkeypatch, xor):
    from emolab.models import selection

    monkeypatch.setattr(selection, "_score_kind", lambda *a: 0.5)
    assert select(xor, "body", "extended").chosen == {"body": MODEL_KINDS[0]}


def test_a_part_that_cannot_be_trained_keeps_its_default(xor):
    no_audio = xor.subset(np.arange(len(xor)))
    no_audio.audio[:] = np.nan
    no_audio.extended[:] = np.nan
    choice = select(no_audio, "late", "extended")
    assert choice.chosen["audio"] == DEFAULT_KINDS["audio"] and choice.scores["audio"] == {}
    assert choice.chosen["body"] != "logreg"


def test_late_fusion_takes_a_kind_per_part():
    model = make_selected("late", Selection({"audio": "logreg", "body": "rf"}, {}), "seed28")
    assert kinds_of(model) == {"audio": "logreg", "body": "rf"}
    assert describe_kind("late", "default") == (f"{DEFAULT_KINDS['audio']}+{DEFAULT_KINDS['body']}")
    assert describe_kind("early", "mlp") == "mlp" and describe_kind("body", "auto") == "auto"


def test_auto_is_fit_with_the_choice_and_the_card_records_it(xor, body_choice):
    model, selection = fit_selected(xor, "body", "auto")
    assert selection is not None and selection.chosen == body_choice.chosen
    assert kinds_of(model) == selection.chosen
    card = model_card(xor, "body", "auto", model, None, synthetic=True, source="test",
                      selection=selection)  # fmt: skip
    assert card["requested_estimator"] == "auto"
    assert card["estimator"] == selection.chosen["body"]
    assert card["selection"]["chosen"] == selection.chosen
    assert card["selection"]["scores"]["body"]["logreg"] == selection.scores["body"]["logreg"]
    assert "leave-one-participant-out" in card["selection"]["method"]
    # a fixed kind records no selection
    fixed, none = fit_selected(xor, "body", "logreg")
    assert none is None and kinds_of(fixed) == {"body": "logreg"}


def test_evaluating_auto_chooses_inside_every_outer_fold(xor):
    result = run_to_end(evaluate(xor, "body", "auto"))
    assert result.model == "auto"
    assert len(result.selections) == 4  # one choice per held-out participant
    held_out = {s["held_out"] for s in result.selections}
    assert held_out == {f"P{p:02d}" for p in range(4)}
    for s in result.selections:
        assert s["folds"] == 3  # the inner loop never sees the held-out participant
        assert s["chosen"]["body"] != "logreg"
    assert result.uar > 0.85
