"""File-menu commands: new, open, recent, demo and import, each ending in the window's
``open_project`` or an import into the open project."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMenu, QMessageBox

from emolab.gui import settings as gui_settings
from emolab.gui.dialogs import choose_project, new_project, show_problem


class ProjectFiles:
    """The window's project-file commands (the action table names them ``files.*``)."""

    def __init__(self, window):
        self.window = window
        self.recent_menu = QMenu("Open &recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)

    def new_project(self) -> None:
        if (path := new_project(self.window)) is not None and self.window.open_project(path):
            self.import_folder()

    def open_project(self) -> None:
        if (path := choose_project(self.window)) is not None:
            self.window.open_project(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in gui_settings.value("recent_projects"):
            action = self.recent_menu.addAction(p)
            action.triggered.connect(lambda _=False, p=p: self.window.open_project(Path(p)))

    def open_demo(self) -> None:
        """Open the SYNTHETIC demo project, generating it first (a job) when needed."""
        from emolab.project.demo import build_demo_project, default_demo_dir, demo_project_ready

        folder = default_demo_dir()
        if demo_project_ready(folder):
            self.window.open_project(folder / "demo.emolab")
            return
        self.window.status.say("Generating the SYNTHETIC demo project (about 25 s) …", 60)
        self.window.jobs.start("demo", lambda token: build_demo_project(folder, cancel=token))

    def import_folder(self) -> None:
        from emolab.gui.dialogs import ImportDialog

        window = self.window
        if window.session is None:
            show_problem(window, "Import", "Open or create a project first.",
                         QMessageBox.Icon.Information)  # fmt: skip
            return
        dialog = ImportDialog(window.session.project.path, window)
        dialog.exec()
        if dialog.imported:
            window.refresh_rows()
            window.start_prediction()
            if dialog.estimate_offsets.isChecked():
                window.offsets.estimate_folder(Path(dialog.folder.text().strip()))

    def study_settings(self) -> None:
        """Edit the open project's study settings (blind, order, condition)."""
        from emolab.core.errors import EmolabError
        from emolab.gui.study_dialog import StudyDialog

        session = self.window.session
        if session is None:
            show_problem(self.window, "Study settings", "Open a project first.",
                         QMessageBox.Icon.Information)  # fmt: skip
            return
        dialog = StudyDialog(session.study, self.window)
        if dialog.exec() == StudyDialog.DialogCode.Accepted:
            try:
                session.set_study(dialog.study())
            except EmolabError as exc:
                show_problem(self.window, "Cannot save the study settings", str(exc))
