"""The project file on disk: connecting, checking its header, backing it up and migrating it.

The migration steps themselves are in :mod:`emolab.project.migrations`; this module runs
them. The database file is only ever read through SQLite (see :func:`read_header`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from emolab import __version__
from emolab.core.errors import ProjectError, ProjectTooNew
from emolab.project.migrations import APPLICATION_ID, LATEST_VERSION, MIGRATIONS


class Migratable(Protocol):
    """What :func:`migrate` needs of a project (store.Project), without importing it."""

    @property
    def format_version(self) -> int: ...
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def set_meta(self, key: str, value: str) -> None: ...


def utc_now() -> str:
    """Current time as ISO 8601 UTC with milliseconds (how every timestamp column is written)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def read_json(raw: str, what: str, path: Path) -> object:
    """Stored JSON, or a ProjectError naming the row that holds something else."""
    try:
        return json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"{what} holds damaged data ({exc})", path) from exc


def is_read_only(path: Path) -> bool:
    """True when the file or its folder may not be written (permission bits count even for
    root: a file marked read-only by its owner is treated as read-only)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if not mode & 0o222:
        return True
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK)


def connect(uri: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows by column name."""
    con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=True)
    con.row_factory = sqlite3.Row
    return con


def read_header(con: sqlite3.Connection, path: Path) -> tuple[int, int]:
    """(user_version, application_id), read through SQLite.

    The database file is never opened outside SQLite while this process may hold a
    connection to it: closing any descriptor of the file drops every POSIX lock the
    process holds on it, another process then deletes the live WAL (PLATFORM.md).
    """
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise ProjectError("is not an emolab project (not an SQLite database)", path) from exc
        raise ProjectError(f"cannot be read as a project: {exc}", path) from exc
    return int(version), int(app_id)


def check_format(con: sqlite3.Connection, path: Path, read_only: bool) -> int:
    """The project's format version; refuses other files, newer formats and an older
    format that could not be updated (read-only), leaving the file untouched."""
    version, app_id = read_header(con, path)
    if app_id != APPLICATION_ID:
        if app_id == 0:
            raise ProjectError("is an SQLite database but not an emolab project", path)
        raise ProjectError("is an SQLite database of another application", path)
    if version > LATEST_VERSION:
        raise ProjectTooNew(
            f"was written by a newer emolab (project format {version}; this emolab "
            f"{__version__} reads formats up to {LATEST_VERSION}). Update emolab to "
            f"open it; the file was not changed.",
            path,
        )
    if version < LATEST_VERSION and read_only:
        raise ProjectError(
            f"is in an older project format ({version}) and read-only, so it cannot"
            " be updated; make it writable or open a writable copy",
            path,
        )
    return version


def _exclusive_backup_path(path: Path, version: int) -> Path:
    """A new backup file beside the project, created here (never through a symlink)."""
    base = path.with_name(f"{path.name}.v{version}.bak")
    for n in range(100):
        candidate = base if n == 0 else base.with_name(f"{base.name}.{n}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(candidate, flags, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise ProjectError("has too many migration backups beside it; remove old ones", path)


def backup(con: sqlite3.Connection, path: Path, version: int) -> None:
    """Copy the project through SQLite's backup API before migrating it."""
    target_path = _exclusive_backup_path(path, version)
    try:
        target = sqlite3.connect(target_path)
        try:
            con.backup(target)
        finally:
            target.close()
    except (sqlite3.DatabaseError, OSError) as exc:
        target_path.unlink(missing_ok=True)
        raise ProjectError(f"could not be backed up before updating it: {exc}", path) from exc


def configure(con: sqlite3.Connection, read_only: bool) -> None:
    """Journal, durability and foreign keys, set on every connection."""
    if not read_only:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")


def migrate(project: Migratable, new: bool) -> None:
    """Run the migration steps from the project's format to the latest, one transaction each."""
    version = project.format_version
    for step in range(version, LATEST_VERSION):
        with project.transaction() as con:
            MIGRATIONS[step](con)
            con.execute(f"PRAGMA user_version = {step + 1}")
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    if new:
        project.set_meta("created_by", f"emolab {__version__}")
        project.set_meta("created_at", utc_now())
    if version != LATEST_VERSION:
        project.set_meta("last_migrated_by", f"emolab {__version__}")
