"""Every command a user can give the main window, declared once.

Each :class:`Command` names its menu, shortcut, help text and the window method it calls.
Menus, the toolbar and the keyboard help (``?``) are all built from this table, so a key
cannot do one thing and be documented as another. Rating keys come from the project's
rating form (:func:`rating_commands`) and are replaced when a project with another form
opens (:meth:`Actions.set_rating_commands`); a form's key takes precedence over a window
command bound to the same key, which loses its key while that form is shown.

Shortcuts are window-wide; a focused text box (notes, search, a spin box) takes the keys
it types first (Qt's shortcut-override), so Space or N typed into a note stays in the note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.widgets.rating import FOCUS, digit_values
from emolab.project.forms import RatingForm

Std = QKeySequence.StandardKey
MENUS = ("File", "Edit", "View", "Playback", "Rate", "Model", "Help")


@dataclass(frozen=True)
class Command:
    """One user command: ``slot`` names what it calls on the window (a method, or a dotted
    path such as ``player.jump``) with ``args``; ``shortcut`` a key sequence text or a
    standard key."""

    name: str
    text: str
    menu: str
    slot: str
    shortcut: str | QKeySequence.StandardKey | None
    help: str
    args: tuple = ()
    checkable: bool = False
    toolbar: bool = False


# fmt: off
COMMANDS: tuple[Command, ...] = (
    Command("new_project", "&New project…", "File", "files.new_project", Std.New,
            "Create an empty project file, then import a folder into it"),
    Command("open_project", "&Open project…", "File", "files.open_project", Std.Open,
            "Open an .emolab project file", toolbar=True),
    Command("open_demo", "Open the &demo project (synthetic)", "File", "files.open_demo", None,
            "Open the generated SYNTHETIC demo project (built on first use)"),
    Command("import", "&Import folder…", "File", "files.import_folder", "Ctrl+I",
            "Add a folder of audio and movement files named by the scheme", toolbar=True),
    Command("export", "&Export ratings…", "File", "exchange.export", "Ctrl+E",
            "CSV and JSON with provenance, a per-recording summary, ELAN and Praat tiers"),
    Command("merge", "&Merge raters' copies…", "File", "exchange.merge", None,
            "Combine copies of this project that other raters worked on (matched by content)"),
    Command("study", "&Study settings…", "File", "files.study_settings", None,
            "Blind rating, the order recordings are offered in, the modality condition"),
    Command("quit", "&Quit", "File", "close", "Ctrl+Q",
            "Close the window (unsaved edits are asked about)"),
    Command("undo", "&Undo", "Edit", "undo", "Ctrl+Z",
            "Undo your last rating or motion-offset change (any recording)", toolbar=True),
    Command("redo", "&Redo", "Edit", "redo", "Ctrl+Shift+Z",
            "Redo the change you undid", toolbar=True),
    Command("switch_rater", "Switch &rater…", "Edit", "switch_rater", None,
            "Rate under another name from now on"),
    Command("hide_suggestions", "&Hide suggestions until I choose", "Edit",
            "set_hide_suggestions", None, "Project setting: the model's suggestion shows only "
            "after you chose an emotion, so it cannot anchor your judgement", checkable=True),
    Command("reset_view", "Reset skeleton &view", "View", "skeleton.reset_view", "Ctrl+0",
            "Put the 3D camera back to its starting angle"),
    Command("trails", "Hand &trails", "View", "player.set_trails", None,
            "Draw the recent path of both hands", checkable=True),
    Command("play", "&Play / pause", "Playback", "playback.toggle", "Space",
            "Play or pause audio and movement together", toolbar=True),
    Command("stop", "&Stop", "Playback", "playback.stop", "Ctrl+.",
            "Stop and go back to the start"),
    Command("frame_back", "Previous &frame", "Playback", "player.step_frames", "Left",
            "Pause and step one movement frame back", args=(-1,)),
    Command("frame_forward", "&Next frame", "Playback", "player.step_frames", "Right",
            "Pause and step one movement frame forward", args=(1,)),
    Command("jump_back", "Back one second", "Playback", "player.jump", "Shift+Left",
            "Seek one second back", args=(-1.0,)),
    Command("jump_forward", "Forward one second", "Playback", "player.jump", "Shift+Right",
            "Seek one second forward", args=(1.0,)),
    Command("mute", "&Mute", "Playback", "transport.mute.toggle", "M",
            "Mute or unmute the audio"),
    Command("estimate_offset", "Estimate audio–motion &offset…", "Playback",
            "offsets.estimate", "O", "Estimate how far the movement is shifted against the "
            "audio (speech and movement energy, a clap), with its confidence; Enter applies "
            "it, Undo takes it back"),
    Command("next_unrated", "Next &unrated recording", "Rate", "next_unrated", "N",
            "Open the next recording in the list whose rating is not complete", toolbar=True),
    Command("train", "&Train a model…", "Model", "models.train", "Ctrl+T",
            "Train on this project's labels (file names, consensus or one rater), evaluated "
            "with participants held out", toolbar=True),
    Command("next_useful", "Next most use&ful recording", "Rate", "browser.next_useful",
            "Shift+N", "Open the next recording the review order ranks (model least sure, "
            "raters disagreeing, model against consensus)"),
    Command("segment_start", "Segment st&art at the playhead", "Rate", "segments.mark_start",
            "[", "Start a time-range segment at the playhead (then ] and S)"),
    Command("segment_end", "Segment en&d at the playhead", "Rate", "segments.mark_end", "]",
            "End the time-range segment at the playhead"),
    Command("mark_segment", "&Mark segment", "Rate", "segments.mark_segment", "S",
            "Label the range set with [ and ] (Shift+drag on the waveform marks one at once)"),
    Command("delete_segment", "Delete the selected se&gment", "Rate",
            "segments.delete_selected", "Del", "Delete the segment selected in the list or "
            "on the waveform (undo brings it back)"),
    Command("suggest", "&Suggest labels for unrated recordings", "Model", "start_prediction",
            None, "Run the active model on recordings that have no suggestion yet"),
    Command("keys", "&Keyboard shortcuts", "Help", "actions.show_help", "?",
            "Show this list"),
    Command("about", "&About emolab", "Help", "actions.about", None,
            "Version and purpose"),
)
# fmt: on


def rating_commands(form: RatingForm) -> tuple[Command, ...]:
    """The rating keys of a rating form: digits 1–9 with each field's modifier set its
    values (1–9 choose an emotion, Ctrl+1–5 the intensity, …); a text field's key moves
    into its box. They call the rating panel, which ignores a question not asked yet."""
    out = []
    for f in form.fields:
        if f.type == "text":
            if f.shortcut:
                out.append(Command(f"field_{f.key}", f"Go to {_menu_text(f.title)}", "Rate",
                                   "rating_form.choose", f.shortcut,
                                   f"Move into the {f.title} box (Esc leaves it)",
                                   (f.key, FOCUS)))  # fmt: skip
            continue
        for digit, value in digit_values(f).items():
            keys = f"{f.shortcut}+{digit}" if f.shortcut else str(digit)
            if f.key == "emotion":
                text, say = f"Emotion: {value}", f"Choose the emotion {value}"
            elif f.type == "likert":
                anchor = f.anchor(value)  # type: ignore[arg-type]
                text = f"{f.title}: {value}{f' ({anchor})' if anchor else ''}"
                say = f"Set {f.key} to {value} ({f.low}–{f.high}{f': {anchor}' if anchor else ''})"
            else:
                text, say = f"{f.title}: {value}", f"Answer {f.title}: {value}"
            out.append(Command(f"{f.key}_{value}", _menu_text(text), "Rate",
                               "rating_form.choose", keys, say, (f.key, value)))  # fmt: skip
    return tuple(out)


def _menu_text(text: str) -> str:
    return text.replace("&", "&&")  # a label's & is not a mnemonic


def _sequence(shortcut: str | QKeySequence.StandardKey | None) -> QKeySequence:
    return QKeySequence(shortcut) if shortcut is not None else QKeySequence()


class Actions:
    """The window's QActions, built from the command table; ``by_name[name]``."""

    def __init__(self, window: QWidget, commands: Iterable[Command]):
        self.window = window
        self.commands: tuple[Command, ...] = ()
        self.by_name: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        self.rating_names: tuple[str, ...] = ()
        for command in commands:
            self._add(command)

    def _add(self, command: Command) -> QAction:
        action = QAction(command.text, self.window)
        action.setObjectName(f"action-{command.name}")
        action.setShortcut(_sequence(command.shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setStatusTip(command.help)
        action.setToolTip(command.help)
        action.setCheckable(command.checkable)
        action.triggered.connect(_caller(self.window, command))
        self.window.addAction(action)  # shortcuts work whether or not a menu shows it
        self.by_name[command.name] = action
        self.commands += (command,)
        return action

    def set_rating_commands(self, commands: Iterable[Command]) -> None:
        """Replace the rating keys (another rating form). A window command whose key a
        rating command takes loses it meanwhile (it gets it back with another form)."""
        menu = self.menus.get("Rate")
        for name in self.rating_names:
            action = self.by_name.pop(name)
            self.window.removeAction(action)
            if menu is not None:
                menu.removeAction(action)
            action.deleteLater()
        self.commands = tuple(c for c in self.commands if c.name not in self.rating_names)
        window_commands = self.commands
        commands = tuple(commands)
        taken = {_sequence(c.shortcut).toString() for c in commands if c.shortcut}
        for command in window_commands:
            key = _sequence(command.shortcut)
            self.by_name[command.name].setShortcut(
                QKeySequence() if key.toString() in taken else key
            )
        for command in commands:
            action = self._add(command)
            if menu is not None:
                menu.addAction(action)
        self.rating_names = tuple(c.name for c in commands)

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def fill_menus(self, bar: QMenuBar, extra: dict[str, Iterable[QAction]]) -> dict:
        """One menu per :data:`MENUS` entry, in table order; ``extra`` adds actions made
        elsewhere (dock toggles) to a menu."""
        menus = self.menus = {name: bar.addMenu(f"&{name}") for name in MENUS}
        for command in self.commands:
            menu = menus[command.menu]
            if command.name in ("import", "quit", "next_unrated", "segment_start", "about"):
                menu.addSeparator()
            menu.addAction(self.by_name[command.name])
        for name, actions in extra.items():
            menus[name].addSeparator()
            for action in actions:
                menus[name].addAction(action)
        return menus

    def fill_toolbar(self, toolbar: QToolBar) -> None:
        for command in self.commands:
            if command.toolbar:
                toolbar.addAction(self.by_name[command.name])

    def trigger_key(self, key: int, modifiers) -> bool:
        """Trigger the enabled action bound to this key press; False when none is."""
        pressed = QKeySequence(QKeyCombination(Qt.KeyboardModifier(modifiers), Qt.Key(key)))
        for action in self.by_name.values():
            if (
                action.isEnabled()
                and not action.shortcut().isEmpty()
                and (action.shortcut().matches(pressed) == QKeySequence.SequenceMatch.ExactMatch)
            ):
                action.trigger()
                return True
        return False

    def show_help(self) -> KeyboardHelp:
        """The keyboard overlay, built from the table (``?``)."""
        box = KeyboardHelp(self.help_rows(), self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        return box

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from emolab import __version__

        QMessageBox.about(self.window, "About emolab", f"emolab {__version__}\nRate, explore "
                          "and classify emotion in speech and body movement.")  # fmt: skip

    def help_rows(self) -> list[tuple[str, str, str]]:
        """(menu, shortcut as shown, help) for every command that has a key."""
        rows = []
        for command in self.commands:
            keys = (
                self.by_name[command.name]
                .shortcut()
                .toString(QKeySequence.SequenceFormat.NativeText)
            )
            if keys:
                rows.append((command.menu, keys, command.help))
        return rows


def _caller(window: QWidget, command: Command) -> Callable[[bool], None]:
    """What triggering ``command`` calls; the slot is looked up when it fires, so it may
    name parts of the window built after the actions (e.g. ``actions.show_help``)."""

    def slot():
        target = window
        for part in command.slot.split("."):  # e.g. "player.jump"
            target = getattr(target, part)
        return target

    if command.checkable:
        return lambda checked: slot()(checked)
    return lambda _checked=False: slot()(*command.args)


class KeyboardHelp(QDialog):
    """The keyboard overlay (``?``): every shortcut with what it does, from the table."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Key", "What it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 560)
