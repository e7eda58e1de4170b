"""Render the figures README shows: ``python -m emolab.gui.figures OUT_DIR``.

Draws a spectrogram of a generated (SYNTHETIC) utterance, a pose of its skeleton, and
the main window with a demo recording loaded, offscreen, so anyone can regenerate and
inspect them (README's screenshot is ``packaging/screenshots/main-window.png``).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def render(out: Path, emotion: str = "angry", participant: int = 1, seed: int = 0) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from emolab.demo.corpus import conditions, generate_recording, make_participant
    from emolab.features.display import spectrogram_db
    from emolab.gui.widgets.skeleton import SkeletonView

    app = QApplication.instance() or QApplication([])  # noqa: F841 - keeps Qt alive
    out.mkdir(parents=True, exist_ok=True)
    person = make_participant(participant, seed)
    condition = next(c for c in conditions(participant) if c.emotion == emotion and c.strong)
    utterance, clip = generate_recording(person, condition, seed)

    power, hop_s, top = spectrogram_db(
        utterance.samples.astype(np.float64), utterance.samplerate, hop_s=0.005
    )
    plot = pg.PlotWidget(background="w")
    plot.resize(900, 360)
    image = pg.ImageItem(power)
    image.setColorMap(pg.colormap.get("inferno"))
    image.setLevels([power.max() - 80, power.max()])
    image.setRect(0, 0, len(power) * hop_s, top)
    plot.addItem(image)
    plot.setLabel("bottom", "time", units="s")
    plot.setLabel("left", "frequency", units="Hz")
    plot.setTitle(f"SYNTHETIC speech: participant {participant}, {emotion} (strong)")
    for onset in utterance.stressed_onsets:
        plot.addItem(pg.InfiniteLine(onset, pen=pg.mkPen("c", width=1, style=Qt.PenStyle.DashLine)))
    spectrogram_png = out / "synthetic-spectrogram.png"
    plot.grab().save(str(spectrogram_png))

    view = SkeletonView()
    view.resize(420, 560)
    view.set_clip(clip)
    view.camera.azimuth = 30.0
    view.set_time(utterance.stressed_onsets[len(utterance.stressed_onsets) // 2])
    view.redraw()
    view.plot.setTitle("SYNTHETIC pose")
    skeleton_png = out / "synthetic-skeleton.png"
    view.grab().save(str(skeleton_png))
    return [spectrogram_png, skeleton_png]


@contextmanager
def _demo_window(participants: int, prepare, rater: str, height: int = 900):
    """A main window on a fresh small SYNTHETIC demo (``prepare(project)`` first, e.g. to
    predict, set a form or rate), shown offscreen; closed and removed afterwards."""
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from emolab.core.progress import run_to_end
    from emolab.core.timebase import ManualClock
    from emolab.gui.main_window import MainWindow
    from emolab.project.demo import build_demo_project
    from emolab.project.store import Project

    QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = run_to_end(build_demo_project(tmp, participants=participants, seed=0))
        with Project.open(path) as project:
            prepare(project)
        clock = ManualClock()
        window = MainWindow(clock_factory=lambda _p: clock, use_audio=False)
        window.resize(1500, height)
        window.show()
        window.open_project(path, rater=rater)
        try:
            yield window
        finally:
            window.jobs.shutdown()
            window.close()


def _save(window, target: Path) -> Path:
    """Let the window settle, then save its picture."""
    from PySide6.QtWidgets import QApplication

    for _ in range(20):
        QApplication.instance().processEvents()
    target.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(target))
    return target


def _select(window, emotion: str) -> None:
    rows = window.browser.model.rows
    window.browser.select(next(r.recording_id for r in rows if r.emotion == emotion))
    window.wait_for_media()


def render_main_window(out: Path, participants: int = 2) -> Path:
    """The main window on a small SYNTHETIC demo, a recording loaded at 1.2 s."""
    from emolab.core.progress import run_to_end
    from emolab.project.models import predict_missing

    def prepare(project) -> None:
        run_to_end(predict_missing(project))

    with _demo_window(participants, prepare, "demo rater", height=880) as window:
        _select(window, "angry")
        window.rate("emotion", "angry")
        window.rate("intensity", 4)
        window.playback.seek(1.2)
        return _save(window, out / "main-window.png")


def render_rating_form(out: Path, participants: int = 2) -> Path:
    """The window on a small SYNTHETIC demo with the bundled validity form: a recording
    rated in part and a segment marked and selected (README's rating-form screenshot)."""
    from emolab.project.forms import RatingForm, set_project_form

    def prepare(project) -> None:
        set_project_form(project, RatingForm.load("validity"))

    with _demo_window(participants, prepare, "demo rater") as window:
        _select(window, "sad")
        window.rate("emotion", "sad")
        window.rate("valid", "yes")
        window.rate("intensity", 3)
        uid = window.segments.add(0.9, 1.6)
        window.session.change_segment(uid, emotion="neutral", intensity=2)
        window.segments.select(uid)
        window.playback.seek(1.2)
        return _save(window, out / "rating-form-segments.png")


def render_agreement(out: Path, participants: int = 2) -> Path:
    """The Agreement panel on a small SYNTHETIC demo with the validity form, rated by
    three simulated raters (every field and a segment each; see emolab.bench_studies)."""
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    from emolab.bench_studies import _rate

    def prepare(project) -> None:
        _rate(project, ("ann", "ben", "cai"), seed=1)

    with _demo_window(participants, prepare, "ann") as window:
        window.wait_for_media()
        window.docks["agreement"].raise_()
        window.docks["rating"].hide()  # the panel gets the whole column
        panel = window.agreement.panel
        panel.compute.click()
        for _ in range(600):
            QApplication.instance().processEvents()
            if panel.report is not None:
                break
            QThread.msleep(50)
        return _save(window, out / "agreement-validity-form.png")


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
    for path in [
        *render(folder),
        render_main_window(folder),
        render_rating_form(folder),
        render_agreement(folder),
    ]:
        print(path)
