"""The player area: skeleton, waveform/spectrogram (with acceleration lanes under them for
an accelerometer recording) and transport around one timeline.

It renders what the session decoded (the time axis, the movement) and plays it; the time
mapping between audio and motion comes from the session (:class:`TimeMapping`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from emolab.core.timebase import ElapsedClock, PlaybackClock, Timeline
from emolab.gui import settings as gui_settings
from emolab.gui.playback import MediaPlayerClock, PlaybackController, load_multimedia
from emolab.gui.widgets.skeleton import SkeletonView
from emolab.gui.widgets.traces import AccelerationTraceView
from emolab.gui.widgets.transport import TransportBar
from emolab.gui.widgets.waveform import WaveformView
from emolab.io.motion import SensorClip
from emolab.project.timing import TimeMapping

ClockFactory = Callable[[Path | None], PlaybackClock]


class Player(QWidget):
    """Skeleton beside waveform, transport below; one clock drives both."""

    def __init__(self, clock_factory: ClockFactory | None = None, use_audio: bool = True,
                 parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.multimedia, self.audio_problem = load_multimedia() if use_audio else (None, "off")
        self.media_clock: MediaPlayerClock | None = None  # one player for the window's life
        self.clock_factory = clock_factory or self._default_clock
        self.timeline = Timeline()
        self.playback = PlaybackController(self.timeline, self)
        self.timing = TimeMapping()
        self.waveform, self.skeleton, self.transport = (
            WaveformView(),
            SkeletonView(),
            TransportBar(),
        )
        self.traces = AccelerationTraceView()
        self.traces.setVisible(False)  # shown for accelerometer recordings only
        signals = QSplitter(Qt.Orientation.Vertical)
        signals.addWidget(self.waveform)
        signals.addWidget(self.traces)
        signals.setStretchFactor(0, 3)
        signals.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.skeleton)
        splitter.addWidget(signals)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        # the waveform (where segments are marked) gets the larger share from the start
        self.skeleton.setMinimumWidth(140)  # (its 3D view asks for more than it needs)
        splitter.setSizes([400, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.transport)
        self.waveform.seek_requested.connect(self.playback.seek)
        self.traces.seek_requested.connect(self.playback.seek)
        self.transport.play_toggled.connect(self.playback.toggle)
        self.transport.stop_requested.connect(self.playback.stop)
        self.transport.step_requested.connect(self.step_frames)
        self.transport.jump_requested.connect(self.jump)
        self.transport.rate_changed.connect(self.playback.set_rate)
        self.transport.loop_changed.connect(self.timeline.set_loop)
        self.transport.mute.setChecked(bool(gui_settings.value("muted")))
        self.transport.mute_changed.connect(self.set_muted)
        self.timeline.subscribe(self.show_position)
        self.skeleton.show_trails = bool(gui_settings.value("show_trails"))

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

    def hold(self) -> None:
        """Pause while another recording's media are decoded (what shows stays)."""
        self.playback.pause()
        self.playback.ready = False

    def show_time_axis(self, media, timing: TimeMapping) -> None:
        """The waveform, clock and timeline of a recording (its audio, or its movement
        when there is no audio)."""
        self.timing = timing
        self.transport.show_offset(timing.offset)
        self.waveform.set_audio(media.samples, media.samplerate, media.duration,
                                overview=media.overview)  # fmt: skip
        self.playback.set_clock(self.clock_factory(media.audio_path))
        self.timeline.set_duration(media.duration)
        self.playback.ready = True
        self.playback.seek(0.0)
        self._place_traces()
        self.show_position(self.timeline)

    def show_motion(self, timing: TimeMapping, loading: bool) -> None:
        self.timing = timing
        motion = timing.motion
        self.skeleton.show_loading(loading)
        self.skeleton.set_clip(motion)
        sensors = motion if isinstance(motion, SensorClip) else None
        if sensors is not self.traces.clip:
            self.traces.set_clip(sensors, timing.offset)
            self._place_traces()
        if motion is not None and motion.fps:
            self.playback.frame_step = 1.0 / motion.fps
        self.show_position(self.timeline)

    def _place_traces(self) -> None:
        """Acceleration lanes follow the waveform's time axis, or show the whole recording
        when there is no audio to follow."""
        if self.traces.clip is None:
            return
        if self.waveform.has_audio:
            self.traces.link_to(self.waveform.wave)
        else:
            self.traces.link_to(None)
            self.traces.show_span(0.0, self.timeline.duration)

    def show_position(self, timeline: Timeline) -> None:
        self.waveform.set_position(timeline.position)
        self.traces.set_position(timeline.position)
        self.skeleton.set_time(self.timing.motion_time(timeline.position))
        self.transport.show_state(timeline)

    def set_timing(self, timing: TimeMapping) -> None:
        """A new audio↔motion offset: the skeleton and the acceleration lanes move, the
        audio does not."""
        self.timing = timing
        self.traces.set_offset(timing.offset)
        self.show_position(self.timeline)

    def jump(self, seconds: float) -> None:
        self.playback.seek(self.timeline.position + seconds)

    def step_frames(self, frames: int) -> None:
        """Pause and move to the neighbouring motion frame(s)."""
        self.playback.pause()
        timeline = self.timeline
        self.playback.seek(self.timing.step(timeline.position, frames, timeline.duration))

    def set_trails(self, on: bool) -> None:
        self.skeleton.show_trails = on
        gui_settings.set_value("show_trails", on)
        self.skeleton.redraw()

    def set_muted(self, muted: bool) -> None:
        gui_settings.set_value("muted", bool(muted))
        if hasattr(self.playback.clock, "set_muted"):
            self.playback.clock.set_muted(muted)

    def close_audio(self) -> None:
        """Stop the player and release its source before the window goes."""
        if self.media_clock is not None:
            from PySide6.QtWidgets import QApplication

            self.media_clock.close()
            # run the queued stop now, from the event loop (GIL released), so the player is
            # idle, with no source, before it is destroyed
            QApplication.processEvents()
