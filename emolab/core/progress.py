"""Progress reports and cancel tokens for long work written as generators.

Long work (import, extraction, training) is a generator that yields :class:`Progress`
between items, checks a :class:`CancelToken`, and returns its result. ``run_to_end``
drives such a generator and hands back the result; the GUI has its own Qt adapter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

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


def run_to_end(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Drive a progress generator to its end and return its result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)


def phased(job: Job[T], phase: str) -> Job[T]:
    """``job`` with every progress report labelled as belonging to ``phase``."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        yield Progress(progress.done, progress.total, progress.message, phase)
