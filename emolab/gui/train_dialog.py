"""The train dialog: choose where labels come from (file names, the raters' consensus or
one rater), see at once how many usable recordings each class would have and what is
left out, choose fusion and classifier, and train as a job with progress and cancel.

Training runs :func:`emolab.project.training.train` on a worker thread with its own
project connection; the window stays responsive and shows the result when it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.evaluation_view import _item
from emolab.gui.job_dialog import JobDialog
from emolab.models.modes import AUDIO_SETS, DEFAULT_AUDIO_SET, FUSION_MODES, MODEL_KINDS
from emolab.models.selection import describe_kind
from emolab.project.training import LabelSource, TrainingPlan

CLASSIFIER_NAMES = {"logreg": "logistic regression", "svm": "support vector machine (RBF)",
                    "mlp": "small neural network", "rf": "random forest"}  # fmt: skip
AUDIO_SET_NAMES = {
    "extended": "extended: the 28 + 88 eGeMAPS-style functionals (pitch, voice quality, formants)",
    "seed28": "seed 28: MFCC, spectral and prosodic statistics only",
}


class TrainDialog(JobDialog):
    """See the module docstring. ``count(source)`` gives the live label counts
    (project.training.label_counts on the window's connection)."""

    trained = Signal(object)  # the report of project.training.train_project_file

    def __init__(self, project_path: Path, raters: list[str], count: Callable,
                 parent: QWidget | None = None):  # fmt: skip
        super().__init__("train", "Train", "Cancel training", "Training", parent)
        self.setWindowTitle("Train a model on this project's labels")
        self.resize(620, 640)
        self.project_path, self.count = project_path, count
        self.report = None
        self._problem: str | None = None
        form = QFormLayout()
        self.source = QComboBox()
        self.source.addItem("intended emotion (file names)", "intended")
        self.source.addItem("consensus of the raters", "consensus")
        for name in raters:
            self.source.addItem(f"one rater: {name}", f"rater:{name}")
        self.min_raters = QSpinBox()
        self.min_raters.setRange(1, 50)
        self.min_raters.setValue(2)
        self.min_agreement = QDoubleSpinBox()
        self.min_agreement.setRange(0.5, 1.0)
        self.min_agreement.setSingleStep(0.05)
        self.min_agreement.setValue(0.5)
        self.fusion = QComboBox()
        for mode in FUSION_MODES:
            self.fusion.addItem(mode, mode)
        self.fusion.setCurrentText("early")
        self.classifier = QComboBox()
        self.classifier.addItem("default for this fusion", "default")
        self.classifier.addItem("auto: chosen by nested leave-one-participant-out", "auto")
        for kind in MODEL_KINDS:
            self.classifier.addItem(CLASSIFIER_NAMES.get(kind, kind), kind)
        self.classifier.setToolTip(
            "default: an RBF SVM for audio, a random forest for body features, logistic "
            "regression for early fusion and windows (see the README); "
            "auto: each modality's classifier is the one with the best leave-one-participant-"
            "out UAR on this project's own labels, measured inside every evaluation fold "
            "(slower: about four times the training); the choice is recorded in the card."
        )
        self.audio_set = QComboBox()
        for name in AUDIO_SETS[::-1]:
            self.audio_set.addItem(AUDIO_SET_NAMES.get(name, name), name)
        self.audio_set.setCurrentIndex(self.audio_set.findData(DEFAULT_AUDIO_SET))
        self.classifier_note = QLabel("")
        self.classifier_note.setWordWrap(True)
        form.addRow("Labels from", self.source)
        form.addRow("at least this many human raters", self.min_raters)
        form.addRow("choosing the same emotion (share)", self.min_agreement)
        form.addRow("Fusion", self.fusion)
        form.addRow("Classifier", self.classifier)
        form.addRow("", self.classifier_note)
        form.addRow("Audio features", self.audio_set)
        form.addRow("Calibration", QLabel("temperature scaling on participant-grouped folds"))
        self.counts = QTableWidget(0, 2)
        self.counts.setHorizontalHeaderLabels(["", "recordings"])
        self.counts.verticalHeader().setVisible(False)
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problem = QLabel("")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.progress.setVisible(False)
        self.start_button.clicked.connect(self.start)
        self.train_button = self.start_button
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Usable recordings per class, and what is left out and why:"))
        layout.addWidget(self.counts, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        for widget in (self.source, self.fusion):
            widget.currentIndexChanged.connect(self.refresh_counts)
        self.fusion.currentIndexChanged.connect(self.refresh_choices)
        self.classifier.currentIndexChanged.connect(self.refresh_choices)
        self.refresh_choices()
        self.min_raters.valueChanged.connect(self.refresh_counts)
        self.min_agreement.valueChanged.connect(self.refresh_counts)
        self.refresh_counts()

    def label_source(self) -> LabelSource:
        return LabelSource.parse(self.source.currentData(), self.min_raters.value(),
                                 self.min_agreement.value())  # fmt: skip

    def plan(self) -> TrainingPlan:
        return TrainingPlan(
            self.fusion.currentData(),
            self.classifier.currentData(),
            self.label_source(),
            audio_set=self.audio_set.currentData(),
        )

    def refresh_choices(self) -> None:
        """Say which classifier(s) the choice means for the chosen fusion; the audio set
        matters only where audio is used."""
        fusion, kind = self.fusion.currentData(), self.classifier.currentData()
        if kind == "auto":
            text = "each modality's classifier is chosen on this project's labels"
        else:
            parts = describe_kind(fusion, kind).split("+")
            names = [CLASSIFIER_NAMES.get(p, p) for p in parts]
            text = (f"audio: {names[0]}, body: {names[1]}" if fusion == "late" and len(names) == 2
                    else names[0])  # fmt: skip
        self.classifier_note.setText(text)
        self.audio_set.setEnabled(fusion != "body")

    def refresh_counts(self) -> None:
        """Recount usable recordings for the chosen labels (a few SQL queries)."""
        consensus = self.source.currentData() == "consensus"
        self.min_raters.setEnabled(consensus)
        self.min_agreement.setEnabled(consensus)
        counts = self.count(self.label_source(), self.fusion.currentData())
        rows = [(label, n) for label, n in sorted(counts.per_class.items())]
        rows += [(f"left out: {why}", n) for why, n in sorted(counts.excluded.items()) if n]
        self.counts.setRowCount(len(rows))
        for r, (text, n) in enumerate(rows):
            self.counts.setItem(r, 0, _item(text, Qt.AlignmentFlag.AlignLeft))
            self.counts.setItem(r, 1, _item(str(n)))
        summary = f"{counts.recordings} recordings from {counts.participants} participants."
        self.problem.setText(f"{summary} Cannot train: {counts.problem}" if counts.problem
                             else summary)  # fmt: skip
        self.problem.setStyleSheet("color: #b00020;" if counts.problem else "")
        self._problem = counts.problem
        self.train_button.setEnabled(counts.problem is None and not self.cancel_button.isEnabled())

    def start(self) -> None:
        from emolab.core.child_process import in_child_process
        from emolab.project.training import train_project_file

        self.progress.setVisible(True)
        # in its own process: the fit's C code never holds this window's interpreter lock
        self.run(in_child_process(train_project_file, str(self.project_path), self.plan()),
                 "Training …")  # fmt: skip

    def job_done(self, report: dict) -> None:
        """``report``: the new version's ``model_id``, ``previous_model_id`` and ``card``."""
        self.report = report
        e = report["card"].get("evaluation") or {}
        figures = f" Held-out UAR {e['uar']:.3f}." if e.get("uar") is not None else ""
        self.ended(f"Stored as model {report['model_id']} and made active.{figures}")
        self.trained.emit(report)

    def ended(self, text: str) -> None:
        super().ended(text)
        self.progress.setVisible(False)
        self.refresh_counts()

    def can_start(self) -> bool:
        return self._problem is None
