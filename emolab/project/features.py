"""Features in the project: extraction with a content-hash cache, and the feature table
models train on.

Cached rows are keyed by (media SHA-256, extractor, extractor version, kind): a changed
file or a new extractor version computes afresh; nothing else does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.features.extract import (
    BASELINE_EXTRACTOR,
    EXTENDED_EXTRACTOR,
    EXTRACTORS,
    MediaFeatures,
    file_features,
)
from emolab.features.windows import align_body_windows
from emolab.models.data import Dataset
from emolab.project.store import MediaFile, Project, utc_now

LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


def _to_blob(array: np.ndarray) -> tuple[str, bytes]:
    array = np.ascontiguousarray(array, dtype="<f4")
    return json.dumps(list(array.shape)), array.tobytes()


def _from_blob(shape: str, data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").reshape(json.loads(shape))


#: Cached kinds of an audio file's extended functionals, stored as the 'file' and 'windows'
#: rows of their own extractor.
EXTENDED_KINDS = {"extended": "file", "extended_windows": "windows"}


def cached(project: Project, sha256: str, modality: str, kind: str) -> np.ndarray | None:
    """A cached array: ``kind`` 'file' or 'windows' of the modality's extractor, or the
    audio-only 'baseline', 'extended' and 'extended_windows'."""
    if kind == "baseline":
        (extractor, version), stored = BASELINE_EXTRACTOR, kind
    elif kind in EXTENDED_KINDS:
        (extractor, version), stored = EXTENDED_EXTRACTOR, EXTENDED_KINDS[kind]
    else:
        (extractor, version), stored = EXTRACTORS[modality], kind
    row = project.execute(
        "SELECT shape, data FROM feature_cache WHERE sha256 = ? AND extractor = ? "
        "AND version = ? AND kind = ?",
        (sha256, extractor, version, stored),
    ).fetchone()
    return None if row is None else _from_blob(row[0], row[1])


def store_features(project: Project, sha256: str, features: MediaFeatures) -> None:
    """Write one file's features to the cache (in the caller's transaction, if any)."""
    extractor, version = EXTRACTORS[features.modality]
    items = [("file", extractor, version, features.vector),
             ("windows", extractor, version, features.windows)]  # fmt: skip
    if features.baseline is not None:
        items.append(("baseline", *BASELINE_EXTRACTOR, features.baseline))
    if features.extended is not None:
        items.append(("file", *EXTENDED_EXTRACTOR, features.extended))
    if features.extended_windows is not None:
        items.append(("windows", *EXTENDED_EXTRACTOR, features.extended_windows))
    for kind, name, ver, array in items:
        shape, blob = _to_blob(array)
        project.execute(
            "INSERT OR REPLACE INTO feature_cache(sha256, extractor, version, kind, shape, data,"
            " flags, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (sha256, name, ver, kind, shape, blob, json.dumps(sorted(features.flags)), utc_now()),
        )


def missing_features(project: Project, files: list[MediaFile] | None = None) -> list[MediaFile]:
    """Media whose features are not cached for the current extractor versions (one per hash)."""
    todo, seen = [], set()
    for media in project.media() if files is None else files:
        if media.sha256 in seen:
            continue
        seen.add(media.sha256)
        if cached(project, media.sha256, media.modality, "file") is None or (
            media.modality == "audio" and cached(project, media.sha256, "audio", "extended") is None
        ):
            todo.append(media)
    return todo


@dataclass
class ExtractReport:
    computed: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


#: One file's features, or the reason they could not be computed.
Computed = MediaFeatures | str
#: Computes the features of (absolute path, modality) items and yields (index, result)
#: pairs as they finish, in any order, checking the cancel token while it waits; closing
#: the generator stops work still running. :func:`compute_locally` is the local one,
#: :func:`emolab.project.dask_extract.cluster_computer` makes one for a Dask cluster.
FeatureComputer = Callable[
    [list[tuple[str, str]], CancelToken | None], Generator[tuple[int, Computed], None, None]
]


def compute_file(path: str, modality: str) -> Computed:
    """One file's features, or why they could not be computed (the reason a failure is
    reported with); runs wherever the file is read (this process, a joblib or Dask worker)."""
    try:
        return file_features(path, modality)
    except EmolabError as exc:
        return exc.reason
    except (OSError, ValueError) as exc:
        return f"features could not be computed: {exc}"


def compute_locally(
    items: list[tuple[str, str]], cancel: CancelToken | None = None, jobs: int = 1, batch: int = 32
) -> Generator[tuple[int, Computed], None, None]:
    """Features of (path, modality) items in this process, one at a time, or (``jobs`` > 1
    and more than ``batch`` items) in joblib worker processes, ``batch`` items at a time."""
    if jobs == 1 or len(items) <= batch:
        for index, (path, modality) in enumerate(items):
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield index, compute_file(path, modality)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs)
    for start in range(0, len(items), batch):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = items[start : start + batch]
        yield from enumerate(parallel(delayed(compute_file)(p, mod) for p, mod in chunk), start)


def extract_features(
    project: Project,
    jobs: int = 1,
    cancel: CancelToken | None = None,
    batch: int = 32,
    computer: FeatureComputer | None = None,
) -> Generator[Progress, None, ExtractReport]:
    """Compute and cache features of every media file lacking them: in this process, in
    ``jobs`` joblib worker processes, or with ``computer`` (a Dask cluster), which is given
    absolute paths. Results are written by the calling thread only, ``batch`` at a time."""
    media = project.media()
    todo = missing_features(project, media)
    report = ExtractReport(cached=len({m.sha256 for m in media}) - len(todo))
    ready = []
    for item in todo:
        status = project.media_status(item)
        if status == "ok":
            ready.append(item)
        else:
            reason = "missing" if status == "missing" else "changed on disk"
            report.failed.append((item.path, f"file is {reason} since import; re-import it"))
    todo = ready
    if computer is None:
        computer = partial(compute_locally, jobs=jobs, batch=batch)
    items = [(str(project.media_path(m).absolute()), m.modality) for m in todo]
    yield Progress(0, len(todo), f"extracting 0/{len(todo)}")
    unwritten: list[tuple[MediaFile, Computed]] = []
    done = 0
    with closing(computer(items, cancel)) as results:
        for index, result in results:
            unwritten.append((todo[index], result))
            done += 1
            if len(unwritten) == batch:
                _write_features(project, unwritten, report)
                unwritten = []
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield Progress(done, len(todo), f"extracting {done}/{len(todo)}")
    _write_features(project, unwritten, report)
    yield Progress(len(todo), len(todo), "done")
    return report


def _write_features(
    project: Project, results: list[tuple[MediaFile, Computed]], report: ExtractReport
) -> None:
    """One transaction of computed features; failures go to the report."""
    with project.transaction():
        for media, result in results:
            if isinstance(result, str):
                report.failed.append((media.path, result))
            else:
                store_features(project, media.sha256, result)
                report.computed += 1


def feature_table(project: Project, recording_ids: list[int] | None = None) -> Dataset:
    """Cached features of the project's recordings (all, or those given), one row each."""
    from emolab.features import audio as A
    from emolab.features import body as B
    from emolab.features import extended as E

    recordings = project.recordings()
    if recording_ids is not None:
        wanted = set(recording_ids)
        recordings = [r for r in recordings if r.id in wanted]
    media = {}
    for m in project.media():
        if m.changed_at is None:  # a file changed since import: its features are stale
            media[(m.recording_id, m.modality)] = m
    n = len(recordings)
    audio = np.full((n, len(A.NAMES)), np.nan, dtype=np.float32)
    body = np.full((n, len(B.NAMES)), np.nan, dtype=np.float32)
    baseline = np.full((n, 40), np.nan, dtype=np.float32)
    extended = np.full((n, len(E.NAMES)), np.nan, dtype=np.float32)
    extended_windows: list[np.ndarray | None] = [None] * n
    audio_windows: list[np.ndarray | None] = [None] * n
    body_windows: list[np.ndarray | None] = [None] * n
    for i, recording in enumerate(recordings):
        a = media.get((recording.id, "audio"))
        b = media.get((recording.id, "body"))
        if a is not None and (vector := cached(project, a.sha256, "audio", "file")) is not None:
            audio[i] = vector
            audio_windows[i] = cached(project, a.sha256, "audio", "windows")
            base = cached(project, a.sha256, "audio", "baseline")
            if base is not None:
                baseline[i] = base
            extra = cached(project, a.sha256, "audio", "extended")
            if extra is not None and extra.shape == (len(E.NAMES),):
                extended[i] = extra
                extended_windows[i] = cached(project, a.sha256, "audio", "extended_windows")
        if b is not None and (vector := cached(project, b.sha256, "body", "file")) is not None:
            body[i] = vector
            windows = cached(project, b.sha256, "body", "windows")
            if audio_windows[i] is not None and windows is not None:
                windows = align_body_windows(windows, len(audio_windows[i]), recording.sync_offset)
            body_windows[i] = windows
    return Dataset(
        recording_ids=np.array([r.id for r in recordings]),
        keys=[r.key for r in recordings],
        labels=np.array([r.emotion or "" for r in recordings]),
        participants=np.array([r.participant for r in recordings]),
        collections=np.array([r.collection or "" for r in recordings]),
        audio=audio, body=body, baseline=baseline,
        audio_windows=audio_windows, body_windows=body_windows,
        extended=extended, extended_windows=extended_windows,
    )  # fmt: skip
