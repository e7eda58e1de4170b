"""The main window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from emolab import __version__
from emolab.core.errors import EmolabError
from emolab.project.store import Project


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None
        self.setWindowTitle(f"emolab {__version__}")
        self.resize(1280, 800)
        self._summary = QLabel("No project open.")
        self._summary.setMargin(16)
        self.setCentralWidget(self._summary)
        self.statusBar().showMessage("Ready")

    def open_project(self, path: Path) -> bool:
        """Open a project; on failure say why and keep the current one."""
        try:
            project = Project.open(path)
        except EmolabError as exc:
            QMessageBox.warning(self, "Cannot open project", str(exc))
            return False
        if self.project is not None:
            self.project.close()
        self.project = project
        s = project.summary()
        self._summary.setText(
            f"{path.name}: {s.recordings} recordings, {s.participants} participants"
            + (" — SYNTHETIC demo data" if s.synthetic else "")
        )
        self.setWindowTitle(f"{path.name} — emolab")
        return True

    def closeEvent(self, event) -> None:
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)
