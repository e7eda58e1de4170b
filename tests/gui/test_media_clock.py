"""The audio player as the master clock (QMediaPlayer plays against the system clock
when there is no sound device, PLATFORM.md)."""

from __future__ import annotations

import time
from itertools import pairwise

import numpy as np
import pytest
import soundfile as sf

from emolab.gui.playback import MediaPlayerClock, load_multimedia


@pytest.fixture
def media_clock(qtbot, tmp_path):
    multimedia, reason = load_multimedia()
    if multimedia is None:
        pytest.skip(f"QtMultimedia unavailable: {reason}")
    path = tmp_path / "tone.wav"
    t = np.arange(3 * 16000) / 16000
    sf.write(path, 0.1 * np.sin(2 * np.pi * 220 * t), 16000)
    clock = MediaPlayerClock(multimedia, path, volume=0.0)
    qtbot.wait(300)  # let the player load the file
    yield clock
    clock.close()


def run_for(qtbot, clock, seconds):
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        qtbot.wait(10)
        samples.append(clock.position())
    return samples


def test_media_clock_follows_wall_time_and_never_goes_back(qtbot, media_clock):
    media_clock.play()
    samples = run_for(qtbot, media_clock, 0.8)
    assert all(b >= a for a, b in pairwise(samples))
    assert 0.55 <= samples[-1] <= 1.05
    media_clock.pause()
    held = media_clock.position()
    qtbot.wait(200)
    assert media_clock.position() == pytest.approx(held, abs=0.07)


def test_media_clock_seek_and_rate(qtbot, media_clock):
    media_clock.seek(1.0)
    assert media_clock.position() == pytest.approx(1.0)
    media_clock.set_rate(2.0)
    media_clock.play()
    samples = run_for(qtbot, media_clock, 0.5)
    assert 1.6 <= samples[-1] <= 2.2
