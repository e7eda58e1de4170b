"""File → Export and File → Merge: the project's ratings out for analysis, and raters'
copies of the project in. Both run as jobs with their own project connection; the window
shows what they did (or why they could not)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from emolab.gui.dialogs import show_problem
from emolab.gui.workers import JobRunner


class Exchange:
    """The window's export and merge commands (the action table names ``exchange.*``)."""

    def __init__(self, window):
        self.window = window
        self.jobs = JobRunner(window)
        self.jobs.progress.connect(lambda kind, *p: window.status.show_job(kind, *p))
        self.jobs.finished.connect(self._finished)
        self.jobs.failed.connect(self._failed)
        self.jobs.cancelled.connect(lambda kind: window.status.job_done(f"{kind} cancelled"))
        self.last: object = None  # the last report (tests and scripts read it)

    def export(self, folder: Path | None = None) -> None:
        """Export every format into a folder the user chooses."""
        session = self.window.session
        if session is None:
            return
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self.window, "Export ratings into")
            if not chosen:
                return
            folder = Path(chosen)
        from emolab.project.export import export_project
        from emolab.project.store import Project

        path = session.project.path

        def job(token):
            with Project.open(path) as project:
                return (yield from export_project(project, folder, cancel=token))

        self.jobs.start("export", job)

    def merge(self, sources: list[Path] | None = None) -> None:
        """Merge raters' copies the user chooses into the open project."""
        session = self.window.session
        if session is None:
            return
        if sources is None:
            chosen, _ = QFileDialog.getOpenFileNames(self.window, "Merge raters' copies",
                                                     "", "emolab project (*.emolab)")  # fmt: skip
            if not chosen:
                return
            sources = [Path(p) for p in chosen]
        self.window.rating_form.flush_notes()
        if not session.flush_before_close():
            show_problem(self.window, "Merge", "Some edits are not saved yet; merge again "
                         "once they are (the status bar says why they wait).")  # fmt: skip
            return
        from emolab.project.merge import merge_projects
        from emolab.project.store import Project

        path = session.project.path

        def job(_token):
            yield from ()
            with Project.open(path) as project:
                return merge_projects(project, sources)

        self.jobs.start("merge", job)

    def _finished(self, kind: str, report) -> None:
        window = self.window
        self.last = report
        if kind == "export":
            window.status.job_done(f"Exported {report.rows} rows into {len(report.files)} files")
            return
        lines = [line for r in report for line in r.summary_lines()]
        window.status.job_done("Merged " + ", ".join(r.source.name for r in report))
        window.refresh_rows()
        if window.session is not None:
            window.view.show_rating()
        show_problem(window, "Merged", "\n".join(lines), QMessageBox.Icon.Information)

    def _failed(self, kind: str, message: str) -> None:
        self.window.status.job_done(f"{kind} failed")
        show_problem(self.window, f"Cannot {kind}", message)
