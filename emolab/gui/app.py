"""Start the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path


def run_app(project: Path | None = None, argv: list[str] | None = None) -> int:
    """Create the QApplication, show the main window, and run the event loop."""
    from PySide6.QtWidgets import QApplication

    from emolab.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("emolab")
    app.setOrganizationName("emolab")
    window = MainWindow()
    if project is not None:
        window.open_project(Path(project))
    window.show()
    return app.exec()
