"""Waveform and spectrogram of a stretch of a recording, under an overview strip of the
whole of it, with a moving playhead, click to seek, zoom and pan, and an emotion-over-time
strip.

Only what is on screen is drawn: the overview is prepared once per recording at a fixed
size (:class:`~emolab.features.display.AudioOverview`); the detail plots show a
:class:`~emolab.features.display.TimeWindow` (the whole of a short recording, 10 s of a
long one), drawn as min/max per pixel column with a spectrogram of that stretch only,
computed again when the window moves or zooms. Playback moves the playhead lines and pages
the window when the playhead leaves it; it never re-plots on a tick.

Segments (time-range labels) are drawn over the waveform as translucent regions named by
their label: click one to select it, drag its edges to move them. Shift+drag on the
waveform or spectrogram marks a new range; ``[`` and ``]`` (through the window) set the
ends of a pending range shown dashed. The view only reports intent (signals); the owner
stores the segments and hands them back with :meth:`WaveformView.set_segments`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from emolab.features.display import (
    MIN_WINDOW_S,
    AudioOverview,
    Spectrogram,
    TimeWindow,
    audio_overview,
    spectrogram_span,
    waveform_trace,
)

#: One colour per emotion (colour-blind-friendly Okabe–Ito plus two greys).
EMOTION_COLOURS = {
    "neutral": (150, 150, 150), "calm": (86, 180, 233), "happy": (240, 228, 66),
    "sad": (0, 114, 178), "angry": (213, 94, 0), "fearful": (204, 121, 167),
    "disgust": (0, 158, 115), "surprised": (230, 159, 0),
}  # fmt: skip

#: Detail is prepared for this share of the window beyond each side, so small pans reuse it.
DETAIL_MARGIN = 0.25
#: Widest window (s) whose spectrogram is computed; wider ones show the overview's.
DETAIL_SPECTROGRAM_MAX_S = 60.0
#: Pixel columns assumed before the widget has been laid out.
FALLBACK_COLUMNS = 1000
#: Dynamic range (dB) of the spectrogram's colours.
SPECTROGRAM_RANGE_DB = 75.0


class _MarkingViewBox(pg.ViewBox):
    """A view box where Shift+drag marks a time range instead of panning."""

    def __init__(self, on_mark, **kwargs):
        super().__init__(**kwargs)
        self._on_mark = on_mark
        self._marking = False

    def mouseDragEvent(self, ev, axis=None) -> None:
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() == Qt.MouseButton.LeftButton and (self._marking or (shift and ev.isStart())):
            ev.accept()
            self._marking = not ev.isFinish()
            start = self.mapSceneToView(ev.buttonDownScenePos()).x()
            self._on_mark(start, self.mapSceneToView(ev.scenePos()).x(), ev.isFinish())
            return
        super().mouseDragEvent(ev, axis)


class SegmentRegion(pg.LinearRegionItem):
    """A segment on the waveform: a click selects it; its edges drag, its body does not
    (a drag there pans the view, as anywhere else)."""

    def __init__(self, uid: str, on_click, **kwargs):
        super().__init__(**kwargs)
        self.uid = uid
        self._on_click = on_click

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            self._on_click(self.uid)  # not accepted: the click also seeks there

    def hoverEvent(self, ev) -> None:
        over = not ev.isExit() and ev.acceptClicks(Qt.MouseButton.LeftButton)
        self.setMouseHover(bool(over))


def segment_colour(label: str) -> tuple[int, int, int]:
    return EMOTION_COLOURS.get(label, (120, 120, 160))


class WaveformView(QWidget):
    """Overview strip over waveform over spectrogram over emotion strip; the last three
    share one time axis showing :attr:`time_window`."""

    seek_requested = Signal(float)
    #: a range marked with Shift+drag (start s, end s)
    range_marked = Signal(float, float)
    #: a segment clicked (its uid)
    segment_clicked = Signal(str)
    #: a segment's edges dragged (uid, start s, end s)
    segment_moved = Signal(str, float, float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self._layout = pg.GraphicsLayoutWidget()
        self._layout.setBackground("w")
        self.overview = self._layout.addPlot(row=0, col=0)
        self.wave = self._layout.addPlot(row=1, col=0, viewBox=_MarkingViewBox(self._marking))
        self.spec = self._layout.addPlot(row=2, col=0, viewBox=_MarkingViewBox(self._marking))
        self.strip = self._layout.addPlot(row=3, col=0)
        for plot in (self.overview, self.wave, self.spec, self.strip):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=plot is not self.overview, y=False)
            plot.getAxis("left").setWidth(48)
            plot.vb.disableAutoRange()
        self.spec.setXLink(self.wave)
        self.strip.setXLink(self.wave)
        for plot in (self.overview, self.wave, self.spec):
            plot.hideAxis("bottom")
        self.overview.setLabel("left", "whole")
        self.overview.getAxis("left").setTicks([[]])
        self.wave.setLabel("left", "amplitude")
        self.wave.getAxis("left").enableAutoSIPrefix(False)
        self.spec.setLabel("left", "kHz")
        self.strip.setLabel("left", "model")
        self.strip.setLabel("bottom", "time", units="s")
        self.strip.getAxis("left").setTicks([[]])
        for row, stretch in enumerate((1, 3, 3, 1)):
            self._layout.ci.layout.setRowStretchFactor(row, stretch)
        self.overview_curve = pg.PlotDataItem(pen=pg.mkPen((130, 150, 180), width=1))
        self.overview_curve.setDownsampling(auto=True, method="peak")  # to the strip's width
        self.overview.addItem(self.overview_curve)
        self.overview_region = pg.LinearRegionItem(
            brush=pg.mkBrush(40, 70, 120, 50), pen=pg.mkPen((40, 70, 120), width=1)
        )
        self.overview.addItem(self.overview_region)
        # drawn by us at about two points per pixel column: no pyqtgraph downsampling
        self.curve = pg.PlotDataItem(pen=pg.mkPen((40, 70, 120), width=1))
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
        for plot in (self.wave, self.spec, self.strip, self.overview):
            line = pg.InfiniteLine(0, pen=pg.mkPen((220, 30, 30), width=2))
            plot.addItem(line)
            self.playheads.append(line)
        self._layout.scene().sigMouseClicked.connect(self._clicked)
        self.wave.vb.sigXRangeChanged.connect(self._view_moved)
        self.overview_region.sigRegionChanged.connect(self._region_moved)
        # pans, zooms and region drags arrive in bursts: detail is recomputed once per burst
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(0)
        self._detail_timer.timeout.connect(self.refresh_detail)
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
        self.time_window = TimeWindow()
        self._samples: np.ndarray | None = None
        self._samplerate = 0
        self._overview: AudioOverview | None = None
        self._levels = (-SPECTROGRAM_RANGE_DB, 0.0)
        self._detail_key: tuple | None = None  # (start s, end s, span s, columns) drawn
        self._shown_spectrogram: Spectrogram | None = None
        self._moving_view = False
        self._peak = 1.0
        # segments: uid → (region, label); what was drawn, to redraw only what changed
        self._segment_items: dict[str, tuple[SegmentRegion, pg.TextItem]] = {}
        self._segments_shown: tuple = ()
        self.selected_segment: str | None = None
        self._pending: list[float | None] = [None, None]
        self.pending_region = pg.LinearRegionItem(
            brush=pg.mkBrush(60, 60, 60, 35),
            pen=pg.mkPen((60, 60, 60), width=1, style=Qt.PenStyle.DashLine),
            swapMode="sort",
        )
        self.pending_region.setZValue(20)
        self.pending_region.setVisible(False)
        self.pending_region.sigRegionChangeFinished.connect(self._pending_dragged)
        self.wave.addItem(self.pending_region)

    # ---- user intent -------------------------------------------------------------------
    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.duration <= 0:
            return
        if self.overview.sceneBoundingRect().contains(event.scenePos()):
            t = self.overview.vb.mapSceneToView(event.scenePos()).x()
            self.time_window.centre_on(t)
            self._show_window()
            return
        for plot in (self.wave, self.spec, self.strip):
            if plot.sceneBoundingRect().contains(event.scenePos()):
                t = plot.vb.mapSceneToView(event.scenePos()).x()
                self.seek_requested.emit(float(min(max(t, 0.0), self.duration)))
                return

    def _view_moved(self, _view_box, x_range) -> None:
        """A pan or zoom in the detail plots (also our own moves, ignored)."""
        if self._moving_view or self._samples is None:
            return
        self.time_window.show(x_range[0], x_range[1] - x_range[0])
        self._place_region()
        self._detail_timer.start()

    def _region_moved(self) -> None:
        """The overview's region dragged: the detail plots follow."""
        if self._moving_view or self._samples is None:
            return
        low, high = self.overview_region.getRegion()
        self.time_window.show(low, high - low)
        self._moving_view = True
        try:
            self.wave.setXRange(self.time_window.start, self.time_window.end, padding=0)
        finally:
            self._moving_view = False
        self._detail_timer.start()

    # ---- the recording -----------------------------------------------------------------
    @property
    def has_audio(self) -> bool:
        """Whether a recording's audio is shown (not the placeholder)."""
        return self._samples is not None

    def set_audio(
        self,
        samples: np.ndarray | None,
        samplerate: int,
        duration: float,
        spectrogram: tuple | None = None,
        *,
        overview: AudioOverview | None = None,
    ) -> None:
        """Show a recording's audio (mono samples at their own rate), or the placeholder.
        ``overview`` is :func:`~emolab.features.display.audio_overview` of the samples when
        already computed (it is computed here otherwise); ``spectrogram``, a
        :func:`~emolab.features.display.spectrogram_db` of them, replaces its spectrogram."""
        self.duration = duration
        self._detail_timer.stop()
        self._detail_key = None
        self._shown_spectrogram = None
        if samples is None or len(samples) == 0:
            self._samples, self._overview = None, None
            self.curve.setData([], [])
            self.overview_curve.setData([], [])
            self.image.clear()
            self._stack.setCurrentWidget(self.placeholder)
            return
        self._stack.setCurrentWidget(self._layout)
        if overview is None:
            overview = audio_overview(samples, samplerate)
        if spectrogram is not None:
            power, hop_s, top = spectrogram
            whole = Spectrogram(np.asarray(power, np.float32), 0.0, hop_s, top)
            overview = AudioOverview(overview.envelope, whole, overview.peak)
        self._samples, self._samplerate, self._overview = samples, samplerate, overview
        envelope = overview.envelope
        centres = (np.arange(len(envelope.lows)) + 0.5) * envelope.column_s
        trace = np.empty(2 * len(envelope.lows), np.float32)
        trace[0::2], trace[1::2] = envelope.lows, envelope.highs
        self.overview_curve.setData(np.repeat(centres, 2), trace, skipFiniteCheck=True)
        peak = self._peak = overview.peak or 1.0
        for plot in (self.overview, self.wave):
            plot.setYRange(-peak, peak, padding=0.05)
        top_khz = overview.spectrogram.top_hz / 1000
        self.spec.setYRange(0, min(top_khz, 8), padding=0)
        loudest = float(overview.spectrogram.power_db.max())
        self._levels = (loudest - SPECTROGRAM_RANGE_DB, loudest)
        span = max(duration, 0.1)
        self.overview.setXRange(0, span, padding=0)
        for plot in (self.wave, self.spec, self.strip):
            plot.setLimits(xMin=0, xMax=span, minXRange=min(MIN_WINDOW_S, span))
        self.overview_region.setBounds((0, span))
        for region, label in self._segment_items.values():
            region.setBounds((0, span))
            label.setPos(region.getRegion()[0], peak)
        self.time_window = TimeWindow.for_duration(duration)
        self._show_window()
        self.set_track(None)

    def _show_window(self) -> None:
        """Put :attr:`time_window` on screen: axis range, overview region, detail."""
        self._moving_view = True
        try:
            self.wave.setXRange(self.time_window.start, self.time_window.end, padding=0)
            self._place_region()
        finally:
            self._moving_view = False
        self.refresh_detail()

    def _place_region(self) -> None:
        was = self._moving_view
        self._moving_view = True
        try:
            self.overview_region.setRegion((self.time_window.start, self.time_window.end))
        finally:
            self._moving_view = was

    def _columns(self) -> int:
        """Pixel columns of the detail plots."""
        width = int(self.wave.vb.width())
        return width if width >= 50 else FALLBACK_COLUMNS

    def refresh_detail(self) -> None:
        """Draw the waveform and spectrogram of the window (and a margin), unless what is
        drawn already covers it at this zoom and width."""
        self._detail_timer.stop()
        if self._samples is None or self._overview is None:
            return
        window, columns = self.time_window, self._columns()
        key = self._detail_key
        if (key is not None and key[0] <= window.start + 1e-9 and window.end <= key[1] + 1e-9
                and abs(key[2] - window.span) <= 1e-9 * max(window.span, 1.0)
                and key[3] == columns):  # fmt: skip
            return
        margin = DETAIL_MARGIN * window.span
        start, end = max(window.start - margin, 0.0), min(window.end + margin, self.duration)
        drawn_columns = max(round(columns * (end - start) / max(window.span, 1e-9)), 1)
        x, y = waveform_trace(self._samples, self._samplerate, start, end, drawn_columns)
        self.curve.setData(x, y, skipFiniteCheck=True)
        overview = self._overview.spectrogram
        # a frame per two pixel columns: its colours cost half of a frame per column
        frames = max(drawn_columns // 2, 1)
        overview_hop = (overview.end_s - overview.start_s) / max(len(overview.power_db), 1)
        if window.span <= DETAIL_SPECTROGRAM_MAX_S and overview_hop > 1.01 * max(
            0.01, (end - start) / frames
        ):
            shown = spectrogram_span(self._samples, self._samplerate, start, end, frames)
        else:  # the overview is as fine as the detail would be (short recordings), or wider
            shown = overview
        if shown is not self._shown_spectrogram:
            self.image.setImage(shown.power_db, autoLevels=False, levels=self._levels)
            self.image.setRect(shown.start_s, 0, shown.end_s - shown.start_s, shown.top_hz / 1000)
            self._shown_spectrogram = shown
        self._detail_key = (start, end, window.span, columns)

    def set_track(self, track: dict | None, waiting: bool = False, hidden: bool = False) -> None:
        """The emotion-over-time strip: each window coloured by its top label, one label
        per run of windows with the same top label. ``waiting``: suggestions are still
        being computed; ``hidden``: this rater may not see them yet."""
        if hidden or not track or not track.get("proba"):
            self.strip_image.clear()
            self._show_strip_labels([])
            self.strip_text.setText(
                "emotion over time: hidden for now" if hidden
                else "emotion over time: being computed …" if waiting
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

    # ---- segments -------------------------------------------------------------------
    def _marking(self, start: float, end: float, finished: bool) -> None:
        """A Shift+drag in progress (the pending range follows it) or done (reported)."""
        top = self.duration if self.duration > 0 else max(start, end)
        start, end = sorted((min(max(start, 0.0), top), min(max(end, 0.0), top)))
        if not finished:
            self.set_pending(start, end)
            return
        self.clear_pending()
        if end - start > 1e-3:
            self.range_marked.emit(start, end)

    def set_pending(self, start: float | None, end: float | None) -> None:
        """The pending range (dashed): either end may still be missing."""
        self._pending = [start, end]
        shown = [t for t in self._pending if t is not None]
        self.pending_region.setVisible(bool(shown))
        if shown:
            self.pending_region.blockSignals(True)
            self.pending_region.setRegion((min(shown), max(shown)))
            self.pending_region.blockSignals(False)

    def mark_edge(self, which: int, seconds: float) -> None:
        """Set the pending range's start (0) or end (1) at ``seconds``."""
        pending = list(self._pending)
        pending[which] = seconds
        self.set_pending(*pending)

    def pending_range(self) -> tuple[float, float] | None:
        """The pending range (start < end), or None while it lacks an end."""
        if None in self._pending:
            return None
        start, end = sorted(self._pending)  # type: ignore[type-var]
        return (start, end) if end - start > 1e-3 else None

    def clear_pending(self) -> None:
        self.set_pending(None, None)

    def _pending_dragged(self) -> None:
        if None not in self._pending:
            self._pending = list(self.pending_region.getRegion())

    def set_segments(self, segments: list[tuple[str, float, float, str]],
                     selected: str | None = None) -> None:  # fmt: skip
        """Draw segments as (uid, start s, end s, label); ``selected`` stands out. Items are
        reused; nothing is redrawn when nothing changed."""
        shown = (tuple(segments), selected)
        if shown == self._segments_shown:
            return
        self._segments_shown = shown
        self.selected_segment = selected
        wanted = {uid for uid, *_ in segments}
        for uid in list(self._segment_items):
            if uid not in wanted:
                region, label = self._segment_items.pop(uid)
                self.wave.removeItem(region)
                self.wave.removeItem(label)
        span = max(self.duration, 0.1)
        for uid, start, end, text in segments:
            if uid not in self._segment_items:
                region = SegmentRegion(uid, self.segment_clicked.emit, swapMode="sort")
                region.setZValue(-10)  # under the trace
                region.sigRegionChangeFinished.connect(self._segment_dragged)
                label = pg.TextItem("", anchor=(0, 0), color=(20, 20, 20))
                label.setZValue(15)
                self.wave.addItem(region)
                self.wave.addItem(label)
                self._segment_items[uid] = (region, label)
            region, label = self._segment_items[uid]
            r, g, b = segment_colour(text)
            chosen = uid == selected
            region.blockSignals(True)
            region.setBounds((0, span))
            region.setRegion((start, end))
            region.blockSignals(False)
            region.setBrush(pg.mkBrush(r, g, b, 110 if chosen else 55))
            region.setHoverBrush(pg.mkBrush(r, g, b, 130))
            pen = pg.mkPen((int(r * 0.6), int(g * 0.6), int(b * 0.6)), width=3 if chosen else 1)
            for line in region.lines:
                line.setPen(pen)
                line.setHoverPen(pg.mkPen((20, 20, 20), width=3))
            label.setText(f"{'▶ ' if chosen else ''}{text}")
            label.setPos(start, self._peak)

    def _segment_dragged(self, region: SegmentRegion) -> None:
        start, end = region.getRegion()
        self.segment_moved.emit(region.uid, float(start), float(end))

    def set_position(self, seconds: float) -> None:
        """Move the playhead to ``seconds``; page the window when the playhead leaves it."""
        for line in self.playheads:
            line.setValue(seconds)
        if self._samples is not None and self.time_window.follow(seconds):
            self._show_window()
