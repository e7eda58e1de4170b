"""Keyboard rating writes rows at once; undo and redo restore them; suggestions."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def db_rating(path, recording_id):
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT r.emotion, r.intensity, r.genuineness, r.emotion_source, r.source_model_id "
            "FROM ratings r JOIN raters t ON t.id = r.rater_id "
            "WHERE r.recording_id = ? AND t.name = 'tester'",
            (recording_id,),
        ).fetchone()
    finally:
        con.close()


def db_log(path):
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT field, old_value, new_value, source, since_open FROM edit_log ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def test_keyboard_rating_writes_rows_and_undo_restores(window, gui_copy):
    rid = window.recording_id
    window.handle_key(Qt.Key.Key_3, NONE)  # happy
    window.handle_key(Qt.Key.Key_4, CTRL)  # intensity 4
    window.handle_key(Qt.Key.Key_2, ALT)  # genuineness 2
    assert db_rating(gui_copy, rid) == ("happy", 4, 2, "human", None)
    log = db_log(gui_copy)
    assert [(f, o, n, s) for f, o, n, s, _ in log] == [
        ("emotion", None, "happy", "human"),
        ("intensity", None, "4", "human"),
        ("genuineness", None, "2", "human"),
    ]
    assert all(since is not None and since >= 0 for *_, since in log)
    assert "Saved" in window.rating_form.saved.text()
    assert "(complete)" in window.rating_form.saved.text()
    window.handle_key(Qt.Key.Key_5, NONE)  # change to angry
    assert db_rating(gui_copy, rid)[0] == "angry"
    window.undo()
    assert db_rating(gui_copy, rid)[0] == "happy"
    window.undo()
    window.undo()
    window.undo()
    assert db_rating(gui_copy, rid)[:3] == (None, None, None)
    window.redo()
    assert db_rating(gui_copy, rid)[0] == "happy"
    sources = [row[3] for row in db_log(gui_copy)]
    assert sources[-5:] == ["undo", "undo", "undo", "undo", "redo"]
    checked = window.rating_form.emotion_group.checkedId()
    assert window.emotions[checked] == "happy"


def test_digits_typed_into_notes_do_not_rate(window, gui_copy, qtbot):
    rid = window.recording_id
    window.rating_form.notes.setFocus()
    qtbot.keyClicks(window.rating_form.notes, "take 2 sounded 5ish")
    window.rating_form.flush_notes()
    row = db_rating(gui_copy, rid)
    assert row[0] is None
    assert window.session.rating().notes == "take 2 sounded 5ish"


def test_next_unrated_after_a_complete_rating(window):
    first = window.recording_id
    for key, mods in ((Qt.Key.Key_1, NONE), (Qt.Key.Key_3, CTRL), (Qt.Key.Key_3, ALT)):
        window.handle_key(key, mods)
    window.handle_key(Qt.Key.Key_N, NONE)
    assert window.recording_id != first
    row = next(r for r in window.browser.model.rows if r.recording_id == first)
    assert row.status == "rated"


def test_suggestion_panel_shows_the_models_probabilities(window):
    from emolab.project.models import suggestions

    [stored] = suggestions(window.project, window.recording_id, window.session.model_id)
    shown = window.suggestion_panel.probabilities_shown()
    top = sorted(stored.probabilities.items(), key=lambda kv: -kv[1])[: len(shown)]
    assert list(shown) == [label for label, _ in top]
    for label, p in top:
        assert shown[label] == round(p * 1000) / 1000
    assert "SYNTHETIC" in window.suggestion_panel.model_label.text()


def test_accepting_a_suggestion_records_the_model(window, gui_copy):
    label = window.suggestion_panel._current.label
    window.suggestion_panel.accept.click()
    emotion, _, _, source, model_id = db_rating(gui_copy, window.recording_id)
    assert (emotion, source, model_id) == (label, "model", window.session.model_id)


def test_hidden_until_rated(window):
    window.actions["hide_suggestions"].trigger()
    assert window.project.setting("hide_suggestions_until_rated") is True
    assert "Hidden until you choose" in window.suggestion_panel.message.text()
    assert not window.suggestion_panel.bars[0].isVisibleTo(window.suggestion_panel)
    window.handle_key(Qt.Key.Key_2, NONE)
    assert window.suggestion_panel.bars[0].isVisibleTo(window.suggestion_panel)
