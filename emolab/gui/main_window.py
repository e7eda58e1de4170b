"""The main window: recording browser, player (waveform, spectrogram, skeleton,
transport), rating form and suggestions, with every long job in a worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emolab import __version__
from emolab.core.errors import EmolabError
from emolab.core.timebase import ElapsedClock, PlaybackClock, Timeline
from emolab.gui import settings as gui_settings
from emolab.gui.playback import MediaPlayerClock, PlaybackController, load_multimedia
from emolab.gui.widgets.browser import RecordingBrowser
from emolab.gui.widgets.rating import RatingForm
from emolab.gui.widgets.skeleton import SkeletonView
from emolab.gui.widgets.suggestions import SuggestionPanel
from emolab.gui.widgets.transport import TransportBar
from emolab.gui.widgets.waveform import WaveformView
from emolab.gui.workers import JobRunner
from emolab.io.motion import MotionClip
from emolab.project.browse import browser_rows
from emolab.project.ratings import RatingSession
from emolab.project.store import INTERACTIVE_BUSY_TIMEOUT_MS, Project
from emolab.project.writes import PendingWrite, SaveState, WriteQueue
from emolab.resources import resource_path

ClockFactory = Callable[[Path | None], PlaybackClock]
HIDE_SETTING = "hide_suggestions_until_rated"
_TEXT_INPUTS = (QLineEdit, QPlainTextEdit, QAbstractSpinBox)


class MainWindow(QMainWindow):
    PREDICT_DELAY_MS = 800
    #: How often queued writes are retried while another program holds the project's lock.
    RETRY_INTERVAL_MS = 1000

    def __init__(self, clock_factory: ClockFactory | None = None, use_audio: bool = True):
        super().__init__()
        self.project: Project | None = None
        self.session: RatingSession | None = None
        self.writes: WriteQueue | None = None
        self.recording_id: int | None = None
        self.recording = None
        self.motion: MotionClip | None = None
        self.model_id: int | None = None
        self.predictions_ready = False  # set when the suggestion job of this project ends
        self.media_ready = False  # set when the open recording's media are on screen
        self._model_info = None  # (model id, its ModelInfo), read once per model
        self._suggestion_cache = None  # ((recording id, model id), its suggestions)
        self._media = None  # the open recording's media, filled in as its parts arrive
        self._awaiting: set[str] = set()  # parts still being decoded: 'audio', 'motion'
        self._time_part = "audio"  # the part that gives the open recording its time axis
        self._read_motion = None  # starts reading the movement once the audio is there
        self.rows_ready = False  # set when the browser's rows of this project are listed
        self.sync_offset = 0.0
        labels = json.loads(resource_path("labels", "default.json").read_text())
        self.emotions: list[str] = labels["emotions"]
        self.multimedia, self.audio_problem = load_multimedia() if use_audio else (None, "off")
        self.media_clock: MediaPlayerClock | None = None  # one player for the window's life
        self.clock_factory = clock_factory or self._default_clock
        self.jobs = JobRunner(self)
        self.timeline = Timeline()
        self.playback = PlaybackController(self.timeline, self)
        self._retry_timer = QTimer(self)
        self._retry_timer.setInterval(self.RETRY_INTERVAL_MS)
        self._retry_timer.timeout.connect(self.retry_saving)
        self._build_ui()
        self._build_menus()
        self.timeline.subscribe(self._on_timeline)
        self.jobs.progress.connect(self._on_job_progress)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self.jobs.cancelled.connect(
            lambda kind: (
                kind not in ("audio", "motion", "rows") and self._job_done(f"{kind} cancelled")
            )
        )
        QApplication.instance().installEventFilter(self)
        self._restore_layout()

    # ---- construction ------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle(f"emolab {__version__}")
        self.resize(1400, 860)
        self.waveform = WaveformView()
        self.skeleton = SkeletonView()
        self.transport = TransportBar()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.skeleton)
        splitter.addWidget(self.waveform)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)

        self.browser = RecordingBrowser()
        self.rating_form = RatingForm(
            self.emotions, json.loads(resource_path("labels", "default.json").read_text())
        )
        self.suggestion_panel = SuggestionPanel()
        self.docks = {}
        for name, title, widget, area in (
            ("browser", "Recordings", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("rating", "Rating", self.rating_form, Qt.DockWidgetArea.RightDockWidgetArea),
            ("suggestions", "Suggestions", self.suggestion_panel,
             Qt.DockWidgetArea.RightDockWidgetArea),
        ):  # fmt: skip
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock

        status = self.statusBar()
        self.data_badge = QLabel("")
        self.save_label = QLabel("")
        self.save_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rater_label = QLabel("")
        self.rater_label.setTextFormat(Qt.TextFormat.PlainText)
        self.audio_label = QLabel("")
        self.job_label = QLabel("")
        self.job_bar = QProgressBar()
        self.job_bar.setMaximumWidth(160)
        self.job_bar.setVisible(False)
        for widget in (self.job_label, self.job_bar, self.save_label, self.data_badge,
                       self.rater_label, self.audio_label):  # fmt: skip
            status.addPermanentWidget(widget)
        if self.multimedia is None:
            self.audio_label.setText("no audio output: playing silently")
        else:
            devices = self.multimedia.QMediaDevices.audioOutputs()
            self.audio_label.setText(
                "audio: " + devices[0].description() if devices
                else "no audio device: playing against the system clock"
            )  # fmt: skip

        # stored text (file names, notes, model names) is never interpreted as markup
        for label in self.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)

        self.browser.recording_selected.connect(self.open_recording)
        self.waveform.seek_requested.connect(self.playback.seek)
        self.transport.play_toggled.connect(self.playback.toggle)
        self.transport.stop_requested.connect(self.playback.stop)
        self.transport.step_requested.connect(self.step_frames)
        self.transport.jump_requested.connect(
            lambda d: self.playback.seek(self.timeline.position + d)
        )
        self.transport.rate_changed.connect(self.playback.set_rate)
        self.transport.loop_changed.connect(self.timeline.set_loop)
        self.transport.mute.setChecked(bool(gui_settings.value("muted")))
        self.transport.mute_changed.connect(self.set_muted)
        self.transport.offset_changed.connect(self.set_sync_offset)
        self.rating_form.field_changed.connect(self.rate)
        self.rating_form.next_unrated.connect(self.next_unrated)
        self.rating_form.retry_requested.connect(self.retry_saving)
        self.suggestion_panel.accept_requested.connect(self.accept_suggestion)

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            menu.addAction(a)
            return a

        file = self.menuBar().addMenu("&File")
        action(file, "&New project…", self.new_project_dialog, QKeySequence.StandardKey.New)
        action(file, "&Open project…", self.open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        action(file, "Open the &demo project (synthetic)", self.open_demo)
        file.addSeparator()
        action(file, "&Import folder…", self.import_dialog, "Ctrl+I")
        file.addSeparator()
        action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = action(edit, "&Undo rating change", self.undo, "Ctrl+Z")
        self.redo_action = action(edit, "&Redo rating change", self.redo, "Ctrl+Shift+Z")
        action(edit, "Switch &rater…", self.switch_rater)
        self.hide_action = action(edit, "&Hide suggestions until I choose", self._toggle_hide)
        self.hide_action.setCheckable(True)
        view = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        action(view, "Reset skeleton &view", self.skeleton.reset_view, "Ctrl+0")
        trails = action(view, "Hand &trails", lambda on: self._set_trails(on))
        trails.setCheckable(True)
        trails.setChecked(bool(gui_settings.value("show_trails")))
        self.skeleton.show_trails = trails.isChecked()
        model = self.menuBar().addMenu("&Model")
        action(model, "&Suggest labels for unrated recordings", self.start_prediction)
        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "&About emolab", self._about)

    def _set_trails(self, on: bool) -> None:
        self.skeleton.show_trails = on
        gui_settings.set_value("show_trails", on)
        self.skeleton.redraw()

    def _about(self) -> None:
        QMessageBox.about(self, "About emolab",
                          f"emolab {__version__}\nRate, explore and classify emotion in speech "
                          "and body movement.")  # fmt: skip

    def _restore_layout(self) -> None:
        s = gui_settings.settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def _save_layout(self) -> None:
        s = gui_settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    # ---- projects ---------------------------------------------------------------------
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
        self.project = project
        self.writes = WriteQueue(project)
        self.suggestion_panel.show_notice("")
        self.predictions_ready = False
        gui_settings.remember_project(project.path)
        read_only = " [read-only]" if project.read_only else ""
        self.setWindowTitle(f"{project.path.name}{read_only} — emolab")
        self.data_badge.setText("SYNTHETIC demo data" if project.synthetic else "")
        self.data_badge.setStyleSheet("color: #a05000; font-weight: bold;")
        try:
            hide = bool(project.setting(HIDE_SETTING, False))
        except EmolabError as exc:
            hide = False
            self.statusBar().showMessage(f"{exc}; using the default", 15000)
        self.hide_action.setChecked(hide)
        name = rater or gui_settings.value("rater") or self._ask_rater()
        self.set_rater(name)
        self._show_save_state()
        self.refresh_rows(first_page=True)
        # suggestions are computed once the window has painted (the model's imports are heavy)
        QTimer.singleShot(self.PREDICT_DELAY_MS, self.start_prediction)
        return True

    def close_project(self) -> bool:
        """Close the open project; False if the user chose to keep it open (unsaved edits)."""
        self.rating_form.flush_notes()
        if self.writes is not None and self.writes.state is not SaveState.SAVED:
            # a last try, allowed to wait a little longer for another program's lock
            self.project.set_busy_timeout(1500)
            self.writes.flush()
            self.project.set_busy_timeout(INTERACTIVE_BUSY_TIMEOUT_MS)
            if self.writes.state is not SaveState.SAVED and not self._close_with_unsaved():
                self._show_save_state()
                return False
        for kind in ("predict", "rows", "audio", "motion"):
            self.jobs.cancel(kind)
        self.playback.pause()
        self._retry_timer.stop()
        if self.project is not None:
            self.project.close()
        self.project = None
        self.session = None
        self.writes = None
        self.recording_id = None
        return True

    def _close_with_unsaved(self) -> bool:
        """Keep unsaved edits in a recovery file and ask whether to close anyway."""
        from platformdirs import user_data_dir

        from emolab.project.store import utc_now

        folder = Path(user_data_dir("emolab", appauthor=False)) / "recovery"
        stamp = utc_now().replace(":", "").replace(".", "")[:17]
        target = folder / f"{self.project.path.stem}-{stamp}.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(self.writes.recovery_json(), encoding="utf-8")
            kept = f"They were written to {target}."
        except OSError as exc:
            kept = f"They could not be kept in a recovery file either ({exc.strerror})."
        return self.confirm_discard(
            f"{self.writes.describe()}.\n\n{kept}\n\nClose the project anyway?"
        )

    def confirm_discard(self, text: str) -> bool:
        """Ask before closing with unsaved edits (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved ratings", text,
                          QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
                          self)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        return box.exec() == QMessageBox.StandardButton.Close

    def _ask_rater(self) -> str:
        name, ok = QInputDialog.getText(self, "Who is rating?",
                                        "Your rater name (stored with every rating):")  # fmt: skip
        return name.strip() if ok and name.strip() else "rater"

    def set_rater(self, name: str) -> None:
        if self.project is None:
            return
        try:
            rater_id = self.project.ensure_rater(name)
        except EmolabError as exc:
            # e.g. a new rater on a read-only project: it can be viewed, not rated
            self.session = None
            self.rater_label.setText(f"rater: {name} (cannot rate here)")
            self.statusBar().showMessage(f"Cannot rate as {name}: {exc.reason}", 20000)
            self._show_rating()
            return
        gui_settings.set_value("rater", name)
        self.session = RatingSession(self.project, rater_id, self.writes)
        self.rater_label.setText(f"rater: {name}")
        if self.recording_id is not None:
            self.session.open_recording(self.recording_id)
            self._show_rating()

    def switch_rater(self) -> None:
        name = self._ask_rater()
        self.set_rater(name)
        self.refresh_rows()

    def refresh_rows(self, first_page: bool = False) -> None:
        """Re-read the browser's rows in a worker (~1 s at 100,000 recordings); the list on
        screen stays usable meanwhile. ``first_page``: show the first rows at once (a new
        project) and open the first recording."""
        if self.project is None:
            return
        from emolab.project.browse import first_browser_rows, load_browser_rows

        row = self.project.execute("SELECT id FROM models WHERE active = 1").fetchone()
        self.model_id = row[0] if row else None
        self._model_info = self._suggestion_cache = None  # new suggestions or model
        rater = self.session.rater_id if self.session else None
        if first_page:
            self._show_rows(first_browser_rows(self.project, rater, self.model_id), final=False)
        path, model_id = self.project.path, self.model_id
        self.rows_ready = False
        self.jobs.start("rows", lambda token: load_browser_rows(path, rater, model_id, token))

    def _show_rows(self, rows, final: bool = True) -> None:
        self.browser.set_rows(rows)
        self.rows_ready = final
        if self.recording_id is None and self.browser.model.rowCount():
            self.browser.select(self.browser.model.recording_at(0))

    def _refresh_row(self, recording_id: int) -> None:
        rater = self.session.rater_id if self.session else None
        for row in browser_rows(self.project, rater, self.model_id, recording_id):
            self.browser.model.update_row(row)

    def new_project_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "", "emolab project (*.emolab)")
        if not path:
            return
        path = Path(path).with_suffix(".emolab")
        try:
            Project.create(path).close()
        except EmolabError as exc:
            show_problem(self, "Cannot create project", str(exc))
            return
        self.open_project(path)
        self.import_dialog()

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "emolab project (*.emolab);;All files (*)"
        )
        if path:
            self.open_project(Path(path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in gui_settings.value("recent_projects"):
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, p=p: self.open_project(Path(p)))

    def open_demo(self) -> None:
        from emolab.project.demo import build_demo_project, default_demo_dir, demo_project_ready

        folder = default_demo_dir()
        if demo_project_ready(folder):
            self.open_project(folder / "demo.emolab")
            return
        self.statusBar().showMessage("Generating the SYNTHETIC demo project (about 25 s) …")
        self.jobs.start("demo", lambda token: build_demo_project(folder, cancel=token))

    def import_dialog(self) -> None:
        from emolab.gui.dialogs import ImportDialog

        if self.project is None:
            show_problem(self, "Import", "Open or create a project first.",
                         QMessageBox.Icon.Information)  # fmt: skip
            return
        dialog = ImportDialog(self.project.path, self)
        dialog.exec()
        if dialog.imported:
            self.refresh_rows()
            self.start_prediction()

    # ---- background jobs ------------------------------------------------------------------
    def start_prediction(self) -> None:
        if self.project is None:
            return
        from emolab.project.models import predict_missing

        path = self.project.path

        def job(token):
            with Project.open(path) as project:
                return (yield from predict_missing(project, cancel=token))

        self.jobs.start("predict", job)

    def _on_job_progress(self, kind: str, done: int, total: int, message: str) -> None:
        if kind in ("audio", "motion", "rows"):  # quick: no progress bar
            return
        self.job_label.setText(f"{kind}: {message}")
        self.job_bar.setVisible(True)
        self.job_bar.setRange(0, max(total, 1))
        self.job_bar.setValue(done)

    def _job_done(self, text: str) -> None:
        self.job_bar.setVisible(False)
        self.job_label.setText("")
        self.statusBar().showMessage(text, 8000)

    def _on_job_finished(self, kind: str, result: object) -> None:
        if kind in ("audio", "motion"):
            self._show_media_part(kind, result)
        elif kind == "rows":
            self._show_rows(result)
        elif kind == "predict":
            self.predictions_ready = True
            self._job_done(f"Suggestions added: {result.added}")
            for notice in result.notices:  # e.g. the active model was refused
                self.suggestion_panel.show_notice(notice)
                self.statusBar().showMessage(notice, 30000)
            self.refresh_rows()
            self._show_suggestion()
        elif kind == "demo":
            self._job_done("Demo project ready (SYNTHETIC data)")
            self.open_project(Path(result))

    def _on_job_failed(self, kind: str, message: str) -> None:
        if kind in ("audio", "motion"):
            from emolab.features.display import RecordingMedia

            self._show_media_part(kind, RecordingMedia(self.recording_id, problems=[message]))
            return
        self.predictions_ready = self.predictions_ready or kind == "predict"
        self._job_done(f"{kind} failed: {message}")
        if kind != "predict":
            show_problem(self, f"{kind} failed", message)

    # ---- one recording ----------------------------------------------------------------------
    def _default_clock(self, audio_path: Path | None) -> PlaybackClock:
        """The window's one audio player for a recording with audio, else a silent clock."""
        if audio_path is not None and self.multimedia is not None:
            if self.media_clock is None:
                volume = float(gui_settings.value("volume"))
                self.media_clock = MediaPlayerClock(self.multimedia, volume)
                self.media_clock.set_muted(self.transport.mute.isChecked())
            self.media_clock.load(audio_path)
            return self.media_clock
        if self.media_clock is not None and self.media_clock.source is not None:
            self.media_clock.load(None)
        return ElapsedClock()

    def set_muted(self, muted: bool) -> None:
        gui_settings.set_value("muted", bool(muted))
        if hasattr(self.playback.clock, "set_muted"):
            self.playback.clock.set_muted(muted)

    def open_recording(self, recording_id: int) -> None:
        """Show a recording: its rating at once; its audio and its movement as two workers
        decode them (audio first: a long recording plays before its movement is read).
        The previous recording stays on screen meanwhile, and playback waits."""
        if self.project is None or recording_id == self.recording_id:
            return
        from emolab.features.display import RecordingMedia, load_recording_media

        self.rating_form.flush_notes()
        self.playback.pause()
        self.playback.ready = False
        self.media_ready = False
        self.recording_id = recording_id
        self.recording = self.project.recording(recording_id)
        audio_media = self.project.media_of(recording_id, "audio")
        body_media = self.project.media_of(recording_id, "body")
        notices = [n for m in (audio_media, body_media) if m and (n := self._check_media(m))]
        self.rating_form.show_notice(" ".join(notices))
        audio_path = self.project.media_path(audio_media) if audio_media else None
        body_path = self.project.media_path(body_media) if body_media else None
        if self.session is not None:
            self.session.open_recording(recording_id)
        self._show_rating()
        self._show_suggestion(track=False)  # the strip follows once the media are shown
        self._media = RecordingMedia(recording_id)
        self._awaiting = {kind for kind, path in (("audio", audio_path), ("motion", body_path))
                          if path is not None}  # fmt: skip
        self._time_part = "audio" if audio_path is not None else "motion"
        for kind in ("audio", "motion"):
            self.jobs.cancel(kind)  # a stale part of the previous recording never arrives
        # one after the other: the movement parser holds the interpreter for long
        # stretches, which would hold up the audio that makes the recording playable
        self._read_motion = None
        if body_path is not None:
            self._read_motion = lambda: self.jobs.start("motion", lambda token: (
                load_recording_media(recording_id, None, body_path, token)))  # fmt: skip
        if audio_path is not None:
            self.jobs.start("audio", lambda token: load_recording_media(
                recording_id, audio_path, None, token))  # fmt: skip
        elif self._read_motion is not None:
            self._read_motion()
        if not self._awaiting:  # a recording without media files
            self._show_time_axis(self._media)
            self._show_motion(None, loading=False)
            self.media_ready = True

    def _show_media_part(self, kind: str, part) -> None:
        """Put a decoded part ('audio' or 'motion') of the open recording on screen."""
        media = self._media
        if media is None or part.recording_id != self.recording_id:
            return
        if kind == "audio":
            media.audio_path, media.samples = part.audio_path, part.samples
            media.samplerate, media.overview = part.samplerate, part.overview
        else:
            media.motion = part.motion
        if part is not media:
            media.problems += part.problems
        self._awaiting.discard(kind)
        # the time axis comes from the audio; from the movement when there is no audio
        # (none in the project, or it could not be read)
        audio_failed = kind == "motion" and media.samples is None and self._time_part == "audio"
        if kind == self._time_part or (not self._awaiting and audio_failed):
            self._show_time_axis(media)
        if kind == "motion" or not self._awaiting:
            self._show_motion(media.motion, loading=False)
        else:
            self._show_motion(None, loading=True)
        if not self._awaiting:
            self.media_ready = True
            if media.problems:
                self.statusBar().showMessage("; ".join(media.problems), 15000)
        elif kind == "audio" and self._read_motion is not None:
            self._read_motion()  # after the audio is on screen: the parser holds the GIL

    def _show_time_axis(self, media) -> None:
        """The waveform, clock and timeline of the open recording (once its audio, or for a
        movement-only recording its movement, is there)."""
        queued, offset = self.writes.pending_value(("sync_offset", media.recording_id))
        self.sync_offset = offset if queued else self.recording.sync_offset
        self.transport.show_offset(self.sync_offset)
        duration = media.duration
        self.waveform.set_audio(media.samples, media.samplerate, duration, overview=media.overview)
        self._show_suggestion()  # the emotion strip belongs to the new time axis
        self.playback.set_clock(self.clock_factory(media.audio_path))
        self.timeline.set_duration(duration)
        self.playback.ready = True
        self.playback.seek(0.0)
        self._on_timeline(self.timeline)

    def _show_motion(self, motion, loading: bool) -> None:
        self.motion = motion
        self.skeleton.show_loading(loading)
        self.skeleton.set_clip(motion)
        if motion is not None and motion.fps:
            self.playback.frame_step = 1.0 / motion.fps
        self._on_timeline(self.timeline)

    def wait_for_media(self, timeout_s: float = 30.0) -> bool:
        """Process events until the open recording's media are on screen (scripts, bench)."""
        import time

        deadline = time.monotonic() + timeout_s
        while not self.media_ready and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.002)
        return self.media_ready

    def _check_media(self, media) -> str:
        """A notice when a media file is missing or changed on disk since import (a change
        is recorded: features and suggestion set aside, ratings kept)."""
        status = self.project.verify_media(media)
        name = Path(media.path).name
        repaired = ""
        try:
            warnings = json.loads(media.warnings)
        except ValueError:
            warnings = []
        if warnings and status == "ok":  # e.g. short gaps of NaN joints interpolated on import
            repaired = f"The {media.modality} file {name}: " + "; ".join(map(str, warnings))
        if status == "missing":
            return f"The {media.modality} file {name} is missing."
        if status == "touched":  # same content, new time: remember, so it is hashed once
            self.writes.submit(PendingWrite(
                f"the modification time of {name}",
                lambda project: project.set_media_mtime(media)))  # fmt: skip
        if status == "changed":
            if media.changed_at is None:
                self.writes.submit(PendingWrite(
                    f"the changed mark of {name}",
                    lambda project: project.mark_media_changed(media)))  # fmt: skip
            return (f"The {media.modality} file {name} changed on disk since it was imported: "
                    "it plays as it is now, but its features and suggestion are set aside "
                    "until you re-import the folder. Ratings are kept.")  # fmt: skip
        return repaired

    def _title(self) -> str:
        r = self.recording
        if r is None:
            return "No recording selected"
        return f"{r.key} · participant {r.participant} · intended {r.emotion}, {r.intensity}"

    def _on_timeline(self, timeline: Timeline) -> None:
        self.waveform.set_position(timeline.position)
        self.skeleton.set_time(timeline.position + self.sync_offset)
        self.transport.show_state(timeline)

    def displayed_frame(self) -> int:
        return self.skeleton.frame

    def step_frames(self, frames: int) -> None:
        """Pause and move to the neighbouring motion frame(s)."""
        self.playback.pause()
        if self.motion is None:
            self.playback.seek(self.timeline.position + frames / 60)
            return
        current = self.motion.frame_at(self.timeline.position + self.sync_offset)
        target = min(max(current + frames, 0), self.motion.n_frames - 1)
        # half a frame past the frame's start avoids rounding back to the previous frame
        t = self.motion.frame_times[target] - self.sync_offset + 0.5 / (self.motion.fps or 60)
        self.playback.seek(min(max(t, 0.0), self.timeline.duration))

    def set_sync_offset(self, seconds: float) -> None:
        if self.project is None or self.recording_id is None:
            return
        self.sync_offset = float(seconds)
        rid, offset = self.recording_id, self.sync_offset
        self.writes.submit(PendingWrite(
            f"motion offset of recording {rid}",
            lambda project: project.set_sync_offset(rid, offset),
            ("sync_offset", rid), offset))  # fmt: skip
        self._on_timeline(self.timeline)
        if self._show_save_state():
            self.statusBar().showMessage(f"Motion offset {seconds:+.3f} s saved", 4000)

    # ---- rating -------------------------------------------------------------------------------
    def _show_rating(self) -> None:
        rating = self.session.rating() if self.session and self.recording_id else None
        self.rating_form.show_rating(self._title(), rating)
        self.undo_action.setEnabled(bool(self.session and self.session.can_undo))
        self.redo_action.setEnabled(bool(self.session and self.session.can_redo))
        self._show_save_state(rating)

    def _show_save_state(self, rating=...) -> bool:
        """Render the save state everywhere it shows; True when everything is saved.
        ``rating``: the open recording's rating when the caller has just read it."""
        writes = self.writes
        if writes is None:
            self.save_label.setText("")
            return True
        state = writes.state
        if rating is ...:
            rating = self.session.rating() if self.session and self.recording_id else None
        self.rating_form.show_save_state(rating, state.value, writes.describe())
        if state is SaveState.SAVED:
            self._retry_timer.stop()
            self.save_label.setStyleSheet("")
            self.save_label.setText("read-only project" if self.project.read_only else "")
        else:
            if not self._retry_timer.isActive():
                self._retry_timer.start()
            color = "#a05000" if state is SaveState.PENDING else "#b00020"
            self.save_label.setStyleSheet(f"color: {color}; font-weight: bold;")
            self.save_label.setText(writes.describe())
        if writes.dropped:
            self.statusBar().showMessage("Not saved: " + "; ".join(writes.dropped), 15000)
            writes.dropped.clear()
        return state is SaveState.SAVED

    def retry_saving(self) -> None:
        """Try queued writes again (on a timer while they wait, and on demand)."""
        if self.writes is None:
            self._retry_timer.stop()
            return
        before = len(self.writes.pending)
        self.writes.flush()
        if len(self.writes.pending) != before:
            self._show_rating()
            if self.recording_id is not None:
                self._refresh_row(self.recording_id)
        else:
            self._show_save_state()

    def rate(self, field: str, value: object, source: str = "human",
             model_id: int | None = None) -> None:  # fmt: skip
        if self.session is None or self.recording_id is None:
            return
        try:
            self.session.set(field, value, source, model_id)
        except EmolabError as exc:
            self._show_rating()
            self.rating_form.show_refusal(f"Not saved: {exc.reason}")
            return
        self._show_rating()
        self._refresh_row(self.recording_id)
        if field == "emotion":
            self._show_suggestion()

    def accept_suggestion(self, label: str, model_id: int) -> None:
        self.rate("emotion", label, source="model", model_id=model_id)

    def _apply_history(self, edit) -> None:
        if edit is None:
            return
        if edit.recording_id != self.recording_id:
            self.browser.select(edit.recording_id)
        self._show_rating()
        self._refresh_row(edit.recording_id)
        self.statusBar().showMessage(f"{edit.field}: {edit.old} ↔ {edit.new}", 4000)

    def undo(self) -> None:
        if self.session is not None:
            self._apply_history(self.session.undo())

    def redo(self) -> None:
        if self.session is not None:
            self._apply_history(self.session.redo())

    def next_unrated(self) -> None:
        self.rating_form.flush_notes()
        if self.browser.next_unrated() is None:
            self.statusBar().showMessage("Every recording in view is rated", 5000)

    # ---- suggestions -----------------------------------------------------------------------
    def _toggle_hide(self, on: bool) -> None:
        if self.project is not None:
            self.writes.submit(PendingWrite(
                "the hide-suggestions setting",
                lambda project: project.set_setting(HIDE_SETTING, bool(on)),
                ("setting", HIDE_SETTING), bool(on)))  # fmt: skip
            self._show_save_state()
        self._show_suggestion()

    def _show_suggestion(self, track: bool = True) -> None:
        """The suggestion panel and (with ``track``) the emotion strip, as this rater may
        see them now."""
        from emolab.project.models import models, suggestions

        panel = self.suggestion_panel
        waiting = not self.predictions_ready
        if self.project is None or self.recording_id is None:
            panel.show_message("No recording selected")
            return
        if self.model_id is None:
            panel.show_message("Suggestions are being computed …")
            if track:
                self.waveform.set_track(None, waiting=waiting)
            return
        # cached per model and per recording: reading and decoding cards and emotion tracks
        # (JSON) cost tens of milliseconds, twice per switch otherwise
        if self._model_info is None or self._model_info[0] != self.model_id:
            info = next((m for m in models(self.project) if m.id == self.model_id), None)
            self._model_info = (self.model_id, info)
        info = self._model_info[1]
        if info is not None:
            panel.set_model(info.name, info.card)
        key = (self.recording_id, self.model_id)
        if self._suggestion_cache is None or self._suggestion_cache[0] != key:
            self._suggestion_cache = (key, suggestions(self.project, *key))
        found = self._suggestion_cache[1]
        mine = self.session.rating() if self.session else None
        hidden = self.hide_action.isChecked() and (mine is None or mine.emotion is None)
        if track:
            shown = found[0].track if found and not hidden else None
            self.waveform.set_track(shown, waiting=waiting and not found)
        if hidden:
            panel.show_message("Hidden until you choose an emotion (project setting), so the "
                               "model cannot anchor your judgement.")  # fmt: skip
        elif not found:
            panel.show_message("Suggestions are being computed …" if waiting
                               else "No suggestion yet for this recording.")  # fmt: skip
        else:
            panel.show_suggestion(found[0])

    # ---- keys and closing ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not self.isActiveWindow():
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, _TEXT_INPUTS) or (isinstance(focus, QComboBox) and focus.isEditable()):
            return False
        return self.handle_key(event.key(), event.modifiers())

    def handle_key(self, key: int, modifiers) -> bool:
        """Keyboard control; returns True when the key was used."""
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Space:
            self.playback.toggle()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            if shift:
                self.playback.seek(self.timeline.position + sign)
            else:
                self.step_frames(sign)
        elif key == Qt.Key.Key_N and not modifiers & Qt.KeyboardModifier.ControlModifier:
            self.next_unrated()
        elif key == Qt.Key.Key_M and not modifiers & Qt.KeyboardModifier.ControlModifier:
            self.transport.mute.toggle()
        elif (choice := self.rating_form.keyboard_field(key, modifiers)) is not None:
            self.rate(*choice)
        else:
            return False
        return True

    def closeEvent(self, event) -> None:
        if not self.close_project():
            event.ignore()
            return
        QApplication.instance().removeEventFilter(self)
        self._save_layout()
        self.jobs.shutdown()
        if self.media_clock is not None:
            self.media_clock.close()
            # run the queued stop now, from the event loop (GIL released), so the player is
            # idle, with no source, before it is destroyed
            QApplication.processEvents()
        super().closeEvent(event)


def show_problem(parent: QWidget, title: str, text: str,
                 icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:  # fmt: skip
    """A message box whose text is shown as plain text (file names are never markup)."""
    if len(text) > 2000:
        text = text[:2000] + " …"
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()
