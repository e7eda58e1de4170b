"""How well a model version did when it was evaluated: figures with 95 % intervals over
participants, the confusion matrix with counts, recall per class, the reliability diagram,
UAR per participant, and the seed's baseline beside it. Saved as PNG and JSON.

Everything shown comes from the model card's ``evaluation`` (written when the version was
trained, participants held out); the baseline is computed on request on the same labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

METRICS = (("uar", "UAR"), ("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("ece", "ECE"))


def metric_text(evaluation: dict | None, key: str) -> tuple[str, str]:
    """(value, 95 % interval) as shown; the interval says when it cannot be trusted."""
    if not evaluation or evaluation.get(key) is None:
        return "—", ""
    value = f"{evaluation[key]:.3f}"
    interval = (evaluation.get("intervals") or {}).get(key)
    if evaluation.get("reliable") is False:
        return value, f"unreliable: {evaluation.get('n_participants', '?')} participants"
    if interval is None:
        return value, "no interval"
    return value, f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _item(text: str, align=Qt.AlignmentFlag.AlignCenter) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(align)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class ConfusionTable(QTableWidget):
    """Counts, rows the true label and columns the predicted one; shaded by row share."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setMinimumSectionSize(18)

    def show_matrix(self, labels: list[str], counts: list[list[int]],
                    signed: bool = False) -> None:  # fmt: skip
        """``signed``: a difference of two matrices (green more, red fewer)."""
        matrix = np.asarray(counts, dtype=float).reshape(len(labels), len(labels))
        self.setRowCount(len(labels))
        self.setColumnCount(len(labels))
        self.setHorizontalHeaderLabels([f"→ {label[:5]}" for label in labels])
        self.setVerticalHeaderLabels(labels)
        scale = np.abs(matrix).max() if signed else None
        for r in range(len(labels)):
            row_total = matrix[r].sum()
            for c in range(len(labels)):
                value = matrix[r, c]
                item = _item(f"{value:+.0f}" if signed and value else f"{value:.0f}")
                if signed and scale:
                    share = abs(value) / scale
                    base = (40, 150, 60) if (value > 0) == (r == c) else (200, 50, 50)
                    colour = QColor(*base, int(200 * share))
                else:
                    share = value / row_total if row_total else 0.0
                    colour = QColor(40, 90, 170, int(220 * share))
                item.setBackground(QBrush(colour))
                if share > 0.6:
                    item.setForeground(QBrush(QColor("white")))
                self.setItem(r, c, item)


class EvaluationView(QDialog):
    """One model version's evaluation (see the module docstring)."""

    def __init__(self, name: str, card: dict, parent: QWidget | None = None,
                 baseline: dict | None = None):  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(f"Evaluation of {name}")
        self.resize(1100, 760)
        self.name, self.card = name, card
        self.evaluation: dict = card.get("evaluation") or {}
        self.baseline = baseline or card.get("baseline")
        layout = QVBoxLayout(self)
        self.heading = QLabel(self._heading())
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.synthetic = QLabel("SYNTHETIC data: these figures say the pipeline works, not how "
                                "well emotion is recognised in real people.")  # fmt: skip
        self.synthetic.setStyleSheet("color: #a05000; font-weight: bold;")
        self.synthetic.setVisible(bool(card.get("training", {}).get("synthetic")))
        layout.addWidget(self.synthetic)
        grid = QGridLayout()
        layout.addLayout(grid, 1)
        self.metrics = QTableWidget(len(METRICS), 4)
        self.metrics.setHorizontalHeaderLabels(["this model", "95 % interval", "seed baseline",
                                                "baseline interval"])  # fmt: skip
        self.metrics.setToolTip("Intervals: 2000 bootstrap resamples of whole participants")
        self.metrics.setVerticalHeaderLabels([label for _, label in METRICS])
        self.metrics.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        grid.addWidget(self.metrics, 0, 0)
        self.confusion = ConfusionTable()
        grid.addWidget(self.confusion, 0, 1)
        self.recall_plot = pg.PlotWidget(title="recall per class")
        self.reliability_plot = pg.PlotWidget(title="reliability (top label)")
        self.participant_plot = pg.PlotWidget(title="UAR per held-out participant")
        for plot in (self.recall_plot, self.reliability_plot, self.participant_plot):
            plot.setBackground("w")
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
        row = QHBoxLayout()
        for plot in (self.recall_plot, self.reliability_plot, self.participant_plot):
            row.addWidget(plot)
        grid.addLayout(row, 1, 0, 1, 2)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 4)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        buttons = QHBoxLayout()
        self.baseline_button = QPushButton("Evaluate the seed baseline on these labels")
        self.save_png = QPushButton("Save as PNG…")
        self.save_json = QPushButton("Save as JSON…")
        close = QPushButton("Close")
        for button in (self.baseline_button, self.save_png, self.save_json):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.save_png.clicked.connect(lambda: self._ask_and_save("png"))
        self.save_json.clicked.connect(lambda: self._ask_and_save("json"))
        close.clicked.connect(self.accept)
        self.show_evaluation()

    def _heading(self) -> str:
        e, card = self.evaluation, self.card
        if not e:
            return f"{self.name}: this version was stored without an evaluation."
        from emolab.models.card import card_labels

        source = card_labels(card).get("source") or "intended"
        return (f"{self.name} · {e.get('fusion', card.get('fusion'))} fusion, "
                f"{e.get('model', card.get('estimator'))} · labels: {source} · "
                f"{e.get('n_recordings', '?')} recordings, {e.get('n_participants', '?')} "
                f"participants · {e.get('split', '')} · chance UAR "
                f"{e.get('chance_uar', float('nan')):.3f}")  # fmt: skip

    def show_evaluation(self) -> None:
        e = self.evaluation
        for r, (key, _) in enumerate(METRICS):
            for c, text in enumerate((*metric_text(e, key), *metric_text(self.baseline, key))):
                self.metrics.setItem(r, c, _item(text))
        self.baseline_button.setVisible(self.baseline is None)
        labels = list(e.get("labels") or [])
        if labels and e.get("confusion"):
            self.confusion.show_matrix(labels, e["confusion"])
        self._bars(self.recall_plot, e.get("per_class_recall") or self._recall_from_confusion(),
                   chance=e.get("chance_uar"))  # fmt: skip
        self._bars(self.participant_plot, e.get("per_participant_uar") or {},
                   chance=e.get("chance_uar"))  # fmt: skip
        self._reliability(e.get("reliability") or [])

    def show_baseline(self, baseline: dict) -> None:
        self.baseline = baseline
        self.show_evaluation()

    def _recall_from_confusion(self) -> dict[str, float]:
        e = self.evaluation
        if not e.get("confusion"):
            return {}
        m = np.asarray(e["confusion"], dtype=float)
        totals = m.sum(axis=1)
        return {label: float(m[i, i] / totals[i]) if totals[i] else 0.0
                for i, label in enumerate(e["labels"])}  # fmt: skip

    @staticmethod
    def _bars(plot: pg.PlotWidget, values: dict[str, float], chance: float | None) -> None:
        plot.clear()
        names = list(values)
        if not names:
            return
        x = np.arange(len(names))
        plot.addItem(pg.BarGraphItem(x=x, height=[values[n] for n in names], width=0.7,
                                     brush=(40, 90, 170)))  # fmt: skip
        if chance:
            plot.addItem(pg.InfiniteLine(chance, angle=0, pen=pg.mkPen((160, 0, 0), dash=[4, 4])))
        plot.getAxis("bottom").setTicks([[(i, n[:5]) for i, n in enumerate(names)]])
        plot.setYRange(0, 1, padding=0.02)
        plot.setXRange(-0.6, len(names) - 0.4, padding=0)

    def _reliability(self, bins: list[dict]) -> None:
        plot = self.reliability_plot
        plot.clear()
        plot.plot([0, 1], [0, 1], pen=pg.mkPen((150, 150, 150), dash=[4, 4]))
        filled = [b for b in bins if b.get("count")]
        if filled:
            centres = [(b["low"] + b["high"]) / 2 for b in filled]
            plot.addItem(pg.BarGraphItem(x=centres, height=[b["accuracy"] for b in filled],
                                         width=filled[0]["high"] - filled[0]["low"],
                                         brush=(40, 90, 170, 160)))  # fmt: skip
            plot.plot([b["confidence"] for b in filled], [b["accuracy"] for b in filled],
                      pen=None, symbol="o", symbolSize=5, symbolBrush=(200, 80, 0))  # fmt: skip
        plot.setLabel("bottom", "confidence")
        plot.setLabel("left", "accuracy")
        plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)

    def to_json(self) -> str:
        return json.dumps({"model": self.name, "evaluation": self.evaluation,
                           "baseline": self.baseline,
                           "synthetic": bool(self.card.get("training", {}).get("synthetic")),
                           "labels": self.card.get("labels")}, indent=2)  # fmt: skip

    def save(self, path: Path) -> None:
        """Write the view as PNG or its figures as JSON (by the file's suffix)."""
        if path.suffix.lower() == ".json":
            path.write_text(self.to_json(), encoding="utf-8")
        elif not self.grab().save(str(path)):
            raise OSError(f"{path}: could not be written as an image")

    def _ask_and_save(self, kind: str) -> None:
        from emolab.gui.dialogs import show_problem

        path, _ = QFileDialog.getSaveFileName(self, f"Save as {kind.upper()}",
                                              f"{self.name}.{kind}", f"*.{kind}")  # fmt: skip
        if path:
            try:
                self.save(Path(path))
            except OSError as exc:
                show_problem(self, "Cannot save", str(exc))
