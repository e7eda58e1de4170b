"""GUI benchmarks, run by ``emolab bench`` in their own process; prints JSON.

- skeleton frame update (25 joints): projecting, setting data and painting one frame;
- main window shown after process start (a child process, interpreter start included);
- a 10,000-recording project opened and listed (table painted);
- seek to a displayed frame (timeline → skeleton + playhead, painted);
- resident memory with the demo project open and a recording playing;
- switching recordings while the audio plays (the real QMediaPlayer), 2,000 times in a
  child process under a watchdog: hangs, worst switch latency (selection → media on
  screen) and the longest GUI-thread stall per switch.
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


SWITCH_SCRIPT = """
import faulthandler, json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtWidgets import QApplication
from emolab.gui.main_window import MainWindow
app = QApplication([])
window = MainWindow()
window.show()
window.open_project(Path(sys.argv[1]), rater="bench")
window.jobs.cancel("predict")
window.wait_for_media()
if window.multimedia is None:
    print(json.dumps({"skipped": window.audio_problem}), flush=True)
    sys.exit(0)
stalls = []
def timed(method):
    def run(*args):
        start = time.perf_counter()
        try:
            return method(*args)
        finally:
            stalls.append(time.perf_counter() - start)
    return run
window.open_recording = timed(window.open_recording)
window._show_media = timed(window._show_media)
window.browser.recording_selected.disconnect()
window.browser.recording_selected.connect(window.open_recording)
rows = [r.recording_id for r in window.browser.model.rows]
delays = (0, 0.001, 0.005, 0.02, 0.06, 0.15)
n = int(sys.argv[2])
latencies = []
for i in range(n):
    faulthandler.dump_traceback_later(float(sys.argv[3]), exit=True)  # per switch
    start = time.perf_counter()
    window.browser.select(rows[(i + 1) % len(rows)])
    window.wait_for_media()
    latencies.append(time.perf_counter() - start)
    window.playback.play()
    end = time.monotonic() + delays[i % len(delays)]
    while True:
        app.processEvents()
        if time.monotonic() >= end:
            break
        time.sleep(0.001)
faulthandler.cancel_dump_traceback_later()
print(json.dumps({
    "switches": n, "hangs": 0,
    "worst_switch_latency_ms": round(max(latencies) * 1000, 1),
    "median_switch_latency_ms": round(statistics.median(latencies) * 1000, 1),
    "worst_gui_stall_per_switch_ms": round(max(stalls) * 1000, 1),
    "median_gui_stall_per_switch_ms": round(statistics.median(stalls) * 1000, 1),
}), flush=True)
window.close()
"""


def _switch_stress(demo: Path, switches: int = 2000, hang_after_s: float = 60.0) -> dict:
    """2,000 recording switches while playing, in a child so a hang is counted."""
    child = subprocess.run(
        [sys.executable, "-c", SWITCH_SCRIPT, str(demo), str(switches), str(hang_after_s)],
        capture_output=True, text=True, timeout=switches * 2 + 120,
    )  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode == 0 and lines:
        return json.loads(lines[-1])
    return {"switches": switches, "hangs": 1, "exit": child.returncode,
            "where": child.stderr.strip().splitlines()[-6:]}  # fmt: skip


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

        results["switching_while_playing"] = _switch_stress(demo)

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
