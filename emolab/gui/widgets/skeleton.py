"""The 3-D skeleton drawn in 2-D: orthographic projection (drag to orbit, wheel to
zoom), bones coloured left/right, fading hand trails, a floor grid and a frame readout.

Axes are hidden and ranges fixed, so a frame update is a few setData calls
(PLATFORM.md: ~2 ms for 25 joints this way, ~11 ms with auto-range and axes).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from emolab.gui.camera import OrbitCamera
from emolab.io.motion import BodyClip, SensorClip

SIDE_COLOURS = {-1: (40, 110, 220), 0: (70, 70, 70), 1: (220, 70, 50)}  # left, centre, right
TRAIL_FRAMES = 30


class _OrbitViewBox(pg.ViewBox):
    def __init__(self, view: SkeletonView):
        super().__init__(enableMenu=False)
        self._view = view
        self.setMouseEnabled(False, False)

    def mouseDragEvent(self, event, axis=None):
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        delta = event.pos() - event.lastPos()
        self._view.camera.orbit(-delta.x() * 0.5, delta.y() * 0.5)
        self._view.redraw()

    def wheelEvent(self, event, axis=None):
        steps = event.delta() / 120 if hasattr(event, "delta") else 0
        self._view.camera.zoom = float(np.clip(self._view.camera.zoom * 1.1**steps, 0.3, 5))
        self._view.apply_zoom()
        event.accept()


class SkeletonView(QWidget):
    """Shows one frame of a MotionClip; ``set_time`` picks the frame for a time. A
    SensorClip (accelerometers) has no positions: the view says so and keeps the frame."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.camera = OrbitCamera()
        self.clip: BodyClip | None = None
        self.frame = 0
        self.show_trails = True
        self._vb = _OrbitViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self._vb, background="w")
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.grid = pg.PlotCurveItem(pen=pg.mkPen((215, 215, 215), width=1), connect="pairs")
        self.plot.addItem(self.grid)
        self.trails = [pg.PlotCurveItem(pen=pg.mkPen((*c, 110), width=2))
                       for c in (SIDE_COLOURS[-1], SIDE_COLOURS[1])]  # fmt: skip
        for trail in self.trails:
            self.plot.addItem(trail)
        self.bones = {side: pg.PlotCurveItem(pen=pg.mkPen(colour, width=4), connect="pairs")
                      for side, colour in SIDE_COLOURS.items()}  # fmt: skip
        for item in self.bones.values():
            self.plot.addItem(item)
        self.joints = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(25, 25, 25), pen=None)
        self.plot.addItem(self.joints)
        self.readout = QLabel("")
        self.readout.setStyleSheet("color: #444; font-family: monospace;")
        self.placeholder = QLabel("No body movement for this recording")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #777; font-size: 14px;")
        self.placeholder.setWordWrap(True)
        page = QWidget()
        inner = QVBoxLayout(page)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.plot, 1)
        inner.addWidget(self.readout)
        self._stack = QStackedLayout()
        self._stack.addWidget(page)
        self._stack.addWidget(self.placeholder)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._stack)
        self._page = page
        self._bone_index: dict[int, np.ndarray] = {}
        self._span = 1.0
        self._floor_camera: tuple[float, float] | None = None

    def show_loading(self, loading: bool) -> None:
        """The placeholder says the movement is still being read (or that there is none)."""
        self.placeholder.setText(
            "Reading the body movement …" if loading else "No body movement for this recording"
        )

    def set_clip(self, clip: BodyClip | None) -> None:
        self.clip = clip
        self.frame = 0
        if clip is None:
            self._stack.setCurrentWidget(self.placeholder)
            return
        if isinstance(clip, SensorClip):
            self.placeholder.setText(sensor_note(clip))
            self._stack.setCurrentWidget(self.placeholder)
            return
        self._stack.setCurrentWidget(self._page)
        sides = clip.skeleton.sides()
        bones = clip.skeleton.bones()
        self._bone_index = {}
        for side in SIDE_COLOURS:
            pairs = [(p, c) for p, c in bones if sides[c] == side]
            self._bone_index[side] = np.array(pairs, dtype=int).reshape(-1)
        self._hands = [clip.skeleton.joint("left_hand"), clip.skeleton.joint("right_hand")]
        with np.errstate(all="ignore"):
            extent = np.nanmax(clip.positions.reshape(-1, 3), axis=0) - np.nanmin(
                clip.positions.reshape(-1, 3), axis=0
            )
            self._floor = float(np.nanmin(clip.positions[..., 1]))
            self._middle = np.nanmean(clip.positions.reshape(-1, 3), axis=0)
        self._span = float(np.nan_to_num(np.nanmax(extent), nan=2.0)) * 0.55 + 0.1
        self._floor_camera = None
        self.redraw()
        self.apply_zoom()

    def apply_zoom(self) -> None:
        half = self._span / self.camera.zoom
        self._vb.setRange(xRange=(-half, half), yRange=(-half, half), padding=0)

    def reset_view(self) -> None:
        self.camera.reset()
        self.redraw()
        self.apply_zoom()

    def set_time(self, seconds: float) -> None:
        """Show the frame for motion time ``seconds`` (audio time + sync offset)."""
        if self.clip is None:
            return
        frame = self.clip.frame_at(seconds)
        if frame != self.frame:
            self.frame = frame
            self.redraw()

    def _project(self, points: np.ndarray) -> np.ndarray:
        centred = points - self._middle
        return self.camera.project(centred)

    def redraw(self) -> None:
        clip = self.clip
        if clip is None or isinstance(clip, SensorClip):
            return
        xy = self._project(clip.positions[self.frame].astype(np.float64))
        for side, index in self._bone_index.items():
            if index.size:
                self.bones[side].setData(xy[index, 0], xy[index, 1])
        ok = np.isfinite(xy).all(axis=1)
        self.joints.setData(xy[ok, 0], xy[ok, 1])
        for trail, hand in zip(self.trails, self._hands, strict=True):
            if not self.show_trails or hand is None:
                trail.setData([], [])
                continue
            start = max(0, self.frame - TRAIL_FRAMES)
            path = self._project(clip.positions[start : self.frame + 1, hand].astype(np.float64))
            ok = np.isfinite(path).all(axis=1)
            trail.setData(path[ok, 0], path[ok, 1])
        camera = (self.camera.azimuth, self.camera.elevation)
        if camera != self._floor_camera:  # the floor moves only when the view orbits
            self._draw_floor()
            self._floor_camera = camera
        t = clip.frame_times[self.frame]
        self.readout.setText(f"frame {self.frame + 1}/{clip.n_frames}   {t:6.3f} s   "
                             f"{clip.fps:.0f} fps")  # fmt: skip

    def _draw_floor(self) -> None:
        size, step = 1.5, 0.5
        ticks = np.arange(-size, size + 1e-9, step)
        y = self._floor
        mx, mz = self._middle[0], self._middle[2]
        segments = []
        for v in ticks:
            segments += [[mx + v, y, mz - size], [mx + v, y, mz + size],
                         [mx - size, y, mz + v], [mx + size, y, mz + v]]  # fmt: skip
        xy = self._project(np.array(segments))
        self.grid.setData(xy[:, 0], xy[:, 1])


def sensor_note(clip: SensorClip) -> str:
    """What the skeleton area says for an accelerometer recording."""
    names = ", ".join(clip.joint_names[:6]) + (" …" if clip.n_joints > 6 else "")
    return (
        f"Accelerometers on {clip.n_joints} joint{'s' if clip.n_joints != 1 else ''} "
        f"({names}):\nno joint positions to draw.\n"
        f"Acceleration per sensor is shown under the waveform."
    )
