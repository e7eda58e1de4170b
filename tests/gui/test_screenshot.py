"""Render the main window offscreen and check that the skeleton and waveform are drawn."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from emolab.gui.widgets.skeleton import SIDE_COLOURS


def pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = data.reshape(height, image.bytesPerLine() // 4, 4)
    return rows[:, :width, 2::-1].copy()  # BGRA → RGB; copied before the image is freed


def near(rgb: np.ndarray, colour, tolerance: int = 40) -> int:
    return int((np.abs(rgb.astype(int) - np.array(colour)).max(axis=2) < tolerance).sum())


def test_main_window_screenshot_shows_skeleton_and_waveform(window, tmp_path):
    window.playback.seek(1.0)
    path = tmp_path / "main.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 20_000
    skeleton = pixels(window.skeleton.plot)
    assert near(skeleton, SIDE_COLOURS[-1]) > 100  # left bones
    assert near(skeleton, SIDE_COLOURS[1]) > 100  # right bones
    wave = pixels(window.waveform)
    assert near(wave, (40, 70, 120)) > 500  # waveform trace
    assert near(wave, (220, 30, 30)) > 50  # playhead
    blank = pixels(window.waveform)[0:5, 0:5]
    assert near(blank, (255, 255, 255), 5) > 0  # and background where nothing is drawn
