"""GUI fixtures: a main window on a copy of the small demo (features and bundled-model
suggestions prepared once per session), driven by a manual clock."""

from __future__ import annotations

import shutil

import pytest

from emolab.core.timebase import ManualClock
from tests.conftest import shared_build, throwaway_copy


@pytest.fixture(scope="session")
def gui_demo(small_demo, tmp_path_factory):
    """The small demo with the bundled model's suggestions, built once per run."""

    def build(_folder):
        from emolab.core.progress import run_to_end
        from emolab.project.models import predict_missing
        from emolab.project.store import Project

        path = small_demo.with_name("gui-base.emolab")  # beside it: media paths stay valid
        shutil.copy(small_demo, path)
        with Project.open(path) as project:
            run_to_end(predict_missing(project))
        return path

    return shared_build(tmp_path_factory, "gui_demo", build)


@pytest.fixture
def gui_copy(gui_demo):
    with throwaway_copy(gui_demo, "gui") as path:
        yield path


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_main_thread():
    """Windows and dialogs of a finished test can sit in reference cycles. If Python's
    cyclic collector frees them on a worker thread, Qt destroys widgets off the GUI thread
    and deadlocks against a paint (seen in CI: ~QMenu in a job thread's gc run while the
    GUI thread painted). So each GUI test's garbage is collected here, on the main thread."""
    yield
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QApplication.processEvents()


@pytest.fixture
def window(qtbot, gui_copy, clock):
    from emolab.gui.main_window import MainWindow

    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False, predict_delay_ms=0)
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    assert w.open_project(gui_copy, rater="tester")
    # suggestions computed, media on screen and the whole list read (not its first page)
    qtbot.waitUntil(lambda: w.predictions_ready and w.media_ready and w.rows_ready,
                    timeout=60_000)  # fmt: skip
    yield w
    w.close()


def show_recording(qtbot, window, recording_id: int) -> None:
    """Select a recording and wait until the worker has put its media on screen."""
    window.browser.select(recording_id)
    qtbot.waitUntil(lambda: window.media_ready and window.recording_id == recording_id,
                    timeout=30_000)  # fmt: skip
