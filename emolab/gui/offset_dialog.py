"""Audio↔motion offset estimates on screen: the open recording's (one estimate, applied
with Enter) and a folder's after an import (a table, the confident ones applied with one
button). Both apply through the session, as one undo step each; the estimating is in
:mod:`emolab.project.offsets`."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SIGN = "motion time = audio time + offset"


def estimate_text(estimate, current: float) -> str:
    """What the single-recording dialog says about an estimate (plain text)."""
    if not estimate.usable:
        return f"No usable estimate: {estimate.reason}.\n\nThe offset stays {current:+.3f} s."
    if estimate.method == "clap":
        clap = estimate.clap
        source = (f"a clap heard at {clap.audio_time:.3f} s of audio and seen at "
                  f"{clap.motion_time:.3f} s of movement")  # fmt: skip
    else:
        source = ("speech and movement energy (on speech this is coarse, a tenth of a "
                  "second or more: check it on the skeleton)")  # fmt: skip
    return (f"Estimated motion offset: {estimate.offset:+.3f} s (now {current:+.3f} s)\n"
            f"Confidence {estimate.confidence:.2f}, from {source}.\n\n"
            f"({SIGN}.) Enter applies it; Undo takes it back.")  # fmt: skip


class OffsetDialog(QDialog):
    """One recording's estimate: Apply (the default button, Enter) or Cancel; only Close
    when there is no usable estimate. Not modal: the player stays usable."""

    def __init__(self, estimate, current: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Audio–motion offset")
        self.estimate = estimate
        self.text = QLabel(estimate_text(estimate, current))
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        if estimate.usable:
            self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, parent=self)
            self.apply_button = self.buttons.addButton(
                "Apply", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.apply_button.setDefault(True)
            self.apply_button.setFocus()
        else:
            self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
            self.apply_button = None
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, 160)


class OffsetsDialog(QDialog):
    """A folder's estimates after an import, and a button applying the confident ones
    whose offset was never set (one undo step)."""

    COLUMNS = ("Recording", "Now (s)", "Estimate (s)", "Confidence", "From / why not")

    def __init__(self, rows, min_confidence: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Audio–motion offsets of the imported recordings")
        self.rows = rows
        self.chosen = [row for row in rows if row.to_apply(min_confidence)]
        self.table = QTableWidget(len(rows), len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            e = row.estimate
            cells = (
                row.key,
                f"{row.stored:+.3f}",
                "" if e.offset is None else f"{e.offset:+.3f}",
                f"{e.confidence:.2f}" if e.usable else "",
                {"clap": "clap", "envelope": "speech and movement energy"}.get(e.method)
                or e.reason,
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        usable = sum(row.estimate.usable for row in rows)
        self.summary = QLabel(
            f"{usable} of {len(rows)} recordings have a usable estimate ({SIGN}); "
            f"{len(self.chosen)} are at least {min_confidence:g} confident and have no offset "
            "yet. Others can be estimated one at a time in the player (O)."
        )
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.apply_button: QPushButton = self.buttons.addButton(
            f"Apply {len(self.chosen)}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(bool(self.chosen))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(820, 420)


class OffsetEstimates:
    """The window's offset commands (the action table names ``offsets.estimate``)."""

    def __init__(self, window):
        self.window = window
        self.dialog: OffsetDialog | None = None
        self.folder_dialog: OffsetsDialog | None = None

    def estimate(self) -> None:
        """Estimate the open recording's offset (the dialog opens when it arrives)."""
        session = self.window.session
        if session is not None and session.recording is not None:
            self.close()
            session.estimate_offset()

    def show_estimate(self) -> None:
        """The session's estimate of the open recording arrived (or is being computed)."""
        session = self.window.session
        if session.offset_estimating:
            self.window.status.say("Estimating the audio–motion offset …", 10)
            return
        found = session.offset_estimate
        if found is None or found.recording_id != session.recording_id:
            return
        self.close()
        dialog = self.dialog = OffsetDialog(found.estimate, session.timing.offset, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._apply)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.show()
        self.window.status.say(found.estimate.describe(), 15)

    def _apply(self) -> None:
        session = self.window.session
        if session is None:
            return
        found = session.offset_estimate
        if found is None or found.recording_id != session.recording_id:
            self.window.status.say("Not applied: the estimate is of another recording", 10)
            return
        session.apply_offset_estimate()  # on a read-only project the session says why not

    def _forget(self, dialog: OffsetDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def close(self) -> None:
        """Close the open recording's estimate (another recording opened, or a new one)."""
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.close()

    def close_all(self) -> None:
        """Close every offset dialog (the project closes)."""
        self.close()
        if self.folder_dialog is not None:
            dialog, self.folder_dialog = self.folder_dialog, None
            dialog.close()

    # ---- a folder, after an import ---------------------------------------------------------
    def estimate_folder(self, folder) -> None:
        """Estimate the offsets of the recordings below ``folder`` in a worker ('offsets')."""
        from emolab.project.offsets import estimate_offsets, paired_recordings
        from emolab.project.store import Project

        session = self.window.session
        if session is None:
            return
        path = session.project.path

        def job(token):
            with Project.open(path) as project:
                ids = paired_recordings(project, folder)
                return (yield from estimate_offsets(project, ids, cancel=token))

        self.window.jobs.start("offsets", job)

    def show_folder(self, rows) -> OffsetsDialog:
        """A folder's estimates arrived: the table, and applying the confident ones."""
        from emolab.project.offsets import APPLY_MIN_CONFIDENCE

        if self.folder_dialog is not None:
            self.folder_dialog.close()
        dialog = self.folder_dialog = OffsetsDialog(rows, APPLY_MIN_CONFIDENCE, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply_folder(dialog.chosen))
        dialog.finished.connect(lambda _result: self._forget_folder(dialog))
        dialog.show()
        return dialog

    def _forget_folder(self, dialog: OffsetsDialog) -> None:
        if self.folder_dialog is dialog:
            self.folder_dialog = None

    def _apply_folder(self, chosen) -> None:
        session = self.window.session
        if session is not None:
            session.change_offsets((row.recording_id, float(row.estimate.offset))
                                   for row in chosen)  # fmt: skip
