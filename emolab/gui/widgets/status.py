"""The status bar's permanent parts: job progress, save state, data badge, rater, audio."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from emolab.project.writes import SaveState

_SAVE_COLOURS = {SaveState.PENDING: "#a05000", SaveState.FAILED: "#b00020"}


class StatusPanel:
    """Fills a status bar; every text is plain (file and rater names are never markup)."""

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        self.job_label = QLabel("")
        self.job_bar = QProgressBar()
        self.job_bar.setMaximumWidth(160)
        self.job_bar.setVisible(False)
        self.save_label = QLabel("")
        self.data_badge = QLabel("")
        self.data_badge.setStyleSheet("color: #a05000; font-weight: bold;")
        self.rater_label = QLabel("")
        self.audio_label = QLabel("")
        for widget in (self.job_label, self.job_bar, self.save_label, self.data_badge,
                       self.rater_label, self.audio_label):  # fmt: skip
            if isinstance(widget, QLabel):
                widget.setTextFormat(Qt.TextFormat.PlainText)
            bar.addPermanentWidget(widget)

    def show_audio_output(self, multimedia) -> None:
        """Say where sound goes (a device, the system clock, or nowhere)."""
        if multimedia is None:
            self.audio_label.setText("no audio output: playing silently")
            return
        devices = multimedia.QMediaDevices.audioOutputs()
        self.audio_label.setText(
            "audio: " + devices[0].description() if devices
            else "no audio device: playing against the system clock"
        )  # fmt: skip

    def show_job(self, kind: str, done: int, total: int, message: str) -> None:
        self.job_label.setText(f"{kind}: {message}")
        self.job_bar.setVisible(True)
        self.job_bar.setRange(0, max(total, 1))
        self.job_bar.setValue(done)

    def job_done(self, text: str) -> None:
        self.job_bar.setVisible(False)
        self.job_label.setText("")
        self.bar.showMessage(text, 8000)

    def show_save(self, state: SaveState | None, message: str) -> None:
        """Nothing, 'read-only project', or what waits to be saved and why (coloured)."""
        colour = _SAVE_COLOURS.get(state)
        self.save_label.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")
        self.save_label.setText(message)

    def say(self, text: str, seconds: int = 8) -> None:
        self.bar.showMessage(text, seconds * 1000)
