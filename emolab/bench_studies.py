"""Benchmark figures of rating studies (part of ``emolab bench``): the demo project rated
by three simulated raters, then agreement with intervals, every export format, a ratings
CSV round trip and a merge of another rater's copy, each timed."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
AT = "2026-11-30T10:00:00.000+00:00"


def _rate(project, raters: tuple[str, ...], seed: int) -> int:
    """Simulated raters: the intended emotion 80 % of the time, an intensity near 3."""
    rng = random.Random(seed)
    n = 0
    with project.transaction():  # one commit: the figures below are not about writing
        ids = {name: project.ensure_rater(name) for name in raters}
        for recording in project.recordings():
            for rater in ids.values():
                emotion = recording.emotion if rng.random() < 0.8 else rng.choice(EMOTIONS)
                project.execute(
                    "INSERT INTO ratings(recording_id, rater_id, emotion, intensity, updated_at)"
                    " VALUES (?,?,?,?,?) ON CONFLICT(recording_id, rater_id) DO UPDATE SET "
                    "emotion = excluded.emotion, intensity = excluded.intensity",
                    (recording.id, rater, emotion, rng.choice((2, 3, 3, 4)), AT),
                )
                project.execute(
                    "INSERT INTO edit_log(at, rater_id, recording_id, field, new_value, source) "
                    "VALUES (?,?,?,?,?,'human')",
                    (AT, rater, recording.id, "emotion", emotion),
                )
                n += 1
    return n


def study_figures(demo: Path, tmp: Path, log=print) -> dict:
    """Seconds for agreement, export, ratings CSV round trip and merge on the demo."""
    from emolab.core.progress import run_to_end
    from emolab.project.agreement import agreement_report
    from emolab.project.export import export_project
    from emolab.project.merge import merge_project
    from emolab.project.rating_io import export_ratings, import_ratings
    from emolab.project.store import Project

    target = demo.with_name("study-target.emolab")
    source = demo.with_name("study-source.emolab")
    shutil.copy(demo, target)
    shutil.copy(demo, source)
    out: dict = {}
    with Project.open(source) as project:
        _rate(project, ("dan",), seed=2)
    with Project.open(target) as project:
        out["ratings"] = _rate(project, ("ann", "ben", "cai"), seed=1)
        log("agreement with intervals …")
        start = time.perf_counter()
        report = agreement_report(project)
        out["agreement_s"] = round(time.perf_counter() - start, 3)
        out["agreement_resamples"] = report.resamples
        log("export, every format …")
        start = time.perf_counter()
        exported = run_to_end(export_project(project, tmp / "export"))
        out["export_all_formats_s"] = round(time.perf_counter() - start, 2)
        out["export_files"] = len(exported.files)
        start = time.perf_counter()
        rows = export_ratings(project, tmp / "ratings.csv")
        out["ratings_csv_export_s"] = round(time.perf_counter() - start, 3)
        out["ratings_csv_rows"] = rows
        start = time.perf_counter()
        import_ratings(project, tmp / "ratings.csv")  # the same values: nothing changes
        out["ratings_csv_reimport_s"] = round(time.perf_counter() - start, 3)
        log("merge of another rater's copy …")
        start = time.perf_counter()
        merged = merge_project(project, source)
        out["merge_s"] = round(time.perf_counter() - start, 2)
        out["merge_log_rows_added"] = merged.log_rows_added
    for path in (target, source):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    return out
