"""The playback controller: one clock drives the Timeline at ~60 Hz.

While audio plays, QMediaPlayer is the master clock; its position arrives in coarse
steps (~64 ms offscreen), so between steps the position is extrapolated with elapsed
time × rate. Without QtMultimedia (e.g. libpulse missing), for muted playback and
for motion-only recordings an ElapsedClock runs silently; tests use a ManualClock.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl

from emolab.core.timebase import ElapsedClock, PlaybackClock, Timeline


def load_multimedia():
    """The QtMultimedia module, or None with the reason it could not load."""
    try:
        from PySide6 import QtMultimedia
    except ImportError as exc:
        return None, str(exc)
    return QtMultimedia, ""


class MediaPlayerClock:
    """QMediaPlayer playing the recording's original audio file, used as the clock."""

    def __init__(self, multimedia, path: Path, volume: float = 0.8):
        self._player = multimedia.QMediaPlayer()
        self._output = multimedia.QAudioOutput()
        self._output.setVolume(volume)
        self._player.setAudioOutput(self._output)
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._rate = 1.0
        self._last_ms = 0
        self._last_at = time.monotonic()
        self._playing = False
        self._shown = 0.0  # last position handed out: playback never shows time going back
        self._player.positionChanged.connect(self._on_position)

    def _on_position(self, ms: int) -> None:
        self._last_ms = ms
        self._last_at = time.monotonic()

    def play(self) -> None:
        self._playing = True
        self._last_at = time.monotonic()
        self._player.play()

    def pause(self) -> None:
        self._playing = False
        self._player.pause()
        self._last_ms = self._player.position()

    def seek(self, seconds: float) -> None:
        ms = round(seconds * 1000)
        self._player.setPosition(ms)
        self._last_ms = ms
        self._last_at = time.monotonic()
        self._shown = seconds

    def set_rate(self, rate: float) -> None:
        self._last_ms = round(self.position() * 1000)
        self._last_at = time.monotonic()
        self._rate = rate
        self._player.setPlaybackRate(rate)

    def set_muted(self, muted: bool) -> None:
        self._output.setMuted(muted)

    def position(self) -> float:
        base = self._last_ms / 1000
        if not self._playing:
            self._shown = base
            return base
        # a coarse report behind the extrapolation holds the playhead instead of jumping back
        self._shown = max(self._shown, base + (time.monotonic() - self._last_at) * self._rate)
        return self._shown

    def close(self) -> None:
        self._player.stop()
        self._player.setSource(QUrl())


class PlaybackController(QObject):
    """Connects a clock to the Timeline; all transport actions go through here."""

    def __init__(self, timeline: Timeline, parent: QObject | None = None):
        super().__init__(parent)
        self.timeline = timeline
        self.clock: PlaybackClock = ElapsedClock()
        self.frame_step = 1 / 60
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self.tick)

    def set_clock(self, clock: PlaybackClock) -> None:
        self.pause()
        old = self.clock
        if hasattr(old, "close"):
            old.close()
        self.clock = clock
        clock.set_rate(self.timeline.rate)
        clock.seek(self.timeline.position)

    def tick(self) -> None:
        """Read the clock into the Timeline (the timer calls this ~60×/s)."""
        if not self.timeline.playing:
            return
        position = self.clock.position()
        if position >= self.timeline.duration:
            if self.timeline.loop and self.timeline.duration > 0:
                self.clock.seek(0.0)
                position = 0.0
            else:
                position = self.timeline.duration
                self.pause()
        self.timeline.set_position(position)

    def play(self) -> None:
        if self.timeline.duration <= 0:
            return
        if self.timeline.position >= self.timeline.duration:
            self.seek(0.0)
        self.clock.play()
        self.timeline.set_playing(True)
        self._timer.start()

    def pause(self) -> None:
        self.clock.pause()
        self._timer.stop()
        self.timeline.set_playing(False)

    def toggle(self) -> None:
        self.pause() if self.timeline.playing else self.play()

    def stop(self) -> None:
        self.pause()
        self.seek(0.0)

    def seek(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), self.timeline.duration)
        self.clock.seek(seconds)
        self.timeline.set_position(seconds)

    def step(self, frames: int) -> None:
        """Move by whole motion frames (pauses first)."""
        self.pause()
        self.seek(self.timeline.position + frames * self.frame_step)

    def set_rate(self, rate: float) -> None:
        self.clock.set_rate(rate)
        self.timeline.set_rate(rate)
