"""Models and suggestions in the project.

Models live in the project as skops bytes plus a JSON card; the active one makes the
suggestions. Until a project model is trained, the bundled default is copied into the
project on first use (marked ``bundled``) so every suggestion names the model version
that made it. A model is loaded and validated before it is made active; an active model
that no longer loads (a tampered or corrupted row) is set aside for the bundled default,
so a project always opens and predicts. Each activation remembers the model active before
it, so :func:`emolab.project.training.roll_back` can go back; :func:`delete_model` removes
an inactive version. Cards of both formats are read through :mod:`emolab.models.card`.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from emolab.core.errors import ProjectError, UnsafeModel
from emolab.core.progress import CancelToken, Progress
from emolab.models.card import card_classes, card_summary, check_card
from emolab.models.persistence import model_from_bytes, model_to_bytes
from emolab.project.features import extract_features, feature_table
from emolab.project.store import Project, utc_now
from emolab.resources import resource_path

if TYPE_CHECKING:
    from emolab.models.training import TrainedModel

BUNDLED_MODEL = "default"
#: Meta key: JSON list of the models that were active before each activation, oldest first
#: (null: none was); :func:`emolab.project.training.roll_back` goes back along it.
HISTORY_KEY = "model_history"
HISTORY_LENGTH = 100  # activations remembered


@dataclass(frozen=True)
class ModelInfo:
    id: int
    name: str
    fusion: str
    active: bool
    bundled: bool
    created_at: str
    card: dict  # {} when the stored card is broken
    problem: str | None = None  # why the stored card is unusable; None when it is fine
    size: int = 0  # bytes of the stored model

    def summary(self) -> dict:
        """JSON-ready: what ``emolab models --json`` lists and a versions panel shows."""
        entry = {"id": self.id, "name": self.name, "created": self.created_at,
                 "active": self.active, "bundled": self.bundled, "size_bytes": self.size,
                 "problem": self.problem}  # fmt: skip
        if self.problem:
            return {**entry, "fusion": self.fusion}
        return {**entry, **card_summary(self.card)}


@dataclass(frozen=True)
class ActiveModel:
    id: int
    estimator: object
    card: dict
    notice: str | None = None  # set when a broken active model was set aside


@dataclass
class PredictReport:
    """What :func:`predict_missing` did: suggestions added, and anything the user should know
    (such as a broken active model replaced by the bundled default)."""

    added: int
    notices: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.added == 0:
            done = "No suggestions were added."
        else:
            done = f"{self.added} suggestion{'s' if self.added != 1 else ''} added."
        return " ".join([done, *self.notices])


@dataclass(frozen=True)
class Suggestion:
    recording_id: int
    model_id: int
    label: str
    confidence: float
    probabilities: dict[str, float]
    contributions: dict[str, float] | None
    track: dict | None  # {"hop_s", "window_s", "labels", "proba": [[…], …]}
    #: {"outside": bool, "audio": distance, "body": distance} (models.domain); None when
    #: the model's card has no summary of its training data, so nobody can tell
    domain: dict | None = None

    @property
    def outside_training(self) -> bool:
        return bool(self.domain and self.domain.get("outside"))


def bundled_model_files() -> tuple[bytes, dict]:
    """The bundled default model's bytes and card."""
    blob = resource_path("models", f"{BUNDLED_MODEL}.skops").read_bytes()
    card = json.loads(resource_path("models", f"{BUNDLED_MODEL}.card.json").read_text())
    return blob, card


def _parse_card(text: object) -> dict:
    """A stored model card, checked (:func:`~emolab.models.card.check_card`); ValueError
    saying what is wrong with it."""
    if text is None or (isinstance(text, str | bytes) and not text.strip()):
        raise ValueError("its model card is empty")
    try:
        card = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"its model card is not valid JSON ({exc})") from exc
    return check_card(card)


def models(project: Project) -> list[ModelInfo]:
    """Every stored model; one whose card is broken is listed with ``problem`` set."""
    rows = project.execute(
        "SELECT id, name, fusion, active, bundled, created_at, card, length(blob) FROM models "
        "ORDER BY id"
    )
    out = []
    for r in rows:
        try:
            card, problem = _parse_card(r[6]), None
        except ValueError as exc:
            card, problem = {}, str(exc)
        out.append(ModelInfo(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5], card, problem,
                             int(r[7] or 0)))  # fmt: skip
    return out


def _load(project: Project, model_id: int, name: str, blob: object, card: object):
    """(estimator, card) of one stored model, loaded and validated; an EmolabError saying
    why it cannot be used otherwise."""
    from emolab.models.validation import FUSION_TYPES

    source = f"{project.path} (model {model_id})"
    try:
        parsed = _parse_card(card)
    except ValueError as exc:
        raise ProjectError(str(exc), source) from exc
    if not isinstance(blob, bytes):
        raise UnsafeModel("holds no model bytes", source)
    estimator = model_from_bytes(blob, source)
    if not isinstance(estimator, FUSION_TYPES):
        raise UnsafeModel(f"holds a {type(estimator).__name__}, not an emolab fusion model", source)
    predicts, named = [str(c) for c in estimator.classes_], card_classes(parsed)
    if predicts != named:
        raise ProjectError(f"its model card names the classes {named}, but the model "
                           f"predicts {predicts}", source)  # fmt: skip
    if parsed["fusion"] != _fusion_of(estimator):
        raise ProjectError(f"its model card says '{parsed['fusion']}' fusion, but the model "
                           f"is '{_fusion_of(estimator)}'", source)  # fmt: skip
    return estimator, parsed


def _fusion_of(estimator) -> str:
    """The fusion mode of a loaded (validated) fusion model."""
    from emolab.models.fusion import LateFusion, TemporalFusion

    if isinstance(estimator, LateFusion):
        return "late"
    if isinstance(estimator, TemporalFusion):
        return "temporal"
    return str(estimator.modality)


def add_model(project: Project, trained: TrainedModel, activate: bool = True,
              bundled: bool = False, name: str | None = None) -> int:  # fmt: skip
    """Store a trained model (and make it the active one)."""
    blob = model_to_bytes(trained.estimator)
    return _insert(project, blob, trained.card, activate, bundled, name)


def _insert(project, blob, card, activate, bundled, name) -> int:
    with project.transaction():
        count = project.execute("SELECT COUNT(*) FROM models").fetchone()[0]
        name = name or f"v{count + 1} {card['fusion']}/{card['estimator']}"
        cur = project.execute(
            "INSERT INTO models(name, fusion, card, blob, active, bundled, created_at) "
            "VALUES (?, ?, ?, ?, 0, ?, ?)",
            (name, card["fusion"], json.dumps(card), blob, int(bundled), utc_now()),
        )
        model_id = int(cur.lastrowid)
        if activate:
            _switch_active(project, model_id)
        return model_id


def model_history(project: Project) -> list[int | None]:
    """Models active before each activation, oldest first (None: no model was active)."""
    try:
        history = json.loads(project.meta(HISTORY_KEY) or "[]")
    except ValueError:
        return []  # a damaged history only loses the way back, never the models
    if not isinstance(history, list):
        return []
    return [h for h in history if h is None or (isinstance(h, int) and not isinstance(h, bool))]


def set_model_history(project: Project, history: list[int | None]) -> None:
    """Replace the roll-back history (its last ``HISTORY_LENGTH`` entries are kept)."""
    project.set_meta(HISTORY_KEY, json.dumps(history[-HISTORY_LENGTH:]))


def active_model_id(project: Project) -> int | None:
    """Id of the active model; None when none is (the bundled default is then used)."""
    row = project.execute("SELECT id FROM models WHERE active = 1").fetchone()
    return None if row is None else int(row[0])


def _switch_active(project: Project, model_id: int, remember: bool = True) -> None:
    """Make ``model_id`` the active model (in the caller's transaction); with ``remember``,
    the one active before goes on the history that roll-back follows."""
    previous = active_model_id(project)
    if previous == model_id:
        return
    if remember:
        set_model_history(project, [*model_history(project), previous])
    project.execute("UPDATE models SET active = 0 WHERE active = 1")
    project.execute("UPDATE models SET active = 1 WHERE id = ?", (model_id,))


def activate_model(project: Project, model_id: int, remember: bool = True) -> None:
    """Make a stored model the active one, after loading and validating it; a model that
    fails is refused (an EmolabError saying why) and the active model stays as it was.
    With ``remember``, the model active before can be rolled back to."""
    row = project.execute(
        "SELECT id, name, blob, card FROM models WHERE id = ?", (model_id,)
    ).fetchone()
    if row is None:
        raise ProjectError(f"has no model {model_id}", project.path)
    try:
        _load(project, *row)
    except (UnsafeModel, ProjectError) as exc:
        raise type(exc)(
            f"model {model_id} '{row[1]}' was not made active: {exc.reason}", project.path
        ) from exc
    with project.transaction():
        if project.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is None:
            raise ProjectError(f"has no model {model_id}", project.path)
        _switch_active(project, model_id, remember)


def delete_model(project: Project, model_id: int) -> None:
    """Delete a stored model version with its suggestions. The active version and the
    bundled default are refused (:class:`ProjectError` saying why). Ratings that accepted
    one of its suggestions keep their emotion and that a model set it; the edit log keeps
    which version (the rating's own link to the version is cleared)."""
    with project.transaction():
        row = project.execute(
            "SELECT name, active, bundled FROM models WHERE id = ?", (model_id,)
        ).fetchone()
        if row is None:
            raise ProjectError(f"has no model {model_id}", project.path)
        name, active, bundled = row
        if active:
            raise ProjectError(f"model {model_id} '{name}' is the active model; activate "
                               "another version or roll back first", project.path)  # fmt: skip
        if bundled:
            raise ProjectError(f"model {model_id} '{name}' is the bundled default, which "
                               "is not deleted", project.path)  # fmt: skip
        project.execute("UPDATE ratings SET source_model_id = NULL WHERE source_model_id = ?",
                        (model_id,))  # fmt: skip
        project.execute("DELETE FROM suggestions WHERE model_id = ?", (model_id,))
        project.execute("DELETE FROM models WHERE id = ?", (model_id,))
        set_model_history(project, [h for h in model_history(project) if h != model_id])


def active_model(project: Project) -> ActiveModel:
    """The active model, loaded and validated. With none active the bundled default is
    added; an active model that cannot be used is deactivated (never deleted) in favour of
    the bundled default, and ``notice`` says so."""
    row = project.execute("SELECT id, name, blob, card FROM models WHERE active = 1").fetchone()
    notice = None
    if row is not None:
        try:
            estimator, card = _load(project, *row)
            return ActiveModel(int(row[0]), estimator, card)
        except (UnsafeModel, ProjectError) as exc:
            notice = (
                f"Model {row[0]} '{row[1]}' could not be loaded ({exc.reason}); "
                "using the bundled default model instead."
            )
    model_id, estimator, card = _activate_bundled(project, None if row is None else row[0])
    return ActiveModel(model_id, estimator, card, notice)


def use_bundled_model(project: Project, remember: bool = True) -> int:
    """Make the bundled default the active model; returns its id in the project."""
    return _activate_bundled(project, None, remember)[0]


def _activate_bundled(project: Project, broken: int | None,
                      remember: bool = False) -> tuple[int, object, dict]:  # fmt: skip
    """Make the bundled default the active model (reusing an intact copy already in the
    project), deactivating ``broken`` in the same transaction. A fallback is not a choice
    to roll back from, so by default it is not remembered."""
    blob, card = bundled_model_files()
    estimator = model_from_bytes(blob, resource_path("models", f"{BUNDLED_MODEL}.skops"))
    text = json.dumps(card)
    with project.transaction():
        if broken is not None:
            project.execute("UPDATE models SET active = 0 WHERE id = ?", (broken,))
        copy = project.execute(
            "SELECT id FROM models WHERE bundled = 1 AND blob = ? AND card = ? ORDER BY id DESC",
            (blob, text),
        ).fetchone()
        if copy is None:
            model_id = _insert(project, blob, card, False, True, f"bundled {BUNDLED_MODEL}")
        else:
            model_id = int(copy[0])
        _switch_active(project, model_id, remember)
    return model_id, estimator, card


def suggestions(project: Project, recording_id: int | None = None,
                model_id: int | None = None) -> list[Suggestion]:  # fmt: skip
    sql = "SELECT recording_id, model_id, label, confidence, probabilities, contributions, " \
        "track, domain FROM suggestions WHERE 1=1"  # fmt: skip
    params: list = []
    if recording_id is not None:
        sql += " AND recording_id = ?"
        params.append(recording_id)
    if model_id is not None:
        sql += " AND model_id = ?"
        params.append(model_id)
    return [
        Suggestion(r[0], r[1], r[2], r[3], json.loads(r[4]),
                   json.loads(r[5]) if r[5] else None, json.loads(r[6]) if r[6] else None,
                   _domain(r[7]))
        for r in project.execute(sql, params)
    ]  # fmt: skip


def _domain(raw: str | None) -> dict | None:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def domain_rows(card: dict, data) -> list[dict | None]:
    """Per row of ``data``: is the recording like the model's training data
    (:mod:`emolab.models.domain`); None for every row when the card has no summary."""
    from emolab.models import domain

    summary = card.get("domain") if isinstance(card, dict) else None
    if not isinstance(summary, dict) or not ({"audio", "body"} & set(summary)):
        return [None] * len(data)
    try:
        flags = domain.outside(summary, data)
        distances = domain.scores(summary, data)
    except (KeyError, TypeError, ValueError):  # a damaged summary: nobody can tell
        return [None] * len(data)
    return [{"outside": bool(flags[i]),
             **{m: round(float(d[i]), 3) for m, d in distances.items() if np.isfinite(d[i])}}
            for i in range(len(data))]  # fmt: skip


def predict_missing(
    project: Project, jobs: int = 1, cancel: CancelToken | None = None
) -> Generator[Progress, None, PredictReport]:
    """Store a suggestion from the active model for every recording lacking one; returns
    how many were added and any notice (e.g. that a broken active model was replaced by
    the bundled default). Features are extracted first where missing."""
    from emolab.features.windows import HOP_S, WINDOW_S
    from emolab.models.training import predict  # scikit-learn: only when predicting

    active = active_model(project)
    model_id, estimator = active.id, active.estimator
    notices = [active.notice] if active.notice else []
    done = {r[0] for r in project.execute(
        "SELECT recording_id FROM suggestions WHERE model_id = ?", (model_id,))}  # fmt: skip
    recordings = project.recordings()
    todo = [r.id for r in recordings if r.id not in done]
    if not todo:
        return PredictReport(0, notices)
    extraction = yield from extract_features(project, jobs=jobs, cancel=cancel)
    if extraction.failed:
        shown = "; ".join(f"{path}: {why}" for path, why in extraction.failed[:3])
        more = f" (and {len(extraction.failed) - 3} more)" if len(extraction.failed) > 3 else ""
        notices.append(f"{len(extraction.failed)} file(s) could not be read; their "
                       "recordings are suggested from their other modality where they have "
                       f"one, else not at all: {shown}{more}.")  # fmt: skip
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(0, 1, "predicting")
    # whole participants are predicted together so each is normalised by its own statistics
    wanted = set(todo)
    participants = {r.participant for r in recordings if r.id in wanted}
    data = feature_table(project, [r.id for r in recordings if r.participant in participants])
    result = predict(estimator, data)
    domains = dict(zip(data.recording_ids.tolist(), domain_rows(active.card, data), strict=True))
    added = outside = 0
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
                " probabilities, contributions, track, created_at, domain) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (int(rid), model_id, top, probabilities[top], json.dumps(probabilities),
                 json.dumps(contributions) if contributions else None,
                 json.dumps(track) if track else None, utc_now(),
                 json.dumps(domains[int(rid)]) if domains.get(int(rid)) else None),
            )  # fmt: skip
            added += 1
            outside += bool((domains.get(int(rid)) or {}).get("outside"))
    if outside:
        notices.append(f"{outside} of the {added} new suggestions are for recordings unlike "
                       "the model's training data: their probabilities are not calibrated "
                       "for them (each suggestion says so).")  # fmt: skip
    yield Progress(1, 1, "done")
    return PredictReport(added, notices)
