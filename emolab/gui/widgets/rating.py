"""The rating panel, built from the project's rating form (:mod:`emolab.project.forms`):
one group per field, in the form's order.

- ``choice``: a grid of checkable buttons, digit keys 1–9 with the field's modifier;
- ``likert``: buttons low…high with the anchor words under their values;
- ``yesno``: the question, then Yes / No / Unsure (keys 1–3 with the modifier); a question
  naming ``{intended}`` is not asked of a blind rater before they chose an emotion;
- ``text``: a notes box saved a moment after typing stops (Esc leaves it, saving).

A required field's title carries ``*``; each title names its keys (``keys 1–8``,
``Ctrl+1–5``, ``Ctrl+Alt+1–3``, ``Ctrl+T``). Each change is saved at once by the owner (the
main window) and the panel shows when it was saved. The same field groups serve the
segment panel (:mod:`emolab.gui.widgets.segments`), without key hints."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from emolab.project.forms import MAX_TEXT_CHARS, FormField
from emolab.project.forms import RatingForm as FormSpec
from emolab.project.ratings import Rating

#: The value of a text field's key command: move into its box.
FOCUS = "focus"
NOTES_DELAY_MS = 700
#: The panel asks for room to show this much of its fields (px) before it scrolls (the
#: default form's height: the window needs no more room than before forms were data).
FIELDS_MIN_HEIGHT = 360
CHECKED_STYLE = "QPushButton:checked { background: #2d6cdf; color: white; font-weight: bold; }"
_MODIFIERS = {
    "": Qt.KeyboardModifier.NoModifier,
    "Ctrl": Qt.KeyboardModifier.ControlModifier,
    "Alt": Qt.KeyboardModifier.AltModifier,
    "Ctrl+Alt": Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
}
#: The modifiers a key press is compared on (a keypad digit is still a digit).
_COMPARED = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
             | Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.MetaModifier)  # fmt: skip


def digit_values(field: FormField) -> dict[int, object]:
    """The value each digit key 1–9 sets (with the field's modifier); none for text."""
    if field.type == "likert":
        return {v: v for v in field.values if 1 <= v <= 9}  # type: ignore[operator]
    if field.type in ("choice", "yesno"):
        return {i: v for i, v in enumerate(field.values[:9], start=1)}
    return {}


def key_hint(field: FormField) -> str:
    """The keys of a field as its title shows them: 'keys 1–8', 'Ctrl+1–5', 'Ctrl+T'."""
    if field.type == "text":
        return field.shortcut
    digits = sorted(digit_values(field))
    if not digits:
        return ""
    span = f"{digits[0]}–{digits[-1]}" if len(digits) > 1 else str(digits[0])
    return f"{field.shortcut}+{span}" if field.shortcut else f"keys {span}"


def heading(field: FormField, hints: bool = True) -> str:
    """A field's group title: 'Intensity * (Ctrl+1–5)'. Without ``hints`` (a segment's
    fields, which have no keys and nothing required) just its title."""
    if not hints:
        return field.title
    keys = key_hint(field)
    return f"{field.title}{' *' if field.required else ''}{f' ({keys})' if keys else ''}"


def _text_key(shortcut: str) -> tuple[int, object] | None:
    """'Ctrl+T' as (Qt key, modifiers)."""
    modifier, _, letter = shortcut.rpartition("+")
    if modifier not in _MODIFIERS or len(letter) != 1 or not letter.isalpha():
        return None
    return Qt.Key.Key_A + (ord(letter.upper()) - ord("A")), _MODIFIERS[modifier]


class NotesBox(QPlainTextEdit):
    """A free-text box: Tab moves on to the next control and Esc leaves the box (saving
    what was typed, as leaving it any other way does), so the window's keys work again;
    inside it every key types."""

    left = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.left.emit()
            self.clearFocus()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.left.emit()  # clicking elsewhere saves what was typed, too


class FieldBox(QGroupBox):
    """One field's controls; ``changed(value)`` when the rater sets it (never when shown)."""

    changed = Signal(object)

    def __init__(self, field: FormField, hints: bool = True, parent: QWidget | None = None):
        super().__init__(heading(field, hints), parent)
        self.field = field
        self.hints = hints

    def show_value(self, value: object) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Emit a change still waiting (typed text)."""

    def focus(self) -> None:
        self.setFocus()


class ButtonsBox(FieldBox):
    """Checkable buttons, one per value (``choice``, ``likert`` and ``yesno``)."""

    def __init__(self, field: FormField, hints: bool = True, parent: QWidget | None = None):
        super().__init__(field, hints, parent)
        self.values = field.values
        self.keys = {v: d for d, v in digit_values(field).items()}
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(4, 2, 4, 2)
        self.grid.setSpacing(3)
        self.prompt = QLabel("")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt.setVisible(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 2, 4, 4)
        outer.setSpacing(2)
        outer.addWidget(self.prompt)
        outer.addLayout(self.grid)
        self.buttons = [self._button(i, v) for i, v in enumerate(self.values)]
        self._place()
        self.group.idClicked.connect(lambda i: self.changed.emit(self.values[i]))

    def _button(self, index: int, value: object) -> QPushButton:
        words = str(value).capitalize() if self.field.type == "yesno" else str(value)
        digit = self.keys.get(value)
        keyed = self.hints and digit is not None and str(digit) != words
        b = QPushButton(f"{digit}  {words}" if keyed else words)
        b.setCheckable(True)
        if self.hints and digit is not None:
            mod = self.field.shortcut
            b.setToolTip(f"{mod}+{digit}" if mod else f"Key {digit}")
        self.group.addButton(b, index)
        return b

    def _place(self) -> None:
        count = len(self.buttons)
        columns = min(count, 4)  # 8 emotions in two rows
        for i, b in enumerate(self.buttons):
            self.grid.addWidget(b, i // columns, i % columns)

    def show_value(self, value: object) -> None:
        self.group.setExclusive(False)
        for b in self.buttons:
            b.setChecked(False)
        self.group.setExclusive(True)
        if value in self.values:
            self.buttons[self.values.index(value)].setChecked(True)

    @property
    def value(self) -> object:
        checked = self.group.checkedId()
        return None if checked < 0 else self.values[checked]


class LikertBox(ButtonsBox):
    """A scale low…high in one row, the anchor words under their values."""

    def _place(self) -> None:
        for column, (value, b) in enumerate(zip(self.values, self.buttons, strict=True)):
            b.setMinimumWidth(28)
            self.grid.addWidget(b, 0, column)
            self.grid.setColumnStretch(column, 1)
            words = self.field.anchor(value)  # type: ignore[arg-type]
            if words:
                label = QLabel(words)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setWordWrap(True)
                label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                label.setStyleSheet("color: #555; font-size: 10px;")
                self.grid.addWidget(label, 1, column)
                tip = b.toolTip()
                b.setToolTip(f"{tip}: {words}" if tip else words)


class YesNoBox(ButtonsBox):
    """The question (its prompt), then Yes / No / Unsure."""

    def __init__(self, field: FormField, hints: bool = True, parent: QWidget | None = None):
        super().__init__(field, hints, parent)
        self.prompt.setVisible(True)
        self.set_prompt(field.prompt_for(None))

    def set_prompt(self, text: str, enabled: bool = True) -> None:
        self.prompt.setText(text)
        for b in self.buttons:
            b.setEnabled(enabled)

    @property
    def asks_intended(self) -> bool:
        return "{intended}" in self.field.prompt


class TextBox(FieldBox):
    """Free text, saved a moment after typing stops and when the rater leaves the box;
    a text longer than the form allows (another tool wrote it) shows its start, read-only."""

    def __init__(self, field: FormField, hints: bool = True, parent: QWidget | None = None):
        super().__init__(field, hints, parent)
        self.edit = NotesBox()
        self.edit.setPlaceholderText("Saved a moment after you stop typing; Esc leaves the box")
        self.edit.setMaximumHeight(56)
        self.edit.left.connect(self.flush)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(NOTES_DELAY_MS)
        self.timer.timeout.connect(lambda: self.changed.emit(self.edit.toPlainText()))
        self.edit.textChanged.connect(self.timer.start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.edit)

    def flush(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.changed.emit(self.edit.toPlainText())

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_value(self, value: object) -> None:
        text = "" if value is None else str(value)
        self.timer.stop()
        self.edit.blockSignals(True)
        too_long = len(text) > MAX_TEXT_CHARS  # written by another tool or an older emolab
        shown = text[:MAX_TEXT_CHARS] if too_long else text
        if self.edit.toPlainText() != shown:
            self.edit.setPlainText(shown)
        self.edit.setReadOnly(too_long)
        self.edit.setToolTip(
            f"This note has {len(text):,} characters; the first {MAX_TEXT_CHARS:,} are "
            "shown, read-only"
            if too_long
            else ""
        )
        self.edit.blockSignals(False)


def field_box(field: FormField, hints: bool = True) -> FieldBox:
    """The controls of one field."""
    kind = {"choice": ButtonsBox, "likert": LikertBox, "yesno": YesNoBox, "text": TextBox}
    return kind[field.type](field, hints)


def replace_field_boxes(boxes: dict, area, fields, changed, hints: bool = True):
    """New boxes for ``fields`` in the scroll ``area`` (the old ``boxes`` go quietly:
    nothing they still hold is emitted); ``changed(key, value)`` hears every new box.
    Returns the boxes by key and their holder widget."""
    for box in boxes.values():
        box.blockSignals(True)
        if isinstance(box, TextBox):
            box.timer.stop()
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    new = {}
    for f in fields:
        box = field_box(f, hints=hints)
        box.changed.connect(lambda value, key=f.key: changed(key, value))
        column.addWidget(box)
        new[f.key] = box
    column.addStretch(1)
    old = area.takeWidget()
    area.setWidget(holder)
    if old is not None:
        old.deleteLater()
    return new, holder


class RatingForm(QWidget):
    """The rating panel of the project's form (:meth:`set_form` when another opens)."""

    field_changed = Signal(str, object)  # field, value
    next_unrated = Signal()
    retry_requested = Signal()

    def __init__(self, form: FormSpec | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.form: FormSpec = form or FormSpec.default()
        self.boxes: dict[str, FieldBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        self.setStyleSheet(CHECKED_STYLE)
        self.title = QLabel("No recording selected")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #a05000;")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.fields_area = QScrollArea()
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.fields_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.fields_area, 1)
        self.next_button = QPushButton("Next unrated  (N)")
        self.next_button.clicked.connect(self.next_unrated.emit)
        layout.addWidget(self.next_button)
        self.saved = QLabel("")
        self.saved.setTextFormat(Qt.TextFormat.PlainText)
        self.saved.setWordWrap(True)
        self.saved.setStyleSheet("color: #2a7a2a;")
        self.retry_button = QPushButton("Retry saving now")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.retry_requested.emit)
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved, 1)
        save_row.addWidget(self.retry_button)
        layout.addLayout(save_row)
        self._build_fields()
        self.setEnabled(False)

    # ---- the form ----------------------------------------------------------------------
    def set_form(self, form: FormSpec) -> bool:
        """Show another form's fields (a project with another form opened); False when it
        is the one shown. Pending typed text is saved first."""
        if form == self.form:
            return False
        self.flush_notes()
        self.form = form
        self._build_fields()
        return True

    def _build_fields(self) -> None:
        self.boxes, holder = replace_field_boxes(self.boxes, self.fields_area, self.form.fields,
                                                 self._emit)  # fmt: skip
        # the whole form in view where it fits (other docks yield); a long one scrolls
        self.fields_area.setMinimumHeight(min(holder.sizeHint().height(), FIELDS_MIN_HEIGHT))

    def _emit(self, key: str, value: object) -> None:
        if not isinstance(self.boxes.get(key), TextBox):
            self.flush_notes()  # typed text first: the change re-renders the form
        self.field_changed.emit(key, value)

    @property
    def emotions(self) -> list[str]:
        return list(self.form.emotions)

    @property
    def emotion_group(self) -> QButtonGroup:
        """The emotion buttons (their ids: the index in :attr:`emotions`)."""
        return self.boxes["emotion"].group  # type: ignore[attr-defined]

    @property
    def notes(self) -> NotesBox | None:
        """The box of the ``notes`` field (None when the form has no notes)."""
        box = self.boxes.get("notes")
        return box.edit if isinstance(box, TextBox) else None

    # ---- showing ---------------------------------------------------------------------
    def flush_notes(self) -> None:
        """Save pending text now (before switching recording or closing)."""
        for box in list(self.boxes.values()):
            box.flush()

    def show_rating(self, title: str, rating: Rating | None, *, intended: str | None = None,
                    blind: bool = False) -> None:  # fmt: skip
        """Render a rating without emitting any change. ``intended``: the recording's
        intended emotion, for a question naming it; ``blind``: the rater may not learn it
        yet, so such a question waits until they chose an emotion."""
        self.setEnabled(rating is not None)
        self.title.setText(title)
        chosen = rating is not None and rating.made("emotion")
        for key, box in self.boxes.items():
            box.show_value(rating.value(key) if rating is not None else None)
            if isinstance(box, YesNoBox):
                if box.asks_intended and blind and not chosen:
                    box.set_prompt(f"{box.field.prompt_for(None)} (asked after you choose an "
                                   "emotion)", enabled=False)  # fmt: skip
                else:
                    box.set_prompt(box.field.prompt_for(intended))

    def show_save_state(self, rating: Rating | None, state: str, message: str) -> None:
        """Say whether the shown rating is on disk: 'saved', 'pending' or 'failed'.

        "Saved" appears only when every change was committed."""
        self.retry_button.setVisible(state != "saved")
        if state == "pending":
            self.saved.setStyleSheet("color: #a05000;")
            self.saved.setText(f"Not saved yet: {message}")
            return
        if state == "failed":
            self.saved.setStyleSheet("color: #b00020; font-weight: bold;")
            self.saved.setText(f"NOT SAVED: {message}")
            return
        self.saved.setStyleSheet("color: #2a7a2a;")
        if rating is None or not rating.updated_at:
            self.saved.setText("")
            return
        complete = "complete" if rating.complete else "incomplete"
        self.saved.setText(f"Saved ✓ {rating.updated_at[11:19]} UTC ({complete})")

    def show_notice(self, text: str) -> None:
        """A standing notice about the open recording (e.g. its file changed on disk)."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_refusal(self, message: str) -> None:
        """A value the project refused (too long, out of range): say why, keep the form."""
        self.saved.setStyleSheet("color: #b00020;")
        self.saved.setText(message)

    # ---- keys ------------------------------------------------------------------------
    def choose(self, key: str, value: object) -> None:
        """A rating key (the action table's rating commands): set ``key`` to ``value`` as
        its button would, or move into a text field's box (``value`` :data:`FOCUS`). Does
        nothing while the field's controls are disabled (a question not asked yet)."""
        box = self.boxes.get(key)
        if box is None or not self.isEnabled():
            return
        if value == FOCUS and isinstance(box, TextBox):
            self.fields_area.ensureWidgetVisible(box)
            box.focus()
            return
        if isinstance(box, ButtonsBox) and (
            value not in box.values or not box.buttons[box.values.index(value)].isEnabled()
        ):
            return
        self._emit(key, value)

    def keyboard_field(self, key: int, modifiers) -> tuple[str, object] | None:
        """The (field, value) a key press sets, or None: a digit 1–9 with exactly the
        modifiers of a field's shortcut (Ctrl+Alt is not Ctrl). A text field's shortcut
        gives (field, :data:`FOCUS`)."""
        held = Qt.KeyboardModifier(modifiers) & _COMPARED
        digit = key - Qt.Key.Key_0
        for f in self.form.fields:
            if f.type == "text":
                if f.shortcut and _text_key(f.shortcut) == (key, held):
                    return f.key, FOCUS
            elif 1 <= digit <= 9 and _MODIFIERS.get(f.shortcut) == held:
                value = digit_values(f).get(digit)
                return None if value is None else (f.key, value)
        return None
