"""GUI benchmarks, run by ``emolab bench`` in their own process; prints JSON.

- skeleton frame update (25 joints): projecting, setting data and painting one frame;
- main window shown after process start (a child process, interpreter start included);
- a 10,000-recording project opened and listed (table painted);
- seek to a displayed frame (timeline → skeleton + playhead, painted);
- resident memory with the demo project open and a recording playing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHOW_SCRIPT = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtWidgets import QApplication
from emolab.gui.main_window import MainWindow
app = QApplication([])
window = MainWindow(use_audio=False)
window.show()
window.open_project(Path(sys.argv[1]), rater="bench")
window.jobs.cancel("predict")
app.processEvents()
print("SHOWN", flush=True)
window.close()
"""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _ten_thousand(path: Path) -> None:
    from emolab.project.store import Project

    with Project.create(path) as project, project.transaction():
        for p in range(1, 100):
            pid = project.ensure_participant(f"{p:02d}", "English as first language")
            for i in range(102):  # 99 × 102 = 10,098 recordings
                rid, _ = project.ensure_recording(
                    f"{i:03d}-{p:02d}", "bench", pid,
                    {"emotion": "neutral", "intensity": "normal"}, {"i": str(i)},
                )  # fmt: skip
                project.upsert_media(rid, "audio", {
                    "path": f"audio/{i}-{p}.wav", "format": "wav", "duration": 3.0,
                    "rate": 16000.0, "frames": 48000, "channels": 1, "missing_fraction": 0.0,
                    "size": 96000, "sha256": f"{p:02d}{i:062d}", "mtime": 0.0,
                })  # fmt: skip


def run() -> dict:
    from PySide6.QtWidgets import QApplication

    from emolab.core.progress import run_to_end
    from emolab.core.timebase import ElapsedClock, ManualClock
    from emolab.gui.main_window import MainWindow
    from emolab.gui.widgets.browser import RecordingBrowser
    from emolab.project.browse import browser_rows
    from emolab.project.demo import build_demo_project
    from emolab.project.store import Project

    app = QApplication.instance() or QApplication([])
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = run_to_end(build_demo_project(Path(tmp) / "demo", participants=2, seed=0))

        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", SHOW_SCRIPT, str(demo)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        if child.stdout.readline().startswith("SHOWN"):
            results["main_window_shown_s"] = round(time.perf_counter() - start, 3)
        child.wait()
        child.stdout.close()

        clock = ManualClock()
        window = MainWindow(clock_factory=lambda _p: clock, use_audio=False)
        window.resize(1400, 860)
        window.show()
        window.open_project(demo, rater="bench")
        window.wait_for_media()
        window.jobs.shutdown()  # no background thread competing for the interpreter
        app.processEvents()
        view, motion = window.skeleton, window.motion
        start = time.perf_counter()
        n = 0
        for _ in range(3):
            for frame in range(motion.n_frames):
                view.frame = frame
                view.redraw()
                view.plot.viewport().repaint()
                n += 1
        results["skeleton_frame_update_ms"] = round((time.perf_counter() - start) / n * 1000, 2)
        results["skeleton_joints"] = motion.n_joints

        times = []
        for target in (0.3, 1.7, 0.9, 2.2, 0.1, 1.3, 2.0, 0.6):
            start = time.perf_counter()
            window.playback.seek(target)
            view.plot.viewport().repaint()
            window.waveform.repaint()
            times.append(time.perf_counter() - start)
        results["seek_to_displayed_frame_ms"] = round(max(times) * 1000, 1)

        window.playback.set_clock(ElapsedClock())
        window.playback.play()
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)
        results["rss_mb_demo_open_playing"] = _rss_mb()
        window.close()

        big = Path(tmp) / "big.emolab"
        _ten_thousand(big)
        browser = RecordingBrowser()
        browser.resize(900, 700)
        browser.show()
        start = time.perf_counter()
        with Project.open(big) as project:
            browser.set_rows(browser_rows(project, None, None))
        app.processEvents()
        browser.table.viewport().repaint()
        results["open_and_list_10000_s"] = round(time.perf_counter() - start, 3)
        results["listed_rows"] = browser.model.rowCount()
        start = time.perf_counter()
        browser.table.scrollToBottom()
        browser.table.viewport().repaint()
        results["scroll_to_end_ms"] = round((time.perf_counter() - start) * 1000, 1)
        browser.close()
    return results


if __name__ == "__main__":
    print(json.dumps(run()))
