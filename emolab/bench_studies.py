"""Benchmark figures of rating studies (part of ``emolab bench``): the demo project with
the bundled ``validity`` rating form, rated by three simulated raters (every field and
one segment per recording), then agreement with intervals, every export format, a
ratings CSV round trip and a merge of another rater's copy, each timed."""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
AT = "2026-11-30T10:00:00.000+00:00"


def _rate(project, raters: tuple[str, ...], seed: int) -> int:
    """Simulated raters: the intended emotion 80 % of the time, an intensity and a
    genuineness near 3, 'yes' to the validity question when they chose the intended
    emotion (else mostly 'no'), and one segment (0.5–1.5 s) with an emotion."""
    from emolab.project.forms import RatingForm, set_project_form
    from emolab.project.ratings import SEGMENT_PREFIX, segment_state_json, write_value

    rng = random.Random(seed)
    n = 0
    set_project_form(project, RatingForm.load("validity"))
    with project.transaction():  # one commit: the figures below are not about writing
        ids = {name: project.ensure_rater(name) for name in raters}
        for recording in project.recordings():
            for name, rater in ids.items():
                emotion = recording.emotion if rng.random() < 0.8 else rng.choice(EMOTIONS)
                valid = "yes" if emotion == recording.emotion else rng.choice(("no", "unsure"))
                segment = {"start": 0.5, "end": 1.5,
                           "fields": {"emotion": rng.choice(EMOTIONS)}}  # fmt: skip
                values = {"emotion": emotion, "valid": valid,
                          "intensity": rng.choice((2, 3, 3, 4)),
                          "genuineness": rng.choice((2, 3, 4)),
                          f"{SEGMENT_PREFIX}{seed}{name}{recording.id}": segment}  # fmt: skip
                for field, value in values.items():
                    write_value(project, recording.id, rater, field, value, AT, None)
                    text = segment_state_json(value) if isinstance(value, dict) else str(value)
                    project.execute(
                        "INSERT INTO edit_log(at, rater_id, recording_id, field, new_value, "
                        "source) VALUES (?,?,?,?,?,'human')",
                        (AT, rater, recording.id, field, text),
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
        out["form"] = json.loads(project.meta("rating_form") or "{}").get("name")
    for path in (target, source):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    return out
