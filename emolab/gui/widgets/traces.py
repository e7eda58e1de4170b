"""Acceleration magnitude per sensor of an accelerometer recording, under the waveform.

One lane per sensor (joint), top to bottom in the file's order, coloured by side like the
skeleton's bones; every lane has the same scale (the caption says how many m/s² a lane
is) and, when the file holds gravity, a dashed line at 1 g (a sensor at rest). The
magnitude needs no sensor orientation (:meth:`SensorClip.acceleration_magnitude`). Gaps
(missing samples) are left blank. The time axis is the audio's: the traces sit at motion
time − offset, and follow the waveform's pan and zoom when there is audio. pyqtgraph draws
only the visible stretch, peak-downsampled to the pixel width; the playhead line moves,
nothing is re-plotted on a tick.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from emolab.gui.widgets.skeleton import SIDE_COLOURS
from emolab.io.motion import SensorClip

#: Standard gravity (m/s²), where a resting sensor's magnitude lies.
ONE_G = 9.80665
#: Share of a lane the scale's full value fills (the rest separates lanes).
LANE_FILL = 0.9
#: Percentile of all magnitudes that sets the lane scale (a few spikes may clip).
SCALE_PERCENTILE = 99.5


def lane_scale(magnitude: np.ndarray, gravity_included: bool) -> float:
    """m/s² per lane: a high percentile of the magnitudes (at least 1.5 g with gravity in
    the signal, so the 1 g line sits inside the lane), rounded up to a whole m/s²."""
    finite = magnitude[np.isfinite(magnitude)]
    top = float(np.percentile(finite, SCALE_PERCENTILE)) if finite.size else 1.0
    if gravity_included:
        top = max(top, 1.5 * ONE_G)
    return float(max(np.ceil(top), 1.0))


class AccelerationTraceView(QWidget):
    """Acceleration magnitude lanes of a :class:`SensorClip` on the audio's time axis."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.getAxis("left").setWidth(48)  # as the waveform's plots: the times line up
        self.plot.getAxis("left").setTicks([[]])
        self.plot.setLabel("left", "|a|")
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.getViewBox().disableAutoRange()
        self.playhead = pg.InfiniteLine(0, pen=pg.mkPen((220, 30, 30), width=2))
        self.plot.addItem(self.playhead)
        self.gravity_lines = pg.PlotCurveItem(
            pen=pg.mkPen((150, 150, 150), width=1, style=Qt.PenStyle.DashLine), connect="pairs"
        )
        self.plot.addItem(self.gravity_lines)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.curves: list[pg.PlotDataItem] = []
        self.labels: list[pg.TextItem] = []
        self.clip: SensorClip | None = None
        self.scale = 1.0
        self.offset = 0.0
        self.duration = 0.0
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.getViewBox().sigXRangeChanged.connect(self._place_text)

    def set_clip(self, clip: SensorClip | None, offset: float = 0.0) -> None:
        """Show a clip's lanes (hidden for None), at motion time − ``offset``."""
        for item in (*self.curves, *self.labels):
            self.plot.removeItem(item)
        self.curves, self.labels = [], []
        self.clip = clip
        self.setVisible(clip is not None)
        if clip is None:
            self.gravity_lines.setData([], [])
            self.plot.setTitle(None)
            return
        magnitude = clip.acceleration_magnitude()
        self.scale = lane_scale(magnitude, clip.gravity_included)
        n = clip.n_joints
        sides = clip.skeleton.sides()
        times = clip.frame_times
        with np.errstate(invalid="ignore"):
            heights = np.minimum(magnitude / self.scale, 1.0) * LANE_FILL
        for j, name in enumerate(clip.joint_names):
            base = n - 1 - j
            curve = pg.PlotDataItem(
                times, base + heights[:, j], pen=pg.mkPen(SIDE_COLOURS[int(sides[j])], width=1),
                connect="finite",
            )  # fmt: skip
            self.plot.addItem(curve)  # first: clipping to the view needs the view
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves.append(curve)
            label = pg.TextItem(name, color=(40, 40, 40), anchor=(0, 0))
            label.setPos(0, base + 1)
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        if clip.gravity_included:
            start, end = float(times[0]), float(times[-1])
            level = ONE_G / self.scale * LANE_FILL
            ys = np.repeat(np.arange(n) + level, 2)
            self.gravity_lines.setData(np.tile([start, end], n), ys)
        else:
            self.gravity_lines.setData([], [])
        self.plot.setTitle(self.caption(), size="9pt", color="#444")
        self.plot.setYRange(0, n, padding=0.02)
        self.duration = clip.duration
        self.set_offset(offset)

    def caption(self) -> str:
        """The title: what the lanes show and their scale."""
        if self.clip is None:
            return ""
        gravity = ", dashed 1 g" if self.clip.gravity_included else ", gravity removed"
        return f"|a| per sensor, lane {self.scale:.0f} m/s²{gravity}"

    def set_offset(self, offset: float) -> None:
        """Move the lanes to motion time − ``offset`` (s): no re-plot."""
        self.offset = offset
        for item in (*self.curves, self.gravity_lines):
            item.setPos(-offset, 0)
        self._place_text()

    def show_span(self, start: float, end: float) -> None:
        """Show ``start``–``end`` s of the audio's time axis (without audio to follow)."""
        self.plot.setXRange(start, max(end, start + 1e-3), padding=0)

    def link_to(self, plot) -> None:
        """Follow another plot's time axis (the waveform's), or none."""
        self.plot.setXLink(plot)

    def set_position(self, seconds: float) -> None:
        self.playhead.setValue(seconds)

    def _place_text(self, *_args) -> None:
        """Lane names at the left edge of what is shown."""
        left = self.plot.getViewBox().viewRange()[0][0]
        for label in self.labels:
            label.setPos(left, label.pos().y())

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.clip is None:
            return
        view = self.plot.getViewBox()
        if view.sceneBoundingRect().contains(event.scenePos()):
            self.seek_requested.emit(float(max(view.mapSceneToView(event.scenePos()).x(), 0.0)))
