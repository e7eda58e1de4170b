"""A rating the form shows as saved survives the process being killed right after."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from emolab.gui.main_window import MainWindow
    app = QApplication([])
    window = MainWindow(use_audio=False)
    window.show()
    window.open_project(Path(sys.argv[1]), rater="tester")
    window.jobs.cancel("predict")
    window.handle_key(Qt.Key.Key_4, Qt.KeyboardModifier.NoModifier)  # sad
    if "Saved" in window.rating_form.saved.text():
        print("SAVED", window.recording_id, flush=True)
    time.sleep(120)
    """
)


def test_saved_rating_survives_sigkill(gui_copy):
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(gui_copy)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    try:
        line = process.stdout.readline().split()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
    assert line[0] == "SAVED"
    con = sqlite3.connect(gui_copy)
    try:
        row = con.execute(
            "SELECT emotion FROM ratings WHERE recording_id = ?", (int(line[1]),)
        ).fetchone()
        log = con.execute("SELECT COUNT(*) FROM edit_log WHERE new_value = 'sad'").fetchone()
    finally:
        con.close()
    assert row == ("sad",)
    assert log == (1,)
