"""The window on a project whose folder and files have spaces, non-ASCII letters and URI
characters (``#``, ``%20``): listed, shown, suggested, and played by QMediaPlayer, which
gets the audio file as a URL (tests/test_portability.py covers the layers below)."""

from __future__ import annotations

import pytest

from tests.test_portability import PROJECT, unicode_project_at


def test_the_window_opens_and_plays_a_project_with_non_ascii_names(qtbot, tmp_path, small_demo):
    from emolab.gui.main_window import MainWindow

    path = unicode_project_at(tmp_path, small_demo)
    window = MainWindow(use_audio=True, predict_delay_ms=0)
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(path, rater="tester")
    qtbot.waitUntil(lambda: window.media_ready and window.rows_ready and window.predictions_ready,
                    timeout=60_000)  # fmt: skip
    assert window.browser.model.rowCount() == 2
    assert window.windowTitle().startswith(PROJECT)
    clock = window.player.media_clock
    if clock is None:
        pytest.skip(f"QtMultimedia cannot load here: {window.audio_problem}")
    window.playback.play()
    qtbot.wait(800)
    position_ms, error = clock.backend_report()
    window.playback.pause()
    assert error == ""
    assert position_ms > 0  # the backend opened the file behind the URL and plays it
    window.close()
