"""Run a progress generator (import, extraction, prediction, demo build) on a QThread.

The generator is made by a factory that receives a :class:`CancelToken`; the factory
runs on the worker thread, so it opens its own project connection there (sqlite3
connections belong to one thread). Signals arrive queued on the GUI thread. Starting a
job of a kind already running cancels the old one; results of stale jobs are dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal

from emolab.core.errors import Cancelled, EmolabError
from emolab.core.progress import CancelToken, JobFactory, drive


class _JobThread(QThread):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(str)
    was_cancelled = Signal()

    def __init__(self, factory: JobFactory, token: CancelToken):
        super().__init__()
        self._factory = factory
        self.token = token

    def run(self) -> None:  # worker thread
        try:
            job = self._factory(self.token)
            result = drive(job, lambda p: self.progress.emit(p.done, p.total, p.message),
                           self.token)  # fmt: skip
            self.done.emit(result)
        except Cancelled:
            self.was_cancelled.emit()
        except EmolabError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class JobRunner(QObject):
    """Starts jobs by kind and re-emits their outcome on the GUI thread."""

    progress = Signal(str, int, int, str)  # kind, done, total, message
    finished = Signal(str, object)  # kind, result
    failed = Signal(str, str)  # kind, message
    cancelled = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._threads: dict[str, _JobThread] = {}
        self._generation: dict[str, int] = {}
        self._retired: list[_JobThread] = []

    def start(self, kind: str, factory: JobFactory) -> None:
        self.cancel(kind)
        generation = self._generation.get(kind, 0) + 1
        self._generation[kind] = generation
        thread = _JobThread(factory, CancelToken())

        def current() -> bool:
            return self._generation.get(kind) == generation

        thread.progress.connect(lambda d, t, m: current() and self.progress.emit(kind, d, t, m))
        thread.done.connect(lambda r: current() and self.finished.emit(kind, r))
        thread.failed.connect(lambda m: current() and self.failed.emit(kind, m))
        thread.was_cancelled.connect(lambda: current() and self.cancelled.emit(kind))
        thread.finished.connect(lambda: self._forget(kind, thread))
        self._threads[kind] = thread
        thread.start()

    def _forget(self, kind: str, thread: _JobThread) -> None:
        if self._threads.get(kind) is thread:
            del self._threads[kind]
        if thread in self._retired:
            self._retired.remove(thread)
        thread.deleteLater()

    def cancel(self, kind: str) -> None:
        thread = self._threads.pop(kind, None)
        if thread is not None:
            thread.token.cancel()
            self._generation[kind] = self._generation.get(kind, 0) + 1  # drop its results
            self._retired.append(thread)

    def running(self, kind: str) -> bool:
        return kind in self._threads

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel everything and wait for the threads (on close). A thread still busy after
        ``timeout_ms`` (a job that does not look at its cancel token for long) is kept
        alive until it ends: Qt aborts the process when a running thread is destroyed."""
        for kind in list(self._threads):
            self.cancel(kind)
        for thread in list(self._retired):
            if not thread.wait(timeout_ms):
                _STILL_RUNNING.add(thread)
                thread.finished.connect(lambda t=thread: _STILL_RUNNING.discard(t))


#: Job threads that outlived their runner's shutdown, referenced until they end.
_STILL_RUNNING: set[_JobThread] = set()
