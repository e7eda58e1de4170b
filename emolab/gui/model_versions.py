"""The window's model commands: train (dialog), list versions, evaluate, compare, activate,
roll back and delete. Changes of the active model go through project.models and
project.training; the window then recomputes suggestions and refreshes its list."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from emolab.core.errors import EmolabError
from emolab.gui.dialogs import show_problem
from emolab.gui.evaluation_view import EvaluationView
from emolab.gui.models_panel import CompareView, ModelsPanel


class ModelVersions:
    """Owns the models panel and the dialogs it opens (the action table names ``models.*``)."""

    def __init__(self, window):
        self.window = window
        self.panel = ModelsPanel()
        self.dialog: QDialog | None = None  # the last dialog opened (tests look at it)
        self.panel.train_requested.connect(self.train)
        self.panel.evaluate_requested.connect(self.evaluate)
        self.panel.compare_requested.connect(self.compare)
        self.panel.activate_requested.connect(self.activate)
        self.panel.roll_back_requested.connect(self.roll_back)
        self.panel.delete_requested.connect(self.delete)

    @property
    def project(self):
        return self.window.session.project if self.window.session else None

    def refresh(self) -> None:
        """Re-read the versions (after training, activation, deletion or a new project)."""
        from emolab.project.models import models

        if self.project is None:
            self.panel.show_versions([], {})
            return
        infos = models(self.project)
        self.panel.show_versions(infos, {info.id: info.size for info in infos})

    def _info(self, model_id: int):
        from emolab.project.models import models

        return next(i for i in models(self.project) if i.id == model_id)

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.show()
        return dialog

    def train(self) -> QDialog | None:
        from emolab.gui.train_dialog import TrainDialog
        from emolab.project.training import label_counts

        if self.project is None:
            show_problem(self.window, "Train", "Open a project first.")
            return None
        raters = [name for _, name in self.project.raters()]
        project = self.project
        dialog = TrainDialog(project.path, raters,
                             lambda source, fusion: label_counts(project, source, fusion),
                             self.window)  # fmt: skip
        dialog.trained.connect(lambda _report: self.changed_active())
        return self._open(dialog)

    def evaluate(self, model_id: int) -> EvaluationView:
        info = self._info(model_id)
        view = EvaluationView(f"model {info.id} ({info.name})", info.card, self.window)
        view.baseline_button.clicked.connect(lambda: self._baseline(view, info.card))
        return self._open(view)

    def _baseline(self, view: EvaluationView, card: dict) -> None:
        """The seed's MFCC baseline on the labels this version was trained on (a job)."""
        from emolab.models.card import card_labels
        from emolab.project.store import Project
        from emolab.project.training import LabelSource, evaluate_project

        labels = card_labels(card)
        source = LabelSource.parse(labels.get("source") or "intended",
                                   labels.get("min_raters") or 2,
                                   labels.get("min_agreement") or 0.5)  # fmt: skip
        path = self.project.path

        def job(token):
            with Project.open(path) as project:
                return (yield from evaluate_project(project, (), labels=source, cancel=token))

        jobs = self.window.jobs
        idle_text = view.baseline_button.text()

        def ended(kind, report=None, problem: str | None = None):
            if kind != "baseline":
                return
            # every way the job ends lets go of the view (none stays connected)
            jobs.finished.disconnect(shown)
            jobs.failed.disconnect(failed)
            jobs.cancelled.disconnect(cancelled)
            if not view.isVisible():
                return
            if report is not None and report.baseline is not None:
                view.show_baseline(report.baseline.to_dict())
                return
            view.baseline_button.setEnabled(True)
            view.baseline_button.setText(f"{idle_text} (the last try: {problem})"[:160])
            view.baseline_button.setToolTip(f"The last try did not finish: {problem}")

        def shown(kind, report):
            ended(kind, report=report, problem="it gave no baseline")

        def failed(kind, message):
            ended(kind, problem=message)

        def cancelled(kind):
            ended(kind, problem="cancelled")

        view.baseline_button.setEnabled(False)
        view.baseline_button.setText("Evaluating the seed baseline …")
        jobs.finished.connect(shown)
        jobs.failed.connect(failed)
        jobs.cancelled.connect(cancelled)
        jobs.start("baseline", job)

    def compare(self, first: int, second: int) -> CompareView:
        return self._open(CompareView(self._info(first), self._info(second), self.window))

    def _change(self, what: str, change) -> None:
        try:
            change(self.project)
        except EmolabError as exc:
            show_problem(self.window, f"Cannot {what}", str(exc))
            return
        self.changed_active()

    def activate(self, model_id: int) -> None:
        from emolab.project.models import activate_model

        self._change("activate the model", lambda project: activate_model(project, model_id))

    def roll_back(self) -> None:
        from emolab.project.training import roll_back

        self._change("roll back", roll_back)

    def delete(self, model_id: int) -> None:
        from emolab.project.models import delete_model

        self._change("delete the model", lambda project: delete_model(project, model_id))

    def changed_active(self) -> None:
        """The active model (or the list) changed: suggestions of the active model for
        recordings that have none, a fresh list, and the panel."""
        window = self.window
        self.refresh()
        if window.session is not None:
            window.session.predictions_ready = False
            window.session.read_active_model()
            window.view.show_suggestion()
            window.refresh_rows()
            window.start_prediction()
