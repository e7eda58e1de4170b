"""Import a folder of recordings into a project.

The folder is walked recursively; every media file's name is parsed by the naming
scheme (auto-detected unless given), audio and body files are paired on the recording
key, headers are read and contents hashed. Nothing is written until every file has been
looked at, and then everything is written in one transaction: a cancelled or failed
import leaves the project as it was. Every rejected file is reported with its reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from emolab.core.errors import BadName, CorruptFile, EmolabError, ProjectError
from emolab.core.progress import CancelToken, Progress
from emolab.io.naming import (
    MEDIA_EXTENSIONS,
    NamingScheme,
    ParsedName,
    detect_scheme,
    load_scheme,
)
from emolab.project.media import file_sha256
from emolab.project.store import Project

_ALL_MEDIA = frozenset().union(*MEDIA_EXTENSIONS.values())
_LABEL_FIELDS = ("emotion", "intensity", "statement", "repetition", "collection")


@dataclass
class Rejected:
    path: str
    reason: str


@dataclass
class ImportReport:
    """What an import did; ``rejected`` lists every refused file with its reason."""

    folder: str
    scheme: str = ""
    files_seen: int = 0
    recordings_added: int = 0
    media_added: int = 0
    media_unchanged: int = 0
    media_updated: int = 0  # same recording and modality, new content or location
    paired: int = 0
    audio_only: int = 0
    body_only: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary_lines(self) -> list[str]:
        lines = [
            f"Folder: {self.folder}",
            f"Naming scheme: {self.scheme or '(none recognised)'}",
            f"Files seen: {self.files_seen}",
            f"Recordings added: {self.recordings_added}",
            f"Media files added: {self.media_added}, updated: {self.media_updated}, "
            f"unchanged: {self.media_unchanged}",
            f"In this folder: {self.paired} paired (audio + body), {self.audio_only} audio only, "
            f"{self.body_only} body only",
            f"Rejected: {len(self.rejected)}",
        ]
        lines += [f"  {r.path}: {r.reason}" for r in self.rejected]
        return lines


def media_facts(path: Path, modality: str) -> dict:
    """Facts of a media file read from its content (never from a previous import);
    raises an :class:`EmolabError` on bad input."""
    if modality == "audio":
        from emolab.io.audio import read_audio

        clip = read_audio(path)
        return {
            "format": clip.path.suffix.lower().lstrip(".") if clip.path else "audio",
            "duration": clip.duration,
            "rate": float(clip.samplerate),
            "frames": int(clip.samples.shape[0]),
            "channels": clip.channels,
            "missing_fraction": 0.0,
            "warnings": "[]",
        }
    from emolab.io.motion import read_motion

    motion = read_motion(path)
    return {
        "format": path.suffix.lower().lstrip("."),
        "duration": motion.duration,
        "rate": motion.fps,
        "frames": motion.n_frames,
        "channels": motion.n_joints,
        "missing_fraction": motion.missing_fraction,
        "warnings": json.dumps(list(motion.warnings)),
    }


def read_media(path: Path, modality: str) -> dict:
    """Facts, size, modification time and content hash of one file, all of one version.

    The hash is taken before the content is read, and the file must look the same
    (size, modification time) afterwards: a file written to while it is imported is
    refused rather than stored with one version's hash and another's facts.
    """
    before = path.stat()
    digest = file_sha256(path)
    facts = media_facts(path, modality)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise CorruptFile("changed while it was being imported; import it again", path)
    facts.update(size=before.st_size, mtime=before.st_mtime, sha256=digest)
    return facts


def printable_path(path: str | Path) -> str:
    """A path as text that can be stored and shown: bytes that are not UTF-8 appear as
    ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_problem(path: Path) -> str | None:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "path is not valid UTF-8"
    return None


def find_media_files(folder: Path, skip: set[Path] = frozenset()) -> tuple[list[Path], list[Path]]:
    """Media files below ``folder`` and the other files (both sorted; hidden ones skipped)."""
    found, others = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path in skip:
                continue
            if path.suffix.lower() in _ALL_MEDIA:
                found.append(path)
            else:
                others.append(path)
    return found, others


def import_folder(
    project: Project,
    folder: str | Path,
    scheme: str | NamingScheme | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ImportReport]:
    """Import ``folder`` into ``project``; yields progress, returns an :class:`ImportReport`."""
    folder = Path(folder).absolute()
    report = ImportReport(folder=printable_path(folder))
    if not folder.is_dir():
        raise ProjectError("is not a folder", folder)
    chosen = scheme if isinstance(scheme, NamingScheme) or scheme is None else load_scheme(scheme)
    project_files = {
        project.path,
        *(project.path.with_name(project.path.name + s) for s in ("-wal", "-shm", "-journal")),
    }
    files, others = find_media_files(folder, project_files)
    report.files_seen = len(files) + len(others)
    known = ", ".join(
        f"{m}: {' '.join(sorted(e))}" for m, e in MEDIA_EXTENSIONS.items() if m != "video"
    )
    report.rejected = [
        Rejected(printable_path(p), f"unsupported file type '{p.suffix or '(none)'}' ({known})")
        for p in others
    ]
    if not files:
        return report
    if chosen is None:
        chosen = detect_scheme(files)
        if chosen is None:
            report.rejected += [
                Rejected(printable_path(p), "name follows no known naming scheme") for p in files
            ]
            return report
    report.scheme = chosen.name

    accepted: dict[tuple[str, str], tuple[ParsedName, dict]] = {}
    total = len(files)
    for done, path in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield Progress(done, total, f"Reading {path.name}")
        try:
            problem = _utf8_problem(path)
            if problem:
                # SQLite stores text as UTF-8: such a path could not be written
                raise BadName(problem, path)
            parsed = chosen.parse(path)
            if parsed.modality not in ("audio", "body"):
                raise BadName(f"{parsed.modality} files are not supported", path)
            slot = (str(parsed.key), parsed.modality)
            if slot in accepted:
                first = accepted[slot][0].path
                raise BadName(f"same recording and modality as {first.name}; kept that one", path)
            facts = read_media(path, parsed.modality)
        except EmolabError as exc:
            where = "" if exc.line is None else f"line {exc.line}: "
            report.rejected.append(Rejected(printable_path(path), where + exc.reason))
            continue
        except OSError as exc:
            reason = f"cannot be read: {exc.strerror or exc}"
            report.rejected.append(Rejected(printable_path(path), reason))
            continue
        accepted[slot] = (parsed, facts)
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(total, total, "Writing project")

    modalities_by_key: dict[str, set[str]] = {}
    for key, modality in accepted:
        modalities_by_key.setdefault(key, set()).add(modality)
    for mods in modalities_by_key.values():
        if mods == {"audio", "body"}:
            report.paired += 1
        elif mods == {"audio"}:
            report.audio_only += 1
        else:
            report.body_only += 1

    with project.transaction():
        for (key, modality), (parsed, facts) in accepted.items():
            meanings = parsed.meanings
            collection = meanings.get("collection")
            participant_id = project.ensure_participant(
                parsed.codes[chosen.participant_field], collection
            )
            key_codes = {n: parsed.codes[n] for n in chosen.key_fields}
            labels = {n: meanings.get(n) for n in _LABEL_FIELDS}
            recording_id, new = project.ensure_recording(
                key, chosen.name, participant_id, labels, key_codes
            )
            report.recordings_added += int(new)
            facts["path"] = project.relative_path(parsed.path)
            existing = project.media_of(recording_id, modality)
            if existing is None:
                report.media_added += 1
            elif all(getattr(existing, k) == v for k, v in facts.items()):
                report.media_unchanged += 1
                continue
            else:
                # new content, location or modification time, or facts that this version
                # of emolab reads differently: the row is rewritten from what was just read
                report.media_updated += 1
            project.upsert_media(recording_id, modality, facts)
        project.record_import(report.folder, chosen.name, report.to_dict())
    return report
