"""The one way a project's labels become a model, and the one way a project is evaluated.

:func:`train` chooses labels (:class:`LabelSource`), extracts the features that are
missing, evaluates leave-one-participant-out, fits (calibration is part of fitting, see
:mod:`emolab.models.fusion`), stores a model version with its card and activates it;
:func:`roll_back` re-activates the version before. :func:`evaluate_project` is what
``emolab evaluate`` shows. Each long step is a generator that yields :class:`Progress`
(its ``phase`` names the step) and honours a :class:`CancelToken`; nothing is written
until the last step, and no report is yielded after it, so a cancelled or failed run
leaves the project as it was. The CLI and the GUI call these and hold no training logic.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from emolab.core.errors import EmolabError, ProjectError, UnsafeModel
from emolab.core.progress import CancelToken, Progress, phased
from emolab.models.data import (
    Dataset,
    NotEnoughData,
    data_problem,
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
from emolab.models.modes import FUSION_MODES
from emolab.models.training import INTENDED_LABELS, TrainedModel, fit, model_card
from emolab.project.demo import build_demo_project
from emolab.project.features import ExtractReport, extract_features, feature_table
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
LABEL_KINDS = ("intended", "consensus", "rater")


@dataclass(frozen=True)
class LabelSource:
    """Where training labels come from: ``intended`` (the emotion in the file name),
    ``consensus`` (human raters agreeing) or ``rater`` (one rater's own choices).

    Only human choices count as ratings: an emotion set by accepting a model suggestion is
    never a training label, so a model cannot learn from its own output.
    """

    kind: str = "intended"
    rater: str = ""  # the rater's name, for kind 'rater'
    min_raters: int = 2  # consensus: human raters who chose an emotion for the recording
    min_agreement: float = 0.5  # consensus: share of them that chose the label (0–1)

    def __post_init__(self) -> None:
        if self.kind not in LABEL_KINDS:
            raise EmolabError(f"unknown label source '{self.kind}' ({', '.join(LABEL_KINDS)})")
        if self.kind == "rater" and not self.rater:
            raise EmolabError("a rater's labels need the rater's name")

    def describe(self) -> str:
        """What the labels are, in words (for the model card)."""
        if self.kind == "intended":
            return INTENDED_LABELS
        if self.kind == "rater":
            return f"emotions chosen by rater '{self.rater}' (accepted suggestions excluded)"
        return (f"consensus of at least {self.min_raters} human raters, the label chosen by "
                f"{self.min_agreement:.0%} or more of them and by more than any other "
                "(accepted suggestions excluded)")  # fmt: skip


INTENDED = LabelSource()


def _human_choices(project: Project, rater: str | None = None) -> list[tuple[int, str]]:
    """(recording id, emotion) of every rating whose emotion a human chose."""
    sql = ("SELECT ratings.recording_id, ratings.emotion FROM ratings "
           "JOIN raters ON raters.id = ratings.rater_id "
           "WHERE ratings.emotion IS NOT NULL AND ratings.emotion_source = 'human'")  # fmt: skip
    params: tuple = ()
    if rater is not None:
        sql += " AND raters.name = ?"
        params = (rater,)
    return [(int(r[0]), str(r[1])) for r in project.execute(sql, params)]


def choose_labels(project: Project, source: LabelSource = INTENDED) -> dict[int, str]:
    """The training label of each recording that has one under ``source``."""
    if source.kind == "intended":
        return {r.id: r.emotion for r in project.recordings() if r.emotion}
    if source.kind == "rater":
        if source.rater not in {name for _, name in project.raters()}:
            raise ProjectError(f"has no rater '{source.rater}'", project.path)
        return dict(_human_choices(project, source.rater))
    votes: dict[int, Counter] = {}
    for recording_id, emotion in _human_choices(project):
        votes.setdefault(recording_id, Counter())[emotion] += 1
    labels = {}
    for recording_id, counter in votes.items():
        raters = sum(counter.values())
        (top, count), *rest = counter.most_common()
        if raters < source.min_raters or count / raters < source.min_agreement:
            continue
        if rest and rest[0][1] == count:  # a tie is no consensus
            continue
        labels[recording_id] = top
    return labels


def labelled_features(project: Project, source: LabelSource = INTENDED) -> Dataset:
    """Cached features of the recordings that have features and a label under ``source``,
    labelled by it; :class:`NotEnoughData` when no recording has such a label."""
    chosen = choose_labels(project, source)
    if not chosen:
        raise NotEnoughData(f"no recording has a label ({source.describe()})")
    data = feature_table(project, list(chosen))
    data = replace(data, labels=np.array([chosen[int(r)] for r in data.recording_ids]))
    return data.subset(data.has_audio | data.has_body)


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
    kind: str = "logreg"
    labels: LabelSource = INTENDED
    evaluate_first: bool = True


def build_model(
    data: Dataset,
    plan: TrainingPlan,
    synthetic: bool = False,
    source: str = "",
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, TrainedModel]:
    """Evaluate leave-one-participant-out, fit and calibrate on the rows of ``data`` that
    the plan's fusion mode can learn from, and write the model card: a model ready to
    store. :class:`NotEnoughData` when they have fewer than 2 labels, participants, or
    recordings of a label."""
    fusion, kind = plan.fusion, plan.kind
    require_enough_data(data, fusion)
    data = data.subset(usable_rows(data, fusion))
    evaluation = None
    if plan.evaluate_first:
        evaluation = yield from phased(evaluate(data, fusion, kind, "participant", cancel),
                                       EVALUATING)  # fmt: skip
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(0, 1, f"{fusion}/{kind} on {len(data)} recordings", FITTING)
    estimator = fit(data, fusion, kind)
    card = model_card(data, fusion, kind, estimator, evaluation, synthetic, source,
                      plan.labels.describe())  # fmt: skip
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
        data = labelled_features(project, plan.labels)
        require_enough_data(data, plan.fusion)
    except NotEnoughData as exc:
        raise _with_failures(exc, extraction) from exc
    trained = yield from build_model(data, plan, project.synthetic, project.path.name, cancel)
    # the last report: a cancel answered here still leaves the project untouched
    yield Progress(0, 1, "writing the model and its card", STORING)
    if cancel is not None:
        cancel.raise_if_cancelled()
    previous = active_model_id(project)
    model_id = add_model(project, trained, activate=activate)
    return TrainReport(model_id, previous, activate, trained, extraction)


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
            data = labelled_features(project, plan.labels)
    source = f"emolab demo --participants {participants} --seed {seed}"
    return (yield from build_model(data, plan, True, source, cancel))


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

    def to_dict(self) -> dict:
        return {
            "synthetic": self.synthetic,
            "split": self.split,
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
    kind: str = "logreg",
    split: str = "participant",
    labels: LabelSource = INTENDED,
    jobs: int = 1,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, EvaluationReport]:
    """Evaluate each fusion mode on what the project has (participants or collection types
    held out), beside the seed's MFCC baseline when there is audio. A mode the data cannot
    support is skipped with the reason; :class:`NotEnoughData` when none can run."""
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
        job = phased(evaluate(data, fusion, kind, split, cancel), f"Evaluating {fusion}")
        results.append((yield from job))
    if fusions and not results:
        why = "; ".join(f"{f}: {problem}" for f, problem in skipped)
        raise _with_failures(NotEnoughData(f"nothing could be evaluated ({why})"), extraction)
    grouped = optimistic = None
    baseline_skipped = baseline_problem(data)
    if baseline_skipped is None:
        job = phased(evaluate_baseline(data, split, cancel=cancel), "Evaluating the baseline")
        grouped, optimistic = yield from job
    return EvaluationReport(project.synthetic, SPLIT_NAMES[split], results, skipped, grouped,
                            optimistic, baseline_skipped, extraction)  # fmt: skip
