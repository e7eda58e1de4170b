"""The child-process scripts of the GUI benchmark (emolab.gui.bench).

Each runs in a fresh interpreter so its start-up, resident memory and any hang are its own;
they print one JSON line (or READY/SHOWN markers) for the parent to read."""

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
window.session.media_arrived = timed(window.session.media_arrived)
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
    "p95_gui_stall_per_switch_ms": round(statistics.quantiles(stalls, n=20)[-1] * 1000, 1),
    "gui_stalls_over_50_ms": sum(s > 0.05 for s in stalls),
}), flush=True)
window.close()
"""


LONG_PAIR_SCRIPT = """
import json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtWidgets import QApplication
from emolab.gui.main_window import MainWindow
from emolab.benchmarks import resident_memory_mb as status  # None where no /proc
app = QApplication([])
window = MainWindow(use_audio=False)
window.resize(1400, 860)
window.show()
# suggestions would extract features of the whole hour in the background: measured apart
window.start_prediction = lambda: None
window.open_project(Path(sys.argv[1]), rater="bench")
window.wait_for_media(120)
rows = {r.repetition: r.recording_id for r in window.browser.model.rows}
if window.recording_id == rows["first"]:  # start from the short recording
    window.browser.select(rows["second"])
    window.wait_for_media(120)
app.processEvents()
start = time.perf_counter()
window.browser.select(rows["first"])
playable = None
while not window.media_ready and time.perf_counter() - start < 120:
    app.processEvents()
    if playable is None and window.playback.ready:
        playable = time.perf_counter() - start  # the audio is there: it plays
    time.sleep(0.002)
ready = window.media_ready
opened = time.perf_counter() - start
app.processEvents()
duration = window.timeline.duration
times = []
for share in (0.5, 0.1, 0.9, 0.33, 0.331, 0.75, 0.02, 0.6, 0.999, 0.25):
    start = time.perf_counter()
    window.playback.seek(share * duration)
    window.waveform._layout.viewport().repaint()
    window.skeleton.plot.viewport().repaint()
    times.append(time.perf_counter() - start)
result = {
    "long_pair_60min_playable_s": None if playable is None else round(playable, 2),
    "long_pair_60min_open_s": round(opened, 2) if ready else None,
    "long_pair_60min_duration_s": round(duration, 1),
    "long_pair_60min_seek_ms": round(max(times) * 1000, 1),
    "long_pair_60min_median_seek_ms": round(statistics.median(times) * 1000, 1),
    "long_pair_60min_rss_mb": status("VmRSS"),
    "long_pair_60min_peak_rss_mb": status("VmHWM"),
}
window.jobs.shutdown()
window.close()
from emolab.io.audio import read_audio
from emolab.io.motion import read_motion
for name, read, path in (("audio", read_audio, sys.argv[2]), ("motion", read_motion, sys.argv[3])):
    start = time.perf_counter()
    read(path)
    result[f"long_pair_60min_{name}_read_s"] = round(time.perf_counter() - start, 2)
print(json.dumps(result), flush=True)
"""


SUGGEST_SCRIPT = """
import json, sys, time
from emolab.benchmarks import peak_memory_mb
from emolab.core.progress import run_to_end
from emolab.project.models import predict_missing
from emolab.project.store import Project
start = time.perf_counter()
with Project.open(sys.argv[1]) as project:
    report = run_to_end(predict_missing(project))
print(json.dumps({
    "long_pair_60min_suggestion_s": round(time.perf_counter() - start, 1),
    "long_pair_60min_suggestion_peak_rss_mb": peak_memory_mb(),
    "long_pair_60min_suggestions_added": report.added,
}), flush=True)
"""


#: A 5 ms GUI-thread heartbeat: ``gaps`` holds the seconds between beats once ``heart``
#: is started (and ``last[0]`` set to the start), so the longest gap is the longest stall.
HEARTBEAT = """
gaps, last = [], [time.perf_counter()]
def beat():
    now = time.perf_counter()
    gaps.append(now - last[0])
    last[0] = now
heart = QTimer()
heart.setInterval(5)
heart.timeout.connect(beat)
"""


BIG_SCRIPT = (
    """
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication
from emolab.gui.main_window import MainWindow
app = QApplication([])
window = MainWindow(use_audio=False, predict_delay_ms=10**9)  # the list alone is measured
window.resize(1400, 860)
window.show()
app.processEvents()
"""
    + HEARTBEAT
    + """heart.start()
last[0] = start = time.perf_counter()
window.open_project(Path(sys.argv[1]), rater="bench")
app.processEvents()
window.browser.table.viewport().repaint()
usable = time.perf_counter() - start
loop = QEventLoop()
poll = QTimer()
poll.setInterval(10)
poll.timeout.connect(lambda: window.rows_ready and loop.quit())
poll.start()
loop.exec()
window.browser.table.viewport().repaint()
listed = time.perf_counter() - start
t = time.perf_counter()
window.browser.table.scrollToBottom()
window.browser.table.viewport().repaint()
scroll = time.perf_counter() - t
t = time.perf_counter()
window.browser.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
window.browser.table.viewport().repaint()
sort = time.perf_counter() - t
t = time.perf_counter()
window.browser.search.setText("happy 01")
window.browser.table.viewport().repaint()
text = time.perf_counter() - t
heart.stop()
print(json.dumps({
    "rows": len(window.browser.model.rows),
    "usable_s": round(usable, 3), "listed_s": round(listed, 3),
    "worst_gui_stall_ms": round(max(gaps) * 1000, 1),
    "scroll_to_end_ms": round(scroll * 1000, 1), "sort_ms": round(sort * 1000, 1),
    "text_filter_ms": round(text * 1000, 1),
}), flush=True)
window.jobs.shutdown()
window.close()
"""
)


TRAIN_SCRIPT = (
    """
import json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from emolab.gui.main_window import MainWindow
app = QApplication([])
window = MainWindow(use_audio=False, predict_delay_ms=10**9)
window.show()
window.open_project(Path(sys.argv[1]), rater="bench")
window.wait_for_media()
dialog = window.models.train()
dialog.fusion.setCurrentText(sys.argv[2])
app.processEvents()
"""
    + HEARTBEAT
    + """last[0] = start = time.perf_counter()
heart.start()
dialog.start()
loop = QEventLoop()
poll = QTimer()
poll.setInterval(10)
poll.timeout.connect(lambda: (dialog.report is not None or not dialog.cancel_button.isEnabled())
                     and loop.quit())
poll.start()
loop.exec()
heart.stop()
print(json.dumps({
    "fusion": sys.argv[2], "trained": dialog.report is not None,
    "seconds": round(time.perf_counter() - start, 1),
    "worst_gui_stall_ms": round(max(gaps) * 1000, 1),
    "p99_gui_stall_ms": round(statistics.quantiles(gaps, n=100)[-1] * 1000, 1),
    "stalls_over_50_ms": sum(g > 0.05 for g in gaps),
}), flush=True)
window.jobs.shutdown()
dialog.close()
window.close()
"""
)
