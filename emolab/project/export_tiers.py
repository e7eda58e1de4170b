"""Ratings and the model's emotion over time as annotation tiers: ELAN ``.eaf`` (through
``pympi-ling``) and Praat TextGrid (through ``praatio``), one file per recording.

Times are seconds of the audio file (of the body file when a recording has no audio).
Each rater's value of a field is one annotation spanning the whole recording, on the tier
``RATER/FIELD``. Each rater's segments (time ranges labelled with the form's fields) are
annotations of their time range on the tier ``RATER/FIELD (segments)``, one per field the
segments hold a value of, clipped to the recording; segments of one rater that overlap go
on further tiers ``RATER/FIELD (segments 2)`` … (a Praat interval tier cannot hold
overlapping intervals), each on the first where it fits. The model's tier holds one
interval per run of windows with the same top label: window k covers [k·hop, k·hop +
window] s of the audio and is drawn at its centre ± hop/2, as the main window's emotion
strip draws it, clipped to the recording.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Name of the tier of the active model's emotion over time (its name filled in). No rater
#: tier can take it: every rater tier ends in '/' and a rating field (a field key is
#: letters, digits and _), or in that and " (segments…)".
MODEL_TIER = "emotion over time (model: {model})"
#: Name of a rater's tier of segment labels of one field (lane: 1, 2 … for overlaps).
SEGMENT_TIER = "{rater}/{field} (segments)"
SEGMENT_LANE_TIER = "{rater}/{field} (segments {lane})"

#: MIME types ELAN knows for linked audio, by file suffix.
AUDIO_MIME_TYPES = {
    ".wav": "audio/x-wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".aif": "audio/x-aiff",
    ".aiff": "audio/x-aiff",
}

# characters XML 1.0 cannot hold (most C0 controls, U+FFFE/U+FFFF, lone surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Annotation:
    start: float  # seconds
    end: float  # seconds
    value: str


@dataclass(frozen=True)
class Tier:
    name: str
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True)
class RecordingTiers:
    """What one recording's annotation file holds."""

    key: str
    duration: float  # seconds: of the audio file, else of the body file
    tiers: tuple[Tier, ...]
    audio: Path | None = None  # absolute path of the audio file, linked from the EAF
    properties: dict[str, str] = field(default_factory=dict)  # provenance, in the EAF header


def rater_tier(rater: str, field_name: str) -> str:
    """The tier of one rater's value of one field, e.g. ``ann/emotion``."""
    return f"{rater}/{field_name}"


def segment_tier(rater: str, field_name: str, lane: int = 1) -> str:
    """The tier of one rater's segment labels of one field, e.g. ``ann/emotion (segments)``;
    ``lane`` 2, 3 … hold segments overlapping those of the lanes before."""
    if lane == 1:
        return SEGMENT_TIER.format(rater=rater, field=field_name)
    return SEGMENT_LANE_TIER.format(rater=rater, field=field_name, lane=lane)


def _lanes(annotations: Sequence[Annotation]) -> list[list[Annotation]]:
    """Annotations (by start) in lanes without overlap, each on the first where it fits."""
    lanes: list[list[Annotation]] = []
    for a in annotations:
        lane = next((lane for lane in lanes if lane[-1].end <= a.start), None)
        if lane is None:
            lanes.append([a])
        else:
            lane.append(a)
    return lanes


def rating_tiers(rows: Sequence[dict], duration: float) -> list[Tier]:
    """One tier per value row of the whole recording (``rater``, ``field``, ``value``), its
    one annotation spanning [0, ``duration``] s; then, per rater and field, the tiers of the
    segment rows (``segment``, ``start``, ``end``), each segment clipped to the recording."""
    tiers = [
        Tier(
            rater_tier(row["rater"], row["field"]), (Annotation(0.0, duration, str(row["value"])),)
        )
        for row in rows
        if row.get("segment") is None
    ]
    by_field: dict[tuple[str, str], list[Annotation]] = {}
    for row in rows:
        if row.get("segment") is None or row["field"] is None:
            continue
        start, end = max(0.0, float(row["start"])), min(duration, float(row["end"]))
        if end > start:
            by_field.setdefault((row["rater"], row["field"]), []).append(
                Annotation(start, end, str(row["value"]))
            )
    for (rater, name), spans in by_field.items():
        spans.sort(key=lambda a: (a.start, a.end))
        for lane, found in enumerate(_lanes(spans), start=1):
            tiers.append(Tier(segment_tier(rater, name, lane), tuple(found)))
    return tiers


#: Names Windows reserves for devices, whatever the extension or letter case.
_WINDOWS_DEVICE = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?")


def file_stem(key: str, taken: set[str], recording_id: int) -> str:
    """A recording's annotation file name: its key, characters unsafe in a file name
    replaced, and its id added should two keys meet (``taken`` gathers the names)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", key).lstrip(".") or f"recording-{recording_id}"
    if _WINDOWS_DEVICE.fullmatch(stem):  # Windows cannot create CON.eaf, nul.TextGrid, …
        stem = f"_{stem}"
    if stem.casefold() in taken:  # one file on a case-insensitive disk (macOS, Windows)
        stem = f"{stem}-{recording_id}"
    taken.add(stem.casefold())
    return stem


def annotation_text(value: object) -> str:
    """A value as an annotation holds it: line breaks as '\\n', and characters an XML file
    cannot hold (control characters other than tab and line feed) as U+FFFD."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("\ufffd", text)


def track_intervals(track: dict, duration: float) -> tuple[Annotation, ...]:
    """One annotation per run of windows with the same top label of a suggestion track
    (``{"hop_s", "window_s", "labels", "proba"}``), in seconds of the audio, clipped to
    [0, ``duration``]."""
    proba = np.asarray(track.get("proba") or [], dtype=float)
    if proba.ndim != 2 or len(proba) == 0:
        return ()
    hop, window, labels = float(track["hop_s"]), float(track["window_s"]), track["labels"]
    top = proba.argmax(axis=1)
    starts = np.flatnonzero(np.r_[True, top[1:] != top[:-1]])
    ends = np.r_[starts[1:], len(top)]
    out = []
    for first, stop in zip(starts, ends, strict=True):
        begin = max(0.0, first * hop + window / 2 - hop / 2)
        end = min(duration, (stop - 1) * hop + window / 2 + hop / 2)
        if end - begin > 1e-6:
            out.append(Annotation(round(begin, 6), round(end, 6), str(labels[top[first]])))
    return tuple(out)


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def _relative_url(target: Path, folder: Path) -> str | None:
    """``target`` relative to ``folder`` as ELAN writes it (``./a.wav``, ``../a.wav``); None
    when there is no relative path (another drive)."""
    try:
        relative = Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:
        return None
    return relative if relative.startswith("../") else f"./{relative}"


def write_eaf(recording: RecordingTiers, path: Path, author: str) -> None:
    """Write ``recording``'s tiers as an ELAN annotation document, linked to its audio."""
    from xml.etree import ElementTree

    from pympi import Elan

    eaf = Elan.Eaf(author=author)
    eaf.remove_tier("default")
    if recording.audio is not None:
        eaf.add_linked_file(
            recording.audio.as_uri(),
            relpath=_relative_url(recording.audio, path.parent.absolute()),
            mimetype=AUDIO_MIME_TYPES.get(recording.audio.suffix.lower(), "audio/*"),
        )
    for key, value in recording.properties.items():
        eaf.add_property(key, annotation_text(value))
    end = _milliseconds(recording.duration)
    for tier in recording.tiers:
        name = annotation_text(tier.name)
        eaf.add_tier(name)
        for a in tier.annotations:
            start, stop = _milliseconds(a.start), min(_milliseconds(a.end), end)
            if stop > start:
                eaf.add_annotation(name, start, stop, annotation_text(a.value))
    ElementTree.ElementTree(Elan.to_adocument(eaf, pretty=True)).write(
        path, xml_declaration=True, encoding="UTF-8"
    )


def write_textgrid(recording: RecordingTiers, path: Path) -> None:
    """Write ``recording``'s tiers as a Praat TextGrid (long text format, UTF-8)."""
    from praatio import textgrid
    from praatio.data_classes.interval_tier import IntervalTier

    grid = textgrid.Textgrid(0.0, recording.duration)
    for tier in recording.tiers:
        entries = [(a.start, a.end, annotation_text(a.value)) for a in tier.annotations]
        grid.addTier(IntervalTier(annotation_text(tier.name), entries, 0.0, recording.duration))
    grid.save(str(path), format="long_textgrid", includeBlankSpaces=True, reportingMode="error")
