"""``emolab gui --smoke-test [PROJECT]`` (hidden): open the main window on a project (or the
demo), wait until it has settled, play one second, say what worked, and quit.

The standalone build is checked with it (``packaging/build.py --check``): a settled window
proves that Qt's platform and image plugins, the bundled resources and model, the feature
pipeline (librosa, numba, scikit-learn) and QtMultimedia load from the bundle. Settings go
to a temporary folder, so the user's recent projects, rater and layout stay as they were;
the project gains the rater ``smoke-test`` (no rating).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

#: Seconds the window may take to list the recordings, show one and add suggestions (the
#: demo is built first when it is missing: about 25 s).
SETTLE_TIMEOUT_S = 300.0
#: Seconds of playback, long enough for the media backend to report a position.
PLAY_S = 1.0
RATER = "smoke-test"


class SmokeTest(QObject):
    """Polls the window until it has settled (or failed), then closes it and says
    ``finished(0)`` (settled) or ``finished(1)``."""

    finished = Signal(int)

    def __init__(self, window, timeout_s: float = SETTLE_TIMEOUT_S):
        super().__init__(window)
        self.window = window
        self.started = time.monotonic()
        self.deadline = self.started + timeout_s
        self.failures: list[str] = []
        self.played_at: float | None = None
        self.exit_code: int | None = None  # set when finished
        window.jobs.failed.connect(lambda kind, message: self.failures.append(f"{kind}: {message}"))
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def settled(self) -> bool:
        w = self.window
        return w.session is not None and w.rows_ready and w.media_ready and w.predictions_ready

    def poll(self) -> None:
        from PySide6.QtWidgets import QApplication

        w = self.window
        if (dialog := QApplication.activeModalWidget()) is not None:  # e.g. "Cannot open"
            text = dialog.text() if hasattr(dialog, "text") else ""
            self.failures.append(f"a dialog asked: {dialog.windowTitle()}: {text}")
            dialog.done(1) if hasattr(dialog, "done") else dialog.close()  # ends its exec()
        if self.failures or time.monotonic() > self.deadline:
            self.finish()
        elif self.played_at is None and self.settled():
            self.played_at = time.monotonic()
            w.playback.play()
        elif self.played_at is not None and time.monotonic() - self.played_at >= PLAY_S:
            self.finish()

    def finish(self) -> None:
        self.timer.stop()
        w = self.window
        lines = [f"window: settled after {time.monotonic() - self.started:.1f} s"]
        if w.session is not None:
            lines.append(f"project: {w.session.project.path}")
            lines.append(f"recordings listed: {w.browser.model.rowCount()}")
        lines.append(f"recording on screen: {'yes' if w.media_ready else 'no'}")
        lines.append(f"suggestions: {'added' if w.predictions_ready else 'not ready'}")
        lines.append(f"audio: {w.status.audio_label.text() or w.audio_problem}")
        clock = w.player.media_clock
        if clock is not None and self.played_at is not None:
            position_ms, error = clock.backend_report()
            lines.append(f"media backend: position {position_ms} ms after {PLAY_S:.0f} s"
                         + (f", error: {error}" if error else ""))  # fmt: skip
        w.playback.pause()
        ok = self.played_at is not None and not self.failures
        lines += [f"failed: {f}" for f in self.failures]
        if not ok and not self.failures:
            lines.append(f"failed: not settled within {self.deadline - self.started:.0f} s")
        lines.append("smoke test: " + ("passed" if ok else "FAILED"))
        print("\n".join(lines), flush=True)  # print skips a missing stdout (windowed)
        self.exit_code = 0 if ok else 1
        w.close()
        self.finished.emit(self.exit_code)
