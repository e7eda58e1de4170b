"""GUI benchmarks, run by ``emolab bench`` in their own process; prints JSON.

- skeleton frame update (25 joints): projecting, setting data and painting one frame;
- main window shown after process start (a child process, interpreter start included);
- 10,000- and 100,000-recording projects opened in a window (child process): time to a
  usable list, to the whole list, the GUI thread's longest stall, scroll, sort, filter;
- seek to a displayed frame (timeline → skeleton + playhead, painted);
- resident memory with the demo project open and a recording playing;
- switching recordings while the audio plays (the real QMediaPlayer), 2,000 times in a
  child process under a watchdog: hangs, worst switch latency (selection → media on
  screen) and the longest GUI-thread stall per switch;
- a 60-minute pair (16 kHz mono WAV + 30-fps 25-joint CSV movement) opened in a child
  process (so resident memory is its own): selection → media on screen, worst seek
  (painted), resident memory after opening and its peak, and, for attribution, how long
  the audio and the movement readers take alone on the same files;
- training from the train dialog (early fusion, a job): seconds, and the GUI thread's
  longest stall meanwhile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emolab.benchmarks import resident_memory_mb
from emolab.gui.bench_scripts import (
    BIG_SCRIPT,
    LONG_PAIR_SCRIPT,
    SHOW_SCRIPT,
    SUGGEST_SCRIPT,
    SWITCH_SCRIPT,
    TRAIN_SCRIPT,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _write_long_pair(folder: Path, repetition: str, seconds: float) -> tuple[Path, Path]:
    """A SYNTHETIC multimodal14 pair of ``seconds``: speech-like bursts of a gliding tone
    in noise (16 kHz mono WAV, written a minute at a time) and a demo figure's movement
    repeated at 30 fps (CSV)."""
    import numpy as np
    import soundfile as sf

    from emolab.demo.corpus import conditions, generate_recording, make_participant

    sr, fps = 16_000, 30
    rng = np.random.default_rng(0)
    t = np.arange(60 * sr, dtype=np.float32) / sr
    bursts = (np.sin(2 * np.pi * 0.4 * t) > 0).astype(np.float32)
    voice = 0.4 * bursts * np.sin(2 * np.pi * (150 + 30 * np.sin(t)) * t)
    wav = folder / f"02-03-01-01-{repetition}-01-01.wav"
    with sf.SoundFile(wav, "w", sr, 1, subtype="PCM_16") as fh:
        left = int(seconds * sr)
        while left > 0:
            noise = rng.standard_normal(len(voice), dtype=np.float32)
            fh.write((voice + 0.02 * noise)[:left])
            left -= len(voice)
    _, motion = generate_recording(make_participant(1, 0), conditions(1)[0], 0)
    frames = int(seconds * fps)
    positions = np.resize(motion.positions, (frames, *motion.positions.shape[1:]))
    csv = folder / f"01-03-01-01-{repetition}-01-01.csv"
    with csv.open("w") as fh:
        fh.write(f"# emolab-motion v1 skeleton={motion.skeleton.name} units=m up=y fps={fps}\n")
        fh.write("# parents=" + ",".join(str(p) for p in motion.parents) + "\n")
        fh.write(",".join(["time"] + [f"{j}_{a}" for j in motion.joint_names for a in "xyz"]))
        fh.write("\n")
        table = np.column_stack([np.arange(frames) / fps, positions.reshape(frames, -1)])
        np.savetxt(fh, table, fmt=["%.6f"] + ["%.4f"] * (table.shape[1] - 1), delimiter=",")
    return wav, csv


def _long_pair(tmp: Path, minutes: float = 60.0) -> dict:
    """Open a ``minutes`` recording pair in a fresh child process; see LONG_PAIR_SCRIPT."""
    from emolab.core.progress import run_to_end
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    folder = tmp / "long"
    folder.mkdir()
    wav, csv = _write_long_pair(folder, "01", minutes * 60)
    _write_long_pair(folder, "02", 3.0)
    path = tmp / "long.emolab"
    with Project.create(path) as project:
        run_to_end(import_folder(project, folder, "multimodal14"))
    child = subprocess.run(
        [sys.executable, "-c", LONG_PAIR_SCRIPT, str(path), str(wav), str(csv)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode == 0 and lines:
        return {**json.loads(lines[-1]), **_long_pair_suggestion(path)}
    return {"long_pair_60min_failed": child.stderr.strip().splitlines()[-6:]}


def _long_pair_suggestion(path: Path) -> dict:
    """Features and suggestion of the long pair from scratch, in a fresh process: time and
    peak resident memory (what the window's suggestion job costs for such a recording)."""
    child = subprocess.run([sys.executable, "-c", SUGGEST_SCRIPT, str(path)],
                           capture_output=True, text=True, timeout=900)  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode == 0 and lines:
        return json.loads(lines[-1])
    return {"long_pair_60min_suggestion_failed": child.stderr.strip().splitlines()[-3:]}


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


def _train_in_window(demo: Path, fusion: str = "early") -> dict:
    """Training from the train dialog (a job) while the GUI thread's heartbeat is timed."""
    child = subprocess.run([sys.executable, "-c", TRAIN_SCRIPT, str(demo), fusion],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode == 0 and lines:
        return json.loads(lines[-1])
    return {"error": child.stderr.strip().splitlines()[-3:]}


def _big_project(path: Path, participants: int) -> None:
    """A project of ``participants`` × 102 recordings (99 → 10,098; 980 → 99,960)."""
    from emolab.project.store import Project

    emotions = ("neutral", "happy", "sad", "angry")
    with Project.create(path) as project, project.transaction():
        for p in range(1, participants + 1):
            pid = project.ensure_participant(f"{p:03d}", "English as first language")
            for i in range(102):
                rid, _ = project.ensure_recording(
                    f"{i:03d}-{p:03d}", "bench", pid,
                    {"emotion": emotions[i % 4], "intensity": "normal"}, {"i": str(i)},
                )  # fmt: skip
                project.upsert_media(rid, "audio", {
                    "path": f"audio/{i}-{p}.wav", "format": "wav", "duration": 3.0,
                    "rate": 16000.0, "frames": 48000, "channels": 1, "missing_fraction": 0.0,
                    "size": 96000, "sha256": f"{p:03d}{i:061d}", "mtime": 0.0,
                })  # fmt: skip


def _open_big(tmp: Path, participants: int) -> dict:
    """Open a big project in a fresh window (child process): time to a usable list, to
    the whole list, the GUI thread's longest stall meanwhile, scroll, sort and filter."""
    path = tmp / f"big-{participants}.emolab"
    _big_project(path, participants)
    child = subprocess.run([sys.executable, "-c", BIG_SCRIPT, str(path)],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": (child.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def run() -> dict:
    from PySide6.QtWidgets import QApplication

    from emolab.core.progress import run_to_end
    from emolab.core.timebase import ElapsedClock, ManualClock
    from emolab.gui.main_window import MainWindow
    from emolab.project.demo import build_demo_project

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
        view, motion = window.skeleton, window.session.motion
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
        results["rss_mb_demo_open_playing"] = resident_memory_mb()
        window.close()

        results["switching_while_playing"] = _switch_stress(demo)
        results["training_in_the_window"] = _train_in_window(demo)

        results["project_10k"] = _open_big(Path(tmp), 99)
        results["project_100k"] = _open_big(Path(tmp), 980)

        results.update(_long_pair(Path(tmp)))
    return results


if __name__ == "__main__":
    print(json.dumps(run()))
