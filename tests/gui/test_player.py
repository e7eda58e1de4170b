"""One clock drives the playhead and the skeleton, exactly."""

from __future__ import annotations

import pytest

from emolab.project.store import Project


def expected_frame(window, audio_time: float) -> int:
    return window.session.motion.frame_at(audio_time + window.session.timing.offset)


def playhead(window) -> float:
    return window.waveform.playheads[0].value()


def test_skeleton_and_playhead_follow_the_clock(window, clock):
    assert window.session.motion is not None and window.timeline.duration > 2
    window.playback.play()
    for _ in range(40):
        clock.advance(0.037)
        window.playback.tick()
        t = window.timeline.position
        assert playhead(window) == pytest.approx(t)
        assert window.displayed_frame() == expected_frame(window, t)
    assert window.timeline.position == pytest.approx(40 * 0.037)


def test_seek_then_play(window, clock):
    window.playback.seek(1.234)
    assert playhead(window) == pytest.approx(1.234)
    assert window.displayed_frame() == expected_frame(window, 1.234)
    window.playback.play()
    clock.advance(0.5)
    window.playback.tick()
    assert window.timeline.position == pytest.approx(1.734)
    assert window.displayed_frame() == expected_frame(window, 1.734)


@pytest.mark.parametrize("rate", [0.5, 2.0])
def test_playback_rates(window, clock, rate):
    window.transport.rate.setCurrentIndex(window.transport.rate.findData(rate))
    assert window.timeline.rate == rate
    window.playback.play()
    clock.advance(0.6)
    window.playback.tick()
    assert window.timeline.position == pytest.approx(0.6 * rate)
    assert window.displayed_frame() == expected_frame(window, 0.6 * rate)


def test_sync_offset_shifts_the_frame_and_is_saved(window, clock, gui_copy):
    window.transport.offset.setValue(0.25)
    assert window.session.timing.offset == pytest.approx(0.25)
    window.playback.seek(1.0)
    assert window.displayed_frame() == window.session.motion.frame_at(1.25)
    assert window.displayed_frame() != window.session.motion.frame_at(1.0)
    with Project.open(gui_copy) as other:
        assert other.recording(window.recording_id).sync_offset == pytest.approx(0.25)


def test_frame_steps_move_one_motion_frame(window):
    window.playback.seek(1.0)
    start = window.displayed_frame()
    window.player.step_frames(1)
    assert window.displayed_frame() == start + 1
    window.player.step_frames(-2)
    assert window.displayed_frame() == start - 1
    assert not window.timeline.playing


def test_end_of_recording_stops_or_loops(window, clock):
    window.playback.seek(window.timeline.duration - 0.1)
    window.playback.play()
    clock.advance(0.5)
    window.playback.tick()
    assert window.timeline.position == pytest.approx(window.timeline.duration)
    assert not window.timeline.playing
    window.transport.loop.setChecked(True)
    window.playback.seek(window.timeline.duration - 0.1)
    window.playback.play()
    clock.advance(0.3)
    window.playback.tick()
    assert window.timeline.playing
    assert window.timeline.position < 0.5


def test_keyboard_transport(window):
    from PySide6.QtCore import Qt

    window.handle_key(Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier)
    assert window.timeline.playing
    window.handle_key(Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier)
    assert not window.timeline.playing
    window.handle_key(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.timeline.position == pytest.approx(1.0)


def test_mute_is_remembered(window):
    from PySide6.QtCore import Qt

    from emolab.gui import settings

    window.handle_key(Qt.Key.Key_M, Qt.KeyboardModifier.NoModifier)
    assert window.transport.mute.isChecked()
    assert settings.value("muted") is True


def test_the_emotion_strip_says_when_suggestions_are_still_being_computed(
    qtbot, gui_copy, clock, monkeypatch
):
    import sqlite3

    from emolab.gui.main_window import MainWindow

    con = sqlite3.connect(gui_copy)
    con.execute("DELETE FROM suggestions")
    con.commit()
    con.close()
    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False,
                   predict_delay_ms=600_000)  # fmt: skip  # started by hand below
    qtbot.addWidget(w)
    assert w.open_project(gui_copy, rater="tester")
    assert w.wait_for_media()
    assert "being computed" in w.waveform.strip_text.toPlainText()
    assert "being computed" in w.suggestion_panel.message.text()
    w.start_prediction()
    qtbot.waitUntil(lambda: w.predictions_ready, timeout=60_000)
    assert w.waveform.strip_text.toPlainText() == ""  # the bundled model is temporal
    assert any(label.isVisible() for label in w.waveform._strip_labels)
    w.close()


def test_the_previous_recording_stays_on_screen_until_the_next_has_loaded(qtbot, window):
    from emolab.gui.main_window import MainWindow

    shown_clip = window.skeleton.clip
    target = next(r.recording_id for r in window.browser.model.rows
                  if r.recording_id != window.recording_id)  # fmt: skip
    window.browser.select(target)
    assert window.recording_id == target  # rating and title follow at once
    assert not window.media_ready
    assert window.skeleton.clip is shown_clip  # the last frame stays meanwhile
    window.playback.play()
    assert not window.timeline.playing  # nothing plays until the media are there
    qtbot.waitUntil(lambda: window.media_ready, timeout=30_000)
    assert window.skeleton.clip is not shown_clip
    assert isinstance(window, MainWindow)


def test_audio_plays_before_a_slow_movement_file_has_been_read(qtbot, window, monkeypatch):
    import threading

    import emolab.io.motion as motion_io

    release = threading.Event()
    real = motion_io.read_motion

    def slow_read_motion(path, **options):
        release.wait(30)
        return real(path, **options)

    monkeypatch.setattr(motion_io, "read_motion", slow_read_motion)
    target = next(
        r.recording_id
        for r in window.browser.model.rows
        if r.recording_id != window.recording_id and r.modalities == "audio + body"
    )
    window.browser.select(target)
    try:
        qtbot.waitUntil(lambda: window.playback.ready, timeout=30_000)
        assert not window.media_ready
        assert window.skeleton._stack.currentWidget() is window.skeleton.placeholder
        assert "Reading the body movement" in window.skeleton.placeholder.text()
        window.playback.play()
        assert window.timeline.playing  # the audio's clock runs already
    finally:
        release.set()  # a failed check must not leave the reader waiting
    qtbot.waitUntil(lambda: window.media_ready, timeout=30_000)
    assert window.session.motion is not None
    assert window.skeleton._stack.currentWidget() is not window.skeleton.placeholder
    assert window.displayed_frame() == window.session.motion.frame_at(
        window.timeline.position + window.session.timing.offset
    )
