"""The one table of commands: menus, toolbar, keys and the keyboard help all come from it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from emolab.gui.actions import COMMANDS, MENUS, rating_commands

NONE = Qt.KeyboardModifier.NoModifier


def test_every_command_is_in_a_menu_with_a_unique_key(window):
    commands = COMMANDS + rating_commands(window.rating_form.form)
    names = [c.name for c in commands]
    assert len(set(names)) == len(names)
    keys = [window.actions[n].shortcut().toString() for n in names]
    keys = [k for k in keys if k]
    assert len(set(keys)) == len(keys), "two commands share a key"
    from PySide6.QtWidgets import QMenu

    in_menus = {a.objectName() for m in window.menuBar().findChildren(QMenu) for a in m.actions()}
    assert {f"action-{n}" for n in names} <= in_menus
    assert all(c.menu in MENUS for c in commands)


def test_keyboard_help_lists_what_the_keys_do(qtbot, window):
    box = window.actions.show_help()
    qtbot.addWidget(box)
    rows = {box.table.item(r, 1).text(): box.table.item(r, 2).text()
            for r in range(box.table.rowCount())}  # fmt: skip
    assert rows["Space"] == "Play or pause audio and movement together"
    assert rows["N"].startswith("Open the next recording")
    assert rows["3"] == f"Choose the emotion {window.emotions[2]}"
    assert QKeySequence("Ctrl+4").toString(QKeySequence.SequenceFormat.NativeText) in rows
    box.close()


def test_a_key_triggers_the_command_its_table_row_names(qtbot, window):
    before = window.timeline.playing
    assert window.handle_key(Qt.Key.Key_Space, NONE)
    assert window.timeline.playing != before
    assert not window.handle_key(Qt.Key.Key_F12, NONE)  # no command: the key is not used
    window.actions["undo"].setEnabled(False)
    assert not window.handle_key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_toolbar_holds_the_commands_marked_for_it(window):
    from PySide6.QtWidgets import QToolBar

    [toolbar] = window.findChildren(QToolBar)
    shown = {a.objectName() for a in toolbar.actions()}
    wanted = {f"action-{c.name}" for c in COMMANDS if c.toolbar}
    assert shown == wanted


def test_every_command_names_something_the_window_has(window):
    for command in COMMANDS + rating_commands(window.rating_form.form):
        target = window
        for part in command.slot.split("."):
            target = getattr(target, part)
        assert callable(target), command.name
