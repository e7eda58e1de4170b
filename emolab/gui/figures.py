"""Render the figures README shows: ``python -m emolab.gui.figures OUT_DIR``.

Draws a spectrogram of a generated (SYNTHETIC) utterance and a pose of its skeleton
with pyqtgraph offscreen, so anyone can regenerate and inspect them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np


def spectrogram_db(samples: np.ndarray, sr: int, window_s: float = 0.025, hop_s: float = 0.005):
    """(times s, freqs Hz, power dB) of a Hann-window STFT."""
    from scipy.signal import stft

    n = int(window_s * sr)
    freqs, times, z = stft(samples, sr, window="hann", nperseg=n, noverlap=n - int(hop_s * sr))
    power = 20 * np.log10(np.abs(z) + 1e-9)
    return times, freqs, power


def render(out: Path, emotion: str = "angry", participant: int = 1, seed: int = 0) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from emolab.demo.corpus import conditions, generate_recording, make_participant
    from emolab.gui.camera import OrbitCamera

    app = QApplication.instance() or QApplication([])  # noqa: F841 - keeps Qt alive
    out.mkdir(parents=True, exist_ok=True)
    person = make_participant(participant, seed)
    condition = next(c for c in conditions(participant) if c.emotion == emotion and c.strong)
    utterance, clip = generate_recording(person, condition, seed)

    times, freqs, power = spectrogram_db(utterance.samples, utterance.samplerate)
    plot = pg.PlotWidget(background="w")
    plot.resize(900, 360)
    image = pg.ImageItem(power.T)
    image.setColorMap(pg.colormap.get("inferno"))
    image.setLevels([power.max() - 80, power.max()])
    image.setRect(0, 0, times[-1], freqs[-1])
    plot.addItem(image)
    plot.setLabel("bottom", "time", units="s")
    plot.setLabel("left", "frequency", units="Hz")
    plot.setTitle(f"SYNTHETIC speech: participant {participant}, {emotion} (strong)")
    for onset in utterance.stressed_onsets:
        plot.addItem(pg.InfiniteLine(onset, pen=pg.mkPen("c", width=1, style=Qt.PenStyle.DashLine)))
    spectrogram_png = out / "synthetic-spectrogram.png"
    plot.grab().save(str(spectrogram_png))

    frame = clip.frame_at(utterance.stressed_onsets[len(utterance.stressed_onsets) // 2])
    camera = OrbitCamera(azimuth=30, elevation=10)
    xy = camera.project(clip.positions[frame].astype(float))
    view = pg.PlotWidget(background="w")
    view.resize(420, 520)
    view.setAspectLocked(True)
    view.hideAxis("left")
    view.hideAxis("bottom")
    sides = clip.skeleton.sides()
    colours = {-1: (40, 110, 220), 0: (60, 60, 60), 1: (220, 70, 50)}
    for parent, child in clip.skeleton.bones():
        segment = xy[[parent, child]]
        view.plot(segment[:, 0], segment[:, 1], pen=pg.mkPen(colours[int(sides[child])], width=4))
    view.plot(xy[:, 0], xy[:, 1], pen=None, symbol="o", symbolSize=7, symbolBrush=(20, 20, 20))
    view.setTitle(f"SYNTHETIC pose, frame {frame} ({clip.frame_times[frame]:.2f} s)")
    skeleton_png = out / "synthetic-skeleton.png"
    view.grab().save(str(skeleton_png))
    return [spectrogram_png, skeleton_png]


if __name__ == "__main__":
    for path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "figures")):
        print(path)
