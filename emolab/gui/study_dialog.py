"""The study settings of a project: blind rating, the order recordings are offered in,
and the modality condition (see :mod:`emolab.project.study`)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emolab.project.study import Study

ORDER_NAMES = {"file": "file order (by key)", "random": "random, per rater (seeded)"}
CONDITION_NAMES = {"both": "audio and movement", "audio": "audio only (movement hidden)",
                   "body": "movement only (audio muted, its plots hidden)",
                   "balanced": "balanced: each rater one of the three (seed and name)"}  # fmt: skip


class StudyDialog(QDialog):
    """Edit a :class:`Study`; :meth:`study` is what the dialog shows."""

    def __init__(self, study: Study, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Study settings")
        self.blind = QCheckBox("Blind: hide file-name labels, suggestions and other raters "
                               "until a rater has rated a recording")  # fmt: skip
        self.blind.setChecked(study.blind)
        self.order = QComboBox()
        for key, text in ORDER_NAMES.items():
            self.order.addItem(text, key)
        self.order.setCurrentIndex(self.order.findData(study.order))
        self.condition = QComboBox()
        for key, text in CONDITION_NAMES.items():
            self.condition.addItem(text, key)
        self.condition.setCurrentIndex(self.condition.findData(study.condition))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(study.seed)
        form = QFormLayout()
        form.addRow(self.blind)
        form.addRow("Order", self.order)
        form.addRow("Condition", self.condition)
        form.addRow("Seed (random order)", self.seed)
        note = QLabel("Saved in the project; every rater meets the same settings. A random "
                      "order is the same each time for a rater.")  # fmt: skip
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def study(self) -> Study:
        return Study(self.blind.isChecked(), self.order.currentData(),
                     self.condition.currentData(), self.seed.value())  # fmt: skip
