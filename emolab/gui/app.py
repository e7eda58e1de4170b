"""Start the desktop app."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def run_app(project: Path | None = None, argv: list[str] | None = None,
            smoke_test: bool = False) -> int:  # fmt: skip
    """Create the QApplication, show the main window, and run the event loop.

    Without a project: the most recent one that still exists, else the demo project
    (generated on first launch into the per-user data folder). ``smoke_test``: settle,
    report and quit (:mod:`emolab.gui.smoke`)."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from emolab.gui import settings
    from emolab.gui.main_window import MainWindow
    from emolab.resources import resource_path

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("emolab")
    app.setOrganizationName("emolab")
    # the desktop entry names this file for Wayland compositors, which match windows to it
    app.setDesktopFileName("emolab")
    app.setWindowIcon(QIcon(str(resource_path("icons", "emolab.svg"))))
    if smoke_test:
        return _smoke_test(app, project)
    window = MainWindow()
    window.show()
    if project is not None:
        window.open_project(Path(project))
    else:
        recent = [Path(p) for p in settings.value("recent_projects") if Path(p).is_file()]
        if recent:
            window.open_project(recent[0])
        else:
            window.files.open_demo()
    return _exec(app, window)


def _smoke_test(app, project: Path | None) -> int:
    """The main window on ``project`` (else the demo) with settings in a folder of its own."""
    import tempfile

    from PySide6.QtCore import QEventLoop, QTimer

    from emolab.gui import settings
    from emolab.gui.main_window import MainWindow
    from emolab.gui.smoke import RATER, SmokeTest

    with tempfile.TemporaryDirectory(prefix="emolab-smoke-") as folder:
        settings.folder_override = Path(folder)
        try:
            settings.set_value("rater", RATER)  # no "Who is rating?" question
            window = MainWindow()
            window.show()
            # a loop of its own, not app.exec(): QApplication.exit() would leave a process
            # that goes on (the tests) unable to run any event loop again
            loop = QEventLoop()
            SmokeTest(window).finished.connect(loop.exit)
            # opened from the loop, so a dialog it raises (a broken project) runs inside it
            if project is not None:
                QTimer.singleShot(0, lambda: window.open_project(Path(project)))
            else:
                QTimer.singleShot(0, window.files.open_demo)
            return loop.exec()
        finally:
            settings.folder_override = None


def _exec(app, window) -> int:
    """Run the event loop until the window closes (tests replace this)."""
    return app.exec()
