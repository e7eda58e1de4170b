"""Segments on the timeline: marked on the waveform (Shift+drag, or [ and ] then S),
drawn as regions, given the form's segment fields in the segment panel, moved by their
edges, deleted; every change in SQLite at once and undone like any rating edit."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from emolab.project.forms import RatingForm
from tests.gui.test_rating_forms import open_window
from tests.gui.test_screenshot import near, pixels

NONE = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def validity_window(qtbot, gui_copy, clock):
    w = open_window(qtbot, gui_copy, clock, RatingForm.load("validity"))
    yield w
    w.close()


def stored_segments(path):
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT s.uid, s.recording_id, s.start, s.end, s.fields FROM segments s "
            "JOIN raters t ON t.id = s.rater_id WHERE t.name = 'tester' ORDER BY s.start"
        ).fetchall()
    finally:
        con.close()
    return [(uid, rid, start, end, json.loads(fields)) for uid, rid, start, end, fields in rows]


def scene_point(w, seconds: float, share_of_height: float = 0.5) -> QPoint:
    """Where ``seconds`` is on the waveform plot, in the graphics view's coordinates."""
    vb = w.waveform.wave.vb
    rect = vb.sceneBoundingRect()
    x = vb.mapViewToScene(QPointF(seconds, 0)).x()
    y = rect.top() + share_of_height * rect.height()
    return w.waveform._layout.mapFromScene(QPointF(x, y))


def mouse(view, kind, point: QPoint, buttons, modifiers) -> None:
    """A mouse event as a user makes it (QTest's moves carry no modifiers)."""
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
    global_point = QPointF(view.mapToGlobal(point))
    event = QMouseEvent(kind, QPointF(point), global_point, button, buttons, modifiers)
    QApplication.sendEvent(view, event)


def shift_drag(w, start_s: float, end_s: float, modifiers=SHIFT) -> None:
    view = w.waveform._layout.viewport()
    a, b = scene_point(w, start_s), scene_point(w, end_s)
    left = Qt.MouseButton.LeftButton
    mouse(view, QEvent.Type.MouseButtonPress, a, left, modifiers)
    for i in range(1, 6):
        mouse(view, QEvent.Type.MouseMove, a + (b - a) * (i / 5), left, modifiers)
    mouse(view, QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton, modifiers)


def test_shift_drag_marks_a_segment_its_emotion_is_set_and_undo_takes_it_back(
    qtbot, validity_window, gui_copy
):
    w = validity_window
    wave = w.waveform
    assert w.waveform.duration > 2.0
    window_before = (wave.time_window.start, wave.time_window.end)
    shift_drag(w, 0.5, 1.5)
    [(uid, rid, start, end, fields)] = stored_segments(gui_copy)
    assert rid == w.recording_id
    assert start == pytest.approx(0.5, abs=0.05) and end == pytest.approx(1.5, abs=0.05)
    assert fields == {}
    assert (wave.time_window.start, wave.time_window.end) == window_before  # no pan
    assert list(wave._segment_items) == [uid] and wave.selected_segment == uid
    panel = w.segments.panel
    assert panel.list.count() == 1 and panel.uid == uid
    # the segment fields: the form's, without the whole-recording validity question
    assert list(panel.boxes) == ["emotion", "intensity", "genuineness", "notes"]
    happy = panel.boxes["emotion"].values.index("happy")
    panel.boxes["emotion"].buttons[happy].click()
    assert stored_segments(gui_copy)[0][4] == {"emotion": "happy"}
    assert "happy" in panel.list.item(0).text()
    assert wave._segment_items[uid][1].toPlainText().endswith("happy")  # the region's label
    panel.boxes["intensity"].buttons[3].click()
    assert stored_segments(gui_copy)[0][4] == {"emotion": "happy", "intensity": 4}
    w.undo()
    assert stored_segments(gui_copy)[0][4] == {"emotion": "happy"}
    assert panel.boxes["intensity"].value is None
    w.undo()
    w.undo()
    assert stored_segments(gui_copy) == []
    assert panel.list.count() == 0 and wave._segment_items == {}
    w.redo()
    assert len(stored_segments(gui_copy)) == 1
    shift_drag(w, 1.6, 2.2, NONE)  # without Shift a drag pans: nothing is marked
    assert len(stored_segments(gui_copy)) == 1


def test_brackets_then_s_mark_a_segment_at_the_playhead(validity_window, gui_copy):
    w = validity_window
    assert not w.handle_key(Qt.Key.Key_S, NONE) or stored_segments(gui_copy) == []
    w.playback.seek(0.4)
    assert w.handle_key(Qt.Key.Key_BracketLeft, NONE)
    w.playback.seek(1.2)
    assert w.handle_key(Qt.Key.Key_BracketRight, NONE)
    assert w.waveform.pending_region.isVisible()
    assert w.waveform.pending_range() == pytest.approx((0.4, 1.2), abs=1e-6)
    assert w.handle_key(Qt.Key.Key_S, NONE)
    [(uid, _rid, start, end, _fields)] = stored_segments(gui_copy)
    assert (start, end) == pytest.approx((0.4, 1.2), abs=1e-3)
    assert not w.waveform.pending_region.isVisible()
    assert w.segments.selected == uid
    # Del deletes the selected segment; undo brings it back
    assert w.handle_key(Qt.Key.Key_Delete, NONE)
    assert stored_segments(gui_copy) == []
    assert not w.actions["delete_segment"].isEnabled()
    w.undo()
    assert [s[0] for s in stored_segments(gui_copy)] == [uid]


def test_dragging_an_edge_moves_the_segment_and_a_click_selects_it(
    qtbot, validity_window, gui_copy
):
    w = validity_window
    first = w.segments.add(0.2, 0.8)
    second = w.session.add_segment(1.0, 1.6, {"emotion": "sad"})
    assert first and second
    assert w.segments.selected == first
    region = w.waveform._segment_items[first][0]
    line = region.lines[1]
    line.setValue(1.1)  # as a drag of the end does
    line.sigPositionChangeFinished.emit(line)
    segments = {s[0]: s for s in stored_segments(gui_copy)}
    assert segments[first][3] == pytest.approx(1.1)
    assert segments[second][4] == {"emotion": "sad"}
    w.undo()
    assert {s[0]: s for s in stored_segments(gui_copy)}[first][3] == pytest.approx(0.8)
    assert region.getRegion()[1] == pytest.approx(0.8)  # the region follows the undo
    # a click on the other region selects it (the list and the fields follow)
    view = w.waveform._layout.viewport()
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, NONE, scene_point(w, 1.3, 0.8))
    assert w.segments.selected == second
    assert w.segments.panel.boxes["emotion"].value == "sad"
    assert "1.00–1.60 s" in w.segments.panel.heading.text()


def test_segments_belong_to_the_recording_they_were_marked_on(qtbot, validity_window, gui_copy):
    from tests.gui.conftest import show_recording

    w = validity_window
    first = w.recording_id
    w.segments.add(0.3, 0.9)
    other = next(r.recording_id for r in w.browser.model.rows if r.recording_id != first)
    show_recording(qtbot, w, other)
    assert w.segments.panel.list.count() == 0 and w.waveform._segment_items == {}
    show_recording(qtbot, w, first)
    assert w.segments.panel.list.count() == 1
    assert [s[1] for s in stored_segments(gui_copy)] == [first]


def test_screenshot_of_the_validity_form_with_a_segment(qtbot, validity_window, tmp_path):
    w = validity_window
    uid = w.segments.add(0.4, 1.4)
    w.session.change_segment(uid, emotion="happy", intensity=3)
    w.rate("emotion", "happy")
    w.segments.select(uid)  # selected: its fields in the segment panel
    w.playback.seek(1.0)
    qtbot.wait(50)
    assert w.grab().save(str(tmp_path / "rating_validity.png"))
    wave = pixels(w.waveform)
    assert near(wave, (248, 243, 174), 8) > 1000  # the selected happy segment's yellow
    assert w.segments.panel.boxes["emotion"].value == "happy"
    assert w.segments.panel.fields_area.isEnabled()
    panel = w.rating_form
    assert panel.boxes["notes"].isVisible()  # the whole form fits (or scrolls)
    assert panel.fields_area.widget().width() <= panel.fields_area.viewport().width()


def test_a_segments_notes_are_saved_on_leaving_the_box(qtbot, validity_window, gui_copy):
    w = validity_window
    uid = w.segments.add(0.2, 0.6)
    notes = w.segments.panel.boxes["notes"].edit
    w.docks["segments"].raise_()
    w.activateWindow()
    notes.setFocus()
    qtbot.keyClicks(notes, "laughs 2x")
    assert stored_segments(gui_copy)[0][4] == {}  # typing is not saved on every key
    qtbot.keyClick(notes, Qt.Key.Key_Escape)
    assert stored_segments(gui_copy)[0][4] == {"notes": "laughs 2x"}
    assert "laughs 2x" in w.segments.panel.list.item(0).text()
    w.undo()
    assert stored_segments(gui_copy)[0][4] == {}
    assert notes.toPlainText() == "" and w.segments.selected == uid
