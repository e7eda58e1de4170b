"""Start the desktop app."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def run_app(project: Path | None = None, argv: list[str] | None = None) -> int:
    """Create the QApplication, show the main window, and run the event loop.

    Without a project: the most recent one that still exists, else the demo project
    (generated on first launch into the per-user data folder)."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from emolab.gui import settings
    from emolab.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("emolab")
    app.setOrganizationName("emolab")
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


def _exec(app, window) -> int:
    """Run the event loop until the window closes (tests replace this)."""
    return app.exec()
