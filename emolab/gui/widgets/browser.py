"""The recording browser: a model/view table with sort, text filter, facet filters
(emotion, participant, my status) and "next unrated". Rows come from one query; the
view only asks for what it draws, so 10,000 recordings open and scroll at once."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSortFilterProxyModel,
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
from emolab.project.browse import BrowserRow

COLUMNS = (
    ("key", "Key"), ("participant", "Participant"), ("emotion", "Intended"),
    ("intensity", "Intensity"), ("statement", "Statement"), ("repetition", "Rep."),
    ("collection", "Collection"), ("modalities", "Media"), ("status", "My rating"),
    ("suggestion", "Suggestion"), ("confidence", "Confidence"), ("validity", "Validity"),
)  # fmt: skip
STATUS_COLOURS = {"rated": QColor(210, 240, 210), "partial": QColor(250, 240, 200)}


class RecordingTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[BrowserRow] = []
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: list[BrowserRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._row_of = {r.recording_id: i for i, r in enumerate(rows)}
        self.endResetModel()

    def update_row(self, row: BrowserRow) -> None:
        i = self._row_of.get(row.recording_id)
        if i is None:
            return
        self.rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def row_of(self, recording_id: int) -> int | None:
        return self._row_of.get(recording_id)

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.rows[index.row()]
        field = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, field)
            if field == "confidence":
                return "" if value is None else f"{value:.0%}"
            if field == "validity":
                return "" if value is None else f"{value:.0%} of {row.raters}"
            return for_display(value, 80) if isinstance(value, str) else value
        if role == Qt.ItemDataRole.UserRole:  # sort key
            value = getattr(row, field)
            return -1.0 if value is None else value
        if role == Qt.ItemDataRole.BackgroundRole and field == "status":
            return STATUS_COLOURS.get(row.status)
        return None


class RecordingFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.facets: dict[str, str] = {}
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_facet(self, field: str, value: str) -> None:
        self.beginFilterChange()
        if value:
            self.facets[field] = value
        else:
            self.facets.pop(field, None)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        row = self.sourceModel().rows[source_row]
        for field, value in self.facets.items():
            if getattr(row, field) != value:
                return False
        if not self.text:
            return True
        haystack = " ".join(str(getattr(row, f) or "") for f, _ in COLUMNS).lower()
        return all(word in haystack for word in self.text.split())


class RecordingBrowser(QWidget):
    recording_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = RecordingTableModel(self)
        self.proxy = RecordingFilter(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter (key, emotion, participant, …)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        layout.addWidget(self.search)
        facets = QHBoxLayout()
        self.facet_boxes: dict[str, QComboBox] = {}
        for field, title in (("emotion", "all emotions"), ("participant", "all participants"),
                             ("status", "any status")):  # fmt: skip
            box = QComboBox()
            box.addItem(title, "")
            box.currentIndexChanged.connect(
                lambda _i, f=field, b=box: self.proxy.set_facet(f, b.currentData())
            )
            self.facet_boxes[field] = box
            facets.addWidget(box)
        layout.addLayout(facets)
        self.table = QTableView()
        self.table.setModel(self.proxy)
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
        layout.addWidget(self.table)

    def set_rows(self, rows: list[BrowserRow]) -> None:
        current = self.current_recording()
        self.model.set_rows(rows)
        for field, box in self.facet_boxes.items():
            chosen = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value in sorted({getattr(r, field) for r in rows if getattr(r, field)}):
                box.addItem(value, value)
            index = box.findData(chosen)
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)
        for i in range(len(COLUMNS)):
            self.table.setColumnWidth(i, 90)
        self.table.setColumnWidth(0, 140)
        if current is not None:
            self.select(current, emit=False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            row = self.model.rows[self.proxy.mapToSource(current).row()]
            self.recording_selected.emit(row.recording_id)

    def current_recording(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()].recording_id

    def select(self, recording_id: int, emit: bool = True) -> bool:
        row = self.model.row_of(recording_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: clear filters so it can be shown
            self.search.clear()
            for box in self.facet_boxes.values():
                box.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not emit:
            self.table.selectionModel().blockSignals(True)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if not emit:
            self.table.selectionModel().blockSignals(False)
        return True

    def next_unrated(self) -> int | None:
        """Select the next row (in view order, wrapping) whose rating is not complete."""
        count = self.proxy.rowCount()
        if count == 0:
            return None
        start = self.table.currentIndex().row()
        for step in range(1, count + 1):
            index = self.proxy.index((start + step) % count, 0)
            row = self.model.rows[self.proxy.mapToSource(index).row()]
            if row.status != "rated":
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return row.recording_id
        return None
