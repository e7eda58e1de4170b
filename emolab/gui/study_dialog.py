"""The study settings of a project: blind rating, the order recordings are offered in,
and the modality condition (see :mod:`emolab.project.study`)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emolab.project.study import Study

LOCKED_TEXT = ("Locked by a researcher: give the study passphrase to change these settings "
               "(raters cannot lift blinding).")  # fmt: skip

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
        self._original = study
        self._passphrase = ""  # the one that opened a locked study
        self.lock_state = QLabel(LOCKED_TEXT if study.locked else "Not locked.")
        self.lock_state.setWordWrap(True)
        self.unlock_text = QLineEdit()
        self.unlock_text.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_text.setPlaceholderText("study passphrase")
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.unlock_text.returnPressed.connect(self.try_unlock)
        self.new_lock = QLineEdit()
        self.new_lock.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_lock.setPlaceholderText("new passphrase (4+ characters); empty: no lock")
        form.addRow(self.lock_state)
        if study.locked:
            form.addRow("Passphrase", self.unlock_text)
            form.addRow("", self.unlock_button)
        form.addRow("Lock with", self.new_lock)
        self._editable(not study.locked)
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

    def _editable(self, editable: bool) -> None:
        for widget in (self.blind, self.order, self.condition, self.seed, self.new_lock):
            widget.setEnabled(editable)

    def try_unlock(self) -> bool:
        """Open a locked study's settings for editing with the passphrase typed."""
        text = self.unlock_text.text()
        if not self._original.opens_with(text):
            self.lock_state.setText(f"{LOCKED_TEXT} That passphrase does not open them.")
            return False
        self._passphrase = text
        self.new_lock.setText(text)  # stays locked with the same passphrase unless changed
        self.lock_state.setText("Unlocked for this change; clear 'Lock with' to remove the lock.")
        self._editable(True)
        return True

    def study(self) -> Study:
        """The settings shown, locked with the passphrase in 'Lock with' (if any)."""
        study = Study(self.blind.isChecked(), self.order.currentData(),
                      self.condition.currentData(), self.seed.value())  # fmt: skip
        if not self.new_lock.isEnabled():  # locked and not opened: nothing may change
            return self._original
        new = self.new_lock.text()
        if new and self._original.locked and self._original.opens_with(new):
            study = replace(study, lock=self._original.lock)  # the same lock, kept
        elif new:
            study = study.locked_with(new)
        return replace(study, unlocked_with=self._passphrase)
