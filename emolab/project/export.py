"""A project's ratings taken out for analysis: CSV and JSON rows with provenance, a
summary per recording, and ELAN / Praat annotation files (:mod:`.export_tiers`).

Files written into the export folder (each replaced whole):

- ``ratings_long.csv``: one row per (recording, rater, field) with a value, columns
  :data:`ROW_COLUMNS`; ``recordings.csv``: one row per recording, :data:`RECORDING_COLUMNS`;
  ``ratings.csv``: one row per rater and recording in the format ``emolab ratings import``
  reads back (:func:`~emolab.project.rating_io.export_ratings`). Text a spreadsheet would
  run as a formula gets a leading apostrophe, as in every CSV emolab writes.
- ``export.json``: ``export_format``, ``app_version``, ``schema_version``, ``exported_at``,
  ``synthetic``, ``project``, ``rows`` and ``recordings`` (the rows of both CSVs, values
  typed and unquoted; absent values null).
- ``eaf/KEY.eaf`` and ``textgrid/KEY.TextGrid``: one per recording (:mod:`.export_tiers`).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from emolab import __version__
from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.project.agreement import validity_sql
from emolab.project.browse import consensus_sql
from emolab.project.export_tiers import (
    MODEL_TIER,
    RecordingTiers,
    Tier,
    file_stem,
    rating_tiers,
    track_intervals,
    write_eaf,
    write_textgrid,
)
from emolab.project.rating_io import _cell, export_ratings
from emolab.project.ratings import FIELDS
from emolab.project.store import MediaFile, Project, utc_now

FORMATS = ("csv", "json", "eaf", "textgrid")
#: Version of the layout of what an export writes (files, columns, keys, tier names).
EXPORT_FORMAT = 1
LONG_CSV, SUMMARY_CSV, RATINGS_CSV = "ratings_long.csv", "recordings.csv", "ratings.csv"
JSON_FILE = "export.json"

MEDIA_COLUMNS = ("audio_file", "audio_sha256", "body_file", "body_sha256")
VERSION_COLUMNS = ("app_version", "schema_version")
#: One row per (recording, rater, field) with a value. ``time``: when the value was set;
#: ``source``: 'human', or 'model' for an accepted suggestion (then ``model_id`` and
#: ``model_version`` name the model); ``condition``: the modality the rater worked under
#: (audio, body or both; empty for ratings made before the project had study settings).
ROW_COLUMNS = (
    "recording", "participant", *MEDIA_COLUMNS, "rater", "condition", "field", "value", "time",
    "source", "model_id", "model_version", *VERSION_COLUMNS)  # fmt: skip
#: One row per recording: raters with any value; validity (share of the raters choosing an
#: emotion who chose the intended one, over ``emotion_raters``: :func:`validity_sql`); the
#: human raters' consensus emotion and the share choosing it (:func:`consensus_sql`); mean
#: scales with their rater counts; the active model's suggestion.
RECORDING_COLUMNS = (
    "recording", "participant", "intended_emotion", *MEDIA_COLUMNS, "duration_s", "raters",
    "emotion_raters", "validity", "consensus", "consensus_agreement", "mean_intensity",
    "intensity_raters", "mean_genuineness", "genuineness_raters", "model_version",
    "model_emotion", "model_confidence", *VERSION_COLUMNS)  # fmt: skip


class ExportError(EmolabError):
    """An export folder or file that cannot be written, or an unknown export format."""


@dataclass(frozen=True)
class ExportReport:
    folder: Path
    files: tuple[Path, ...]  # every file written
    rows: int  # values exported (one per recording, rater and field)
    ratings: int  # (rater, recording) rows of ratings.csv; 0 without csv
    recordings: int
    annotated: int  # recordings with an annotation file (of each annotation format)

    def summary_lines(self) -> list[str]:
        """What an export wrote: a line per file, and per folder of annotation files."""
        said = {LONG_CSV: f"{self.rows} values", SUMMARY_CSV: f"{self.recordings} recordings",
                RATINGS_CSV: f"{self.ratings} ratings, as 'emolab ratings import' reads them",
                JSON_FILE: f"{self.rows} values, {self.recordings} recordings"}  # fmt: skip
        lines = [f"Exported to {self.folder}:"]
        folders: dict[str, int] = {}
        for path in self.files:
            if path.parent == self.folder:
                lines.append(f"  {path.name}: {said[path.name]}")
            else:
                folders[path.parent.name] = folders.get(path.parent.name, 0) + 1
        return lines + [f"  {name}/: {count} files" for name, count in folders.items()]


@dataclass(frozen=True)
class _Recording:
    id: int
    key: str
    participant: str
    intended: str | None
    audio: MediaFile | None
    body: MediaFile | None

    @property
    def duration(self) -> float:
        """Seconds of the audio file, else of the body file (0 without media)."""
        media = self.audio or self.body
        return media.duration if media is not None else 0.0

    def media_cells(self) -> tuple[str, ...]:
        """:data:`MEDIA_COLUMNS`: file names and content hashes ('' for a missing modality)."""
        cells: tuple[str, ...] = ()
        for media in (self.audio, self.body):
            cells += (PureWindowsPath(media.path).name, media.sha256) if media else ("", "")
        return cells


def _recordings(project: Project) -> list[_Recording]:
    media = {(m.recording_id, m.modality): m for m in project.media()}
    return [_Recording(r.id, r.key, r.participant, r.emotion, media.get((r.id, "audio")),
                       media.get((r.id, "body"))) for r in project.recordings()]  # fmt: skip


def _condition(study: str | None) -> str | None:
    """The modality condition a rater worked under, from the study settings JSON stored
    with a rating or an edit (None before studies, or when it cannot be read)."""
    try:
        condition = json.loads(study).get("rater_condition") if study else None
    except (ValueError, AttributeError):
        return None
    return condition if isinstance(condition, str) else None


def _field_edits(project: Project) -> dict[tuple[int, int, str], tuple[str, str | None]]:
    """(recording id, rater id, field) → (when, study settings) of the edit that set the
    field's current value (its newest edit)."""
    # the latest by time, then by row: a merge appends older edits with higher ids
    rows = project.execute(
        "SELECT recording_id, rater_id, field, at, study FROM edit_log WHERE field IN "
        f"({', '.join('?' * len(FIELDS))}) AND rater_id IS NOT NULL ORDER BY at, id",
        FIELDS,
    )
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}  # later rows overwrite


def value_rows(project: Project, recordings: Sequence[_Recording] | None = None) -> list[dict]:
    """One row per (recording, rater, field) with a value, by recording key, rater and
    field; keys :data:`ROW_COLUMNS`, values as stored (scales are ints, absent is None).
    ``time`` and ``condition``: of the edit that set the value (the edit log), else of the
    rating's last change."""
    by_id = {r.id: r for r in (recordings if recordings is not None else _recordings(project))}
    edits = _field_edits(project)
    versions = (__version__, project.format_version)
    out = []
    for rating in project.execute(
        "SELECT t.recording_id, t.rater_id, a.name, t.emotion, t.intensity, t.genuineness, "
        "t.notes, t.emotion_source, t.source_model_id, m.name, t.updated_at, t.study FROM "
        "ratings t JOIN recordings r ON r.id = t.recording_id JOIN raters a ON a.id = "
        "t.rater_id LEFT JOIN models m ON m.id = t.source_model_id ORDER BY r.key, a.name"
    ):
        recording_id, rater_id, rater, *values = rating[:7]
        source, model_id, model_name, *latest = rating[7:]
        recording = by_id[recording_id]
        for name, value in zip(FIELDS, values, strict=True):
            if value is None or value == "":
                continue
            at, study = edits.get((recording_id, rater_id, name), latest)
            by_model = name == "emotion" and source == "model"
            cells = (recording.key, recording.participant, *recording.media_cells(), rater,
                     _condition(study), name, value, at,
                     source if name == "emotion" else "human", model_id if by_model else None,
                     model_name if by_model else None, *versions)  # fmt: skip
            out.append(dict(zip(ROW_COLUMNS, cells, strict=True)))
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _active_suggestions(project: Project) -> tuple[str | None, dict]:
    """The active model's name and its suggestions by recording id (none without one)."""
    from emolab.project.models import active_model_id, suggestions

    model_id = active_model_id(project)
    if model_id is None:
        return None, {}
    name = project.execute("SELECT name FROM models WHERE id = ?", (model_id,)).fetchone()[0]
    return name, {s.recording_id: s for s in suggestions(project, model_id=model_id)}


_SUMMARY_SQL = f"""
SELECT r.id, COALESCE(n.raters, 0), COALESCE(v.raters, 0), v.validity, k.consensus,
       k.agreement, n.mean_i, COALESCE(n.n_i, 0), n.mean_g, COALESCE(n.n_g, 0)
FROM recordings r
LEFT JOIN ({validity_sql()}) v ON v.recording_id = r.id
LEFT JOIN ({consensus_sql()}) k ON k.recording_id = r.id
LEFT JOIN (SELECT recording_id, COUNT(*) AS raters, AVG(intensity) AS mean_i,
                  COUNT(intensity) AS n_i, AVG(genuineness) AS mean_g, COUNT(genuineness) AS n_g
           FROM ratings WHERE emotion IS NOT NULL OR intensity IS NOT NULL
                OR genuineness IS NOT NULL OR notes != '' GROUP BY recording_id) n
     ON n.recording_id = r.id"""


def recording_rows(project: Project, recordings: Sequence[_Recording] | None = None,
                   active: tuple[str | None, dict] | None = None) -> list[dict]:  # fmt: skip
    """One summary row per recording in key order; keys :data:`RECORDING_COLUMNS`."""
    recordings = recordings if recordings is not None else _recordings(project)
    model_name, suggested = active if active is not None else _active_suggestions(project)
    stats = {row[0]: row[1:] for row in project.execute(_SUMMARY_SQL)}
    out = []
    for r in recordings:
        raters, chose, valid, consensus, agreement, mean_i, n_i, mean_g, n_g = stats[r.id]
        s = suggested.get(r.id)
        cells = (r.key, r.participant, r.intended, *r.media_cells(), round(r.duration, 6),
                 raters, chose, _rounded(valid), consensus or None, _rounded(agreement),
                 _rounded(mean_i), n_i, _rounded(mean_g), n_g, model_name if s else None,
                 s.label if s else None, _rounded(s.confidence) if s else None,
                 __version__, project.format_version)  # fmt: skip
        out.append(dict(zip(RECORDING_COLUMNS, cells, strict=True)))
    return out


def _write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """``write(temporary)``, then the temporary file renamed over ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ExportError(f"cannot be written: {exc.strerror or exc}", path) from exc
    return path


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> Path:
    """A UTF-8 CSV with a header; formula-like text quoted as every emolab CSV quotes it."""

    def write(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows([_cell(row[c]) for c in columns] for row in rows)

    return _write_atomically(path, write)


def write_json(path: Path, document: dict) -> Path:
    """A UTF-8 JSON document."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return _write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _prepare_folder(folder: Path) -> Path:
    folder = Path(folder).absolute()
    if folder.exists() and not folder.is_dir():
        raise ExportError("is not a folder; give a folder to export into", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot be created: {exc.strerror or exc}", folder) from exc
    return folder


def export_project(project: Project, folder: str | Path, formats: Sequence[str] = FORMATS,
                   cancel: CancelToken | None = None,
                   ) -> Generator[Progress, None, ExportReport]:  # fmt: skip
    """Export ``formats`` (of :data:`FORMATS`) into ``folder``, created if absent; the files
    of an earlier export there are replaced. Reads the project, never writes it."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown export format {', '.join(map(repr, unknown)) or '(none)'}; "
                          f"choose from {', '.join(FORMATS)}")  # fmt: skip
    folder = _prepare_folder(Path(folder))
    yield Progress(0, 1, "reading ratings", phase="Reading the project")
    recordings = _recordings(project)
    rows = value_rows(project, recordings)
    active = _active_suggestions(project)
    summary = recording_rows(project, recordings, active)
    yield Progress(1, 1, "read", phase="Reading the project")
    files: list[Path] = []
    ratings = 0
    if "csv" in formats:
        files.append(write_csv(folder / LONG_CSV, ROW_COLUMNS, rows))
        files.append(write_csv(folder / SUMMARY_CSV, RECORDING_COLUMNS, summary))
        ratings = export_ratings(project, folder / RATINGS_CSV)
        files.append(folder / RATINGS_CSV)
    if "json" in formats:
        document = {"export_format": EXPORT_FORMAT, "app_version": __version__,
                    "schema_version": project.format_version, "exported_at": utc_now(),
                    "synthetic": project.synthetic, "project": project.path.name,
                    "rows": rows, "recordings": summary}  # fmt: skip
        files.append(write_json(folder / JSON_FILE, document))
    annotated = 0
    if wanted := [f for f in ("eaf", "textgrid") if f in formats]:
        annotated = yield from _write_annotations(project, folder, wanted, recordings, rows,
                                                  active, files, cancel)  # fmt: skip
    return ExportReport(folder, tuple(files), len(rows), ratings, len(recordings), annotated)


def recording_tiers(project: Project, recording: _Recording, rows: Sequence[dict],
                    model_name: str | None, suggestion) -> RecordingTiers:  # fmt: skip
    """A recording's annotation file: each rater's value of each field over the whole
    recording, then the active model's emotion over time; provenance in its properties."""
    tiers = rating_tiers(rows, recording.duration)
    intervals = track_intervals(suggestion.track, recording.duration) if suggestion else ()
    if intervals:
        tiers.append(Tier(MODEL_TIER.format(model=model_name), intervals))
    properties = {"emolab_app_version": __version__,
                  "emolab_schema_version": str(project.format_version), "recording": recording.key,
                  **dict(zip(MEDIA_COLUMNS, recording.media_cells(), strict=True)),
                  "synthetic": "yes" if project.synthetic else "no"}  # fmt: skip
    if intervals:
        properties["model_version"] = str(model_name)
    audio = project.media_path(recording.audio) if recording.audio else None
    return RecordingTiers(recording.key, recording.duration, tuple(tiers), audio, properties)


def _write_annotations(project, folder, wanted, recordings, rows, active, files,
                       cancel) -> Generator[Progress, None, int]:  # fmt: skip
    """An EAF and/or a TextGrid per recording with media; returns how many recordings."""
    for name in wanted:
        _prepare_folder(folder / name)
    by_recording: dict[str, list[dict]] = {}
    for row in rows:
        by_recording.setdefault(row["recording"], []).append(row)
    model_name, suggested = active
    author, taken, phase = f"emolab {__version__}", set(), "Writing annotation files"
    with_media = [r for r in recordings if r.duration > 0]
    for done, recording in enumerate(with_media):
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield Progress(done, len(with_media), recording.key, phase=phase)
        tiers = recording_tiers(project, recording, by_recording.get(recording.key, []),
                                model_name, suggested.get(recording.id))  # fmt: skip
        stem = file_stem(recording.key, taken, recording.id)
        if "eaf" in wanted:
            path = folder / "eaf" / f"{stem}.eaf"
            files.append(_write_atomically(path, lambda p, t=tiers: write_eaf(t, p, author)))
        if "textgrid" in wanted:
            path = folder / "textgrid" / f"{stem}.TextGrid"
            files.append(_write_atomically(path, lambda p, t=tiers: write_textgrid(t, p)))
    yield Progress(len(with_media), len(with_media), "done", phase=phase)
    return len(with_media)
