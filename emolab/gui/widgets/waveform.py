"""Waveform and spectrogram with a moving playhead, click to seek, zoom and pan, and an
emotion-over-time strip. Data are plotted once per recording; playback only moves the
playhead lines (never re-plots)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from emolab.features.display import spectrogram_db

#: One colour per emotion (colour-blind-friendly Okabe–Ito plus two greys).
EMOTION_COLOURS = {
    "neutral": (150, 150, 150), "calm": (86, 180, 233), "happy": (240, 228, 66),
    "sad": (0, 114, 178), "angry": (213, 94, 0), "fearful": (204, 121, 167),
    "disgust": (0, 158, 115), "surprised": (230, 159, 0),
}  # fmt: skip


class WaveformView(QWidget):
    """Waveform over spectrogram over emotion strip, sharing one time axis."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self._layout = pg.GraphicsLayoutWidget()
        self._layout.setBackground("w")
        self.wave = self._layout.addPlot(row=0, col=0)
        self.spec = self._layout.addPlot(row=1, col=0)
        self.strip = self._layout.addPlot(row=2, col=0)
        for plot in (self.wave, self.spec, self.strip):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=True, y=False)
            plot.getAxis("left").setWidth(48)
        self.spec.setXLink(self.wave)
        self.strip.setXLink(self.wave)
        self.wave.hideAxis("bottom")
        self.spec.hideAxis("bottom")
        self.wave.setLabel("left", "amplitude")
        self.wave.getAxis("left").enableAutoSIPrefix(False)
        self.spec.setLabel("left", "kHz")
        self.strip.setLabel("left", "model")
        self.strip.setLabel("bottom", "time", units="s")
        self.strip.getAxis("left").setTicks([[]])
        self._layout.ci.layout.setRowStretchFactor(0, 3)
        self._layout.ci.layout.setRowStretchFactor(1, 3)
        self._layout.ci.layout.setRowStretchFactor(2, 1)
        self.curve = pg.PlotDataItem(pen=pg.mkPen((40, 70, 120), width=1))
        self.curve.setDownsampling(auto=True, method="peak")  # min/max per pixel column
        self.curve.setClipToView(True)
        self.wave.addItem(self.curve)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.spec.addItem(self.image)
        self.strip_image = pg.ImageItem()
        self.strip.addItem(self.strip_image)
        self._strip_labels: list[pg.TextItem] = []
        self.strip_text = pg.TextItem("", color=(90, 90, 90), anchor=(0, 0.5))
        self.strip.addItem(self.strip_text)
        self.playheads = []
        for plot in (self.wave, self.spec, self.strip):
            line = pg.InfiniteLine(0, pen=pg.mkPen((220, 30, 30), width=2))
            plot.addItem(line)
            self.playheads.append(line)
        self._layout.scene().sigMouseClicked.connect(self._clicked)
        self.placeholder = QLabel("No audio for this recording")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #777; font-size: 14px;")
        stack = QStackedLayout()
        stack.addWidget(self._layout)
        stack.addWidget(self.placeholder)
        self._stack = stack
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(stack)
        self.duration = 0.0

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.duration <= 0:
            return
        for plot in (self.wave, self.spec, self.strip):
            if plot.sceneBoundingRect().contains(event.scenePos()):
                t = plot.vb.mapSceneToView(event.scenePos()).x()
                self.seek_requested.emit(float(min(max(t, 0.0), self.duration)))
                return

    def set_audio(self, samples: np.ndarray | None, samplerate: int, duration: float,
                  spectrogram: tuple | None = None) -> None:  # fmt: skip
        """Show a recording's audio (mono samples at their own rate), or the placeholder;
        ``spectrogram`` is :func:`spectrogram_db` of the samples when already computed."""
        self.duration = duration
        if samples is None or len(samples) == 0:
            self.curve.setData([], [])
            self.image.clear()
            self._stack.setCurrentWidget(self.placeholder)
            return
        self._stack.setCurrentWidget(self._layout)
        t = np.arange(len(samples)) / samplerate
        self.curve.setData(t, samples, skipFiniteCheck=True)
        peak = float(np.abs(samples).max()) or 1.0
        self.wave.setYRange(-peak, peak, padding=0.05)
        if spectrogram is None:
            spectrogram = spectrogram_db(samples.astype(np.float64), samplerate)
        power, hop_s, top = spectrogram
        self.image.setImage(power, autoLevels=False, levels=(power.max() - 75, power.max()))
        self.image.setRect(0, 0, len(power) * hop_s, top / 1000)
        self.spec.setYRange(0, min(top / 1000, 8), padding=0)
        for plot in (self.wave, self.spec, self.strip):
            plot.setLimits(xMin=0, xMax=max(duration, 0.1))
        self.wave.setXRange(0, duration, padding=0)
        self.set_track(None)

    def set_track(self, track: dict | None, waiting: bool = False) -> None:
        """The emotion-over-time strip: each window coloured by its top label, one label
        per run of windows with the same top label. ``waiting``: suggestions are still
        being computed."""
        if not track or not track.get("proba"):
            self.strip_image.clear()
            self._show_strip_labels([])
            self.strip_text.setText(
                "emotion over time: being computed …" if waiting
                else "emotion over time: needs a temporal model"
            )  # fmt: skip
            self.strip_text.setPos(0.02, 0.5)
            self.strip.setYRange(0, 1, padding=0)
            return
        self.strip_text.setText("")
        proba = np.asarray(track["proba"])
        labels = track["labels"]
        hop, window = track["hop_s"], track["window_s"]
        top = proba.argmax(axis=1)
        rgba = np.zeros((len(proba), 1, 4), dtype=np.uint8)
        colours = np.array([EMOTION_COLOURS.get(label, (128, 128, 128)) for label in labels])
        rgba[:, 0, :3] = colours[top]
        rgba[:, 0, 3] = (80 + 175 * proba.max(axis=1)).astype(np.uint8)
        self.strip_image.setImage(rgba, levels=(0, 255))
        # window k covers [k·hop, k·hop + window]; draw each at its centre ± hop/2
        self.strip_image.setRect(window / 2 - hop / 2, 0, len(proba) * hop, 1)
        self.strip.setYRange(0, 1, padding=0)
        starts = np.flatnonzero(np.r_[True, top[1:] != top[:-1]])
        ends = np.r_[starts[1:], len(top)]
        runs = [(labels[top[s]][:4], window / 2 + (s + e - 1) / 2 * hop)
                for s, e in zip(starts, ends, strict=True)]  # fmt: skip
        self._show_strip_labels(runs)

    def _show_strip_labels(self, runs: list[tuple[str, float]]) -> None:
        """Place (text, seconds) labels, reusing the strip's text items."""
        while len(self._strip_labels) < len(runs):
            item = pg.TextItem("", color=(30, 30, 30), anchor=(0.5, 0.5))
            self.strip.addItem(item)
            self._strip_labels.append(item)
        for item, (text, x) in zip(self._strip_labels, runs, strict=False):
            item.setText(text)
            item.setPos(x, 0.5)
            item.setVisible(True)
        for item in self._strip_labels[len(runs) :]:
            item.setVisible(False)

    def set_position(self, seconds: float) -> None:
        for line in self.playheads:
            line.setValue(seconds)
