"""The main window: it renders a :class:`~emolab.project.session.Session` (recording
browser, player, rating form, suggestions) and forwards the user's actions to it. Domain
state lives in the session; commands and their keys in :mod:`emolab.gui.actions`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from emolab import __version__
from emolab.core.errors import EmolabError
from emolab.gui import settings as gui_settings
from emolab.gui.actions import COMMANDS, Actions, rating_commands
from emolab.gui.agreement_panel import AgreementDock
from emolab.gui.dialogs import ask_rater, confirm_discard, show_problem
from emolab.gui.exchange import Exchange
from emolab.gui.model_versions import ModelVersions
from emolab.gui.offset_dialog import OffsetEstimates
from emolab.gui.player import ClockFactory, Player
from emolab.gui.project_files import ProjectFiles
from emolab.gui.session_view import SessionView
from emolab.gui.widgets.browser import RecordingBrowser
from emolab.gui.widgets.rating import RatingForm
from emolab.gui.widgets.segments import SegmentEditor
from emolab.gui.widgets.status import StatusPanel
from emolab.gui.widgets.suggestions import SuggestionPanel
from emolab.gui.workers import JobRunner
from emolab.project.session import Session
from emolab.project.store import INTERACTIVE_BUSY_TIMEOUT_MS, Project

_QUICK_JOBS = ("audio", "motion", "rows")  # no progress bar, nothing to report


PREDICT_DELAY_MS = 800  # suggestions start once the window has painted (heavy imports)


class MainWindow(QMainWindow):
    def __init__(self, clock_factory: ClockFactory | None = None, use_audio: bool = True,
                 predict_delay_ms: int = PREDICT_DELAY_MS):  # fmt: skip
        super().__init__()
        self.session: Session | None = None
        self.rows_ready = False  # set when the browser's rows of this project are listed
        self.predict_delay_ms = predict_delay_ms
        self.player = Player(clock_factory, use_audio)
        p = self.player
        self.timeline, self.playback, self.transport = p.timeline, p.playback, p.transport
        self.waveform, self.skeleton, self.multimedia = p.waveform, p.skeleton, p.multimedia
        self.audio_problem = p.audio_problem
        self.jobs = JobRunner(self)
        self.view = SessionView(self)
        self.files, self.exchange = ProjectFiles(self), Exchange(self)
        self.offsets = OffsetEstimates(self)
        self.segments = SegmentEditor(self)
        self._build_ui()
        self.actions = Actions(self, COMMANDS)
        self.actions.set_rating_commands(rating_commands(self.rating_form.form))
        menus = self.actions.fill_menus(
            self.menuBar(), {"View": [d.toggleViewAction() for d in self.docks.values()]}
        )
        menus["File"].insertMenu(self.actions["open_demo"], self.files.recent_menu)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("toolbar-main")
        self.actions.fill_toolbar(toolbar)
        self.actions["trails"].setChecked(self.skeleton.show_trails)
        self.jobs.progress.connect(
            lambda kind, *p: kind in _QUICK_JOBS or self.status.show_job(kind, *p)
        )
        self.jobs.finished.connect(self.view.job_finished)
        self.jobs.failed.connect(self.view.job_failed)
        self.jobs.cancelled.connect(
            lambda kind: kind in _QUICK_JOBS or self.status.job_done(f"{kind} cancelled")
        )
        self.view.show_idle()
        gui_settings.restore_layout(self)

    def _build_ui(self) -> None:
        self.setWindowTitle(f"emolab {__version__}")
        self.resize(1400, 860)
        self.setCentralWidget(self.player)
        self.browser = RecordingBrowser()
        self.rating_form = RatingForm()  # the default form until a project opens
        self.suggestion_panel = SuggestionPanel()
        self.models, self.agreement = ModelVersions(self), AgreementDock(self)
        self.docks = {}
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for name, title, widget, area in (
            ("browser", "Recordings", self.browser, left),
            ("rating", "Rating", self.rating_form, right),
            ("suggestions", "Suggestions", self.suggestion_panel, right),
            ("segments", "Segments", self.segments.panel, right),
            ("models", "Models", self.models.panel, right),
            ("agreement", "Agreement", self.agreement.panel, right),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["suggestions"], self.docks["segments"])
        self.tabifyDockWidget(self.docks["segments"], self.docks["models"])
        self.tabifyDockWidget(self.docks["models"], self.docks["agreement"])
        self.docks["suggestions"].raise_()
        for label in self.findChildren(QLabel):  # stored text (names, notes) is never markup
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.status = StatusPanel(self.statusBar())
        self.status.show_audio_output(self.multimedia)
        self.browser.recording_selected.connect(self.open_recording)
        self.transport.offset_changed.connect(lambda s: self.session and self.session.set_offset(s))
        self.transport.estimate_requested.connect(lambda: self.offsets.estimate())
        self.rating_form.field_changed.connect(self.rate)
        self.rating_form.next_unrated.connect(self.next_unrated)
        self.rating_form.retry_requested.connect(self.retry_saving)
        self.suggestion_panel.accept_requested.connect(
            lambda label, model_id: self.rate("emotion", label, "model", model_id)
        )

    # ---- what tests and scripts read ------------------------------------------------
    @property
    def emotions(self) -> list[str]:  # the emotions of the rating form shown
        return self.rating_form.emotions

    @property
    def project(self) -> Project | None:
        return self.session.project if self.session else None

    @property
    def recording_id(self) -> int | None:
        return self.session.recording_id if self.session else None

    @property
    def media_ready(self) -> bool:
        return bool(self.session and self.session.media_ready)

    @property
    def predictions_ready(self) -> bool:
        return bool(self.session and self.session.predictions_ready)

    def displayed_frame(self) -> int:
        return self.skeleton.frame

    # ---- projects --------------------------------------------------------------------
    def open_project(self, path: Path, rater: str | None = None) -> bool:
        """Open a project; on failure say why and keep the current one."""
        try:
            project = Project.open(Path(path), busy_timeout_ms=INTERACTIVE_BUSY_TIMEOUT_MS)
        except EmolabError as exc:
            show_problem(self, "Cannot open project", str(exc))
            return False
        if not self.close_project():
            project.close()
            return False
        self.session = self.view.session = Session(project, self.jobs, self.view.render)
        self.view.apply_form()  # the project's rating form, its keys and segment fields
        self.suggestion_panel.show_notice("")
        gui_settings.remember_project(project.path)
        self.setWindowTitle(f"{project.path.name}{' [read-only]' * project.read_only} — emolab")
        self.status.data_badge.setText("SYNTHETIC demo data" if project.synthetic else "")
        self.actions["hide_suggestions"].setChecked(self.session.hide_suggestions)
        # the rater's study view lists the rows (the one listing of this project)
        self.set_rater(rater or gui_settings.value("rater") or ask_rater(self))
        self.models.refresh()
        QTimer.singleShot(self.predict_delay_ms, self.start_prediction)
        return True

    def close_project(self) -> bool:
        """Close the open project; False if the user chose to keep it open (unsaved edits)."""
        self.rating_form.flush_notes()
        self.segments.panel.flush()
        session = self.session
        if session is not None and not session.flush_before_close():
            from platformdirs import user_data_dir

            kept = session.write_recovery(
                Path(user_data_dir("emolab", appauthor=False)) / "recovery"
            )
            if not self.confirm_discard(f"{session.writes.describe()}.\n\n{kept}\n\n"
                                        "Close the project anyway?"):  # fmt: skip
                self.view.render("save")
                return False
        self.playback.pause()
        self.view.retry_timer.stop()
        self.offsets.close_all()
        if session is not None:
            session.close()
        self.session = self.view.session = None
        return True

    def confirm_discard(self, text: str) -> bool:
        """Ask before closing with unsaved edits (tests replace this)."""
        return confirm_discard(self, text)

    def set_rater(self, name: str) -> None:
        if self.session is None:
            return
        if self.session.set_rater(name):
            gui_settings.set_value("rater", name)
        problem = " (cannot rate here)" if self.session.rater_problem else ""
        self.status.rater_label.setText(f"rater: {name}{problem}")

    def switch_rater(self) -> None:
        self.set_rater(ask_rater(self))  # lists the rows again, as this rater sees them

    def refresh_rows(self, first_page: bool = False) -> None:
        """Re-read the browser's rows in a worker (~1 s at 100,000 recordings); the list on
        screen stays usable meanwhile. ``first_page``: the first rows at once (a new project)."""
        if self.session is None:
            return
        from emolab.project.browse import first_browser_rows, load_browser_rows

        session = self.session
        session.read_active_model()
        session.apply_study()  # the recordings may have changed (an import, a merge)
        path, rater, model_id = session.project.path, session.rater_id, session.model_id
        study, name = session.study, session.rater_name or ""
        self.browser.set_blind(study.blind)
        if first_page and not study.blind and study.order == "file":  # else: its own order
            self.show_rows(first_browser_rows(session.project, rater, model_id), final=False)
        self.rows_ready = False
        self.jobs.start("rows", lambda token: load_browser_rows(path, rater, model_id, token,
                                                                study, name))  # fmt: skip

    def show_rows(self, rows, final: bool = True) -> None:
        self.browser.set_rows(rows)
        self.rows_ready = final
        if self.recording_id is None and self.browser.model.rowCount():
            first = self.browser.model.recording_at(0)
            self.browser.select(first)  # no signal when that row was already current
            self.open_recording(first)  # (another project's row 0): opened here then

    # ---- background jobs ---------------------------------------------------------------
    def start_prediction(self) -> None:
        if self.session is None:
            return
        from emolab.project.models import predict_missing
        from emolab.project.training import retraining_offer

        path = self.session.project.path

        def job(token):
            with Project.open(path) as project:
                report = yield from predict_missing(project, cancel=token)
                offer = retraining_offer(project)
            if offer:
                report.notices.append(offer)
            return report

        self.jobs.start("predict", job)

    # ---- actions (the table in gui/actions.py names these) ------------------------------
    def open_recording(self, recording_id: int) -> None:
        """Show a recording: its rating at once, its audio then its movement as workers
        decode them; the previous recording stays on screen meanwhile."""
        if self.session is not None:
            self.rating_form.flush_notes()
            self.session.open_recording(recording_id)

    def wait_for_media(self, timeout_s: float = 30.0) -> bool:
        """Process events until the open recording's media are on screen (scripts, bench)."""
        import time

        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout_s
        while not self.media_ready and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.002)  # the workers decoding the media need the interpreter
        return self.media_ready

    def rate(self, field: str, value: object, source: str = "human",
             model_id: int | None = None) -> None:  # fmt: skip
        if self.session is not None:
            self.session.rate(field, value, source, model_id)

    def undo(self) -> None:
        self._after_history(self.session.undo() if self.session else None)

    def redo(self) -> None:
        self._after_history(self.session.redo() if self.session else None)

    def _after_history(self, edit) -> None:
        if edit is not None and edit.recording_id != self.recording_id:
            self.browser.select(edit.recording_id)
            self.view.refresh_row(edit.recording_id)

    def retry_saving(self) -> None:
        self.view.retry()

    def next_unrated(self) -> None:
        self.rating_form.flush_notes()
        policy = self.session.next_recording if self.session else None
        if self.browser.next_unrated(policy) is None:
            self.status.say("Every recording in view is rated", 5)

    def set_hide_suggestions(self, on: bool) -> None:
        if self.session is not None:
            self.session.set_hide_suggestions(on)

    def handle_key(self, key: int, modifiers) -> bool:
        """Press a key as the window's shortcuts see it; True when an action used it."""
        return self.actions.trigger_key(key, modifiers)

    def closeEvent(self, event) -> None:
        if not self.close_project():
            event.ignore()
            return
        gui_settings.remember_layout(self)
        for jobs in (self.jobs, self.exchange.jobs):
            jobs.shutdown()
        self.player.close_audio()
        super().closeEvent(event)
