"""The suggestion panel: the active model's top labels with calibrated probabilities,
how much audio and body contributed, which model said so, and an accept button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emolab.project.models import Suggestion

TOP = 4


class SuggestionPanel(QWidget):
    accept_requested = Signal(str, int)  # label, model id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.model_label = QLabel("")
        self.model_label.setWordWrap(True)
        self.model_label.setStyleSheet("color: #555;")
        layout.addWidget(self.model_label)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #b00020;")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        grid = QGridLayout()
        self.names: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        for i in range(TOP):
            name = QLabel("")
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setFormat("")
            bar.setTextVisible(True)
            grid.addWidget(name, i, 0)
            grid.addWidget(bar, i, 1)
            self.names.append(name)
            self.bars.append(bar)
        layout.addLayout(grid)
        self.contrib = QLabel("")
        layout.addWidget(self.contrib)
        self.contrib_bar = QProgressBar()
        self.contrib_bar.setRange(0, 100)
        self.contrib_bar.setFormat("audio %p%  |  body")
        layout.addWidget(self.contrib_bar)
        self.accept = QPushButton("Accept suggestion")
        self.accept.clicked.connect(self._accept)
        layout.addWidget(self.accept)
        layout.addStretch(1)
        self._current: Suggestion | None = None
        self.show_message("No recording selected")

    def _accept(self) -> None:
        if self._current is not None:
            self.accept_requested.emit(self._current.label, self._current.model_id)

    def _set_rows_visible(self, visible: bool) -> None:
        for widget in (*self.names, *self.bars, self.contrib, self.contrib_bar, self.accept):
            widget.setVisible(visible)

    def show_notice(self, text: str) -> None:
        """A standing notice about the model (e.g. the active one was refused)."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        self._current = None
        self.message.setText(text)
        self._set_rows_visible(False)

    def set_model(self, name: str, card: dict) -> None:
        synthetic = card.get("training", {}).get("synthetic")
        ev = card.get("evaluation") or {}
        score = f" · held-out UAR {ev['uar']:.2f}" if ev else ""
        self.model_label.setText(
            f"Model: {name} ({card.get('fusion')}/{card.get('estimator')}){score}"
            + (" · trained on SYNTHETIC data" if synthetic else "")
        )

    def show_suggestion(self, suggestion: Suggestion) -> None:
        self._current = suggestion
        if suggestion.outside_training:
            self.message.setText(
                "⚠ This recording is unlike the data the model was trained on (its features "
                "lie far from the training recordings'): these probabilities are NOT "
                "calibrated for it. Retrain on this project's "
                "ratings (Model → Train a model) once raters have rated enough recordings."
            )
        elif suggestion.domain is None:
            self.message.setText(
                "Probabilities (calibrated on the model's training data; "
                "this model cannot tell how like that data this recording is):"
            )
        else:
            self.message.setText(
                "Calibrated probabilities (the recording is like the model's training data):"
            )
        self._set_rows_visible(True)
        ranked = sorted(suggestion.probabilities.items(), key=lambda kv: -kv[1])[:TOP]
        for (label, p), name, bar in zip(ranked, self.names, self.bars, strict=False):
            name.setText(label)
            bar.setValue(round(p * 1000))
            bar.setFormat(f"{100 * p:.0f} %")
        if suggestion.contributions:
            audio = suggestion.contributions.get("audio", 0.0)
            self.contrib.setText(f"Evidence for '{suggestion.label}': audio {audio:.0%}, "
                                 f"body {1 - audio:.0%}")  # fmt: skip
            self.contrib_bar.setValue(round(audio * 100))
        else:
            self.contrib.setText("Evidence by modality: not available for this model")
            self.contrib_bar.setVisible(False)
        self.accept.setText(f"Accept '{suggestion.label}' (records model as source)")

    def probabilities_shown(self) -> dict[str, float]:
        """What the bars show (for tests and accessibility)."""
        return {n.text(): b.value() / 1000 for n, b in zip(self.names, self.bars, strict=True)
                if n.isVisibleTo(self) and n.text()}  # fmt: skip
