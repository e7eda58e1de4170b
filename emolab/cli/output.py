"""What the ``emolab`` command prints: lines with control characters escaped, and progress
on stderr (a bar on a terminal, a few plain lines in a log)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from emolab.core.progress import Job, Progress, drive
from emolab.core.text import escape_control

T = TypeVar("T")


def say(line: object = "", file=None) -> None:
    """Print one line with control characters in it escaped (file names, notes, labels
    come from other people: their escape sequences must not reach the terminal)."""
    print(escape_control(str(line)), file=file or sys.stdout)


#: Problems (or kept values) listed one per line; the rest are counted.
LISTED_PROBLEMS = 50


def say_listed(items, more: str = "more", file=None) -> None:
    """Each of the first :data:`LISTED_PROBLEMS` items indented, then how many were left
    out ("… and N ``more``")."""
    for item in items[:LISTED_PROBLEMS]:
        say(f"  {item}", file=file)
    if len(items) > LISTED_PROBLEMS:
        say(f"  … and {len(items) - LISTED_PROBLEMS} {more}", file=file)


def progress_runner(description: str, quiet: bool = False) -> Callable[[Job[T]], T]:
    """A driver for progress generators: a tqdm bar on a terminal, a few plain lines in a
    log or CI (at 0, 25, 50, 75 and 100 % of each phase), nothing when quiet."""

    def run(job: Job[T]) -> T:
        return ProgressView(description, quiet).run(job)

    return run


class ProgressView:
    """Progress of one job on stderr, phase by phase (``description`` names a job's
    reports that carry no phase)."""

    def __init__(self, description: str, quiet: bool):
        self.description = description
        self.quiet = quiet
        self.terminal = sys.stderr.isatty()
        self.bar = None
        self.phase: str | None = None
        self.next_quarter = 0

    def run(self, job: Job[T]) -> T:
        try:
            return drive(job, None if self.quiet else self.show)
        finally:
            self.close()

    def show(self, progress: Progress) -> None:
        phase = progress.phase or self.description
        if phase != self.phase:
            self.close()
            self.phase, self.next_quarter = phase, 0
            if self.terminal:
                from tqdm import tqdm

                self.bar = tqdm(total=progress.total, desc=phase, unit="file", file=sys.stderr)
        message = escape_control(progress.message)
        if self.bar is not None:
            if self.bar.total != progress.total:
                self.bar.total = progress.total
            self.bar.n = progress.done
            self.bar.set_postfix_str(message[-40:], refresh=False)
            self.bar.refresh()
            return
        quarter = 4 * progress.done // progress.total if progress.total else 0
        if quarter >= self.next_quarter:
            print(f"{phase}: {progress.done}/{progress.total}", file=sys.stderr, flush=True)
            self.next_quarter = quarter + 1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], file=None) -> None:
    """Print rows as left-aligned columns under a header (cells escaped by :func:`say`)."""
    everything = [tuple(map(str, header)), *(tuple(map(str, r)) for r in rows)]
    widths = [max(len(r[i]) for r in everything) for i in range(len(header))]
    for row in everything:
        say("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file)
