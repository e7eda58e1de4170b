"""The evaluation view's baseline job: a failure frees the button and lets go of the view."""

from __future__ import annotations

import emolab.project.training as training
from emolab.core.errors import EmolabError


def test_a_failed_baseline_job_frees_the_button_and_lets_go_of_the_view(qtbot, window,
                                                                       monkeypatch):  # fmt: skip
    def broken(*args, **kwargs):
        raise EmolabError("no features for these labels")
        yield  # a job is a generator

    monkeypatch.setattr(training, "evaluate_project", broken)
    (model_id,) = [r[0] for r in window.project.execute("SELECT id FROM models WHERE active = 1")]
    view = window.models.evaluate(model_id)
    qtbot.addWidget(view)
    view.show()
    idle = view.baseline_button.text()
    view.baseline_button.click()
    assert not view.baseline_button.isEnabled()
    qtbot.waitUntil(view.baseline_button.isEnabled, timeout=30_000)
    assert view.baseline_button.text().startswith(idle)
    assert "no features for these labels" in view.baseline_button.text()
    assert view.baseline is None
    # a later baseline job's result is not delivered to this view any more

    class Report:
        baseline = None

    window.jobs.finished.emit("baseline", Report())
    assert "no features" in view.baseline_button.text()
    view.close()
