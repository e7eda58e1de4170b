"""Keyboard and list fixes a rater meets every day: the notes box lets go of the keyboard,
the status facet follows ratings at once, and the key columns are in view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import show_recording


def test_escape_leaves_the_notes_and_saves_them(qtbot, window):
    rid = window.browser.model.table.row_at(0).recording_id
    show_recording(qtbot, window, rid)
    notes = window.rating_form.notes
    window.activateWindow()
    notes.setFocus()
    qtbot.keyClicks(notes, "tense voice")
    qtbot.keyClick(notes, Qt.Key.Key_Escape)
    assert not notes.hasFocus()
    assert window.session.rating().notes == "tense voice"  # saved on leaving, not typed on
    qtbot.keyClick(notes, Qt.Key.Key_Escape)
    assert "\x1b" not in notes.toPlainText()


def test_tab_moves_on_from_the_notes(qtbot, window):
    notes = window.rating_form.notes
    assert notes.tabChangesFocus()
    window.activateWindow()
    notes.setFocus()
    qtbot.keyClick(notes, Qt.Key.Key_Tab)
    assert "\t" not in notes.toPlainText()
    assert QApplication.focusWidget() is not notes


def test_the_status_facet_offers_rated_as_soon_as_one_is(qtbot, window):
    box = window.browser.facet_boxes["status"]
    values = lambda: [box.itemData(i) for i in range(1, box.count())]  # noqa: E731
    assert "rated" not in values()
    rid = window.browser.model.table.row_at(0).recording_id
    show_recording(qtbot, window, rid)
    for field, value in (("emotion", "sad"), ("intensity", 2), ("genuineness", 4)):
        window.rate(field, value)
    assert "rated" in values()
    box.setCurrentIndex(box.findData("rated"))
    assert window.browser.model.rowCount() == 1


def test_the_key_columns_are_in_view_at_the_default_width(window):
    from emolab.gui.widgets.browser import COLUMNS

    header = window.browser.table.horizontalHeader()
    visible = window.browser.table.viewport().width()
    fields = [field for field, _ in COLUMNS]
    for field in ("key", "status", "emotion", "suggestion"):
        section = fields.index(field)
        assert header.sectionViewportPosition(section) + header.sectionSize(section) <= visible
