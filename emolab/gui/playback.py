"""The playback controller: one clock drives the Timeline at ~60 Hz.

While audio plays, QMediaPlayer is the master clock; its position arrives in coarse
steps (~64 ms offscreen), so between steps the position is extrapolated with elapsed
time × rate. Without QtMultimedia (e.g. libpulse missing), for muted playback and
for motion-only recordings an ElapsedClock runs silently; tests use a ManualClock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt, QTimer, QUrl

from emolab.core.timebase import ElapsedClock, PlaybackClock, Timeline


def load_multimedia():
    """The QtMultimedia module, or None with the reason it could not load."""
    try:
        from PySide6 import QtMultimedia
    except ImportError as exc:
        return None, str(exc)
    return QtMultimedia, ""


class MediaPlayerClock:
    """QMediaPlayer playing the recording's original audio file, used as the clock.

    Why this cannot deadlock (PLATFORM.md: with Qt's FFmpeg backend, ``stop()`` called from
    Python while playing hung the process: the GUI thread held the GIL and waited on a
    backend mutex while a backend thread waited for the GIL):

    - one player and one audio output live as long as the window; a new recording only
      changes the source, so no player is ever destroyed while its threads run;
    - no Python slot is connected to the player: the position is polled from the GUI
      timer, so a backend thread never has Python code to run;
    - every call that may wait on the backend's locks (source, play, pause, stop, seek,
      rate, volume, mute) is queued with ``QMetaObject.invokeMethod``: it runs from the Qt
      event loop in C++, where PySide has released the GIL, so a backend thread that
      needs the GIL for any reason can always get it.

    Calls are fire-and-forget; the clock keeps its own state (playing, rate, last
    position) so ``position()`` answers at once. ``now`` is injectable for tests.
    """

    def __init__(self, multimedia, volume: float = 0.8, now: Callable[[], float] = time.monotonic):
        self._player = multimedia.QMediaPlayer()
        self._output = multimedia.QAudioOutput()
        self._output.setVolume(volume)
        self._player.setAudioOutput(self._output)
        self._now = now
        self._source: Path | None = None
        self._rate = 1.0
        self._playing = False
        self._reported_ms = -1  # the player's last reported position, to see it move
        self._base = 0.0  # seconds at _base_at
        self._base_at = now()
        self._shown = 0.0  # last position handed out: playback never shows time going back

    def _queue(self, target, method: str, *args) -> None:
        QMetaObject.invokeMethod(target, method, Qt.ConnectionType.QueuedConnection, *args)

    @property
    def source(self) -> Path | None:
        return self._source

    def load(self, path: Path | None) -> None:
        """Play ``path`` from now on (None: no audio); stops what was playing."""
        self._playing = False
        self._queue(self._player, "stop")
        url = QUrl() if path is None else QUrl.fromLocalFile(str(path))
        self._queue(self._player, "setSource", Q_ARG(QUrl, url))
        self._source = path
        self._reported_ms = -1
        self._set_base(0.0)
        self._shown = 0.0

    def _set_base(self, seconds: float) -> None:
        self._base = seconds
        self._base_at = self._now()

    def play(self) -> None:
        self._playing = True
        self._set_base(self._base)
        self._queue(self._player, "play")

    def pause(self) -> None:
        self._set_base(self.position())
        self._playing = False
        self._queue(self._player, "pause")

    def seek(self, seconds: float) -> None:
        self._queue(self._player, "setPosition", Q_ARG("qint64", round(seconds * 1000)))
        self._reported_ms = -1
        self._set_base(float(seconds))
        self._shown = float(seconds)

    def set_rate(self, rate: float) -> None:
        self._set_base(self.position())
        self._rate = float(rate)
        self._queue(self._player, "setPlaybackRate", Q_ARG(float, float(rate)))

    def set_muted(self, muted: bool) -> None:
        self._queue(self._output, "setMuted", Q_ARG(bool, bool(muted)))

    def position(self) -> float:
        """Seconds: the player's coarse reports (~64 ms steps) smoothed by elapsed time."""
        if not self._playing:
            return self._base
        reported = self._player.position()
        if reported != self._reported_ms and self._reported_ms != -1:
            self._set_base(reported / 1000)
        self._reported_ms = reported
        elapsed = (self._now() - self._base_at) * self._rate
        # a coarse report behind the extrapolation holds the playhead instead of jumping back
        self._shown = max(self._shown, self._base + elapsed)
        return self._shown

    def backend_report(self) -> tuple[int, str]:
        """The media backend's own position (ms) and error text ('' when none), as the smoke
        test reads them to tell a working backend from the smoothed clock."""
        return self._player.position(), self._player.errorString()

    def close(self) -> None:
        """Stop and release the source (queued like every other call)."""
        self.load(None)


class PlaybackController(QObject):
    """Connects a clock to the Timeline; all transport actions go through here."""

    def __init__(self, timeline: Timeline, parent: QObject | None = None):
        super().__init__(parent)
        self.timeline = timeline
        self.clock: PlaybackClock = ElapsedClock()
        self.frame_step = 1 / 60
        self.ready = True  # False while a recording's media are being loaded
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self.tick)

    def set_clock(self, clock: PlaybackClock) -> None:
        """Drive the timeline from ``clock`` (the window owns the clocks and their lives)."""
        self.pause()
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
        if self.timeline.duration <= 0 or not self.ready:
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
