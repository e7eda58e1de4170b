"""A dialog that runs one long job (an import, a training): start, progress, status,
cancel; the job runs on a worker thread with its own project connection."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QWidget

from emolab.core.progress import JobFactory
from emolab.gui.workers import JobRunner


class JobDialog(QDialog):
    """Subclasses lay out ``progress``, ``status`` and ``buttons`` and implement
    :meth:`job_done`; :meth:`run` starts the job."""

    def __init__(self, kind: str, start_text: str, cancel_text: str, what: str,
                 parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.kind, self.what = kind, what
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole
        self.start_button = self.buttons.addButton(start_text, role.AcceptRole)
        self.cancel_button = self.buttons.addButton(cancel_text, role.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.jobs = JobRunner(self)
        self.jobs.progress.connect(self._progress)
        self.jobs.finished.connect(lambda _kind, result: self.job_done(result))
        self.jobs.failed.connect(lambda _kind, message: self.ended(f"{what} failed: {message}"))
        self.jobs.cancelled.connect(lambda _kind: self.ended(self.cancelled_text()))

    def run(self, job: JobFactory, busy: str) -> None:
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(busy)
        self.jobs.start(self.kind, job)

    def cancel(self) -> None:
        """Stop the job; its results are dropped, so the dialog says so at once."""
        self.jobs.cancel(self.kind)
        self.ended(self.cancelled_text())

    def _progress(self, _kind, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def ended(self, text: str) -> None:
        """The job is over (done, failed or cancelled): say how, allow another."""
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(self.can_start())
        self.status.setText(text)

    def can_start(self) -> bool:
        return True

    def cancelled_text(self) -> str:
        return f"Cancelled: {self.what.lower()} stopped, nothing was stored."

    def job_done(self, result: object) -> None:
        raise NotImplementedError

    def done(self, result: int) -> None:
        self.jobs.shutdown()
        super().done(result)
