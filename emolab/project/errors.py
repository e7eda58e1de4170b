"""Why a write did not reach the project file, from the sqlite3 error that said so."""

from __future__ import annotations

import enum


class WriteProblem(enum.Enum):
    """Why a write did not reach the project file."""

    BUSY = "busy"  # another program holds the write lock: retry later
    READ_ONLY = "read-only"
    FULL = "full"  # the disk (or the project's size limit) is full
    OTHER = "other"


_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_FULL = 5, 6, 8, 13


def classify_sqlite_error(exc: BaseException) -> WriteProblem:
    """What kind of failure an sqlite3 error is (busy ones are worth retrying)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return WriteProblem.BUSY
    if primary == _SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return WriteProblem.READ_ONLY
    if primary == _SQLITE_FULL or "disk is full" in text:
        return WriteProblem.FULL
    return WriteProblem.OTHER


def describe_sqlite_error(exc: BaseException) -> str:
    """A plain sentence for a failed database operation."""
    problem = classify_sqlite_error(exc)
    if problem is WriteProblem.BUSY:
        return "another program is writing to the project (it is locked)"
    if problem is WriteProblem.READ_ONLY:
        return "the project file or its folder is read-only"
    if problem is WriteProblem.FULL:
        return "the disk is full"
    return str(exc)
