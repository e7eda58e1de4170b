"""The recording browser: a model/view table with sort, text filter, facet filters
(emotion, participant, my status) and "next unrated". Rows come from one query run in a
worker; sorting and filtering happen in a Qt-free :class:`RecordingTable`, and the view
formats only the rows it draws, so 100,000 recordings open and scroll at once."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emolab.core.text import for_display
from emolab.project.browse import REVIEW_ORDERS, BrowserRow, RecordingTable

COLUMNS = (  # what a rater works with first, visible at the default width
    ("key", "Key"), ("status", "My rating"), ("emotion", "Intended"),
    ("suggestion", "Suggestion"), ("confidence", "Confidence"), ("validity", "Validity"),
    ("agreement", "Agreement"), ("participant", "Participant"), ("intensity", "Intensity"),
    ("statement", "Statement"), ("repetition", "Rep."), ("collection", "Collection"),
    ("modalities", "Media"),
)  # fmt: skip
STATUS_COLOURS = {"rated": QColor(210, 240, 210), "partial": QColor(250, 240, 200)}


class RecordingTableModel(QAbstractTableModel):
    """The Qt face of a :class:`RecordingTable`: formats only the rows the view draws;
    sorting and filtering happen in the table, not in a proxy."""

    sorted_by_column = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = RecordingTable()

    @property
    def rows(self) -> list[BrowserRow]:
        """Every row, in key order (filtered or not)."""
        return self.table.rows

    def set_rows(self, rows: list[BrowserRow] | RecordingTable) -> None:
        """Show new rows (or a table prepared on a worker), keeping sort and filters."""
        self.beginResetModel()
        if isinstance(rows, RecordingTable):
            rows.adopt_view(self.table)
            self.table = rows
        else:
            self.table.set_rows(rows)
        self.endResetModel()

    def reshape(self, change) -> None:
        """Apply a sort or filter change to the table (``change(table)``)."""
        self.layoutAboutToBeChanged.emit()
        change(self.table)
        self.layoutChanged.emit()

    def update_row(self, row: BrowserRow) -> None:
        position = self.table.update_row(row)
        if position is not None:
            self.dataChanged.emit(self.index(position, 0), self.index(position, len(COLUMNS) - 1))

    def row_of(self, recording_id: int) -> int | None:
        """The view row showing a recording (None when filtered out)."""
        return self.table.position_of(recording_id)

    def recording_at(self, view_row: int) -> int:
        return self.table.row_at(view_row).recording_id

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.table.order)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.table.row_at(index.row())
        field = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, field)
            if field == "confidence":
                if value is None:
                    return ""
                # outside the model's training data: the number is not a calibrated one
                return f"{value:.0%} ⚠" if row.outside else f"{value:.0%}"
            if field == "validity":
                return "" if value is None else f"{value:.0%} of {row.raters}"
            if field == "agreement":
                return "" if value is None else f"{value:.0%} {row.consensus or '(tie)'}"
            return for_display(value, 80) if isinstance(value, str) else value
        if role == Qt.ItemDataRole.BackgroundRole and field == "status":
            return STATUS_COLOURS.get(row.status)
        if role == Qt.ItemDataRole.ToolTipRole and field == "confidence" and row.outside:
            return ("This recording is unlike the data the model was trained on: the "
                    "confidence is not calibrated for it.")  # fmt: skip
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.reshape(lambda table: table.sort(COLUMNS[column][0], descending))
        self.sorted_by_column.emit()


class RecordingBrowser(QWidget):
    recording_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = RecordingTableModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter (key, emotion, participant, …)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(
            lambda text: self._reshape(lambda table: table.set_text(text))
        )
        layout.addWidget(self.search)
        facets = QHBoxLayout()
        self.facet_boxes: dict[str, QComboBox] = {}
        for field, title in (("emotion", "all emotions"), ("participant", "all participants"),
                             ("status", "any status")):  # fmt: skip
            box = QComboBox()
            box.addItem(title, "")
            box.currentIndexChanged.connect(
                lambda _i, f=field, b=box: self._reshape(
                    lambda table: table.set_facet(f, b.currentData())
                )
            )
            self.facet_boxes[field] = box
            facets.addWidget(box)
        layout.addLayout(facets)
        self.review = QComboBox()
        self.review.addItem("list order (click a column to sort)", "")
        for order, text in REVIEW_ORDERS.items():
            self.review.addItem(f"review: {text}", order)
        self.review.setToolTip("Order the list by what is most worth a look; Shift+N opens "
                               "the next recording in this order")  # fmt: skip
        self.review.currentIndexChanged.connect(
            lambda _i: self._reshape(lambda table: table.set_review(self.review.currentData()))
        )
        layout.addWidget(self.review)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.sorted_by_column.connect(self._sorted_by_column)
        layout.addWidget(self.table)

    def set_rows(self, rows: list[BrowserRow] | RecordingTable) -> None:
        current = self.current_recording()
        self.model.set_rows(rows)
        self._fill_facets()
        for i in range(len(COLUMNS)):
            self.table.setColumnWidth(i, 74)
        self.table.setColumnWidth(0, 128)
        if current is not None:
            self.select(current, emit=False)

    def set_blind(self, blind: bool) -> None:
        """Hide every column and facet a blind study keeps from the rater."""
        from emolab.project.study import BLINDED_FIELDS

        for i, (field, _) in enumerate(COLUMNS):
            self.table.setColumnHidden(i, blind and field in BLINDED_FIELDS and field != "key")
        for field, box in self.facet_boxes.items():
            hidden = blind and field in BLINDED_FIELDS
            if hidden:
                box.setCurrentIndex(0)  # a hidden filter must not go on filtering
            box.setVisible(not hidden)
        if blind:
            self.review.setCurrentIndex(0)
        self.review.setVisible(not blind)

    def sizeHint(self) -> QSize:
        """Wide enough for key, my rating, intended and suggestion at first start."""
        return QSize(420, 600)

    def update_row(self, row: BrowserRow) -> None:
        """One recording's row changed (a rating): redraw it, and the facets' values."""
        self.model.update_row(row)
        self._fill_facets()

    def _fill_facets(self) -> None:
        """Offer the values the rows have now, keeping each facet's choice."""
        for field, box in self.facet_boxes.items():
            values = self.model.table.facet_values(field)
            if [box.itemData(i) for i in range(1, box.count())] == values:
                continue
            chosen = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value in values:
                box.addItem(value, value)
            box.setCurrentIndex(max(box.findData(chosen), 0))
            box.blockSignals(False)

    def _sorted_by_column(self, *_args) -> None:
        """A click on a column header sorts by it: the review order no longer applies."""
        self.review.blockSignals(True)
        self.review.setCurrentIndex(0)
        self.review.blockSignals(False)

    def _reshape(self, change) -> None:
        """Sort or filter, keeping the current recording selected when it stays in view."""
        current = self.current_recording()
        self.model.reshape(change)
        if current is not None and self.model.row_of(current) is not None:
            self.select(current, emit=False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.recording_selected.emit(self.model.recording_at(current.row()))

    def current_recording(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.recording_at(index.row())

    def select(self, recording_id: int, emit: bool = True) -> bool:
        if recording_id not in self.model.table._index_of:
            return False
        row = self.model.row_of(recording_id)
        if row is None:  # filtered out: clear filters so it can be shown
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            for box in self.facet_boxes.values():
                box.blockSignals(True)
                box.setCurrentIndex(0)
                box.blockSignals(False)
            self.model.reshape(lambda table: table.clear_filters())
            row = self.model.row_of(recording_id)
        index = self.model.index(row, 0)
        if not emit:
            self.table.selectionModel().blockSignals(True)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if not emit:
            self.table.selectionModel().blockSignals(False)
        return True

    def next_useful(self) -> int | None:
        """Select the next row the review order ranks (the next unrated without one)."""
        return self.next_unrated(lambda table, position: table.next_useful(position))

    def next_unrated(self, policy=None) -> int | None:
        """Select the row ``policy(table, current position)`` names (default: the next row
        in view order, wrapping, whose rating is not complete)."""
        current = self.table.currentIndex()
        policy = policy or (lambda table, position: table.next_unrated(position))
        position = policy(self.model.table, current.row() if current.isValid() else None)
        if position is None:
            return None
        index = self.model.index(position, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return self.model.recording_at(position)
