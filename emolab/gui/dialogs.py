"""Dialogs: importing a folder (progress, cancel, report)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from emolab.gui.workers import JobRunner
from emolab.io.naming import available_schemes
from emolab.project.store import Project


class ImportDialog(QDialog):
    """Choose a folder and a naming scheme, import in a worker, show the report."""

    def __init__(self, project_path: Path, parent=None, folder: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import a folder of recordings")
        self.resize(720, 480)
        self.project_path = project_path
        self.imported = False
        self.report = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(str(folder) if folder else "")
        self.folder.setPlaceholderText("Folder searched recursively for audio and body files")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(QLabel("Folder"))
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.scheme = QComboBox()
        self.scheme.addItem("detect automatically", None)
        for name in available_schemes():
            self.scheme.addItem(name, name)
        row.addWidget(QLabel("Naming scheme"))
        row.addWidget(self.scheme, 1)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.status = QLabel("")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("Cancel import",
                                               QDialogButtonBox.ButtonRole.ActionRole)  # fmt: skip
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(lambda: self.jobs.cancel("import"))
        self.cancel_button.setEnabled(False)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.jobs = JobRunner(self)
        self.jobs.progress.connect(self._progress)
        self.jobs.finished.connect(self._finished)
        self.jobs.failed.connect(self._failed)
        self.jobs.cancelled.connect(self._cancelled)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of recordings")
        if folder:
            self.folder.setText(folder)

    def start(self) -> None:
        from emolab.project.importer import import_folder

        folder = Path(self.folder.text().strip())
        if not folder.is_dir():
            self.status.setText(f"{folder}: not a folder")
            return
        scheme = self.scheme.currentData()
        path = self.project_path

        def job(token):
            with Project.open(path) as project:
                return (yield from import_folder(project, folder, scheme, token))

        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Importing …")
        self.jobs.start("import", job)

    def _progress(self, _kind, done, total, message) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def _finished(self, _kind, report) -> None:
        self.report = report
        self.imported = True
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.status.setText(f"Done: {report.media_added} files added, "
                            f"{len(report.rejected)} rejected")  # fmt: skip
        self.text.setPlainText("\n".join(report.summary_lines()))

    def _failed(self, _kind, message) -> None:
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.status.setText(f"Import failed: {message}")

    def _cancelled(self, _kind) -> None:
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.status.setText("Cancelled: nothing was imported")

    def done(self, result: int) -> None:
        self.jobs.shutdown()
        super().done(result)
