"""The review queue: the browser ordered by what is most worth a look, and a key that
opens the next such recording."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.conftest import show_recording


def test_uncertainty_order_and_the_next_useful_key(qtbot, window):
    qtbot.waitUntil(lambda: window.rows_ready)  # the whole list, not its first page
    browser = window.browser
    browser.review.setCurrentIndex(browser.review.findData("uncertainty"))
    table = browser.model.table
    confidences = [table.row_at(p).confidence for p in range(len(table.order))]
    shown = [c for c in confidences if c is not None]
    assert shown and shown == sorted(shown)  # least sure first
    show_recording(qtbot, window, table.row_at(0).recording_id)
    assert window.handle_key(Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.recording_id == table.row_at(1).recording_id)
    # sorting by a column leaves the review order
    browser.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert browser.review.currentData() == "" and browser.model.table.review == ""


def test_model_against_consensus_lists_the_recordings_raters_overrule(qtbot, window):
    from emolab.project.ratings import set_field

    project = window.project
    row = window.browser.model.table.row_at(5)
    other = next(e for e in window.emotions if e != row.suggestion)
    for name in ("r1", "r2"):
        set_field(project, row.recording_id, project.ensure_rater(name), "emotion", other)
    window.refresh_rows()
    qtbot.waitUntil(lambda: window.rows_ready)
    browser = window.browser
    browser.review.setCurrentIndex(browser.review.findData("model_vs_consensus"))
    first = browser.model.table.row_at(0)
    assert (first.recording_id, first.consensus, first.agreement) == (row.recording_id, other, 1.0)
    from emolab.gui.widgets.browser import COLUMNS

    column = [field for field, _ in COLUMNS].index("agreement")
    assert browser.model.data(browser.model.index(0, column)) == f"100% {other}"
