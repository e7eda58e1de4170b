"""Progress reports and cancel tokens for long work written as generators.

Long work (import, extraction, training) is a generator that yields :class:`Progress`
between items, checks a :class:`CancelToken`, and returns its result. :func:`drive` is the
one loop that runs such a generator to its end (the CLI's progress bar and the GUI's
worker thread hand it their callback); :func:`phased` relabels the reports of one stage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from emolab.core.errors import Cancelled

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Progress:
    """``done`` of ``total`` items finished; ``message`` says what is being done."""

    done: int
    total: int
    message: str = ""
    phase: str = ""  # e.g. "Generating" then "Importing", for work in several stages

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class CancelToken:
    """A thread-safe flag a caller sets to ask long work to stop between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


Job = Generator[Progress, None, T]
#: Makes a job on the thread that runs it, given that job's cancel token.
JobFactory = Callable[[CancelToken], Job[object]]


class Jobs(Protocol):
    """Runs jobs by kind off the calling thread; starting a kind cancels its running job
    (gui/workers.JobRunner; tests use synchronous stand-ins)."""

    def start(self, kind: str, factory: JobFactory) -> None: ...
    def cancel(self, kind: str) -> None: ...


def _reports(job: Job[T], outcome: list[T]) -> Iterator[Progress]:
    """The reports of ``job``; its result is appended to ``outcome`` when it ends."""
    outcome.append((yield from job))


def drive(
    job: Job[T],
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> T:
    """Run a progress generator to its end and return its result, handing each report to
    ``on_progress``. A set ``cancel`` token stops it at the next report: the generator is
    closed (its ``finally`` blocks run) and :class:`Cancelled` is raised."""
    outcome: list[T] = []
    try:
        for progress in _reports(job, outcome):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if on_progress is not None:
                on_progress(progress)
    finally:
        job.close()
    return outcome[0]


#: The name most callers and tests know :func:`drive` by.
run_to_end = drive


def phased(job: Job[T], phase: str) -> Job[T]:
    """``job`` with every progress report labelled as belonging to ``phase``."""
    outcome: list[T] = []
    for progress in _reports(job, outcome):
        yield replace(progress, phase=phase)
    return outcome[0]
