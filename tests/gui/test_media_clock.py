"""The audio player as the master clock. The smoothing logic runs against a stand-in
player and an injected time; one test drives the real QMediaPlayer (which plays against
the system clock when there is no sound device, PLATFORM.md) without timing thresholds."""

from __future__ import annotations

import types
from itertools import pairwise

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QObject, QUrl, Slot

from emolab.gui.playback import MediaPlayerClock, load_multimedia


class StandInPlayer(QObject):
    """Records the queued calls; reports the position the test sets."""

    def __init__(self):
        super().__init__()
        self.calls: list[tuple] = []
        self.reported_ms = 0

    def setAudioOutput(self, output):
        self.output = output

    def position(self) -> int:
        return self.reported_ms

    @Slot()
    def play(self):
        self.calls.append(("play",))

    @Slot()
    def pause(self):
        self.calls.append(("pause",))

    @Slot()
    def stop(self):
        self.calls.append(("stop",))

    @Slot(QUrl)
    def setSource(self, url):
        self.calls.append(("source", url.toLocalFile()))

    @Slot("qint64")
    def setPosition(self, ms):
        self.calls.append(("position", ms))

    @Slot(float)
    def setPlaybackRate(self, rate):
        self.calls.append(("rate", rate))


class StandInOutput(QObject):
    def __init__(self):
        super().__init__()
        self.muted = False

    def setVolume(self, volume):
        self.volume = volume

    @Slot(bool)
    def setMuted(self, muted):
        self.muted = muted


@pytest.fixture
def fake(qapp):
    now = [100.0]
    module = types.SimpleNamespace(QMediaPlayer=StandInPlayer, QAudioOutput=StandInOutput)
    clock = MediaPlayerClock(module, volume=0.5, now=lambda: now[0])
    return clock, clock._player, now, qapp


def test_calls_are_queued_not_made_from_python(fake, tmp_path):
    clock, player, _now, app = fake
    clock.load(tmp_path / "a.wav")
    clock.play()
    clock.seek(1.5)
    clock.set_rate(2.0)
    clock.set_muted(True)
    assert player.calls == []  # nothing ran yet: every call waits for the event loop
    app.processEvents()
    assert player.calls == [("stop",), ("source", str(tmp_path / "a.wav")), ("play",),
                            ("position", 1500), ("rate", 2.0)]  # fmt: skip
    assert clock._output.muted


def test_position_is_smoothed_between_coarse_reports_and_never_goes_back(fake, tmp_path):
    clock, player, now, _app = fake
    clock.load(tmp_path / "a.wav")
    clock.play()
    shown = []
    for step in range(40):  # 10 ms ticks; the player reports every 64 ms, a little late
        now[0] += 0.010
        if step % 6 == 5:
            player.reported_ms = round((step + 1) * 10 - 8)
        shown.append(clock.position())
    assert all(b >= a for a, b in pairwise(shown))
    assert shown[-1] == pytest.approx(0.40, abs=0.02)
    clock.pause()
    held = clock.position()
    now[0] += 5.0
    assert clock.position() == held


def test_seek_and_rate_follow_injected_time(fake, tmp_path):
    clock, _player, now, _app = fake
    clock.load(tmp_path / "a.wav")
    clock.seek(1.0)
    assert clock.position() == 1.0
    clock.set_rate(2.0)
    clock.play()
    now[0] += 0.5
    assert clock.position() == pytest.approx(2.0)
    clock.seek(0.25)  # back: allowed, the playhead follows a user's seek
    assert clock.position() == pytest.approx(0.25)


def test_the_real_player_moves_forward_and_holds_when_paused(qtbot, tmp_path):
    multimedia, reason = load_multimedia()
    if multimedia is None:
        pytest.skip(f"QtMultimedia unavailable: {reason}")
    path = tmp_path / "tone.wav"
    t = np.arange(3 * 16000) / 16000
    sf.write(path, 0.1 * np.sin(2 * np.pi * 220 * t), 16000)
    clock = MediaPlayerClock(multimedia, volume=0.0)
    clock.load(path)
    clock.play()
    samples = []

    def moved():
        samples.append(clock.position())
        return clock._player.position() > 200

    qtbot.waitUntil(moved, timeout=10_000)
    assert all(b >= a for a, b in pairwise(samples))
    clock.pause()
    held = clock.position()
    qtbot.wait(100)
    assert clock.position() == held
    clock.close()
    qtbot.waitUntil(lambda: clock._player.source() == QUrl(), timeout=5_000)
