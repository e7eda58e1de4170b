"""Every rating the window shows as saved survives the app being killed, even when other
processes open and close the project meanwhile (PLATFORM.md: a plain open/close of the
database file in the app's own process would drop its locks and let another process delete
the live WAL)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

APP = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from emolab.gui.main_window import MainWindow
    app = QApplication([])
    window = MainWindow(use_audio=False, predict_delay_ms=0)
    window.show()
    window.open_project(Path(sys.argv[1]), rater="tester")
    # the suggestion job opens the project in its own thread
    deadline = time.monotonic() + float(sys.argv[2])
    while not (window.predictions_ready and window.rows_ready) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if not (window.predictions_ready and window.rows_ready):
        print("NOT READY: suggestions", window.predictions_ready, "rows", window.rows_ready,
              flush=True)
        sys.exit(1)
    print("READY", flush=True)
    rows = [r.recording_id for r in window.browser.model.rows]
    emotions = ["sad", "happy", "angry", "calm", "fearful"]
    for line in sys.stdin:
        start = int(line)
        for i in range(5):
            rid = rows[start + i]
            window.browser.select(rid)
            key = Qt.Key.Key_1 + window.emotions.index(emotions[i])
            window.handle_key(key, Qt.KeyboardModifier.NoModifier)
            app.processEvents()
            if window.rating_form.saved.text().startswith("Saved"):
                print("SAVED", rid, emotions[i], flush=True)
        print("BATCH", flush=True)
    """
)

#: Seconds the app may take to list rows and finish its suggestion job (about 3 s here): a
#: broken start fails the test after this, not after the per-test timeout.
READY_WITHIN_S = 30

OUTSIDE = "from emolab.project.store import Project; import sys; Project.open(sys.argv[1]).close()"


def _outside_open_close(path):
    """Another process opens and closes the project, as `emolab info` or a backup would."""
    subprocess.run([sys.executable, "-c", OUTSIDE, str(path)], check=True, timeout=60)
    con = sqlite3.connect(path)  # and a plain SQLite client too
    con.execute("SELECT COUNT(*) FROM ratings").fetchone()
    con.close()


def test_saved_ratings_survive_sigkill_with_other_processes_opening_the_project(gui_copy):
    """A small kill -9 soak: 2 rounds × 2 batches of 5 ratings, an outside open/close before
    and between batches, then SIGKILL; every acknowledged rating must be on disk."""
    acknowledged = {}
    for round_ in range(2):
        process = subprocess.Popen(
            [sys.executable, "-c", APP, str(gui_copy), str(READY_WITHIN_S)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
        try:
            assert process.stdout.readline().strip() == "READY"
            for batch in range(2):
                _outside_open_close(gui_copy)
                process.stdin.write(f"{(round_ * 2 + batch) * 5}\n")
                process.stdin.flush()
                while (line := process.stdout.readline().split()) and line[0] == "SAVED":
                    acknowledged[int(line[1])] = line[2]
                assert line == ["BATCH"]
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            process.stdout.close()
            process.stdin.close()
    assert len(acknowledged) == 20
    con = sqlite3.connect(gui_copy)
    try:
        on_disk = dict(
            con.execute(
                "SELECT r.recording_id, r.emotion FROM ratings r JOIN raters t "
                "ON t.id = r.rater_id WHERE t.name = 'tester'"
            ).fetchall()
        )
        logged = con.execute("SELECT COUNT(*) FROM edit_log WHERE field = 'emotion'").fetchone()
    finally:
        con.close()
    assert {rid: on_disk.get(rid) for rid in acknowledged} == acknowledged
    assert logged == (20,)
