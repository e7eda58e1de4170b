"""The rating panel is built from the project's rating form: its groups, their keys, the
validity question (kept from a blind rater until they chose an emotion), and the keys and
help that follow the form."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from emolab.gui.widgets.rating import FOCUS, LikertBox, TextBox, YesNoBox
from emolab.gui.widgets.rating import RatingForm as RatingPanel
from emolab.project.forms import RatingForm, set_project_form
from emolab.project.store import Project
from emolab.project.study import Study
from tests.conftest import throwaway_copy

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
META = Qt.KeyboardModifier.MetaModifier
KEYPAD = Qt.KeyboardModifier.KeypadModifier
EMOTIONS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
VOICE_FORM = {
    "name": "voice", "title": "Voice quality", "emotions": EMOTIONS,
    "fields": [
        {"key": "emotion", "type": "choice", "options": "emotions", "required": True},
        {"key": "voice", "type": "choice", "title": "Voice", "shortcut": "Alt",
         "options": ["breathy", "modal", "creaky"], "required": True},
        {"key": "arousal", "type": "likert", "min": 0, "max": 4, "shortcut": "Ctrl",
         "anchors": {"0": "asleep", "2": "awake", "4": "frantic"}},
    ],
}  # fmt: skip


def open_window(qtbot, path, clock, form: RatingForm | None = None):
    """A main window on ``path`` (given ``form`` first), its media and list ready."""
    from emolab.gui.main_window import MainWindow

    if form is not None:
        with Project.open(path) as project:
            set_project_form(project, form)
    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False, predict_delay_ms=0)
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    assert w.open_project(path, rater="tester")
    qtbot.waitUntil(lambda: w.predictions_ready and w.media_ready and w.rows_ready,
                    timeout=60_000)  # fmt: skip
    return w


@pytest.fixture
def validity_window(qtbot, gui_copy, clock):
    w = open_window(qtbot, gui_copy, clock, RatingForm.load("validity"))
    yield w
    w.close()


def stored_value(path, recording_id, field):
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT v.value FROM rating_values v JOIN raters t ON t.id = v.rater_id "
            "WHERE v.recording_id = ? AND v.field = ? AND t.name = 'tester'",
            (recording_id, field),
        ).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def stored_rating(path, recording_id):
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT r.emotion, r.intensity, r.genuineness FROM ratings r JOIN raters t "
            "ON t.id = r.rater_id WHERE r.recording_id = ? AND t.name = 'tester'",
            (recording_id,),
        ).fetchone()
    finally:
        con.close()


def texts(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def test_the_validity_form_asks_yes_no_and_ctrl_alt_1_stores_yes(validity_window, gui_copy):
    w = validity_window
    panel = w.rating_form
    assert list(panel.boxes) == ["emotion", "valid", "intensity", "genuineness", "notes"]
    box = panel.boxes["valid"]
    assert isinstance(box, YesNoBox)
    assert box.title() == "Valid portrayal * (Ctrl+Alt+1–3)"
    assert [b.text() for b in box.buttons] == ["1  Yes", "2  No", "3  Unsure"]
    intended = w.session.recording.emotion
    assert box.prompt.text() == f"Is this a valid portrayal of {intended}?"
    assert box.buttons[0].isEnabled()
    assert panel.boxes["emotion"].title() == "Emotion * (keys 1–8)"
    assert panel.boxes["intensity"].title() == "Intensity * (Ctrl+1–5)"
    assert panel.boxes["notes"].title() == "Notes (Alt+T)"  # not required: no *
    rid = w.recording_id
    assert w.handle_key(Qt.Key.Key_1, CTRL | ALT)
    assert stored_value(gui_copy, rid, "valid") == "yes"
    assert stored_rating(gui_copy, rid) in (None, (None, None, None))  # not intensity 1
    assert box.buttons[0].isChecked()
    w.undo()
    assert stored_value(gui_copy, rid, "valid") is None
    assert box.value is None
    w.redo()
    assert stored_value(gui_copy, rid, "valid") == "yes"
    w.handle_key(Qt.Key.Key_3, CTRL | ALT)
    assert stored_value(gui_copy, rid, "valid") == "unsure"
    assert not w.handle_key(Qt.Key.Key_4, CTRL | ALT)  # three answers: no fourth key


def test_the_keyboard_help_lists_the_forms_keys(qtbot, validity_window):
    box = validity_window.actions.show_help()
    qtbot.addWidget(box)
    rows = {box.table.item(r, 1).text(): box.table.item(r, 2).text()
            for r in range(box.table.rowCount())}  # fmt: skip
    native = lambda keys: QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)  # noqa: E731
    assert rows[native("Ctrl+Alt+1")] == "Answer Valid portrayal: yes"
    assert rows[native("Ctrl+5")] == "Set intensity to 5 (1–5: very strong)"
    assert rows[native("Alt+T")] == "Move into the Notes box (Esc leaves it)"
    assert rows["3"] == "Choose the emotion happy"
    box.close()


def test_a_forms_text_key_takes_the_key_from_a_window_command_and_gives_it_back(
    qtbot, gui_copy, clock, gui_demo
):
    data = RatingForm.load("validity").to_dict()
    for field in data["fields"]:
        if field["key"] == "notes":
            field["shortcut"] = "Ctrl+T"  # the key of Model → Train a model
    w = open_window(qtbot, gui_copy, clock, RatingForm.from_dict(data))
    assert w.actions["train"].shortcut().isEmpty()  # Ctrl+T moves into the notes now
    w.activateWindow()
    assert w.handle_key(Qt.Key.Key_T, CTRL)
    assert QApplication.focusWidget() is w.rating_form.notes
    keys = [a.shortcut().toString() for a in w.actions.by_name.values()]
    keys = [k for k in keys if k]
    assert len(keys) == len(set(keys)), "two commands share a key"
    # a project with the default form: the panel is rebuilt, Ctrl+T trains again
    with throwaway_copy(gui_demo, "default-form") as other:
        assert w.open_project(other, rater="tester")
        qtbot.waitUntil(lambda: w.rows_ready and w.media_ready, timeout=60_000)
        assert w.recording_id is not None and w.rating_form.isEnabled()
        w.close_project()
    assert list(w.rating_form.boxes) == ["emotion", "intensity", "genuineness", "notes"]
    assert w.actions["train"].shortcut().toString() == "Ctrl+T"
    assert "field_notes" not in w.actions.by_name
    assert "valid_yes" not in w.actions.by_name
    assert not any(isinstance(b, YesNoBox) for b in w.rating_form.boxes.values())


def test_likert_fields_show_their_anchor_words(validity_window):
    panel = validity_window.rating_form
    intensity = panel.boxes["intensity"]
    assert isinstance(intensity, LikertBox)
    assert [b.text() for b in intensity.buttons] == ["1", "2", "3", "4", "5"]
    assert {"very weak", "moderate", "very strong"} <= set(texts(intensity))
    assert {"not genuine", "unsure", "very genuine"} <= set(texts(panel.boxes["genuineness"]))
    assert "very strong" in intensity.buttons[4].toolTip()


def test_a_custom_choice_field_renders_its_options_and_its_key_stores_them(qtbot, gui_copy, clock):
    w = open_window(qtbot, gui_copy, clock, RatingForm.from_dict(VOICE_FORM))
    try:
        voice = w.rating_form.boxes["voice"]
        assert [b.text() for b in voice.buttons] == ["1  breathy", "2  modal", "3  creaky"]
        assert voice.title() == "Voice * (Alt+1–3)"
        arousal = w.rating_form.boxes["arousal"]
        assert [b.text() for b in arousal.buttons] == ["0", "1", "2", "3", "4"]
        assert arousal.title() == "Arousal (Ctrl+1–4)"  # 0 has no digit key
        assert {"asleep", "awake", "frantic"} <= set(texts(arousal))
        rid = w.recording_id
        w.handle_key(Qt.Key.Key_2, ALT)
        assert stored_value(gui_copy, rid, "voice") == "modal"
        voice.buttons[2].click()
        assert stored_value(gui_copy, rid, "voice") == "creaky"
        w.handle_key(Qt.Key.Key_3, CTRL)
        assert stored_value(gui_copy, rid, "arousal") == "3"
        assert w.rating_form.boxes["voice"].value == "creaky"
    finally:
        w.close()


def test_a_blind_rater_is_asked_the_validity_question_only_after_choosing(
    qtbot, validity_window, gui_copy
):
    w = validity_window
    w.session.set_study(Study(blind=True))
    qtbot.waitUntil(lambda: w.rows_ready and w.media_ready, timeout=60_000)
    rid = w.recording_id
    intended = w.session.recording.emotion
    box = w.rating_form.boxes["valid"]
    prompt = box.prompt.text()
    assert "asked after you choose an emotion" in prompt
    assert not any(e in prompt for e in EMOTIONS), prompt
    assert not any(intended in text for text in texts(w.rating_form))
    assert not any(b.isEnabled() for b in box.buttons)
    w.handle_key(Qt.Key.Key_1, CTRL | ALT)  # not asked yet: the key does nothing
    assert stored_value(gui_copy, rid, "valid") is None
    w.handle_key(Qt.Key.Key_1 + EMOTIONS.index("sad"), NONE)
    assert stored_rating(gui_copy, rid)[0] == "sad"
    assert box.prompt.text() == f"Is this a valid portrayal of {intended}?"
    assert all(b.isEnabled() for b in box.buttons)
    w.handle_key(Qt.Key.Key_2, CTRL | ALT)
    assert stored_value(gui_copy, rid, "valid") == "no"
    w.undo()
    w.undo()  # not the emotion: once the question named the intended one, it is fixed
    assert stored_rating(gui_copy, rid)[0] == "sad"
    w.handle_key(Qt.Key.Key_1, NONE)  # another emotion is refused, and the form says why
    assert stored_rating(gui_copy, rid)[0] == "sad"
    assert "fixed" in w.rating_form.saved.text()
    assert box.prompt.text() == f"Is this a valid portrayal of {intended}?"


@pytest.mark.parametrize(
    "key, modifiers, expected",
    [
        (Qt.Key.Key_3, NONE, ("emotion", "happy")),
        (Qt.Key.Key_3, KEYPAD, ("emotion", "happy")),  # the keypad's 3 is a 3
        (Qt.Key.Key_9, NONE, None),  # eight emotions
        (Qt.Key.Key_4, CTRL, ("intensity", 4)),
        (Qt.Key.Key_6, CTRL, None),  # a 1–5 scale
        (Qt.Key.Key_2, ALT, ("genuineness", 2)),
        (Qt.Key.Key_1, CTRL | ALT, ("valid", "yes")),  # Ctrl+Alt is not Ctrl
        (Qt.Key.Key_2, CTRL | ALT, ("valid", "no")),
        (Qt.Key.Key_3, CTRL | ALT, ("valid", "unsure")),
        (Qt.Key.Key_4, CTRL | ALT, None),
        (Qt.Key.Key_1, SHIFT, None),
        (Qt.Key.Key_1, META, None),
        (Qt.Key.Key_1, CTRL | SHIFT, None),
        (Qt.Key.Key_0, NONE, None),
        (Qt.Key.Key_T, ALT, ("notes", FOCUS)),
        (Qt.Key.Key_T, NONE, None),
        (Qt.Key.Key_T, CTRL, None),
        (Qt.Key.Key_T, CTRL | ALT, None),
    ],
)
def test_keys_map_to_the_field_with_exactly_that_modifier(qtbot, key, modifiers, expected):
    panel = RatingPanel(RatingForm.load("validity"))
    qtbot.addWidget(panel)
    assert panel.keyboard_field(key, modifiers) == expected


@pytest.mark.parametrize("name", ["default", "validity"])
def test_the_key_table_and_the_panel_map_every_key_alike(qtbot, name):
    from emolab.gui.actions import rating_commands

    form = RatingForm.load(name)
    panel = RatingPanel(form)
    qtbot.addWidget(panel)
    commands = rating_commands(form)
    assert len(commands) == sum(len(f.values) if f.type != "text" else bool(f.shortcut)
                                for f in form.fields)  # fmt: skip
    for command in commands:
        combination = QKeySequence(command.shortcut)[0]
        found = panel.keyboard_field(combination.key(), combination.keyboardModifiers())
        assert found == command.args, command.shortcut


def test_the_default_form_keys_and_a_rebuilt_panel(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    assert panel.keyboard_field(Qt.Key.Key_1, CTRL | ALT) is None  # no Ctrl+Alt field
    assert panel.keyboard_field(Qt.Key.Key_5, ALT) == ("genuineness", 5)
    assert panel.keyboard_field(Qt.Key.Key_T, CTRL) is None  # its notes have no key
    assert panel.set_form(RatingForm.load("validity"))
    assert not panel.set_form(RatingForm.load("validity"))  # the same form: kept
    assert panel.keyboard_field(Qt.Key.Key_1, CTRL | ALT) == ("valid", "yes")
    assert isinstance(panel.boxes["notes"], TextBox)
    assert panel.notes is panel.boxes["notes"].edit
    seen = []
    panel.field_changed.connect(lambda key, value: seen.append((key, value)))
    panel.setEnabled(True)
    panel.boxes["genuineness"].buttons[3].click()
    assert seen == [("genuineness", 4)]
