"""Models and suggestions in the project.

Models live in the project as skops bytes plus a JSON card; the active one makes the
suggestions. Until a project model is trained, the bundled default is copied into the
project on first use (marked ``bundled``) so every suggestion names the model version
that made it.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from emolab.core.errors import ProjectError
from emolab.core.progress import CancelToken, Progress
from emolab.models.persistence import model_from_bytes, model_to_bytes
from emolab.project.features import extract_features, feature_table
from emolab.project.store import Project, utc_now
from emolab.resources import resource_path

if TYPE_CHECKING:
    from emolab.models.training import TrainedModel

BUNDLED_MODEL = "default"


@dataclass(frozen=True)
class ModelInfo:
    id: int
    name: str
    fusion: str
    active: bool
    bundled: bool
    created_at: str
    card: dict


@dataclass(frozen=True)
class Suggestion:
    recording_id: int
    model_id: int
    label: str
    confidence: float
    probabilities: dict[str, float]
    contributions: dict[str, float] | None
    track: dict | None  # {"hop_s", "window_s", "labels", "proba": [[…], …]}


def bundled_model_files() -> tuple[bytes, dict]:
    """The bundled default model's bytes and card."""
    blob = resource_path("models", f"{BUNDLED_MODEL}.skops").read_bytes()
    card = json.loads(resource_path("models", f"{BUNDLED_MODEL}.card.json").read_text())
    return blob, card


def models(project: Project) -> list[ModelInfo]:
    rows = project.execute(
        "SELECT id, name, fusion, active, bundled, created_at, card FROM models ORDER BY id"
    )
    return [
        ModelInfo(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5], json.loads(r[6])) for r in rows
    ]


def add_model(project: Project, trained: TrainedModel, activate: bool = True,
              bundled: bool = False, name: str | None = None) -> int:  # fmt: skip
    """Store a trained model (and make it the active one)."""
    blob = model_to_bytes(trained.estimator)
    return _insert(project, blob, trained.card, activate, bundled, name)


def _insert(project, blob, card, activate, bundled, name) -> int:
    with project.transaction():
        count = project.execute("SELECT COUNT(*) FROM models").fetchone()[0]
        name = name or f"v{count + 1} {card['fusion']}/{card['estimator']}"
        if activate:
            project.execute("UPDATE models SET active = 0 WHERE active = 1")
        cur = project.execute(
            "INSERT INTO models(name, fusion, card, blob, active, bundled, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, card["fusion"], json.dumps(card), blob, int(activate), int(bundled), utc_now()),
        )
        return int(cur.lastrowid)


def activate_model(project: Project, model_id: int) -> None:
    with project.transaction():
        if project.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is None:
            raise ProjectError(f"has no model {model_id}", project.path)
        project.execute("UPDATE models SET active = 0 WHERE active = 1")
        project.execute("UPDATE models SET active = 1 WHERE id = ?", (model_id,))


def active_model(project: Project) -> tuple[int, object, dict]:
    """(id, estimator, card) of the active model, adding the bundled default if none."""
    row = project.execute("SELECT id, blob, card FROM models WHERE active = 1").fetchone()
    if row is None:
        blob, card = bundled_model_files()
        model_id = _insert(project, blob, card, True, True, f"bundled {BUNDLED_MODEL}")
        row = (model_id, blob, json.dumps(card))
    estimator = model_from_bytes(bytes(row[1]), f"{project.path} (model {row[0]})")
    return int(row[0]), estimator, json.loads(row[2])


def suggestions(project: Project, recording_id: int | None = None,
                model_id: int | None = None) -> list[Suggestion]:  # fmt: skip
    sql = "SELECT recording_id, model_id, label, confidence, probabilities, contributions, track " \
        "FROM suggestions WHERE 1=1"  # fmt: skip
    params: list = []
    if recording_id is not None:
        sql += " AND recording_id = ?"
        params.append(recording_id)
    if model_id is not None:
        sql += " AND model_id = ?"
        params.append(model_id)
    return [
        Suggestion(r[0], r[1], r[2], r[3], json.loads(r[4]),
                   json.loads(r[5]) if r[5] else None, json.loads(r[6]) if r[6] else None)
        for r in project.execute(sql, params)
    ]  # fmt: skip


def predict_missing(
    project: Project, jobs: int = 1, cancel: CancelToken | None = None
) -> Generator[Progress, None, int]:
    """Store a suggestion from the active model for every recording lacking one; returns
    how many were added. Features are extracted first where missing."""
    from emolab.features.windows import HOP_S, WINDOW_S
    from emolab.models.training import predict  # scikit-learn: only when predicting

    model_id, estimator, _ = active_model(project)
    done = {r[0] for r in project.execute(
        "SELECT recording_id FROM suggestions WHERE model_id = ?", (model_id,))}  # fmt: skip
    recordings = project.recordings()
    todo = [r.id for r in recordings if r.id not in done]
    if not todo:
        return 0
    yield from extract_features(project, jobs=jobs, cancel=cancel)
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(0, 1, "predicting")
    # whole participants are predicted together so each is normalised by its own statistics
    wanted = set(todo)
    participants = {r.participant for r in recordings if r.id in wanted}
    data = feature_table(project, [r.id for r in recordings if r.participant in participants])
    result = predict(estimator, data)
    added = 0
    with project.transaction():
        for i, rid in enumerate(result.recording_ids):
            if int(rid) not in wanted or np.isnan(result.proba[i]).any():
                continue
            probabilities = {
                c: float(p) for c, p in zip(result.classes, result.proba[i], strict=True)
            }
            top = max(probabilities, key=probabilities.get)
            contributions = None
            if result.contributions is not None and not np.isnan(result.contributions[i]).any():
                contributions = {"audio": float(result.contributions[i, 0]),
                                 "body": float(result.contributions[i, 1])}  # fmt: skip
            track = None
            if result.tracks[i] is not None:
                track = {"hop_s": HOP_S, "window_s": WINDOW_S, "labels": result.classes,
                         "proba": np.round(result.tracks[i], 4).tolist()}  # fmt: skip
            project.execute(
                "INSERT OR REPLACE INTO suggestions(recording_id, model_id, label, confidence,"
                " probabilities, contributions, track, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (int(rid), model_id, top, probabilities[top], json.dumps(probabilities),
                 json.dumps(contributions) if contributions else None,
                 json.dumps(track) if track else None, utc_now()),
            )  # fmt: skip
            added += 1
    yield Progress(1, 1, "done")
    return added
