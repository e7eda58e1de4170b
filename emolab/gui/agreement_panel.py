"""The Agreement panel: how far the raters agree, field by field of the project's rating
form, with 95 % intervals over recordings; each rater's progress and, per field, agreement
with the others (a choice or yes/no: the share agreeing with the others' consensus; a
scale: the mean absolute difference from the others' mean); the validity distribution.
Computed as a job from the project (project.agreement.agreement_report)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from emolab.gui.evaluation_view import _item

#: The raters table's columns before one per judged field of the form.
RATER_HEADERS = ["rater", "rated", "complete", "accepted suggestions"]


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _kind(field) -> str:
    if field.kind == "scale":
        return f"scale {field.low or 1}–{field.high or 5}"
    return "yes/no" if field.type == "yesno" else "choice"


def _against_others(consensus) -> str:
    """A rater's figure for one field (see the module docstring); "—" without one."""
    if consensus is None or not consensus.compared:
        return "—"
    if consensus.kind == "scale":
        return f"±{consensus.mean_abs_difference:.2f} ({consensus.compared})"
    return f"{consensus.share:.0%} of {consensus.compared}"


class AgreementPanel(QWidget):
    """Shows an AgreementReport (``show_report``); *Compute* asks for a fresh one."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = None
        self.summary = QLabel("Agreement is computed on request (Compute).")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.compute = QPushButton("Compute")
        self.compute.clicked.connect(self.refresh_requested)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.compute)
        self.fields = self._table(["field", "statistic", "value", "95 % interval", "recordings"])
        self.raters = self._table([*RATER_HEADERS, "emotion: agrees with the others"])
        self.validity_plot = pg.PlotWidget(title="validity (share choosing the intended)")
        self.validity_plot.setBackground("w")
        self.validity_plot.setMouseEnabled(False, False)
        self.validity_plot.hideButtons()
        self.validity_plot.setMinimumHeight(140)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.fields, 3)
        layout.addWidget(self.raters, 2)
        layout.addWidget(self.validity_plot, 2)

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def busy(self) -> None:
        self.compute.setEnabled(False)
        self.summary.setText("Computing agreement …")

    def show_problem(self, text: str) -> None:
        self.compute.setEnabled(True)
        self.summary.setText(text)

    def show_report(self, report) -> None:
        """``report``: project.agreement.AgreementReport."""
        self.report = report
        self.compute.setEnabled(True)
        self.summary.setText(
            report.problem or f"{report.active_raters} raters, {report.recordings} "
            f"recordings; intervals from {report.resamples} bootstrap resamples of recordings "
            f"(seed {report.seed}). Accepted model suggestions are not counted."
        )  # fmt: skip
        rows = [(f, e) for f in report.fields for e in f.estimates]
        self.fields.setRowCount(len(rows))
        for r, (field, e) in enumerate(rows):
            interval = "" if e.low is None else f"[{e.low:.3f}, {e.high:.3f}]"
            values = (field.field, e.label, _number(e.value), interval or e.note,
                      str(e.recordings))  # fmt: skip
            for c, text in enumerate(values):
                item = _item(text)
                if c == 0:
                    item.setToolTip(f"{field.title or field.field} ({_kind(field)})")
                self.fields.setItem(r, c, item)
        self._show_raters(report)
        v = report.validity
        plot = self.validity_plot
        plot.clear()
        said = ("share choosing the intended" if v.basis == "emotion"
                else f"share answering yes to '{v.basis}'")  # fmt: skip
        plot.setTitle(f"validity ({said})")
        if v.recordings:
            edges = np.asarray(v.edges, dtype=float)
            plot.addItem(pg.BarGraphItem(x=(edges[:-1] + edges[1:]) / 2, height=v.counts,
                                         width=0.09, brush=(40, 90, 170)))  # fmt: skip
            plot.setTitle(f"validity ({said}): mean {_number(v.mean, 2)}, median "
                          f"{_number(v.median, 2)}, {v.recordings} recordings")  # fmt: skip

    def _show_raters(self, report) -> None:
        """A row per rater: progress, then a column per judged field of the form."""
        keys = [f.field for f in report.fields]
        kinds = {f.field: f.kind for f in report.fields}
        headers = RATER_HEADERS + [
            f"{k}: ± the others' mean" if kinds[k] == "scale" else f"{k}: agrees with the others"
            for k in keys
        ]  # fmt: skip
        self.raters.setColumnCount(len(headers))
        self.raters.setHorizontalHeaderLabels(headers)
        self.raters.setRowCount(len(report.raters))
        for r, p in enumerate(report.raters):
            values = (p.rater, f"{p.rated} / {p.total}", str(p.complete),
                      str(p.accepted_suggestions),
                      *(_against_others(p.field(k)) for k in keys))  # fmt: skip
            for c, text in enumerate(values):
                self.raters.setItem(r, c, _item(text))


class AgreementDock:
    """The window's Agreement panel and the job that computes its report."""

    def __init__(self, window):
        self.window = window
        self.panel = AgreementPanel()
        self.panel.refresh_requested.connect(self.compute)
        window.jobs.finished.connect(self._finished)
        window.jobs.failed.connect(lambda kind, message: kind == "agreement"
                                   and self.panel.show_problem(message))  # fmt: skip

    def compute(self) -> None:
        """Agreement of the open project, computed by a job (its own connection)."""
        if self.window.session is None:
            return
        from emolab.project.agreement import agreement_report
        from emolab.project.store import Project

        path = self.window.session.project.path

        def job(_token):
            yield from ()
            with Project.open(path) as project:
                return agreement_report(project)

        self.panel.busy()
        self.window.jobs.start("agreement", job)

    def _finished(self, kind: str, report) -> None:
        if kind == "agreement":
            self.panel.show_report(report)
