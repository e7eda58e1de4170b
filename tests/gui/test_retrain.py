"""The research loop in the window: raters rate, a researcher trains on their consensus
from the dialog, reads the evaluation, activates versions and rolls back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emolab.project.ratings import set_field


def _rate_consensus(project, emotions_of: dict[int, str]) -> None:
    """Two raters agree on each recording's emotion (a third disagrees on a few)."""
    a, b, c = (project.ensure_rater(n) for n in ("ann", "ben", "cai"))
    for i, (rid, emotion) in enumerate(emotions_of.items()):
        set_field(project, rid, a, "emotion", emotion)
        set_field(project, rid, b, "emotion", emotion)
        if i % 7 == 0:
            set_field(project, rid, c, "emotion", "neutral" if emotion != "neutral" else "calm")


@pytest.fixture
def rated_window(window):
    project = window.project
    recordings = project.recordings()
    # two raters choose the intended emotion everywhere; a third disagrees on every seventh
    _rate_consensus(project, {r.id: r.emotion for r in recordings})
    window.refresh_rows()
    return window


def test_train_on_consensus_evaluate_activate_and_roll_back(qtbot, rated_window, tmp_path):
    window = rated_window
    before = window.session.model_id
    qtbot.waitUntil(lambda: window.rows_ready)
    suggestion_before = window.browser.model.table.row_at(0).suggestion  # the bundled model's
    assert suggestion_before
    dialog = window.models.train()
    qtbot.addWidget(dialog)
    dialog.source.setCurrentIndex(dialog.source.findData("consensus"))
    dialog.min_raters.setValue(2)
    counts = {dialog.counts.item(r, 0).text(): int(dialog.counts.item(r, 1).text())
              for r in range(dialog.counts.rowCount())}  # fmt: skip
    assert sum(n for k, n in counts.items() if not k.startswith("left out")) == 240
    dialog.min_raters.setValue(3)  # only every seventh recording has a third rater
    assert "too few raters" in " ".join(
        dialog.counts.item(r, 0).text() for r in range(dialog.counts.rowCount())
    )
    dialog.min_raters.setValue(2)
    dialog.fusion.setCurrentText("late")  # the classifier note names each part's default
    assert dialog.classifier_note.text() == (
        "audio: support vector machine (RBF), body: random forest"
    )
    dialog.fusion.setCurrentText("body")
    assert not dialog.audio_set.isEnabled()  # body features only: no audio set to choose
    dialog.fusion.setCurrentText("early")
    assert dialog.audio_set.isEnabled() and dialog.plan().audio_set == "extended"
    assert dialog.plan().kind == "default"
    assert dialog.train_button.isEnabled()
    dialog.train_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=120_000)
    new_id = dialog.report["model_id"]
    assert new_id != before
    qtbot.waitUntil(lambda: window.session.model_id == new_id and window.predictions_ready,
                    timeout=60_000)  # fmt: skip
    card = dialog.report["card"]
    assert card["labels"]["source"] == "consensus" and card["labels"]["recordings"] == 240
    assert card["features"]["audio_set"] == "extended" and card["estimator"] == "logreg"
    dialog.close()

    # the models panel lists it; its evaluation view shows the card's counts
    panel = window.models.panel
    assert new_id in [info.id for info in panel.infos]
    panel.select(new_id)
    panel.buttons["evaluate"].click()
    view = window.models.dialog
    qtbot.addWidget(view)
    e = card["evaluation"]
    shown = np.array([[int(view.confusion.item(r, c).text())
                       for c in range(view.confusion.columnCount())]
                      for r in range(view.confusion.rowCount())])  # fmt: skip
    assert shown.tolist() == e["confusion"]
    assert view.metrics.item(0, 0).text() == f"{e['uar']:.3f}"
    assert view.synthetic.isVisibleTo(view)
    view.baseline_button.click()  # the seed's baseline on the same labels, as a job
    qtbot.waitUntil(lambda: view.baseline is not None, timeout=120_000)
    assert view.metrics.item(0, 2).text() == f"{view.baseline['uar']:.3f}"
    assert view.metrics.item(0, 3).text().startswith("[")
    view.save(tmp_path / "evaluation.json")
    view.save(tmp_path / "evaluation.png")
    assert json.loads((tmp_path / "evaluation.json").read_text())["evaluation"]["uar"] == e["uar"]
    assert (tmp_path / "evaluation.png").stat().st_size > 10_000
    view.close()

    # the new version's suggestions are listed
    qtbot.waitUntil(lambda: window.rows_ready and window.predictions_ready, timeout=60_000)
    stored = window.project.execute(
        "SELECT COUNT(*) FROM suggestions WHERE model_id = ?", (new_id,)
    ).fetchone()[0]
    assert stored == 240
    # roll back: the previous model is active again and its suggestions are shown
    panel.buttons["roll_back"].click()
    qtbot.waitUntil(lambda: window.session.model_id == before and window.rows_ready
                    and window.predictions_ready, timeout=60_000)  # fmt: skip
    assert window.browser.model.table.row_at(0).suggestion == suggestion_before
    # activate the new one again
    panel.select(new_id)
    panel.buttons["activate"].click()
    qtbot.waitUntil(lambda: window.session.model_id == new_id, timeout=60_000)


def test_compare_two_versions_shows_their_difference(qtbot, rated_window):
    window = rated_window
    from emolab.core.progress import run_to_end
    from emolab.project.training import LabelSource, TrainingPlan, train

    project = window.project
    first = run_to_end(train(project, TrainingPlan("audio", labels=LabelSource("consensus"))))
    second = run_to_end(train(project, TrainingPlan("early", labels=LabelSource("consensus"))))
    window.models.refresh()
    panel = window.models.panel
    panel.select(first.model_id, second.model_id)
    assert panel.buttons["compare"].isEnabled()
    panel.buttons["compare"].click()
    view = window.models.dialog
    qtbot.addWidget(view)
    a, b = first.model.card["evaluation"], second.model.card["evaluation"]
    assert view.figures.item(0, 4).text() == f"{b['uar'] - a['uar']:+.3f}"
    diff = np.asarray(b["confusion"]) - np.asarray(a["confusion"])
    assert view.difference.item(0, 0).text() in (f"{diff[0, 0]:+.0f}", "0")
    # the active version cannot be deleted; an inactive one can
    panel.select(second.model_id)
    assert not panel.buttons["delete"].isEnabled()
    panel.select(first.model_id)
    panel.buttons["delete"].click()
    assert first.model_id not in [info.id for info in panel.infos]
