"""The one way a project's labels become a model, and the one way a project is evaluated.

:func:`train` chooses labels (:class:`LabelSource`, :mod:`emolab.project.label_sources`;
:func:`label_counts` counts them for a train dialog), extracts the features that are
missing, evaluates leave-one-participant-out, fits (calibration is part of fitting, see
:mod:`emolab.models.fusion`), stores a model version with its card and activates it;
:func:`roll_back` re-activates the version before. :func:`evaluate_project` is what
``emolab evaluate`` shows. Each long step is a generator that yields :class:`Progress`
(its ``phase`` names the step) and honours a :class:`CancelToken`; nothing is written
until the last step, and no report is yielded after it, so a cancelled or failed run
leaves the project as it was. The CLI and the GUI call these and hold no training logic.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from emolab.core.errors import ProjectError, UnsafeModel
from emolab.core.progress import CancelToken, Progress, phased
from emolab.features.extract import EXTRACTORS
from emolab.models.data import (
    Dataset,
    NotEnoughData,
    data_problem,
    label_problem,
    require_enough_data,
    usable_rows,
)
from emolab.models.evaluation import (
    SEED_RECIPE,
    SEED_RECIPE_DIFFERENCES,
    SPLIT_NAMES,
    EvaluationResult,
    baseline_problem,
    evaluate,
    evaluate_baseline,
)
from emolab.models.modes import DEFAULT_AUDIO_SET, FUSION_MODES
from emolab.models.training import TrainedModel, fit_selected, model_card
from emolab.project.demo import build_demo_project
from emolab.project.features import ExtractReport, extract_features, feature_table
from emolab.project.label_sources import INTENDED as INTENDED
from emolab.project.label_sources import NO_FEATURES, integers, joined_columns, label_table
from emolab.project.label_sources import LabelSource as LabelSource
from emolab.project.label_sources import choose_labels as choose_labels
from emolab.project.models import (
    activate_model,
    active_model_id,
    add_model,
    model_history,
    set_model_history,
    use_bundled_model,
)
from emolab.project.store import Project

EXTRACTING = "Extracting features"
EVALUATING = "Evaluating"
FITTING = "Fitting and calibrating"
STORING = "Storing the model"


def _with_features(project: Project, fusion: str | None = None) -> np.ndarray:
    """Ids of the recordings whose cached features ``fusion`` can use (either modality's by
    default; for 'temporal', a file's windows are cached with its features)."""
    modalities = {"audio": ("audio",), "body": ("body",)}.get(fusion or "", ("audio", "body"))
    (audio_name, audio_version), (body_name, body_version) = EXTRACTORS["audio"], EXTRACTORS["body"]
    [ids] = joined_columns(
        project,
        "SELECT DISTINCT m.recording_id AS c0 FROM media m JOIN feature_cache f "
        "ON f.sha256 = m.sha256 AND f.kind = 'file' "
        "AND f.extractor = CASE m.modality WHEN 'audio' THEN ? ELSE ? END "
        "AND f.version = CASE m.modality WHEN 'audio' THEN ? ELSE ? END "
        f"WHERE m.changed_at IS NULL AND m.modality IN ({', '.join('?' * len(modalities))})",
        (audio_name, body_name, audio_version, body_version, *modalities),
    )
    return integers(ids)


@dataclass(frozen=True)
class LabelCounts:
    """What training on a label source would use: recordings per class (with features),
    the recordings left out counted by reason, and why training could not run (None: it
    can)."""

    per_class: dict[str, int]
    excluded: dict[str, int]
    recordings: int
    participants: int
    problem: str | None


def label_counts(project: Project, source: LabelSource = INTENDED,
                 fusion: str | None = None) -> LabelCounts:  # fmt: skip
    """Usable recordings per class under ``source`` (and ``fusion``'s modalities, by
    default either), without loading features: a few SQL queries, quick enough to call on
    every change of a threshold. Features not yet extracted count as ``no features``."""
    try:
        table = label_table(project, source)
    except ProjectError as exc:
        return LabelCounts({}, {}, 0, 0, f"the project {exc.reason}")
    labelled = table.reasons == ""
    usable = labelled & np.isin(table.ids, _with_features(project, fusion))
    excluded = table.excluded()
    excluded[NO_FEATURES] += int((labelled & ~usable).sum())
    names, people = table.labels[usable], table.participants[usable]
    classes, counts = np.unique(names, return_counts=True)
    features = {"audio": "audio features", "body": "body features"}.get(fusion or "", "features")
    what = f"{source.name} labels and {features}"
    return LabelCounts(
        per_class=dict(zip(classes.tolist(), counts.tolist(), strict=True)),
        excluded={k: v for k, v in sorted(excluded.items()) if v},
        recordings=int(usable.sum()),
        participants=len(np.unique(people)),
        problem=label_problem(names, people, what),
    )


def _labelled(project: Project, source: LabelSource) -> tuple[Dataset, Counter]:
    """Labelled features (see :func:`labelled_features`) and the recordings left out,
    counted by reason."""
    table = label_table(project, source)
    chosen, excluded = table.chosen(), table.excluded()
    if not chosen:
        left_out = ", ".join(f"{n} {why}" for why, n in sorted(excluded.items()))
        raise NotEnoughData(f"no recording has a label ({source.describe()})"
                            + (f": {left_out}" if left_out else ""))  # fmt: skip
    data = feature_table(project, list(chosen))
    data = replace(data, labels=np.array([chosen[int(r)] for r in data.recording_ids]))
    data = data.subset(data.has_audio | data.has_body)
    excluded[NO_FEATURES] += len(chosen) - len(data)
    return data, excluded


def labelled_features(project: Project, source: LabelSource = INTENDED) -> Dataset:
    """Cached features of the recordings that have features and a label under ``source``,
    labelled by it; :class:`NotEnoughData` when no recording has such a label."""
    return _labelled(project, source)[0]


def extract_missing(
    project: Project, jobs: int = 1, cancel: CancelToken | None = None
) -> Generator[Progress, None, ExtractReport]:
    """Compute and cache the features that are missing (``jobs`` worker processes)."""
    return (yield from phased(extract_features(project, jobs=jobs, cancel=cancel), EXTRACTING))


def _with_failures(exc: NotEnoughData, extraction: ExtractReport) -> NotEnoughData:
    """``exc``, saying also which media files had no features (a likely reason)."""
    if not extraction.failed:
        return exc
    path, reason = extraction.failed[0]
    more = f" and {len(extraction.failed) - 1} more" if len(extraction.failed) > 1 else ""
    return NotEnoughData(f"{exc.reason} ({path}{more} had no features: {reason})")


@dataclass(frozen=True)
class TrainingPlan:
    """What to train: a fusion mode, an estimator kind, the labels, and whether to
    evaluate leave-one-participant-out first (the model card's figures)."""

    fusion: str
    kind: str = "default"  # a model kind, 'default' (each part's) or 'auto' (chosen on the data)
    labels: LabelSource = INTENDED
    evaluate_first: bool = True
    audio_set: str = DEFAULT_AUDIO_SET


def build_model(
    data: Dataset,
    plan: TrainingPlan,
    synthetic: bool = False,
    source: str = "",
    cancel: CancelToken | None = None,
    excluded: dict[str, int] | None = None,
) -> Generator[Progress, None, TrainedModel]:
    """Evaluate leave-one-participant-out, fit and calibrate on the rows of ``data`` that
    the plan's fusion mode can learn from, and write the model card: a model ready to
    store. ``excluded`` counts the recordings left out before, by reason (the card adds
    those the fusion mode has no features of). :class:`NotEnoughData` when they have
    fewer than 2 labels, participants, or recordings of a label."""
    fusion, kind = plan.fusion, plan.kind
    require_enough_data(data, fusion)
    usable = usable_rows(data, fusion)
    left_out = Counter(excluded or {})
    left_out[NO_FEATURES] += int((~usable).sum())
    data = data.subset(usable)
    evaluation = None
    if plan.evaluate_first:
        job = evaluate(data, fusion, kind, "participant", cancel, plan.audio_set)
        evaluation = yield from phased(job, EVALUATING)
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(0, 1, f"{fusion}/{kind} on {len(data)} recordings", FITTING)
    estimator, selection = fit_selected(data, fusion, kind, plan.audio_set)
    per_class = Counter(str(label) for label in data.labels)
    card = model_card(data, fusion, kind, estimator, evaluation, synthetic, source,
                      plan.labels.describe(), plan.labels.block(per_class, left_out),
                      plan.audio_set, selection)  # fmt: skip
    return TrainedModel(estimator, card, evaluation)


@dataclass
class TrainReport:
    """What :func:`train` stored."""

    model_id: int
    previous_model_id: int | None  # active before; None when none was (the bundled default)
    activated: bool
    model: TrainedModel
    extraction: ExtractReport


def train(
    project: Project,
    plan: TrainingPlan,
    activate: bool = True,
    jobs: int = 1,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, TrainReport]:
    """Train the ``plan``'s model on the project and store it as a new version, made active
    unless ``activate`` is false. Phases: extracting features (``jobs`` processes),
    evaluating (if the plan says so), fitting and calibrating, storing."""
    extraction = yield from extract_missing(project, jobs, cancel)
    try:
        data, excluded = _labelled(project, plan.labels)
        require_enough_data(data, plan.fusion)
    except NotEnoughData as exc:
        raise _with_failures(exc, extraction) from exc
    trained = yield from build_model(data, plan, project.synthetic, project.path.name, cancel,
                                     excluded)  # fmt: skip
    # the last report: a cancel answered here still leaves the project untouched
    yield Progress(0, 1, "writing the model and its card", STORING)
    if cancel is not None:
        cancel.raise_if_cancelled()
    previous = active_model_id(project)
    model_id = add_model(project, trained, activate=activate)
    return TrainReport(model_id, previous, activate, trained, extraction)


#: Human-labelled recordings (with features) from which retraining on them is offered.
OFFER_MIN_RECORDINGS = 40
#: The raters' labels behind an offer: each recording's majority among its human raters.
OFFER_LABELS = LabelSource("consensus", min_raters=1, min_agreement=0.5)


def retraining_offer(project: Project) -> str | None:
    """A suggestion to retrain when enough recordings have human ratings that the active
    model was not trained on; None when there is nothing to offer (too few ratings, or a
    model already trained on nearly as many of them)."""
    counts = label_counts(project, OFFER_LABELS)
    if counts.problem is not None or counts.recordings < OFFER_MIN_RECORDINGS:
        return None
    row = project.execute("SELECT card FROM models WHERE active = 1").fetchone()
    try:
        card = json.loads(row[0]) if row is not None and row[0] else {}
    except (TypeError, ValueError):  # a damaged card: the model is not one to keep
        card = {}
    card = card if isinstance(card, dict) else {}
    labels = card.get("labels") if isinstance(card.get("labels"), dict) else {}
    source = str(labels.get("source", "intended"))
    trained = labels.get("recordings", 0) if source != "intended" else 0
    if isinstance(trained, int) and trained * 5 >= counts.recordings * 4:
        return None  # trained on at least 80 % of what the raters have labelled now
    training = card.get("training") if isinstance(card.get("training"), dict) else {}
    on = (f"{trained} human-labelled recordings" if source != "intended"
          else "SYNTHETIC data" if training.get("synthetic")
          else "the intended emotions in the file names")  # fmt: skip
    return (f"{counts.recordings} recordings from {counts.participants} participants now "
            f"have human ratings; the active model was trained on {on}. Train a model on "
            "the raters' labels (Model → Train a model, or emolab train --labels consensus) "
            "for suggestions calibrated on this project.")  # fmt: skip


def train_project_file(
    path: str, plan: TrainingPlan, cancel: CancelToken | None = None
) -> Generator[Progress, None, dict]:
    """:func:`train` on the project at ``path`` with a connection of its own, for a child
    process (core.child_process): returns the new version's id, the one active before
    and its card, all JSON."""
    with Project.open(Path(path)) as project:
        report = yield from train(project, plan, cancel=cancel)
    return {"model_id": report.model_id, "previous_model_id": report.previous_model_id,
            "card": report.model.card}  # fmt: skip


def roll_back(project: Project) -> int:
    """Re-activate the model that was active before the current one and return its id; a
    version that no longer loads is passed over, and where no model was active the bundled
    default comes back. :class:`ProjectError` when there is nothing to go back to."""
    with project.transaction():
        history = model_history(project)
        current = active_model_id(project)
        while history:
            previous = history.pop()
            if previous is not None and previous == current:
                continue
            try:
                if previous is None:
                    model_id = use_bundled_model(project, remember=False)
                else:
                    activate_model(project, previous, remember=False)
                    model_id = previous
            except (UnsafeModel, ProjectError):
                continue  # deleted or damaged since: the one before it, then
            set_model_history(project, history)
            return model_id
        set_model_history(project, [])
    raise ProjectError("has no earlier model version to roll back to", project.path)


def train_on_demo(
    plan: TrainingPlan,
    participants: int = 11,
    seed: int = 0,
    jobs: int = 1,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, TrainedModel]:
    """A model trained on a freshly generated synthetic demo corpus, stored nowhere: how
    the bundled default model is made."""
    with tempfile.TemporaryDirectory() as tmp:
        path = yield from build_demo_project(tmp, participants, seed, cancel, reuse=False)
        with Project.open(path) as project:
            yield from extract_missing(project, jobs, cancel)
            data, excluded = _labelled(project, plan.labels)
    source = f"emolab demo --participants {participants} --seed {seed}"
    return (yield from build_model(data, plan, True, source, cancel, excluded))


@dataclass
class EvaluationReport:
    """What :func:`evaluate_project` measured, and what it could not."""

    synthetic: bool
    split: str  # in words
    results: list[EvaluationResult]
    skipped: list[tuple[str, str]]  # (fusion mode, why it could not be evaluated)
    baseline: EvaluationResult | None  # the seed's baseline on the same split
    baseline_random_split: EvaluationResult | None  # the same, OPTIMISTIC
    baseline_skipped: str | None  # why the baseline did not run
    extraction: ExtractReport
    baseline_recipe: str = SEED_RECIPE
    baseline_differences: tuple[str, ...] = SEED_RECIPE_DIFFERENCES
    labels: str = "intended"  # the label source (LabelSource.name)

    def to_dict(self) -> dict:
        return {
            "synthetic": self.synthetic,
            "split": self.split,
            "labels": self.labels,
            "results": [r.to_dict() for r in self.results],
            "skipped": [{"fusion": f, "reason": why} for f, why in self.skipped],
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "baseline_random_split": (
                self.baseline_random_split.to_dict() if self.baseline_random_split else None
            ),
            "baseline_skipped": self.baseline_skipped,
            "baseline_recipe": self.baseline_recipe,
            "baseline_differences": list(self.baseline_differences),
        }


def evaluate_project(
    project: Project,
    fusions: Sequence[str] = FUSION_MODES,
    kind: str = "default",
    split: str = "participant",
    labels: LabelSource = INTENDED,
    jobs: int = 1,
    cancel: CancelToken | None = None,
    audio_set: str = DEFAULT_AUDIO_SET,
) -> Generator[Progress, None, EvaluationReport]:
    """Evaluate each fusion mode on what the project has (participants or collection types
    held out), beside the seed's MFCC baseline when there is audio. With the extended audio
    set, audio-only is also evaluated on the seed's 28 features alone, beside it. A mode the
    data cannot support is skipped with the reason; :class:`NotEnoughData` when none can
    run."""
    extraction = yield from extract_missing(project, jobs, cancel)
    try:
        data = labelled_features(project, labels)
    except NotEnoughData as exc:
        raise _with_failures(exc, extraction) from exc
    results, skipped = [], []
    for fusion in fusions:
        problem = data_problem(data, fusion)
        if problem is not None:
            skipped.append((fusion, problem))
            continue
        sets = [audio_set]
        if fusion == "audio" and audio_set != "seed28":
            sets.append("seed28")  # the seed's 28 are always reported beside
        for features in sets:
            named = fusion if features == audio_set else f"{fusion} ({features})"
            job = phased(evaluate(data, fusion, kind, split, cancel, features),
                         f"Evaluating {named}")  # fmt: skip
            try:
                results.append((yield from job))
            except NotEnoughData as exc:  # a fold of the split that trains on one label
                skipped.append((named, exc.reason))
                break
    if fusions and not results:
        why = "; ".join(f"{f}: {problem}" for f, problem in skipped)
        raise _with_failures(NotEnoughData(f"nothing could be evaluated ({why})"), extraction)
    grouped = optimistic = None
    baseline_skipped = baseline_problem(data)
    if baseline_skipped is None:
        job = phased(evaluate_baseline(data, split, cancel=cancel), "Evaluating the baseline")
        grouped, optimistic = yield from job
    return EvaluationReport(project.synthetic, SPLIT_NAMES[split], results, skipped, grouped,
                            optimistic, baseline_skipped, extraction,
                            labels=labels.name)  # fmt: skip
