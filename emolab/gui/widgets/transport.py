"""Transport controls: play/pause, stop, frame and second steps, speed, loop, time,
and the recording's audio→motion sync offset."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emolab.core.timebase import RATES, Timeline


def format_time(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


class TransportBar(QWidget):
    play_toggled = Signal()
    stop_requested = Signal()
    step_requested = Signal(int)  # frames
    jump_requested = Signal(float)  # seconds
    rate_changed = Signal(float)
    loop_changed = Signal(bool)
    mute_changed = Signal(bool)
    offset_changed = Signal(float)
    estimate_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        rows = QVBoxLayout(self)  # two rows: the player stays narrow beside wide docks
        rows.setContentsMargins(4, 2, 4, 2)
        rows.setSpacing(2)
        layout = QHBoxLayout()
        settings = QHBoxLayout()
        rows.addLayout(layout)
        rows.addLayout(settings)

        def button(text: str, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            layout.addWidget(b)
            return b

        button("−1 s", "Back one second (Shift+←)", lambda: self.jump_requested.emit(-1.0))
        button("◀|", "Previous motion frame (←)", lambda: self.step_requested.emit(-1))
        self.play_button = button("▶", "Play / pause (Space)", self.play_toggled.emit)
        button("■", "Stop", self.stop_requested.emit)
        button("|▶", "Next motion frame (→)", lambda: self.step_requested.emit(1))
        button("+1 s", "Forward one second (Shift+→)", lambda: self.jump_requested.emit(1.0))
        self.time_label = QLabel("00:00.000 / 00:00.000")
        self.time_label.setStyleSheet("font-family: monospace; padding: 0 8px;")
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("0") * 26)
        layout.addWidget(self.time_label)
        layout.addStretch(1)
        layout = settings
        layout.addWidget(QLabel("Speed"))
        self.rate = QComboBox()
        for r in RATES:
            self.rate.addItem(f"{r:g}×", r)
        self.rate.setCurrentIndex(RATES.index(1.0))
        self.rate.currentIndexChanged.connect(lambda i: self.rate_changed.emit(RATES[i]))
        layout.addWidget(self.rate)
        self.loop = QCheckBox("Loop")
        self.loop.toggled.connect(self.loop_changed.emit)
        layout.addWidget(self.loop)
        self.mute = QCheckBox("Mute")
        self.mute.setToolTip("Silence the audio (M); the clock keeps running")
        self.mute.toggled.connect(self.mute_changed.emit)
        layout.addWidget(self.mute)
        offset_label = QLabel("Offset")  # short: the player stays narrow beside wide docks
        offset_label.setToolTip("Motion offset: seconds added to the audio time to find the "
                                "motion frame")  # fmt: skip
        layout.addWidget(offset_label)
        self.offset = QDoubleSpinBox()
        self.offset.setRange(-5.0, 5.0)
        self.offset.setSingleStep(0.01)
        self.offset.setDecimals(3)
        self.offset.setSuffix(" s")
        self.offset.setToolTip("Seconds added to the audio time to find the motion frame "
                               "(saved in the project)")  # fmt: skip
        self.offset.valueChanged.connect(self.offset_changed.emit)
        layout.addWidget(self.offset)
        self.estimate = QToolButton()
        self.estimate.setText("Estimate…")
        self.estimate.setToolTip("Estimate the offset from speech and movement energy or a "
                                 "clap, with its confidence (O)")  # fmt: skip
        self.estimate.clicked.connect(self.estimate_requested.emit)
        layout.addWidget(self.estimate)
        layout.addStretch(1)

    def show_state(self, timeline: Timeline) -> None:
        """Render the timeline (never re-emits user signals)."""
        self.play_button.setText("❚❚" if timeline.playing else "▶")
        self.time_label.setText(
            f"{format_time(timeline.position)} / {format_time(timeline.duration)}"
        )
        index = RATES.index(timeline.rate) if timeline.rate in RATES else -1
        if index >= 0 and index != self.rate.currentIndex():
            self.rate.blockSignals(True)
            self.rate.setCurrentIndex(index)
            self.rate.blockSignals(False)

    def show_offset(self, seconds: float) -> None:
        self.offset.blockSignals(True)
        self.offset.setValue(seconds)
        self.offset.blockSignals(False)
