"""Dialogs: importing a folder (progress, cancel, report), problems, questions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.job_dialog import JobDialog
from emolab.io.naming import available_schemes
from emolab.project.store import Project


class ImportDialog(JobDialog):
    """Choose a folder and a naming scheme, import in a worker, show the report."""

    def __init__(self, project_path: Path, parent=None, folder: Path | None = None):
        super().__init__("import", "Import", "Cancel import", "Import", parent)
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
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        self.start_button.clicked.connect(self.start)
        layout.addWidget(self.buttons)

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

        self.run(job, "Importing …")

    def cancelled_text(self) -> str:
        return "Cancelled: nothing was imported"

    def job_done(self, report) -> None:
        self.report = report
        self.imported = True
        self.ended(f"Done: {report.media_added} files added, {len(report.rejected)} rejected")
        self.text.setPlainText("\n".join(report.summary_lines()))


def show_problem(parent: QWidget, title: str, text: str,
                 icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:  # fmt: skip
    """A message box whose text is shown as plain text (file names are never markup)."""
    if len(text) > 2000:
        text = text[:2000] + " …"
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def ask_rater(parent: QWidget) -> str:
    """The rater name to store with every rating ('rater' when none is given)."""
    name, ok = QInputDialog.getText(parent, "Who is rating?",
                                    "Your rater name (stored with every rating):")  # fmt: skip
    return name.strip() if ok and name.strip() else "rater"


def confirm_discard(parent: QWidget, text: str) -> bool:
    """Ask before closing with unsaved edits; True to close anyway."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved ratings", text,
                      QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
                      parent)  # fmt: skip
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Close


def new_project(parent: QWidget) -> Path | None:
    """Ask for a new project file and create it; None when cancelled or refused."""
    from emolab.core.errors import EmolabError

    path, _ = QFileDialog.getSaveFileName(parent, "New project", "", "emolab project (*.emolab)")
    if not path:
        return None
    path = Path(path).with_suffix(".emolab")
    try:
        Project.create(path).close()
    except EmolabError as exc:
        show_problem(parent, "Cannot create project", str(exc))
        return None
    return path


def choose_project(parent: QWidget) -> Path | None:
    """Ask for a project file to open."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", "",
                                          "emolab project (*.emolab);;All files (*)")  # fmt: skip
    return Path(path) if path else None
