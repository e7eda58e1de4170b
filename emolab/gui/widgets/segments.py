"""Segments: time-range labels of the open recording (ELAN-style), this rater's own.

A rater marks a range on the waveform (Shift+drag, or ``[`` and ``]`` at the playhead then
``S``), and gives it values of the form's segment fields in the segment panel: a list of
the segments (start–end and values), the fields of the selected one (the rating panel's
controls, without keys) and a Delete button. Dragging a segment's edges on the waveform
moves them. Every change goes through the session (:meth:`Session.add_segment` and its
siblings), so it is saved at once and undo/redo cover it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.widgets.rating import CHECKED_STYLE, FieldBox, TextBox, replace_field_boxes
from emolab.project.forms import RatingForm
from emolab.project.ratings import Segment

HINT = "Shift+drag on the waveform, or [ and ] at the playhead then S"


def describe(segment: Segment) -> str:
    """A segment as the list shows it: '0.50–2.50 s  happy · 4'."""
    values = " · ".join(str(v) for k, v in segment.fields if k != "notes" and v not in ("", None))
    notes = segment.value("notes")
    if notes:
        values += f"{' · ' if values else ''}“{str(notes)[:30]}”"
    return f"{segment.start:.2f}–{segment.end:.2f} s  {values or '(no values yet)'}"


def label_of(segment: Segment) -> str:
    """The text a segment's region shows: its emotion, or its first value."""
    emotion = segment.value("emotion")
    if emotion:
        return str(emotion)
    first = next((str(v) for k, v in segment.fields if k != "notes" and v not in ("", None)), "")
    return first[:24] or "—"


class SegmentPanel(QWidget):
    """The segment list and the selected segment's fields."""

    selected = Signal(object)  # uid or None
    value_changed = Signal(str, str, object)  # uid, field, value
    delete_requested = Signal(str)
    mark_requested = Signal()

    def __init__(self, form: RatingForm | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = form or RatingForm.default()
        self.segments: list[Segment] = []
        self.uid: str | None = None
        self.boxes: dict[str, FieldBox] = {}
        self.setStyleSheet(CHECKED_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        self.list.currentItemChanged.connect(self._current_changed)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.heading = QLabel("No segment selected")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.mark_button = QPushButton("Mark [ ]  (S)")
        self.mark_button.setToolTip("Label the range set with [ and ] at the playhead")
        self.mark_button.clicked.connect(self.mark_requested.emit)
        self.delete_button = QPushButton("Delete  (Del)")
        self.delete_button.clicked.connect(
            lambda: self.uid is not None and self.delete_requested.emit(self.uid)
        )
        row.addWidget(self.heading, 1)
        row.addWidget(self.mark_button)
        row.addWidget(self.delete_button)
        layout.addLayout(row)
        self.fields_area = QScrollArea()
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.fields_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.fields_area, 1)
        self._build_fields()
        self._show_selected()

    def set_form(self, form: RatingForm) -> None:
        if form == self.form:
            return
        self.flush()
        self.form = form
        self._build_fields()
        self._show_selected()

    def _build_fields(self) -> None:
        self.boxes, _holder = replace_field_boxes(self.boxes, self.fields_area,
                                                  self.form.segment_fields, self._changed,
                                                  hints=False)  # fmt: skip

    def _changed(self, key: str, value: object) -> None:
        if self.uid is None:
            return
        if not isinstance(self.boxes.get(key), TextBox):
            self.flush()
        self.value_changed.emit(self.uid, key, value)

    def flush(self) -> None:
        """Save typed text of the selected segment now."""
        for box in list(self.boxes.values()):
            box.flush()

    def discard(self) -> None:
        """Forget typed text not saved yet (its segment is no longer on screen)."""
        for box in self.boxes.values():
            if isinstance(box, TextBox):
                box.timer.stop()

    def _current_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        uid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if uid != self.uid:
            self.flush()
            self.selected.emit(uid)

    def show_segments(self, segments: list[Segment], selected: str | None) -> None:
        """Render the list and the selected segment's values (emits nothing)."""
        self.segments, self.uid = segments, selected
        self.list.blockSignals(True)
        self.list.clear()
        for s in segments:
            item = QListWidgetItem(describe(s))
            item.setData(Qt.ItemDataRole.UserRole, s.uid)
            self.list.addItem(item)
            if s.uid == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._show_selected()

    @property
    def segment(self) -> Segment | None:
        return next((s for s in self.segments if s.uid == self.uid), None)

    def _show_selected(self) -> None:
        segment = self.segment
        self.delete_button.setEnabled(segment is not None)
        self.fields_area.setEnabled(segment is not None)
        self.heading.setText(
            f"Segment {segment.start:.2f}–{segment.end:.2f} s" if segment is not None
            else "No segment selected" if self.segments else "No segments yet"
        )  # fmt: skip
        for key, box in self.boxes.items():
            box.show_value(segment.value(key) if segment is not None else None)


class SegmentEditor:
    """The window's segment commands (the action table names them ``segments.*``): binds
    the waveform's marks and the segment panel to the session."""

    def __init__(self, window):
        self.window = window
        self.waveform = window.waveform
        self.panel = SegmentPanel()
        self.selected: str | None = None
        self.shown: list[Segment] = []
        self.waveform.range_marked.connect(self.add)
        self.waveform.segment_clicked.connect(self.select)
        self.waveform.segment_moved.connect(
            lambda uid, start, end: self._session_call("change_segment", uid, start, end)
        )
        self.panel.selected.connect(self.select)
        self.panel.value_changed.connect(
            lambda uid, key, value: self._session_call("change_segment", uid, **{key: value})
        )
        self.panel.delete_requested.connect(lambda uid: self._session_call("delete_segment", uid))
        self.panel.mark_requested.connect(self.mark_segment)

    def _session_call(self, method: str, *args, **kwargs):
        session = self.window.session
        if session is None or not session.can_rate:
            return None
        return getattr(session, method)(*args, **kwargs)  # re-renders through "rating"

    # ---- what the session view calls ---------------------------------------------------
    def set_form(self, form: RatingForm) -> None:
        self.panel.set_form(form)

    def refresh(self, reset: bool = False) -> None:
        """Read this rater's segments of the open recording again (after a rating change);
        ``reset``: another recording, so nothing is selected or pending."""
        if reset:  # typed text was saved on leaving its box; the open recording is another
            self.panel.discard()
            self.selected = None
            self.waveform.clear_pending()
        session = self.window.session
        self.shown = session.segments() if session is not None else []
        self._render()

    def _render(self) -> None:
        if self.selected not in {s.uid for s in self.shown}:
            self.selected = None
        self.waveform.set_segments(
            [(s.uid, s.start, s.end, label_of(s)) for s in self.shown], self.selected
        )
        self.panel.show_segments(self.shown, self.selected)
        self.window.actions["delete_segment"].setEnabled(self.selected is not None)

    # ---- commands ----------------------------------------------------------------------
    def select(self, uid: str | None) -> None:
        self.panel.flush()
        self.selected = uid
        self._render()
        if uid is not None:
            self.window.docks["segments"].raise_()

    def add(self, start: float, end: float) -> str | None:
        """Mark ``start``–``end`` (s) as a new segment and select it; None when refused."""
        self.panel.flush()
        uid = self._session_call("add_segment", start, end)
        if uid is None:
            return None
        self.waveform.clear_pending()
        self.select(uid)
        return uid

    def mark_start(self) -> None:
        self.waveform.mark_edge(0, self.window.timeline.position)

    def mark_end(self) -> None:
        self.waveform.mark_edge(1, self.window.timeline.position)

    def mark_segment(self) -> str | None:
        found = self.waveform.pending_range()
        if found is None:
            self.window.status.say("Set a segment's start with [ and its end with ] first", 8)
            return None
        return self.add(*found)

    def delete_selected(self) -> None:
        if self.selected is not None:
            self._session_call("delete_segment", self.selected)
