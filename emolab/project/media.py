"""Recordings and their media files in a project.

A media file is referenced by its path relative to the project file plus its size,
modification time and SHA-256, so a moved or changed file is detected, never silently used.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

from emolab.core.errors import ProjectError
from emolab.project.schema import read_json, utc_now


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


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a (media) file's content."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


_RECORDING_SQL = (
    "SELECT r.*, p.code AS participant FROM recordings r "
    "JOIN participants p ON p.id = r.participant_id"
)


class RecordingsAndMedia:
    """The recording and media methods of :class:`~emolab.project.store.Project`."""

    # set by Project, whose transaction() these methods also use
    path: Path
    root: Path
    _con: sqlite3.Connection

    # ---- recordings ----------------------------------------------------------------------
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
            fields=read_json(row["fields"], f"recording {row['key']!r}", self.path),
            sync_offset=row["sync_offset"],
        )

    def recordings(self) -> list[Recording]:
        rows = self._con.execute(_RECORDING_SQL + " ORDER BY r.key")
        return [self._recording(r) for r in rows]

    def recording(self, recording_id: int) -> Recording:
        row = self._con.execute(_RECORDING_SQL + " WHERE r.id = ?", (recording_id,)).fetchone()
        if row is None:
            raise ProjectError(f"has no recording with id {recording_id}", self.path)
        return self._recording(row)

    def recording_by_key(self, key: str) -> Recording | None:
        row = self._con.execute(_RECORDING_SQL + " WHERE r.key = ?", (key,)).fetchone()
        return None if row is None else self._recording(row)

    def set_sync_offset(self, recording_id: int, seconds: float) -> None:
        """Save the audio→motion offset (s) of a recording."""
        with self.transaction():
            self._con.execute(
                "UPDATE recordings SET sync_offset = ? WHERE id = ?", (float(seconds), recording_id)
            )

    # ---- media files ---------------------------------------------------------------------
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
