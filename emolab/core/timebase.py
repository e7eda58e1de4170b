"""The one playback position, and the clocks that drive it (Qt-free).

:class:`Timeline` holds position, rate, play state and loop; views subscribe to it and
never own time. A clock answers "where is playback now": :class:`ElapsedClock`
(monotonic time × rate) for muted or motion-only playback, :class:`ManualClock` for
tests; the GUI adds one backed by the audio player.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

RATES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class PlaybackClock(Protocol):
    def play(self) -> None: ...
    def pause(self) -> None: ...
    def seek(self, seconds: float) -> None: ...
    def position(self) -> float: ...
    def set_rate(self, rate: float) -> None: ...


class ElapsedClock:
    """Position = where it was started + elapsed monotonic time × rate."""

    def __init__(self, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._base = 0.0
        self._started: float | None = None
        self._rate = 1.0

    def play(self) -> None:
        if self._started is None:
            self._started = self._now()

    def pause(self) -> None:
        self._base = self.position()
        self._started = None

    def seek(self, seconds: float) -> None:
        self._base = float(seconds)
        if self._started is not None:
            self._started = self._now()

    def set_rate(self, rate: float) -> None:
        self._base = self.position()
        if self._started is not None:
            self._started = self._now()
        self._rate = float(rate)

    def position(self) -> float:
        if self._started is None:
            return self._base
        return self._base + (self._now() - self._started) * self._rate


class ManualClock(ElapsedClock):
    """A clock that moves only when told: ``advance(seconds)`` of wall time (× rate)."""

    def __init__(self) -> None:
        self._wall = 0.0
        super().__init__(now=lambda: self._wall)

    def advance(self, seconds: float) -> None:
        self._wall += seconds


class Timeline:
    """Playback state. Listeners are called with the timeline after every change."""

    def __init__(self) -> None:
        self.position = 0.0  # seconds, audio time
        self.duration = 0.0
        self.rate = 1.0
        self.playing = False
        self.loop = False
        self._listeners: list[Callable[[Timeline], None]] = []

    def subscribe(self, listener: Callable[[Timeline], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    def set_position(self, seconds: float) -> None:
        clamped = min(max(float(seconds), 0.0), self.duration)
        if clamped != self.position:
            self.position = clamped
            self._changed()

    def set_duration(self, seconds: float) -> None:
        self.duration = max(0.0, float(seconds))
        self.position = min(self.position, self.duration)
        self._changed()

    def set_rate(self, rate: float) -> None:
        self.rate = float(rate)
        self._changed()

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self._changed()

    def set_loop(self, loop: bool) -> None:
        self.loop = bool(loop)
        self._changed()
