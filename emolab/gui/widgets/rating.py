"""The rating form: emotion (forced choice, keys 1–8), intensity 1–5 (Ctrl+1–5),
genuineness 1–5 (Alt+1–5) and notes. Each change is saved at once by the owner
(the main window) and the form shows when it was saved."""

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
    QVBoxLayout,
    QWidget,
)

from emolab.project.ratings import MAX_NOTE_CHARS, Rating


class NotesBox(QPlainTextEdit):
    """The notes: Tab moves on to the next control and Esc leaves the box (saving what
    was typed), so the window's keys work again; inside it every key types."""

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


class RatingForm(QWidget):
    field_changed = Signal(str, object)  # field, value
    next_unrated = Signal()
    retry_requested = Signal()

    def __init__(self, emotions: list[str], scales: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.emotions = emotions
        layout = QVBoxLayout(self)
        self.setStyleSheet(
            "QPushButton:checked { background: #2d6cdf; color: white; font-weight: bold; }"
        )
        self.title = QLabel("No recording selected")
        self.title.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.title)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #a05000;")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)

        box = QGroupBox("Emotion (keys 1–8)")
        grid = QGridLayout(box)
        self.emotion_group = QButtonGroup(self)
        self.emotion_group.setExclusive(True)
        for i, name in enumerate(emotions):
            b = QPushButton(f"{i + 1}  {name}")
            b.setCheckable(True)
            b.setToolTip(f"Key {i + 1}")
            self.emotion_group.addButton(b, i)
            grid.addWidget(b, i // 2, i % 2)
        self.emotion_group.idClicked.connect(
            lambda i: self.field_changed.emit("emotion", self.emotions[i])
        )
        layout.addWidget(box)

        self.scale_groups: dict[str, QButtonGroup] = {}
        for field, key in (("intensity", "Ctrl"), ("genuineness", "Alt")):
            spec = scales[field]
            box = QGroupBox(f"{field.capitalize()} ({key}+1–5): {spec['low']} → {spec['high']}")
            row = QHBoxLayout(box)
            group = QButtonGroup(self)
            for value in range(spec["min"], spec["max"] + 1):
                b = QPushButton(str(value))
                b.setCheckable(True)
                b.setToolTip(f"{key}+{value}")
                group.addButton(b, value)
                row.addWidget(b)
            group.idClicked.connect(lambda v, f=field: self.field_changed.emit(f, v))
            self.scale_groups[field] = group
            layout.addWidget(box)

        layout.addWidget(QLabel("Notes"))
        self.notes = NotesBox()
        self.notes.setPlaceholderText("Saved a moment after you stop typing; Esc leaves the box")
        self.notes.left.connect(self.flush_notes)
        self.notes.setMaximumHeight(80)
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(700)
        self._notes_timer.timeout.connect(
            lambda: self.field_changed.emit("notes", self.notes.toPlainText())
        )
        self.notes.textChanged.connect(self._notes_timer.start)
        layout.addWidget(self.notes)
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
        layout.addStretch(1)
        self.setEnabled(False)

    def flush_notes(self) -> None:
        """Save pending notes now (before switching recording or closing)."""
        if self._notes_timer.isActive():
            self._notes_timer.stop()
            self.field_changed.emit("notes", self.notes.toPlainText())

    def show_rating(self, title: str, rating: Rating | None) -> None:
        """Render a rating without emitting any change."""
        self.setEnabled(rating is not None)
        self.title.setText(title)
        self._notes_timer.stop()
        for group in (self.emotion_group, *self.scale_groups.values()):
            group.setExclusive(False)
            for b in group.buttons():
                b.setChecked(False)
            group.setExclusive(True)
        if rating is None:
            return
        if rating.emotion in self.emotions:
            self.emotion_group.button(self.emotions.index(rating.emotion)).setChecked(True)
        for field, group in self.scale_groups.items():
            value = getattr(rating, field)
            if value is not None and group.button(value) is not None:
                group.button(value).setChecked(True)
        self.notes.blockSignals(True)
        notes = rating.notes
        too_long = len(notes) > MAX_NOTE_CHARS  # written by another tool or an older emolab
        if too_long:
            notes = notes[:MAX_NOTE_CHARS]
        if self.notes.toPlainText() != notes:
            self.notes.setPlainText(notes)
        self.notes.setReadOnly(too_long)
        self.notes.setToolTip(
            f"This note has {len(rating.notes):,} characters; the first {MAX_NOTE_CHARS:,} are "
            "shown, read-only"
            if too_long
            else ""
        )
        self.notes.blockSignals(False)

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

    def keyboard_field(self, key: int, modifiers) -> tuple[str, object] | None:
        """The (field, value) a key press sets, or None."""
        digit = key - Qt.Key.Key_0
        if not 1 <= digit <= 9:
            return None
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            return ("intensity", digit) if digit <= 5 else None
        if modifiers & Qt.KeyboardModifier.AltModifier:
            return ("genuineness", digit) if digit <= 5 else None
        if digit <= len(self.emotions):
            return ("emotion", self.emotions[digit - 1])
        return None
