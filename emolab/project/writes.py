"""Writes asked for interactively, applied in order, never reported saved before they are.

The window's connection waits only briefly for a lock (``INTERACTIVE_BUSY_TIMEOUT_MS``),
so a project locked by another program cannot freeze it. A write that meets a lock, a
read-only file or a full disk stays in the queue, in order, with its value visible to the
views (:meth:`WriteQueue.pending_value`), until :meth:`WriteQueue.flush` gets it through:
the window retries on a timer and on demand. The queue is Qt-free; tests drive it.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from emolab.core.errors import EmolabError
from emolab.project.errors import WriteProblem, classify_sqlite_error, describe_sqlite_error
from emolab.project.schema import utc_now
from emolab.project.store import Project


class SaveState(enum.Enum):
    SAVED = "saved"  # every write asked for is committed
    PENDING = "pending"  # some wait for another program's lock; retried automatically
    FAILED = "failed"  # some cannot be written now (read-only, disk full, …)


@dataclass
class PendingWrite:
    """One write: ``apply(project)`` runs it in its own transaction."""

    description: str
    apply: Callable[[Project], object]
    key: Hashable | None = None  # what it sets, so views can show the unsaved value
    value: object = None
    asked_at: str = field(default_factory=utc_now)


class WriteQueue:
    """The interactive writes of one project connection, committed in the order asked."""

    def __init__(self, project: Project):
        self.project = project
        self._pending: deque[PendingWrite] = deque()
        self.problem: WriteProblem | None = None
        self.message = ""
        self.dropped: list[str] = []  # writes refused for good (with the reason)

    @property
    def state(self) -> SaveState:
        if not self._pending:
            return SaveState.SAVED
        return SaveState.PENDING if self.problem is WriteProblem.BUSY else SaveState.FAILED

    @property
    def pending(self) -> list[PendingWrite]:
        return list(self._pending)

    def submit(self, write: PendingWrite) -> SaveState:
        """Queue a write and try to commit everything queued."""
        self._pending.append(write)
        return self.flush()

    def flush(self) -> SaveState:
        """Commit queued writes in order; stop at the first that cannot be written now."""
        while self._pending:
            write = self._pending[0]
            try:
                write.apply(self.project)
            except sqlite3.Error as exc:
                self.problem = classify_sqlite_error(exc)
                self.message = describe_sqlite_error(exc)
                return self.state
            except EmolabError as exc:
                # can never succeed (e.g. the recording was removed): say so, go on
                self._pending.popleft()
                self.dropped.append(f"{write.description}: {exc.reason}")
                continue
            self._pending.popleft()
        self.problem = None
        self.message = ""
        return SaveState.SAVED

    def pending_value(self, key: Hashable) -> tuple[bool, object]:
        """(found, value) of the newest queued write of ``key``."""
        for write in reversed(self._pending):
            if write.key == key:
                return True, write.value
        return False, None

    def describe(self) -> str:
        """One plain sentence on the save state, for the status bar and the form."""
        n = len(self._pending)
        if not n:
            return "All changes saved"
        edits = f"{n} change{'s' if n != 1 else ''}"
        if self.problem is WriteProblem.BUSY:
            return f"{edits} waiting to be saved: {self.message}; retrying"
        return f"{edits} NOT saved: {self.message}"

    def recovery_json(self) -> str:
        """The queued writes as JSON, to keep in a recovery file when the app must close."""
        return json.dumps(
            {
                "project": str(self.project.path),
                "written_at": utc_now(),
                "reason": self.message,
                "writes": [
                    {
                        "description": w.description,
                        "key": repr(w.key),
                        "value": w.value,
                        "asked_at": w.asked_at,
                    }
                    for w in self._pending
                ],
            },
            indent=2,
            default=str,
        )
