"""Validity and inter-rater agreement from the raters' judgements, for every judged field
of the project's rating form (:mod:`emolab.project.forms`).

- **Validity** of a recording: with the form's ``validity`` ``"emotion"``, the share of
  raters whose chosen emotion matches the intended one (RAVDESS's definition; Livingstone
  & Russo 2018); with the key of a yes/no field, the share answering *yes* among the
  raters answering *yes* or *no* (*unsure* is left out), whatever the intended emotion.
- **Agreement** (:func:`agreement_report`): per judged field (not free text), for a
  choice or a yes/no field Krippendorff's α (nominal) and Fleiss' κ, for a likert scale
  α (ordinal and interval) and ICC(2,k), each with a bootstrap interval over recordings
  (definitions and references in :mod:`emolab.project.agreement_stats`); each rater's
  progress (complete: every required field of the form holds a value) and, per field,
  agreement with the other raters: for a choice or yes/no field the share of the
  recordings where the others have a consensus (one most chosen value) that the rater
  chose, for a likert scale the mean absolute difference of the rater's value from the
  mean of the others' values; the distribution of validity. :func:`agreement` is the
  short summary ``emolab info`` prints.

Values are read as :mod:`emolab.project.agreement_data` says. Only human choices count:
an accepted model suggestion (``emotion_source = 'model'``) is not a rater's judgement,
so it counts towards neither validity nor any agreement figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from emolab.core.errors import EmolabError
from emolab.project import agreement_stats as stats
from emolab.project.agreement_data import Judgements, read_judgements
from emolab.project.forms import FormField, RatingForm
from emolab.project.store import Project

#: The fields of the default form and their kind: a forced choice (nominal) or a scale.
#: A project's form says which fields it has (:attr:`RatingForm.judged`).
FIELDS = (("emotion", "choice"), ("intensity", "scale"), ("genuineness", "scale"))
#: Bootstrap resamples unless asked otherwise, and the fewest a percentile interval takes.
DEFAULT_RESAMPLES = 2000
MIN_RESAMPLES = 100
#: Validity histogram: bins of this width from 0 to 1 (the last one holds 1.0).
VALIDITY_BIN = 0.1


class NothingToCompare(EmolabError):
    """No two raters have rated the same recording, so there is no agreement to compute."""


class TooFewRaters(NothingToCompare):
    """Fewer than two raters have rated anything."""


@dataclass(frozen=True)
class Agreement:
    raters: int
    recordings: int  # judged by at least two raters (in some judged field of the form)
    emotion_alpha: float | None  # nominal
    intensity_alpha: float | None  # ordinal
    genuineness_alpha: float | None  # ordinal
    mean_validity: float | None  # over recordings with a validity (see validity())
    #: every judged field of the form: (key, level of measurement, α)
    alphas: tuple[tuple[str, str, float | None], ...] = ()
    validity_basis: str = "emotion"  # the form's validity: 'emotion' or a yes/no field


@dataclass(frozen=True)
class FieldAgreement:
    """The agreement statistics of one rated field."""

    field: str  # the form field's key: 'emotion', 'intensity', 'valid' …
    kind: str  # 'choice' (nominal: a choice or yes/no) or 'scale' (likert)
    recordings: int  # rated in this field by two or more raters
    raters: int  # who rated this field at least once
    estimates: tuple[stats.Estimate, ...]
    type: str = "choice"  # the form field's type: 'choice', 'yesno' or 'likert'
    title: str = ""
    low: int | None = None  # a likert scale's range
    high: int | None = None


@dataclass(frozen=True)
class FieldConsensus:
    """How one rater's judgements of one field compare with the other raters'."""

    field: str
    kind: str  # 'choice' (a choice or yes/no) or 'scale'
    #: choice: the rater's judgements where the others have a consensus (one most chosen
    #: value); scale: the rater's values where another rater rated the recording too
    compared: int
    agrees: int | None  # choice: … and the rater chose that consensus (scale: None)
    share: float | None  # choice: agrees / compared (None when nothing was compared)
    #: scale: mean absolute difference from the mean of the others' values
    mean_abs_difference: float | None = None


@dataclass(frozen=True)
class RaterProgress:
    """One rater's work and how often it matches the other raters' consensus."""

    rater_id: int
    rater: str
    rated: int  # recordings where the rater made at least one judgement
    complete: int  # … where every required field of the form holds a value
    accepted_suggestions: int  # emotions taken from the model, counted in neither
    total: int  # recordings in the project
    compared: int  # rated recordings where the other raters have a consensus emotion
    agrees: int  # … and the rater chose it
    consensus_agreement: float | None  # agrees / compared
    per_field: tuple[FieldConsensus, ...] = ()  # every judged field of the form, in order

    def field(self, key: str) -> FieldConsensus | None:
        return next((f for f in self.per_field if f.field == key), None)


@dataclass(frozen=True)
class ValidityDistribution:
    """How valid the recordings are: the share of raters choosing the intended emotion, or
    answering yes to the form's validity question (``basis``)."""

    edges: tuple[float, ...]  # bin edges 0, 0.1, …, 1 (the last bin holds 1.0)
    counts: tuple[int, ...]  # recordings per bin
    recordings: int  # with an intended emotion and at least one human choice
    mean: float | None
    median: float | None
    basis: str = "emotion"  # 'emotion' or the key of the yes/no field asked


@dataclass(frozen=True)
class AgreementReport:
    """Everything :func:`agreement_report` found; :meth:`to_dict` is JSON-ready."""

    recordings: int  # in the project
    raters: tuple[RaterProgress, ...]  # every rater of the project, by name
    fields: tuple[FieldAgreement, ...]
    validity: ValidityDistribution
    resamples: int
    seed: int
    confidence: float = stats.CONFIDENCE

    @property
    def active_raters(self) -> int:
        """Raters who made at least one choice of their own."""
        return sum(1 for r in self.raters if r.rated)

    @property
    def problem(self) -> str | None:
        """Why there is no agreement to report, or None when there is."""
        if self.active_raters < 2:
            return (f"agreement needs two or more raters; {self.active_raters} of "
                    f"{len(self.raters)} raters have rated recordings so far")  # fmt: skip
        if not any(f.recordings for f in self.fields):
            return "no recording has been rated by two or more raters yet"
        return None

    def check(self) -> None:
        """Raise :class:`TooFewRaters` or :class:`NothingToCompare` if there is no agreement."""
        if self.problem is not None:
            kind = TooFewRaters if self.active_raters < 2 else NothingToCompare
            raise kind(self.problem)

    def to_dict(self) -> dict:
        """The report as plain JSON types (tuples become lists)."""
        data = asdict(self) | {"active_raters": self.active_raters, "problem": self.problem}
        return _plain(data)


def _plain(value: object) -> object:
    """``value`` with tuples as lists, all the way down."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def validity_sql(ratings_where: str = "1", form: RatingForm | None = None) -> str:
    """SQL rows (recording_id, validity, raters) over the ratings ``x``: with ``form``'s
    validity a yes/no field, the share answering yes of the raters answering yes or no;
    otherwise (and without a form) the share of the raters choosing an emotion (human
    choices) who chose the intended one."""
    # ratings_where narrows the ratings aggregated (e.g. to the rows the browser lists)
    key = form.validity if form is not None else "emotion"
    if key != "emotion":
        # a form's field keys are checked identifiers, so the key is inlined
        return f"""SELECT x.recording_id,
       CAST(SUM(v.value = 'yes') AS REAL) / COUNT(*) AS validity, COUNT(*) AS raters
FROM ratings x JOIN rating_values v
     ON v.recording_id = x.recording_id AND v.rater_id = x.rater_id AND v.field = '{key}'
WHERE v.value IN ('yes', 'no') AND ({ratings_where})
GROUP BY x.recording_id"""
    # validity is NULL for a recording without an intended emotion
    return f"""SELECT x.recording_id,
       CAST(SUM(x.emotion = y.emotion) AS REAL) / COUNT(*) AS validity, COUNT(*) AS raters
FROM ratings x JOIN recordings y ON y.id = x.recording_id
WHERE x.emotion IS NOT NULL AND x.emotion_source = 'human' AND ({ratings_where})
GROUP BY x.recording_id"""


def validity(project: Project, form: RatingForm | None = None) -> dict[int, tuple[float, int]]:
    """recording id → (validity, raters it is the share of), by the form's definition
    (:func:`validity_sql`; ``form``: by default the project's)."""
    rows = project.execute(validity_sql(form=form or RatingForm.of(project)))
    # a recording without an intended emotion has no emotion validity
    return {rid: (share, n) for rid, share, n in rows if share is not None}


def _level(f: FormField) -> str:
    return "ordinal" if f.type == "likert" else "nominal"


def _pairable(data: Judgements) -> int:
    """Recordings judged by two or more raters in some field."""
    if not data.fields:
        return 0
    judged = np.stack([~np.isnan(m) for m in data.fields.values()])  # fields × raters × recs
    return int((judged.sum(axis=1) >= 2).any(axis=0).sum())


def agreement(project: Project) -> Agreement:
    """Krippendorff's α of each judged field of the form and the mean validity."""
    form = RatingForm.of(project)
    data = read_judgements(project, form)
    valid = validity(project, form)
    alphas = tuple((f.key, _level(f), stats.krippendorff_alpha(data.fields[f.key], _level(f)))
                   for f in form.judged)  # fmt: skip
    by_key = {key: alpha for key, _, alpha in alphas}
    return Agreement(
        raters=len(data.raters),
        recordings=_pairable(data),
        emotion_alpha=by_key.get("emotion"),
        intensity_alpha=by_key.get("intensity"),
        genuineness_alpha=by_key.get("genuineness"),
        mean_validity=float(np.mean([v for v, _ in valid.values()])) if valid else None,
        alphas=alphas,
        validity_basis=form.validity,
    )


def agreement_report(
    project: Project, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> AgreementReport:
    """Agreement per judged field of the form with bootstrap intervals (``resamples``
    draws of the recordings, seeded), each rater's progress and agreement with the others
    per field, and the validity distribution."""
    if resamples < MIN_RESAMPLES:
        raise EmolabError(f"a bootstrap interval needs {MIN_RESAMPLES} or more resamples, "
                          f"not {resamples}")  # fmt: skip
    if seed < 0:
        raise EmolabError(f"the seed is a whole number 0 or more, not {seed}")
    form = RatingForm.of(project)
    data = read_judgements(project, form)
    total = int(project.execute("SELECT COUNT(*) FROM recordings").fetchone()[0])
    fields = tuple(
        _field_agreement(f, data.fields[f.key], resamples, seed, number)
        for number, f in enumerate(form.judged)
    )
    return AgreementReport(
        recordings=total,
        raters=_progress(project, form, data, total),
        fields=fields,
        validity=_validity_distribution(project, form),
        resamples=resamples,
        seed=seed,
    )


_LABELS = {
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_ordinal": "Krippendorff's alpha (ordinal)",
    "alpha_interval": "Krippendorff's alpha (interval)",
    "fleiss_kappa": "Fleiss' kappa",
    "icc_2k": "ICC(2,k)",
}


def _field_agreement(f: FormField, matrix: np.ndarray, resamples: int, seed: int,
                     number: int) -> FieldAgreement:  # fmt: skip
    # the seed of a field is its place in the form: the default form's are as they were
    kind = "scale" if f.type == "likert" else "choice"
    rated = ~np.isnan(matrix)
    pairable = rated.sum(axis=0) >= 2
    data = matrix[:, pairable]
    raters = int((rated[:, pairable].any(axis=1)).sum())
    domain = np.unique(data[~np.isnan(data)])
    counts = stats.value_counts(data, domain)
    levels = ("nominal",) if kind == "choice" else ("ordinal", "interval")

    def resampled(draws: np.ndarray) -> np.ndarray:
        weights = stats.draw_counts(draws, len(counts))
        samples = [stats.alpha_resampled(counts, weights, level, domain) for level in levels]
        if kind == "choice":
            samples.append(stats.fleiss_kappa_resampled(counts, weights))
        return np.column_stack(samples)

    # every statistic of a field but ICC resamples the same recordings: comparable intervals
    samples = None
    if len(counts):
        rng = np.random.default_rng([seed, number])
        samples = stats.bootstrap(len(counts), resamples, rng, resampled)
    values = [stats.krippendorff_alpha(data, level) for level in levels]
    names = [f"alpha_{level}" for level in levels]
    if kind == "choice":
        values.append(stats.fleiss_kappa(counts))
        names.append("fleiss_kappa")
    estimates = [
        _estimate(name, value, None if samples is None else samples[:, i], len(counts), raters)
        for i, (name, value) in enumerate(zip(names, values, strict=True))
    ]
    if kind == "scale":
        estimates.append(_icc_estimate(matrix, resamples, np.random.default_rng([seed, number, 1])))
    scale = (f.low, f.high) if kind == "scale" else (None, None)
    return FieldAgreement(f.key, kind, len(counts), int(rated.any(axis=1).sum()),
                          tuple(estimates), f.type, f.title, *scale)  # fmt: skip


def _estimate(statistic: str, value: float | None, samples: np.ndarray | None, recordings: int,
              raters: int, note: str = "") -> stats.Estimate:  # fmt: skip
    if value is None or samples is None:
        note = note or ("no recording rated by two or more raters" if recordings == 0
                        else "undefined: every rating is the same")  # fmt: skip
        return stats.Estimate(statistic, _LABELS[statistic], None, None, None, recordings,
                              raters, note)  # fmt: skip
    low, high = stats.percentile_interval(samples)
    if low is None:
        note = note or "no interval: undefined in most resamples"
    return stats.Estimate(statistic, _LABELS[statistic], value, low, high, recordings, raters,
                          note)  # fmt: skip


def _icc_estimate(matrix: np.ndarray, resamples: int, rng: np.random.Generator) -> stats.Estimate:
    rows, columns = stats.complete_block(~np.isnan(matrix))
    if len(rows) < 2 or len(columns) < 2:
        return _estimate("icc_2k", None, None, len(columns), len(rows),
                         "no two raters share two or more rated recordings")  # fmt: skip
    block = matrix[np.ix_(rows, columns)].T  # recordings × raters
    value = float(stats.icc_2k(block))
    if not np.isfinite(value):
        return _estimate("icc_2k", None, None, len(columns), len(rows),
                         "undefined: every rating in the block is the same")  # fmt: skip
    samples = stats.bootstrap(len(columns), resamples, rng, lambda d: stats.icc_2k(block[d]))
    note = f"k = {len(rows)} raters, each of whom rated all {len(columns)} recordings"
    return _estimate("icc_2k", value, samples, len(columns), len(rows), note)


def _consensus(form: RatingForm, data: Judgements) -> dict[int, tuple[FieldConsensus, ...]]:
    """rater id → how their judgements of each judged field compare with the others'."""
    out: dict[int, list[FieldConsensus]] = {rater: [] for rater in data.raters}
    for f in form.judged:
        matrix = data.fields[f.key]
        if f.type == "likert":
            compared, difference = stats.leave_one_out_difference(matrix)
            for rater, c, d in zip(data.raters, compared, difference, strict=True):
                out[rater].append(FieldConsensus(f.key, "scale", int(c), None, None,
                                                 float(d) if c else None))  # fmt: skip
        else:
            compared, agrees = stats.leave_one_out_agreement(matrix)
            for rater, c, a in zip(data.raters, compared, agrees, strict=True):
                out[rater].append(FieldConsensus(f.key, "choice", int(c), int(a),
                                                 a / c if c else None))  # fmt: skip
    return {rater: tuple(found) for rater, found in out.items()}


def _empty_consensus(form: RatingForm) -> tuple[FieldConsensus, ...]:
    return tuple(
        FieldConsensus(f.key, "scale", 0, None, None) if f.type == "likert"
        else FieldConsensus(f.key, "choice", 0, 0, None)
        for f in form.judged
    )  # fmt: skip


def _progress(project: Project, form: RatingForm, data: Judgements,
              total: int) -> tuple[RaterProgress, ...]:  # fmt: skip
    per_field = _consensus(form, data)
    judged = {f.key for f in form.judged}
    required = set(form.required)
    rated: dict[int, int] = {}
    complete: dict[int, int] = {}
    for (rater, _), made in data.made.items():
        if made & judged:
            rated[rater] = rated.get(rater, 0) + 1
        if required and required <= made:
            complete[rater] = complete.get(rater, 0) + 1
    progress = []
    for rater_id, name in project.execute("SELECT id, name FROM raters ORDER BY name, id"):
        fields = per_field.get(rater_id) or _empty_consensus(form)
        emotion = next(f for f in fields if f.field == "emotion")
        progress.append(RaterProgress(
            rater_id, name, rated.get(rater_id, 0), complete.get(rater_id, 0),
            data.accepted[rater_id], total, emotion.compared, emotion.agrees or 0,
            emotion.share, fields))  # fmt: skip
    return tuple(progress)


def _validity_distribution(project: Project, form: RatingForm) -> ValidityDistribution:
    shares = np.array([share for share, _ in validity(project, form).values()])
    bins = round(1 / VALIDITY_BIN)
    edges = tuple(round(i * VALIDITY_BIN, 10) for i in range(bins + 1))
    # the small tolerance keeps 0.3 (3 of 10 raters) in its own bin despite rounding
    index = np.clip(np.floor(shares / VALIDITY_BIN + 1e-9).astype(int), 0, bins - 1)
    counts = tuple(int(c) for c in np.bincount(index, minlength=bins))
    mean = float(shares.mean()) if len(shares) else None
    median = float(np.median(shares)) if len(shares) else None
    return ValidityDistribution(edges, counts, len(shares), mean, median, form.validity)
