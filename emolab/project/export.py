"""A project's ratings taken out for analysis: CSV and JSON rows with provenance, a
summary per recording, and ELAN / Praat annotation files (:mod:`.export_tiers`).

Files written into the export folder (each replaced whole):

- ``ratings_long.csv``: one row per (recording, rater, field) with a value, every field of
  the project's rating form and any other field a rating holds (e.g. merged from a copy
  with another form), then one row per segment (a time range a rater labelled) and field
  of it, with the segment's id and its ``start`` and ``end`` in seconds of the audio (a
  segment without values has one row without a field); columns :data:`ROW_COLUMNS`;
  ``recordings.csv``: one row per recording, :data:`RECORDING_COLUMNS`;
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
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
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
from emolab.project.export_values import (
    _extra_values,
    _field_edits,
    _field_order,
    _segment_values,
)
from emolab.project.forms import RatingForm
from emolab.project.rating_io import _cell, export_ratings
from emolab.project.ratings import FIELDS, SEGMENT_PREFIX
from emolab.project.store import MediaFile, Project, utc_now

FORMATS = ("csv", "json", "eaf", "textgrid")
#: Version of the layout of what an export writes (files, columns, keys, tier names).
#: 2: every field of the rating form, segment rows and tiers, the form's validity.
EXPORT_FORMAT = 2
LONG_CSV, SUMMARY_CSV, RATINGS_CSV = "ratings_long.csv", "recordings.csv", "ratings.csv"
JSON_FILE = "export.json"

MEDIA_COLUMNS = ("audio_file", "audio_sha256", "body_file", "body_sha256")
VERSION_COLUMNS = ("app_version", "schema_version")
#: One row per (recording, rater, field) with a value. ``time``: when the value was set;
#: ``source``: 'human', or 'model' for an accepted suggestion (then ``model_id`` and
#: ``model_version`` name the model); ``condition``: the modality the rater worked under
#: (audio, body or both; empty for ratings made before the project had study settings).
#: ``segment``, ``start``, ``end``: a segment row's id and time range (seconds of the
#: audio), empty for a value of the whole recording.
ROW_COLUMNS = (
    "recording", "participant", *MEDIA_COLUMNS, "rater", "condition", "segment", "start", "end",
    "field", "value", "time", "source", "model_id", "model_version",
    *VERSION_COLUMNS)  # fmt: skip
#: One row per recording: raters with any value of the whole recording; ``emotion_raters``:
#: raters choosing an emotion (human choices); validity by the form's definition
#: (:func:`validity_sql`: the share of the raters choosing an emotion who chose the
#: intended one, or the share answering yes to the form's validity question), over
#: ``validity_raters``; the human
#: raters' consensus emotion and the share choosing it (:func:`consensus_sql`); mean
#: scales with their rater counts; the active model's suggestion.
RECORDING_COLUMNS = (
    "recording", "participant", "intended_emotion", *MEDIA_COLUMNS, "duration_s", "raters",
    "emotion_raters", "validity", "validity_raters", "consensus", "consensus_agreement",
    "mean_intensity", "intensity_raters", "mean_genuineness", "genuineness_raters",
    "model_version", "model_emotion", "model_confidence", *VERSION_COLUMNS)  # fmt: skip


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


def value_rows(project: Project, recordings: Sequence[_Recording] | None = None) -> list[dict]:
    """One row per (recording, rater, field) with a value, by recording key, rater and
    field (the core fields, the form's others, other fields by name), then one per segment
    and field (segments by start time); keys :data:`ROW_COLUMNS`, values as stored and
    typed by the form (scales are ints, absent is None). ``time`` and ``condition``: of the
    edit that set the value (the edit log), else of the value's last change."""
    by_id = {r.id: r for r in (recordings if recordings is not None else _recordings(project))}
    form = RatingForm.of(project)
    order = _field_order(form)
    edits = _field_edits(project)
    versions = (__version__, project.format_version)
    names = dict(project.execute("SELECT id, name FROM raters").fetchall())
    core = {
        (r[0], r[1]): r[2:]
        for r in project.execute(
            "SELECT t.recording_id, t.rater_id, t.emotion, t.intensity, t.genuineness, t.notes, "
            "t.emotion_source, t.source_model_id, m.name, t.updated_at, t.study FROM ratings t "
            "LEFT JOIN models m ON m.id = t.source_model_id"
        )
    }
    extra, segments = _extra_values(project, form), _segment_values(project)
    pairs = sorted({*core, *extra, *segments}, key=lambda p: (by_id[p[0]].key, names[p[1]]))
    out = []
    for pair in pairs:
        recording = by_id[pair[0]]
        head = (recording.key, recording.participant, *recording.media_cells(), names[pair[1]])
        for segment, name, value, (at, study), source, model in _pair_values(
            pair, core.get(pair), extra.get(pair, ()), segments.get(pair, ()), edits, order
        ):
            cells = (*head, _condition(study), *segment, name, value, at, source, *model,
                     *versions)  # fmt: skip
            out.append(dict(zip(ROW_COLUMNS, cells, strict=True)))
    return out


def _pair_values(pair: tuple[int, int], core: tuple | None, extra: Iterable[tuple],
                 segments: Iterable[tuple], edits: dict,
                 order: Callable[[str], tuple]) -> Iterator[tuple]:  # fmt: skip
    """One rater's values of one recording as (segment id, start, end), field, value,
    (when, study), source, (model id, model name)."""
    whole, nobody = (None, None, None), (None, None)
    if core is not None:
        *values, source, model_id, model_name, at, study = core
        for name, value in zip(FIELDS, values, strict=True):
            if value is None or value == "":
                continue
            by_model = name == "emotion" and source == "model"
            yield (whole, name, value, edits.get((*pair, name), (at, study)),
                   source if name == "emotion" else "human",
                   (model_id, model_name) if by_model else nobody)  # fmt: skip
    for name, value, at, study in extra:
        yield whole, name, value, edits.get((*pair, name), (at, study)), "human", nobody
    for uid, start, end, values, at, study in segments:
        when = edits.get((*pair, SEGMENT_PREFIX + uid), (at, study))
        found = sorted(((k, v) for k, v in values.items() if v is not None and v != ""),
                       key=lambda kv: order(kv[0]))  # fmt: skip
        for name, value in found or [(None, None)]:  # a segment without values: one row
            yield (uid, start, end), name, value, when, "human", nobody


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


def _summary_sql(form: RatingForm) -> str:
    return f"""
SELECT r.id, COALESCE(n.raters, 0), COALESCE(n.chose, 0), v.validity, COALESCE(v.raters, 0),
       k.consensus, k.agreement, n.mean_i, COALESCE(n.n_i, 0), n.mean_g, COALESCE(n.n_g, 0)
FROM recordings r
LEFT JOIN ({validity_sql(form=form)}) v ON v.recording_id = r.id
LEFT JOIN ({consensus_sql()}) k ON k.recording_id = r.id
LEFT JOIN (SELECT t.recording_id, COUNT(*) AS raters,
                  SUM(t.emotion IS NOT NULL AND t.emotion_source = 'human') AS chose,
                  AVG(t.intensity) AS mean_i, COUNT(t.intensity) AS n_i,
                  AVG(t.genuineness) AS mean_g, COUNT(t.genuineness) AS n_g
           FROM ratings t WHERE t.emotion IS NOT NULL OR t.intensity IS NOT NULL
                OR t.genuineness IS NOT NULL OR t.notes != '' OR EXISTS (SELECT 1 FROM
                rating_values w WHERE w.recording_id = t.recording_id AND w.rater_id =
                t.rater_id AND w.value IS NOT NULL AND w.value != '')
           GROUP BY t.recording_id) n
     ON n.recording_id = r.id"""


def recording_rows(project: Project, recordings: Sequence[_Recording] | None = None,
                   active: tuple[str | None, dict] | None = None) -> list[dict]:  # fmt: skip
    """One summary row per recording in key order; keys :data:`RECORDING_COLUMNS`."""
    recordings = recordings if recordings is not None else _recordings(project)
    model_name, suggested = active if active is not None else _active_suggestions(project)
    stats = {row[0]: row[1:] for row in project.execute(_summary_sql(RatingForm.of(project)))}
    out = []
    for r in recordings:
        (raters, chose, valid, valid_n, consensus, agreement, mean_i, n_i, mean_g,
         n_g) = stats[r.id]  # fmt: skip
        s = suggested.get(r.id)
        cells = (r.key, r.participant, r.intended, *r.media_cells(), round(r.duration, 6),
                 raters, chose, _rounded(valid), valid_n, consensus or None,
                 _rounded(agreement), _rounded(mean_i), n_i, _rounded(mean_g), n_g,
                 model_name if s else None, s.label if s else None,
                 _rounded(s.confidence) if s else None, __version__,
                 project.format_version)  # fmt: skip
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
    recording, each rater's segment labels per field, then the active model's emotion
    over time; provenance in its properties."""
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
