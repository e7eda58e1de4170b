"""The project file: one SQLite database (WAL, foreign keys, ``user_version`` migrations).

A :class:`Project` is used from the thread that opened it (sqlite3's rule); a worker
thread opens its own. Every write is its own committed transaction unless grouped with
:meth:`Project.transaction`. SQL stays inside ``emolab.project``.

Opening, backing up and migrating the file is in :mod:`emolab.project.schema`, the
recordings and media files in :mod:`emolab.project.media`, what a failed write means in
:mod:`emolab.project.errors`; their public names are importable from here as well.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.project.errors import WriteProblem, classify_sqlite_error, describe_sqlite_error
from emolab.project.media import MediaFile, Recording, RecordingsAndMedia, file_sha256
from emolab.project.migrations import LATEST_VERSION
from emolab.project.schema import (
    backup,
    check_format,
    configure,
    connect,
    is_read_only,
    migrate,
    read_json,
    utc_now,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "INTERACTIVE_BUSY_TIMEOUT_MS",
    "LATEST_VERSION",
    "MAX_NAME_CHARS",
    "MediaFile",
    "Participant",
    "Project",
    "ProjectSummary",
    "Recording",
    "WriteProblem",
    "classify_sqlite_error",
    "describe_sqlite_error",
    "file_sha256",
    "utc_now",
]


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    code: str
    collection: str | None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    path: str
    format_version: int
    created_by: str
    synthetic: bool
    schemes: list[str]
    participants: int
    recordings: int
    paired: int
    audio_only: int
    body_only: int
    media_files: int
    raters: int
    ratings: int
    models: int
    active_model: str | None
    suggestions: int


#: Longest rater name kept (characters).
MAX_NAME_CHARS = 80

#: How long a connection waits for another writer's lock (ms). The window uses the short
#: one so a locked project never freezes it; its writes wait in a queue and retry instead.
BUSY_TIMEOUT_MS = 10_000
INTERACTIVE_BUSY_TIMEOUT_MS = 80


class Project(RecordingsAndMedia):
    """An open project file (its recordings and media: :class:`RecordingsAndMedia`)."""

    def __init__(self, path: Path, con: sqlite3.Connection, read_only: bool = False):
        self.path = path
        self.root = path.parent
        self.read_only = read_only
        self._con = con
        self._in_transaction = False

    # ---- opening -----------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path) -> Project:
        """Create a new, empty project file (refuses to overwrite)."""
        path = Path(path).absolute()
        if path.exists() or path.is_symlink():
            raise ProjectError("already exists; open it instead of creating it", path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"cannot be created: {exc.strerror or exc}", path) from exc
        try:
            con = connect(f"{path.as_uri()}?mode=rwc")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"cannot be created: {exc}", path) from exc
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return cls._prepare(path, con, new=True)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        read_only: bool = False,
    ) -> Project:
        """Open a project, migrating an older format; a newer format is refused untouched.

        This is the one way emolab connects to a project file: each thread opens its own.
        ``busy_timeout_ms`` is how long a write waits for another writer's lock.
        """
        path = Path(path).absolute()
        if not path.exists():
            if path.is_symlink():
                raise ProjectError("is a link to a file that does not exist", path)
            if create:
                return cls.create(path)
            raise ProjectError("does not exist", path)
        if path.is_dir():
            raise ProjectError("is a folder, not a project file", path)
        if path.stat().st_size == 0:
            raise ProjectError("is empty, not an emolab project (not an SQLite database)", path)
        read_only = read_only or is_read_only(path)
        uri = f"{path.as_uri()}?mode={'ro' if read_only else 'rw'}"
        try:
            con = connect(uri)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"cannot be opened: {exc}", path) from exc
        try:
            con.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            version = check_format(con, path, read_only)
            if version < LATEST_VERSION:
                backup(con, path, version)
            return cls._prepare(path, con, new=False, read_only=read_only)
        except BaseException:
            con.close()
            raise

    @classmethod
    def _prepare(cls, path: Path, con: sqlite3.Connection, new: bool,
                 read_only: bool = False) -> Project:  # fmt: skip
        try:
            configure(con, read_only)
            project = cls(path, con, read_only=read_only)
            if not read_only:
                migrate(project, new)
        except sqlite3.DatabaseError as exc:
            con.close()
            raise ProjectError(f"cannot be opened: {describe_sqlite_error(exc)}", path) from exc
        except BaseException:
            con.close()
            raise
        return project

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a write waits for another writer's lock before failing as busy."""
        self._con.execute(f"PRAGMA busy_timeout={int(milliseconds)}")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None  # type: ignore[assignment]

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def format_version(self) -> int:
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed unit of work (nested use joins the outer transaction)."""
        if self._in_transaction:
            yield self._con
            return
        self._con.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield self._con
        except BaseException:
            # SQLite may already have rolled back (disk full, I/O error)
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        """Run one statement (for modules inside ``emolab.project``)."""
        return self._con.execute(sql, params)

    # ---- meta / settings -----------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self._con.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def setting(self, key: str, default: object = None) -> object:
        """A JSON-valued project setting (e.g. ``hide_suggestions_until_rated``)."""
        raw = self.meta(f"setting.{key}")
        return default if raw is None else read_json(raw, f"setting {key!r}", self.path)

    def set_setting(self, key: str, value: object) -> None:
        self.set_meta(f"setting.{key}", json.dumps(value))

    @property
    def synthetic(self) -> bool:
        """True when the project holds the generated (synthetic) demo corpus."""
        return self.meta("synthetic") == "1"

    # ---- participants -------------------------------------------------
    def ensure_participant(self, code: str, collection: str | None) -> int:
        row = self._con.execute("SELECT id FROM participants WHERE code = ?", (code,)).fetchone()
        if row:
            if collection is not None:
                self._con.execute(
                    "UPDATE participants SET collection = ? WHERE id = ?", (collection, row[0])
                )
            return int(row[0])
        cur = self._con.execute(
            "INSERT INTO participants(code, collection) VALUES (?, ?)", (code, collection)
        )
        return int(cur.lastrowid)

    def participants(self) -> list[Participant]:
        rows = self._con.execute(
            "SELECT id, code, collection, notes FROM participants ORDER BY code"
        )
        return [Participant(r["id"], r["code"], r["collection"], r["notes"]) for r in rows]

    # ---- raters --------------------------------------------------------------------------
    def ensure_rater(self, name: str) -> int:
        """Id of the rater called ``name``, adding them (names: 1–80 printable characters)."""
        name = name.strip()
        if not name:
            raise ProjectError("a rater needs a name", self.path)
        if len(name) > MAX_NAME_CHARS or not name.isprintable():
            raise ProjectError(
                f"a rater name must be at most {MAX_NAME_CHARS} printable characters", self.path
            )
        row = self._con.execute("SELECT id FROM raters WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        try:
            with self.transaction():
                row = self._con.execute("SELECT id FROM raters WHERE name = ?", (name,)).fetchone()
                if row:
                    return int(row[0])
                cur = self._con.execute(
                    "INSERT INTO raters(name, created_at) VALUES (?, ?)", (name, utc_now())
                )
                return int(cur.lastrowid)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(
                f"cannot add rater {name!r}: {describe_sqlite_error(exc)}", self.path
            ) from exc

    def raters(self) -> list[tuple[int, str]]:
        return [
            (r[0], r[1]) for r in self._con.execute("SELECT id, name FROM raters ORDER BY name")
        ]

    # ---- summary -------------------------------------------------------------------------
    def record_import(self, folder: str, scheme: str, report: dict) -> None:
        self._con.execute(
            "INSERT INTO import_runs(at, folder, scheme, report) VALUES (?, ?, ?, ?)",
            (utc_now(), folder, scheme, json.dumps(report)),
        )

    def last_import(self) -> dict | None:
        """The report of the most recent import, or None."""
        row = self._con.execute(
            "SELECT report FROM import_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else read_json(row[0], "the last import report", self.path)

    def counts(self) -> dict[str, dict[str, int]]:
        """Recordings per intended emotion, per participant, and media files per modality."""
        by = {
            "emotion": "SELECT COALESCE(emotion, '?'), COUNT(*) FROM recordings GROUP BY 1",
            "participant": "SELECT p.code, COUNT(*) FROM recordings r "
            "JOIN participants p ON p.id = r.participant_id GROUP BY 1",
            "modality": "SELECT modality, COUNT(*) FROM media GROUP BY 1",
        }
        return {k: {r[0]: r[1] for r in self._con.execute(sql)} for k, sql in by.items()}

    def unpaired(self) -> list[tuple[str, str]]:
        """(recording key, the one modality it has) for recordings lacking audio or body."""
        rows = self._con.execute(
            "SELECT r.key, MIN(m.modality) FROM recordings r JOIN media m ON m.recording_id = r.id "
            "GROUP BY r.id HAVING COUNT(*) = 1 ORDER BY r.key"
        )
        return [(r[0], r[1]) for r in rows]

    def summary(self) -> ProjectSummary:
        one = lambda sql: self._con.execute(sql).fetchone()[0]  # noqa: E731
        modal = self._con.execute(
            "SELECT SUM(n = 2), SUM(n = 1 AND m = 'audio'), SUM(n = 1 AND m = 'body') FROM "
            "(SELECT COUNT(*) AS n, MIN(modality) AS m FROM media GROUP BY recording_id)"
        ).fetchone()
        active = self._con.execute("SELECT name FROM models WHERE active = 1").fetchone()
        schemes = [r[0] for r in self._con.execute("SELECT DISTINCT scheme FROM recordings")]
        return ProjectSummary(
            path=str(self.path),
            format_version=self.format_version,
            created_by=self.meta("created_by", "unknown") or "unknown",
            synthetic=self.synthetic,
            schemes=schemes,
            participants=one("SELECT COUNT(*) FROM participants"),
            recordings=one("SELECT COUNT(*) FROM recordings"),
            paired=modal[0] or 0,
            audio_only=modal[1] or 0,
            body_only=modal[2] or 0,
            media_files=one("SELECT COUNT(*) FROM media"),
            raters=one("SELECT COUNT(*) FROM raters"),
            ratings=one("SELECT COUNT(*) FROM ratings"),
            models=one("SELECT COUNT(*) FROM models"),
            active_model=active[0] if active else None,
            suggestions=one("SELECT COUNT(*) FROM suggestions"),
        )
