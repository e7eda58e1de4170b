"""Validity and inter-rater agreement from the raters' choices.

- **Validity** of a recording: the share of raters whose chosen emotion matches the
  intended one (RAVDESS's definition; Livingstone & Russo 2018).
- **Agreement** (:func:`agreement_report`): per field, Krippendorff's α (nominal for the
  emotion, ordinal and interval for intensity and genuineness), Fleiss' κ for the emotion
  and ICC(2,k) for the scales, each with a bootstrap interval over recordings (definitions
  and references in :mod:`emolab.project.agreement_stats`); each rater's progress and
  agreement with the other raters' consensus; the distribution of validity.
  :func:`agreement` is the short summary ``emolab info`` prints.

Only human choices count: an accepted model suggestion (``emotion_source = 'model'``) is
not a rater's judgement, so it counts towards neither validity nor any agreement figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from emolab.core.errors import EmolabError
from emolab.project import agreement_stats as stats
from emolab.project.store import Project

#: The rated fields and their kind: a forced choice (nominal) or a 1–5 scale.
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
    recordings: int  # rated by at least two raters
    emotion_alpha: float | None  # nominal
    intensity_alpha: float | None  # ordinal
    genuineness_alpha: float | None  # ordinal
    mean_validity: float | None  # over recordings with at least one emotion chosen


@dataclass(frozen=True)
class FieldAgreement:
    """The agreement statistics of one rated field."""

    field: str  # 'emotion', 'intensity', 'genuineness'
    kind: str  # 'choice' (nominal) or 'scale' (1–5)
    recordings: int  # rated in this field by two or more raters
    raters: int  # who rated this field at least once
    estimates: tuple[stats.Estimate, ...]


@dataclass(frozen=True)
class RaterProgress:
    """One rater's work and how often it matches the other raters' consensus."""

    rater_id: int
    rater: str
    rated: int  # recordings where the rater made at least one choice
    complete: int  # … all three choices (emotion, intensity, genuineness)
    accepted_suggestions: int  # emotions taken from the model, counted in neither
    total: int  # recordings in the project
    compared: int  # rated recordings where the other raters have a consensus emotion
    agrees: int  # … and the rater chose it
    consensus_agreement: float | None  # agrees / compared


@dataclass(frozen=True)
class ValidityDistribution:
    """How valid the recordings are: share of raters choosing the intended emotion."""

    edges: tuple[float, ...]  # bin edges 0, 0.1, …, 1 (the last bin holds 1.0)
    counts: tuple[int, ...]  # recordings per bin
    recordings: int  # with an intended emotion and at least one human choice
    mean: float | None
    median: float | None


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


def validity_sql(ratings_where: str = "1") -> str:
    """SQL rows (recording_id, validity, raters choosing an emotion) over the human
    choices in ratings ``x``."""
    # validity is NULL for a recording without an intended emotion; ratings_where narrows
    # the ratings aggregated (e.g. to the rows the browser lists) so few costs little
    return f"""SELECT x.recording_id,
       CAST(SUM(x.emotion = y.emotion) AS REAL) / COUNT(*) AS validity, COUNT(*) AS raters
FROM ratings x JOIN recordings y ON y.id = x.recording_id
WHERE x.emotion IS NOT NULL AND x.emotion_source = 'human' AND ({ratings_where})
GROUP BY x.recording_id"""


def validity(project: Project) -> dict[int, tuple[float, int]]:
    """recording id → (share of raters choosing the intended emotion, raters who chose)."""
    rows = project.execute(validity_sql())
    # a recording without an intended emotion has no validity
    return {rid: (share, n) for rid, share, n in rows if share is not None}


@dataclass(frozen=True)
class _Matrices:
    """Human choices as raters × recordings matrices (NaN = not chosen)."""

    raters: tuple[int, ...]  # rater ids of the rows: those with a choice of their own
    fields: dict[str, np.ndarray]


def _matrices(project: Project) -> _Matrices:
    rows = project.execute(
        "SELECT rater_id, recording_id, CASE WHEN emotion_source = 'human' THEN emotion END, "
        "intensity, genuineness FROM ratings"
    ).fetchall()
    rows = [r for r in rows if any(v is not None for v in r[2:])]
    raters = sorted({r[0] for r in rows})
    recordings = sorted({r[1] for r in rows})
    labels = sorted({r[2] for r in rows if r[2] is not None})
    code = {label: float(i) for i, label in enumerate(labels)}
    where = {r: i for i, r in enumerate(raters)}, {r: j for j, r in enumerate(recordings)}
    fields = {name: np.full((len(raters), len(recordings)), np.nan) for name, _ in FIELDS}
    for rater, recording, emotion, intensity, genuineness in rows:
        i, j = where[0][rater], where[1][recording]
        for name, value in (("emotion", code.get(emotion)), ("intensity", intensity),
                            ("genuineness", genuineness)):  # fmt: skip
            if value is not None:
                fields[name][i, j] = value
    return _Matrices(tuple(raters), fields)


def agreement(project: Project) -> Agreement:
    """Krippendorff's α of each rating field and the mean validity."""
    data = _matrices(project)
    emotion = data.fields["emotion"]
    valid = validity(project)
    return Agreement(
        raters=len(data.raters),
        recordings=int(((~np.isnan(emotion)).sum(axis=0) >= 2).sum()),
        emotion_alpha=stats.krippendorff_alpha(emotion, "nominal"),
        intensity_alpha=stats.krippendorff_alpha(data.fields["intensity"], "ordinal"),
        genuineness_alpha=stats.krippendorff_alpha(data.fields["genuineness"], "ordinal"),
        mean_validity=float(np.mean([v for v, _ in valid.values()])) if valid else None,
    )


def agreement_report(
    project: Project, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> AgreementReport:
    """Agreement per field with bootstrap intervals (``resamples`` draws of the recordings,
    seeded), each rater's progress and consensus agreement, and the validity distribution."""
    if resamples < MIN_RESAMPLES:
        raise EmolabError(f"a bootstrap interval needs {MIN_RESAMPLES} or more resamples, "
                          f"not {resamples}")  # fmt: skip
    if seed < 0:
        raise EmolabError(f"the seed is a whole number 0 or more, not {seed}")
    data = _matrices(project)
    total = int(project.execute("SELECT COUNT(*) FROM recordings").fetchone()[0])
    fields = tuple(
        _field_agreement(name, kind, data.fields[name], resamples, seed, number)
        for number, (name, kind) in enumerate(FIELDS)
    )
    return AgreementReport(
        recordings=total,
        raters=_progress(project, data, total),
        fields=fields,
        validity=_validity_distribution(project),
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


def _field_agreement(name: str, kind: str, matrix: np.ndarray, resamples: int, seed: int,
                     number: int) -> FieldAgreement:  # fmt: skip
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
    return FieldAgreement(name, kind, len(counts), int(rated.any(axis=1).sum()),
                          tuple(estimates))  # fmt: skip


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


def _progress(project: Project, data: _Matrices, total: int) -> tuple[RaterProgress, ...]:
    compared, agrees = stats.leave_one_out_agreement(data.fields["emotion"])
    matched = {rater: (int(c), int(a)) for rater, c, a in zip(data.raters, compared, agrees,
                                                              strict=True)}  # fmt: skip
    human = "(t.emotion IS NOT NULL AND t.emotion_source = 'human')"
    rows = project.execute(
        f"""SELECT r.id, r.name,
       COALESCE(SUM({human} OR t.intensity IS NOT NULL OR t.genuineness IS NOT NULL), 0),
       COALESCE(SUM({human} AND t.intensity IS NOT NULL AND t.genuineness IS NOT NULL), 0),
       COALESCE(SUM(t.emotion IS NOT NULL AND t.emotion_source = 'model'), 0)
FROM raters r LEFT JOIN ratings t ON t.rater_id = r.id
GROUP BY r.id ORDER BY r.name, r.id"""
    )
    progress = []
    for rater_id, name, rated, complete, accepted in rows:
        c, a = matched.get(rater_id, (0, 0))
        progress.append(RaterProgress(rater_id, name, int(rated), int(complete), int(accepted),
                                      total, c, a, a / c if c else None))  # fmt: skip
    return tuple(progress)


def _validity_distribution(project: Project) -> ValidityDistribution:
    shares = np.array([share for share, _ in validity(project).values()])
    bins = round(1 / VALIDITY_BIN)
    edges = tuple(round(i * VALIDITY_BIN, 10) for i in range(bins + 1))
    # the small tolerance keeps 0.3 (3 of 10 raters) in its own bin despite rounding
    index = np.clip(np.floor(shares / VALIDITY_BIN + 1e-9).astype(int), 0, bins - 1)
    counts = tuple(int(c) for c in np.bincount(index, minlength=bins))
    mean = float(shares.mean()) if len(shares) else None
    median = float(np.median(shares)) if len(shares) else None
    return ValidityDistribution(edges, counts, len(shares), mean, median)
