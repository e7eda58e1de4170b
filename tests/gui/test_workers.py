from __future__ import annotations

import time

from emolab.core.progress import Progress
from emolab.gui.workers import JobRunner


def slow_job(n, delay, result):
    def factory(token):
        for i in range(n):
            token.raise_if_cancelled()
            time.sleep(delay)
            yield Progress(i + 1, n, f"step {i + 1}")
        return result

    return factory


def test_results_progress_and_stale_jobs_dropped(qtbot):
    runner = JobRunner()
    finished, progress, cancelled = [], [], []
    runner.finished.connect(lambda kind, r: finished.append((kind, r)))
    runner.progress.connect(lambda kind, d, t, m: progress.append((kind, d, t)))
    runner.cancelled.connect(cancelled.append)
    runner.start("predict", slow_job(50, 0.02, "old"))
    qtbot.waitUntil(lambda: bool(progress), timeout=5000)
    runner.start("predict", slow_job(3, 0.01, "new"))  # cancels the first
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    runner.shutdown()
    qtbot.wait(50)
    assert finished == [("predict", "new")]
    assert ("predict", 3, 3) in progress


def test_failures_are_reported_not_raised(qtbot):
    runner = JobRunner()
    failed = []
    runner.failed.connect(lambda kind, message: failed.append(message))

    def broken(token):
        yield Progress(0, 1, "")
        raise ValueError("bad input file")

    runner.start("import", broken)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    runner.shutdown()
    assert "bad input file" in failed[0]


def test_a_thread_still_busy_at_shutdown_is_kept_until_it_ends(qtbot):
    """Qt aborts the process when a running QThread is destroyed; shutdown must not let
    that happen to a job that ignores its cancel token for a while."""
    import threading

    from emolab.core.progress import Progress
    from emolab.gui import workers
    from emolab.gui.workers import JobRunner

    release = threading.Event()

    def stubborn(_token):
        yield Progress(0, 1, "busy")
        release.wait(10)
        return "done"

    runner = JobRunner()
    with qtbot.waitSignal(runner.progress, timeout=10_000):  # past its first report
        runner.start("slow", stubborn)
    runner.shutdown(timeout_ms=50)
    assert len(workers._STILL_RUNNING) == 1
    runner = None  # the runner goes; its busy thread must not
    release.set()
    qtbot.waitUntil(lambda: not workers._STILL_RUNNING, timeout=10_000)
