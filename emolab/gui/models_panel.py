"""The model versions panel: every version with its date, label source, size and figures;
train, evaluate, compare two side by side, activate, roll back, delete an inactive one.

Activating or rolling back changes the active model; the window then computes that
model's suggestions for recordings that have none (a job) and refreshes the list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.evaluation_view import METRICS, ConfusionTable, _item, metric_text

COLUMNS = ("id", "name", "created", "active", "labels", "fusion", "classifier", "UAR",
           "95 % interval", "size")  # fmt: skip


def label_source(card: dict) -> str:
    """Where a version's training labels came from, as the card says."""
    from emolab.models.card import card_labels

    return str(card_labels(card).get("source") or "intended") if card else "?"


class ModelsPanel(QWidget):
    """Lists model versions (``show_versions``) and forwards what the user asks for."""

    train_requested = Signal()
    evaluate_requested = Signal(int)
    compare_requested = Signal(int, int)
    activate_requested = Signal(int)
    roll_back_requested = Signal()
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.infos: list = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._enable)
        self.table.doubleClicked.connect(lambda _i: self._evaluate())
        self.buttons = {}
        row = QHBoxLayout()
        for key, text in (("train", "Train…"), ("evaluate", "Evaluation…"),
                          ("compare", "Compare two"), ("activate", "Activate"),
                          ("roll_back", "Roll back"), ("delete", "Delete")):  # fmt: skip
            button = QPushButton(text)
            row.addWidget(button)
            self.buttons[key] = button
        row.addStretch(1)
        self.buttons["train"].clicked.connect(self.train_requested)
        self.buttons["evaluate"].clicked.connect(self._evaluate)
        self.buttons["compare"].clicked.connect(self._compare)
        self.buttons["activate"].clicked.connect(
            lambda: self.activate_requested.emit(self.selected()[0])
        )
        self.buttons["roll_back"].clicked.connect(self.roll_back_requested)
        self.buttons["delete"].clicked.connect(
            lambda: self.delete_requested.emit(self.selected()[0])
        )
        self.notice = QLabel("")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.notice)
        self._enable()

    def show_versions(self, infos: list, sizes: dict[int, int]) -> None:
        """``infos``: project.models.ModelInfo rows; ``sizes``: stored bytes per id."""
        keep = set(self.selected())
        self.infos = list(infos)
        self.table.setRowCount(len(self.infos))
        for r, info in enumerate(self.infos):
            card = info.card or {}
            uar, interval = metric_text(card.get("evaluation"), "uar")
            kind = "bundled" if info.bundled else card.get("estimator", "?")
            values = (str(info.id), info.name, (info.created_at or "")[:16].replace("T", " "),
                      "●" if info.active else "", label_source(card), info.fusion, kind, uar,
                      interval, f"{sizes.get(info.id, 0) / 1024:.0f} KiB")  # fmt: skip
            for c, text in enumerate(values):
                self.table.setItem(r, c, _item(text))
            if info.problem:
                self.table.item(r, 1).setToolTip(f"cannot be used: {info.problem}")
        self.table.clearSelection()
        for r, info in enumerate(self.infos):
            if info.id in keep:
                self.table.selectRow(r)
        self._enable()

    def selected(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.infos[r].id for r in rows if r < len(self.infos)]

    def select(self, *model_ids: int) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r, info in enumerate(self.infos):
            if info.id in model_ids:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def _info(self, model_id: int):
        return next(i for i in self.infos if i.id == model_id)

    def _enable(self) -> None:
        chosen = self.selected()
        one = len(chosen) == 1
        info = self._info(chosen[0]) if one else None
        self.buttons["evaluate"].setEnabled(one)
        self.buttons["compare"].setEnabled(len(chosen) == 2)
        self.buttons["activate"].setEnabled(one and not info.active and not info.problem)
        self.buttons["delete"].setEnabled(one and not info.active and not info.bundled)
        self.buttons["roll_back"].setEnabled(len(self.infos) > 1)

    def _evaluate(self) -> None:
        if len(self.selected()) == 1:
            self.evaluate_requested.emit(self.selected()[0])

    def _compare(self) -> None:
        chosen = self.selected()
        if len(chosen) == 2:
            self.compare_requested.emit(*chosen)


class CompareView(QDialog):
    """Two versions side by side: figures, recall per class, and how their confusion
    matrices differ (second minus first) where they share their classes."""

    def __init__(self, first, second, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{first.name} vs {second.name}")
        self.resize(900, 640)
        a = (first.card or {}).get("evaluation") or {}
        b = (second.card or {}).get("evaluation") or {}
        layout = QVBoxLayout(self)
        self.figures = QTableWidget(len(METRICS), 5)
        self.figures.setHorizontalHeaderLabels([first.name, "interval", second.name, "interval",
                                                "difference"])  # fmt: skip
        self.figures.setVerticalHeaderLabels([label for _, label in METRICS])
        self.figures.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, (key, _) in enumerate(METRICS):
            diff = (f"{b[key] - a[key]:+.3f}" if a.get(key) is not None
                    and b.get(key) is not None else "—")  # fmt: skip
            for c, text in enumerate((*metric_text(a, key), *metric_text(b, key), diff)):
                self.figures.setItem(r, c, _item(text))
        layout.addWidget(self.figures)
        labels = [label for label in a.get("labels", []) if label in b.get("labels", [])]
        self.recall = QTableWidget(len(labels), 3)
        self.recall.setHorizontalHeaderLabels([first.name, second.name, "difference"])
        self.recall.setVerticalHeaderLabels(labels)
        self.recall.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        ra, rb = _recall(a), _recall(b)
        for r, label in enumerate(labels):
            for c, text in enumerate((f"{ra[label]:.3f}", f"{rb[label]:.3f}",
                                      f"{rb[label] - ra[label]:+.3f}")):  # fmt: skip
                self.recall.setItem(r, c, _item(text))
        layout.addWidget(QLabel("Recall per class"))
        layout.addWidget(self.recall)
        layout.addWidget(QLabel(f"Confusion counts: {second.name} minus {first.name} "
                                "(green: more on the diagonal or fewer off it)"))  # fmt: skip
        self.difference = ConfusionTable()
        if labels and a.get("confusion") and b.get("confusion"):
            self.difference.show_matrix(labels, _confusion_on(b, labels) - _confusion_on(a, labels),
                                        signed=True)  # fmt: skip
        layout.addWidget(self.difference, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)


def _recall(evaluation: dict) -> dict[str, float]:
    if evaluation.get("per_class_recall"):
        return evaluation["per_class_recall"]
    import numpy as np

    m = np.asarray(evaluation.get("confusion") or [[0]], dtype=float)
    totals = m.sum(axis=1)
    return {label: float(m[i, i] / totals[i]) if totals[i] else 0.0
            for i, label in enumerate(evaluation.get("labels", []))}  # fmt: skip


def _confusion_on(evaluation: dict, labels: list[str]):
    """The confusion counts restricted to (and ordered by) ``labels``."""
    import numpy as np

    own = evaluation["labels"]
    index = [own.index(label) for label in labels]
    return np.asarray(evaluation["confusion"], dtype=float)[np.ix_(index, index)]
