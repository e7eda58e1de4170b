"""The project file: one SQLite database (WAL, foreign keys, ``user_version`` migrations).

A :class:`Project` is used from the thread that opened it (sqlite3's rule); a worker
thread opens its own. Every write is its own committed transaction unless grouped with
:meth:`Project.transaction`. SQL stays inside ``emolab.project``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from emolab import __version__
from emolab.core.errors import ProjectError, ProjectTooNew
from emolab.project.migrations import APPLICATION_ID, LATEST_VERSION, MIGRATIONS

PROJECT_SUFFIX = ".emolab"


def utc_now() -> str:
    """Current time as ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    code: str
    collection: str | None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class MediaFile:
    id: int
    recording_id: int
    modality: str
    path: str  # relative to the project folder (POSIX), or absolute if not below it
    format: str
    duration: float  # seconds
    rate: float  # Hz
    frames: int
    channels: int  # audio channels, or joints for body files
    missing_fraction: float
    size: int
    sha256: str
    mtime: float
    warnings: str = "[]"  # JSON list: what reading the file repaired or found missing
    changed_at: str | None = None  # when the file was found changed on disk since import


@dataclass(frozen=True, slots=True)
class Recording:
    id: int
    key: str
    scheme: str
    participant_id: int
    participant: str
    emotion: str | None
    intensity: str | None
    statement: str | None
    repetition: str | None
    collection: str | None
    fields: dict[str, str]
    sync_offset: float  # seconds


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


#: Longest rater or participant name kept (characters).
MAX_NAME_CHARS = 80

#: How long a connection waits for another writer's lock (ms). The window uses the short
#: one so a locked project never freezes it; its writes wait in a queue and retry instead.
BUSY_TIMEOUT_MS = 10_000
INTERACTIVE_BUSY_TIMEOUT_MS = 80


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a (media) file's content."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _is_read_only(path: Path) -> bool:
    """True when the file or its folder may not be written (permission bits count even for
    root: a file marked read-only by its owner is treated as read-only)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if not mode & 0o222:
        return True
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK)


def _sqlite_connect(uri: str) -> sqlite3.Connection:
    con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=True)
    con.row_factory = sqlite3.Row
    return con


def _header(con: sqlite3.Connection, path: Path) -> tuple[int, int]:
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


class Project:
    """An open project file."""

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
            con = _sqlite_connect(f"{path.as_uri()}?mode=rwc")
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
        read_only = read_only or _is_read_only(path)
        uri = f"{path.as_uri()}?mode={'ro' if read_only else 'rw'}"
        try:
            con = _sqlite_connect(uri)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"cannot be opened: {exc}", path) from exc
        try:
            con.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            version, app_id = _header(con, path)
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
            if version < LATEST_VERSION:
                if read_only:
                    raise ProjectError(
                        f"is in an older project format ({version}) and read-only, so it cannot"
                        " be updated; make it writable or open a writable copy",
                        path,
                    )
                cls._backup(con, path, version)
            return cls._prepare(path, con, new=False, read_only=read_only)
        except BaseException:
            con.close()
            raise

    @staticmethod
    def _backup(con: sqlite3.Connection, path: Path, version: int) -> None:
        """Copy the project through SQLite's backup API before migrating it."""
        backup = _exclusive_backup_path(path, version)
        try:
            target = sqlite3.connect(backup)
            try:
                con.backup(target)
            finally:
                target.close()
        except (sqlite3.DatabaseError, OSError) as exc:
            backup.unlink(missing_ok=True)
            raise ProjectError(f"could not be backed up before updating it: {exc}", path) from exc

    @classmethod
    def _prepare(cls, path: Path, con: sqlite3.Connection, new: bool,
                 read_only: bool = False) -> Project:  # fmt: skip
        try:
            if not read_only:
                con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
            project = cls(path, con, read_only=read_only)
            if not read_only:
                project._migrate(new)
        except sqlite3.DatabaseError as exc:
            con.close()
            raise ProjectError(f"cannot be opened: {describe_sqlite_error(exc)}", path) from exc
        except BaseException:
            con.close()
            raise
        return project

    def _migrate(self, new: bool) -> None:
        version = self._con.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version, LATEST_VERSION):
            with self.transaction():
                MIGRATIONS[step](self._con)
                self._con.execute(f"PRAGMA user_version = {step + 1}")
                self._con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if new:
            self.set_meta("created_by", f"emolab {__version__}")
            self.set_meta("created_at", utc_now())
        if version != LATEST_VERSION:
            self.set_meta("last_migrated_by", f"emolab {__version__}")

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
        return default if raw is None else self._json(raw, f"setting {key!r}")

    def _json(self, raw: str, what: str) -> object:
        """Stored JSON, or a ProjectError naming the row that holds something else."""
        try:
            return json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise ProjectError(f"{what} holds damaged data ({exc})", self.path) from exc

    def set_setting(self, key: str, value: object) -> None:
        self.set_meta(f"setting.{key}", json.dumps(value))

    @property
    def synthetic(self) -> bool:
        """True when the project holds the generated (synthetic) demo corpus."""
        return self.meta("synthetic") == "1"

    # ---- participants, recordings, media -------------------------------------------------
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

    def ensure_recording(
        self,
        key: str,
        scheme: str,
        participant_id: int,
        labels: dict[str, str | None],
        fields: dict[str, str],
    ) -> tuple[int, bool]:
        """Id of the recording with ``key``, creating it; also says whether it is new."""
        row = self._con.execute("SELECT id FROM recordings WHERE key = ?", (key,)).fetchone()
        if row:
            return int(row[0]), False
        cur = self._con.execute(
            "INSERT INTO recordings(key, scheme, participant_id, emotion, intensity, statement,"
            " repetition, collection, fields, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                scheme,
                participant_id,
                labels.get("emotion"),
                labels.get("intensity"),
                labels.get("statement"),
                labels.get("repetition"),
                labels.get("collection"),
                json.dumps(fields, sort_keys=True),
                utc_now(),
            ),
        )
        return int(cur.lastrowid), True

    _RECORDING_SQL = (
        "SELECT r.*, p.code AS participant FROM recordings r "
        "JOIN participants p ON p.id = r.participant_id"
    )

    def _recording(self, row: sqlite3.Row) -> Recording:
        return Recording(
            id=row["id"],
            key=row["key"],
            scheme=row["scheme"],
            participant_id=row["participant_id"],
            participant=row["participant"],
            emotion=row["emotion"],
            intensity=row["intensity"],
            statement=row["statement"],
            repetition=row["repetition"],
            collection=row["collection"],
            fields=self._json(row["fields"], f"recording {row['key']!r}"),
            sync_offset=row["sync_offset"],
        )

    def recordings(self) -> list[Recording]:
        rows = self._con.execute(self._RECORDING_SQL + " ORDER BY r.key")
        return [self._recording(r) for r in rows]

    def recording(self, recording_id: int) -> Recording:
        row = self._con.execute(self._RECORDING_SQL + " WHERE r.id = ?", (recording_id,)).fetchone()
        if row is None:
            raise ProjectError(f"has no recording with id {recording_id}", self.path)
        return self._recording(row)

    def recording_by_key(self, key: str) -> Recording | None:
        row = self._con.execute(self._RECORDING_SQL + " WHERE r.key = ?", (key,)).fetchone()
        return None if row is None else self._recording(row)

    def set_sync_offset(self, recording_id: int, seconds: float) -> None:
        """Save the audio→motion offset (s) of a recording."""
        with self.transaction():
            self._con.execute(
                "UPDATE recordings SET sync_offset = ? WHERE id = ?", (float(seconds), recording_id)
            )

    @staticmethod
    def _media(row: sqlite3.Row) -> MediaFile:
        return MediaFile(**{f.name: row[f.name] for f in fields(MediaFile)})

    def media(self, recording_id: int | None = None) -> list[MediaFile]:
        if recording_id is None:
            rows = self._con.execute("SELECT * FROM media ORDER BY recording_id, modality")
        else:
            rows = self._con.execute(
                "SELECT * FROM media WHERE recording_id = ? ORDER BY modality", (recording_id,)
            )
        return [self._media(r) for r in rows]

    def media_of(self, recording_id: int, modality: str) -> MediaFile | None:
        row = self._con.execute(
            "SELECT * FROM media WHERE recording_id = ? AND modality = ?", (recording_id, modality)
        ).fetchone()
        return None if row is None else self._media(row)

    def upsert_media(self, recording_id: int, modality: str, values: dict) -> None:
        values = {"changed_at": None, **values}  # (re-)imported: what is on disk now
        columns = ["recording_id", "modality", *values, "imported_at"]
        params = [recording_id, modality, *values.values(), utc_now()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
        self._con.execute(
            f"INSERT INTO media({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT(recording_id, modality) DO UPDATE SET {updates}",
            params,
        )

    def relative_path(self, path: Path) -> str:
        """How a media path is stored: relative to the project folder when below it."""
        path = Path(path).absolute()
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def media_path(self, media: MediaFile) -> Path:
        """Absolute path of a media file."""
        stored = Path(media.path)
        return stored if stored.is_absolute() else self.root / stored

    def verify_media(self, media: MediaFile) -> str:
        """'ok', 'missing', 'changed' (content differs from import, by hash) or 'touched'
        (same content, new modification time). Writes nothing: the caller records what it
        found with :meth:`mark_media_changed` or :meth:`set_media_mtime`."""
        status = self.media_status(media)
        if status != "changed" or media.changed_at is not None:
            return status
        try:
            same = file_sha256(self.media_path(media)) == media.sha256
        except OSError:
            return "missing"
        return "touched" if same else "changed"

    def set_media_mtime(self, media: MediaFile) -> None:
        """Record the file's current modification time (its content was checked unchanged)."""
        mtime = self.media_path(media).stat().st_mtime
        with self.transaction():
            self._con.execute("UPDATE media SET mtime = ? WHERE id = ?", (mtime, media.id))

    def mark_media_changed(self, media: MediaFile) -> None:
        """Record that a media file's content differs from what was imported: its cached
        features no longer describe it and its recording's suggestions are dropped; ratings
        stay. Re-importing the file clears the mark."""
        with self.transaction():
            self._con.execute(
                "UPDATE media SET changed_at = ? WHERE id = ? AND changed_at IS NULL",
                (utc_now(), media.id),
            )
            self._con.execute(
                "DELETE FROM suggestions WHERE recording_id = ?", (media.recording_id,)
            )

    def media_status(self, media: MediaFile) -> str:
        """'ok', 'missing' or 'changed' (marked changed, or size or modification time
        differs from import)."""
        if media.changed_at is not None:
            return "changed"
        path = self.media_path(media)
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        if stat.st_size != media.size or abs(stat.st_mtime - media.mtime) > 1e-3:
            return "changed"
        return "ok"

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
        return None if row is None else self._json(row[0], "the last import report")

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
