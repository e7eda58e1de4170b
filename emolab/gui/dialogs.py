"""Dialogs: importing a folder (progress, cancel, report), problems, questions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
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
from emolab.project.forms import RatingForm, set_project_form
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
        self.estimate_offsets = QCheckBox(
            "Then estimate each recording's audio–motion offset (a clap, speech and movement "
            "energy) and offer the confident ones"
        )
        layout.addWidget(self.estimate_offsets)
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


class FormChooser(QDialog):
    """Choose the rating form of a new project: a bundled one or a label-scheme file,
    with a preview of its fields (a file that is not a usable form says why)."""

    CHOICES = (("default", "RAVDESS-style: emotion, intensity, genuineness (default)"),
               ("validity", "With an explicit validity judgement"),
               ("file", "From a label-scheme file …"))  # fmt: skip

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Rating form of the new project")
        self._form: RatingForm | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What raters fill in for each recording (and each segment):"))
        self.choice = QComboBox()
        for key, text in self.CHOICES:
            self.choice.addItem(text, key)
        layout.addWidget(self.choice)
        self.preview = QLabel()
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setMinimumWidth(460)
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.choice.activated.connect(self._chosen)
        self.show_form("default")

    def _chosen(self, index: int) -> None:
        key = self.choice.itemData(index)
        if key != "file":
            self.show_form(key)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Label scheme", "", "JSON (*.json)")
        if path:
            self.show_form(path)

    def show_form(self, source: str | Path) -> RatingForm | None:
        """Read a form (a bundled name or a file) and preview it; None when unusable."""
        from emolab.core.errors import EmolabError

        try:
            self._form = RatingForm.load(source)
        except EmolabError as exc:
            self._form = None
            self.preview.setText(f"Not usable: {exc}")
        else:
            lines = [f"{self._form.title}", self._form.describe_validity(), ""]
            for f in self._form.fields:
                mark = " (required)" if f.required else ""
                lines.append(f"• {f.title}: {f.type}{mark}")
            self.preview.setText("\n".join(lines))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._form is not None)
        return self._form

    def form(self) -> RatingForm | None:
        return self._form


def new_project(parent: QWidget, path: str | Path | None = None,
                form: RatingForm | None = None) -> Path | None:  # fmt: skip
    """Ask for a new project file and its rating form, and create it; None when cancelled
    or refused. ``path`` and ``form`` skip the questions."""
    from emolab.core.errors import EmolabError

    if path is None:
        path, _ = QFileDialog.getSaveFileName(parent, "New project", "",
                                              "emolab project (*.emolab)")  # fmt: skip
    if not path:
        return None
    if form is None:
        chooser = FormChooser(parent)
        if chooser.exec() != QDialog.DialogCode.Accepted or chooser.form() is None:
            return None
        form = chooser.form()
    path = Path(path).with_suffix(".emolab")
    try:
        with Project.create(path) as project:
            set_project_form(project, form)
    except EmolabError as exc:
        show_problem(parent, "Cannot create project", str(exc))
        return None
    return path


def choose_project(parent: QWidget) -> Path | None:
    """Ask for a project file to open."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", "",
                                          "emolab project (*.emolab);;All files (*)")  # fmt: skip
    return Path(path) if path else None
