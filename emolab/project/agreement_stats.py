"""Inter-rater agreement statistics over a raters × recordings matrix (NaN = not rated),
each with a percentile bootstrap interval over recordings. numpy only, vectorised over the
resamples; :mod:`emolab.project.agreement` builds the matrices from a project.

- **Krippendorff's α** (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
  the point estimate comes from the ``krippendorff`` package; the resamples from the
  coincidence matrix, which is a sum over recordings, so a resample is one matrix product.
  Recordings with fewer than two values are not pairable and are left out.
- **Fleiss' κ** (Fleiss 1971), generalised to a varying number of raters per recording as
  Gwet does (2014, *Handbook of Inter-Rater Reliability*, 4th ed.; irrCAC's
  ``fleiss.kappa.raw``): observed agreement = mean over recordings of
  Σ_c n_uc (n_uc − 1) / (n_u (n_u − 1)); chance agreement = Σ_c π_c² with π_c the mean over
  recordings of n_uc / n_u. Both use the recordings with two or more raters only (Gwet's π_c
  also counts recordings with one rater). With the same number of raters everywhere this is
  Fleiss' κ exactly.
- **ICC(2,k)** (Shrout & Fleiss 1979; McGraw & Wong 1996's ICC(A,k)): two-way random
  effects, absolute agreement, reliability of the mean of k raters,
  (MSR − MSE) / (MSR + (MSC − MSE) / n). It needs a complete raters × recordings block;
  :func:`complete_block` chooses it.
- **Each rater against the others** (:func:`leave_one_out_agreement`,
  :func:`leave_one_out_difference`): a choice is compared with the others' consensus (one
  most chosen value), a scale value with the mean of the others' values.
- **Bootstrap**: recordings are drawn with replacement (Efron's percentile interval);
  resamples where a statistic is undefined (e.g. every value the same) are dropped, and no
  interval is given when more than half are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Coverage of every interval.
CONFIDENCE = 0.95
#: An interval needs the statistic defined in at least this share of the resamples.
MIN_DEFINED_SHARE = 0.5
#: Bootstrap draws (resamples × recordings) held in memory at once: a large project is
#: resampled in chunks.
MAX_DRAWS = 1_000_000
#: Above this many distinct rater sets, :func:`complete_block` tries the sets themselves
#: but not their pairwise intersections (which grow with the square of the count).
MAX_INTERSECTED_SETS = 64


@dataclass(frozen=True)
class Estimate:
    """One agreement statistic of one field, with its bootstrap interval."""

    statistic: str  # 'alpha_nominal', 'alpha_ordinal', 'alpha_interval', 'fleiss_kappa', 'icc_2k'
    label: str  # for people, e.g. "Krippendorff's alpha (ordinal)"
    value: float | None  # None: undefined (fewer than two values, no complete block …)
    low: float | None  # bounds of the CONFIDENCE interval, None without one
    high: float | None
    recordings: int  # recordings it was computed over
    raters: int  # raters whose ratings it used
    note: str = ""  # why it is undefined, or which raters an ICC block holds


def bootstrap_draws(units: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """resamples × units indices of units drawn with replacement."""
    return rng.integers(0, units, size=(resamples, units))


def bootstrap(units: int, resamples: int, rng: np.random.Generator,
              statistic: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:  # fmt: skip
    """``statistic`` of each of ``resamples`` resamples of ``units`` recordings, stacked on
    the first axis. It receives the draws (chunk × units, see :func:`bootstrap_draws`) of
    a chunk of resamples small enough that MAX_DRAWS draws are held at once."""
    chunk = max(1, MAX_DRAWS // max(units, 1))
    return np.concatenate([
        statistic(bootstrap_draws(units, min(chunk, resamples - start), rng))
        for start in range(0, resamples, chunk)
    ])  # fmt: skip


def draw_counts(draws: np.ndarray, units: int) -> np.ndarray:
    """resamples × units: how often each unit was drawn in each resample."""
    resamples = draws.shape[0]
    flat = (draws + units * np.arange(resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * units).reshape(resamples, units).astype(float)


def percentile_interval(samples: np.ndarray) -> tuple[float | None, float | None]:
    """The central CONFIDENCE interval of the defined (finite) bootstrap samples."""
    finite = samples[np.isfinite(samples)]
    if len(samples) == 0 or len(finite) < MIN_DEFINED_SHARE * len(samples):
        return None, None
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def value_counts(matrix: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """recordings × values: how many raters gave each value of ``domain`` (sorted) to each
    recording of a raters × recordings ``matrix``."""
    counts = np.zeros((matrix.shape[1], len(domain)))
    raters, units = np.nonzero(~np.isnan(matrix))
    np.add.at(counts, (units, np.searchsorted(domain, matrix[raters, units])), 1)
    return counts


def _squared_distances(level: str, totals: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """δ²(c, k) of Krippendorff's metric: values × values, or resamples × values × values for
    the ordinal metric, which depends on how often each value was given (``totals``)."""
    if level == "nominal":
        return 1.0 - np.eye(len(domain))
    if level == "interval":
        return (domain[:, None] - domain[None, :]).astype(float) ** 2
    if level == "ordinal":
        # Σ_{g=c..k} n_g − (n_c + n_k) / 2, through the running sum of the value totals
        running = np.cumsum(totals, axis=-1)
        spread = (running[..., None, :] - running[..., :, None]
                  + (totals[..., :, None] - totals[..., None, :]) / 2)  # fmt: skip
        return spread**2
    raise ValueError(f"unknown level of measurement {level!r}")


def alpha_resampled(counts: np.ndarray, weights: np.ndarray, level: str,
                    domain: np.ndarray) -> np.ndarray:  # fmt: skip
    """Krippendorff's α for each row of ``weights`` (resamples × recordings: how often each
    recording counts) from the value ``counts`` of pairable recordings; NaN where undefined."""
    size = counts.shape[1]
    pairs = counts.sum(axis=1) - 1
    # each recording's coincidences: n_uc n_uk − [c = k] n_uc, over its pairable values − 1
    per_unit = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(size)
    per_unit /= pairs[:, None, None]
    coincidences = (weights @ per_unit.reshape(len(counts), size * size)).reshape(-1, size, size)
    totals = coincidences.sum(axis=2)
    n = totals.sum(axis=1)
    distances = _squared_distances(level, totals, domain)
    observed = (coincidences * distances).sum(axis=(1, 2))
    expected = (totals[:, :, None] * totals[:, None, :] * distances).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def krippendorff_alpha(matrix: np.ndarray, level: str) -> float | None:
    """α of a raters × values ``matrix`` (NaN = missing) from the ``krippendorff`` package;
    None when fewer than two values are pairable or all pairable values are equal."""
    import krippendorff

    data = matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]
    if data.shape[1] == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def fleiss_kappa_resampled(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fleiss' κ (Gwet's generalisation to varying raters) for each row of ``weights`` from
    the value ``counts`` of recordings with two or more raters; NaN where undefined."""
    raters = counts.sum(axis=1)
    agreement = (counts * (counts - 1)).sum(axis=1) / (raters * (raters - 1))
    shares = counts / raters[:, None]
    used = weights.sum(axis=1)
    observed = weights @ agreement / used
    chance = ((weights @ shares / used[:, None]) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - chance) / (1 - chance)
    return np.where(chance < 1, kappa, np.nan)


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss' κ of recordings × categories ``counts`` (recordings with fewer than two
    raters are left out); None when undefined."""
    counts = counts[counts.sum(axis=1) >= 2]
    if len(counts) == 0:
        return None
    kappa = fleiss_kappa_resampled(counts, np.ones((1, len(counts))))[0]
    return float(kappa) if np.isfinite(kappa) else None


def icc_2k(blocks: np.ndarray) -> np.ndarray:
    """ICC(2,k) of each recordings × raters block in ``blocks`` (… × n × k, complete); NaN
    where undefined (no variance at all)."""
    n, k = blocks.shape[-2:]
    grand = blocks.mean(axis=(-2, -1), keepdims=True)
    rows = blocks.mean(axis=-1, keepdims=True)
    columns = blocks.mean(axis=-2, keepdims=True)
    ms_rows = k * ((rows - grand) ** 2).sum(axis=(-2, -1)) / (n - 1)
    ms_columns = n * ((columns - grand) ** 2).sum(axis=(-2, -1)) / (k - 1)
    ms_error = ((blocks - rows - columns + grand) ** 2).sum(axis=(-2, -1)) / ((n - 1) * (k - 1))
    denominator = ms_rows + (ms_columns - ms_error) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        icc = (ms_rows - ms_error) / denominator
    return np.where(np.abs(denominator) > 1e-12, icc, np.nan)


def complete_block(rated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rater rows and recording columns of a complete block of a raters × recordings
    ``rated`` mask: the set of two or more raters, and the recordings all of them rated,
    with the most ratings (raters × recordings; ties: more raters, then earlier raters).

    Candidates are the rater sets of the recordings and their pairwise intersections (the
    largest complete block in general is a maximum-biclique problem, NP-hard)."""
    by_recording = rated.T
    sets = np.unique(by_recording[by_recording.sum(axis=1) >= 2], axis=0)
    if len(sets) == 0:
        return np.array([], dtype=int), np.array([], dtype=int)
    candidates = [sets]
    if 1 < len(sets) <= MAX_INTERSECTED_SETS:
        candidates.append((sets[:, None, :] & sets[None, :, :]).reshape(-1, rated.shape[0]))
    candidates = np.unique(np.concatenate(candidates), axis=0)
    candidates = candidates[candidates.sum(axis=1) >= 2]
    # recordings holding every rater of a candidate: their ratings among it number its size
    size = candidates.sum(axis=1)
    covered = by_recording.astype(int) @ candidates.T.astype(int) == size
    cells = covered.sum(axis=0) * size
    # lexsort: the last key sorts first; earlier raters win a tie (a True sorts after False)
    best = np.lexsort((*(candidates[:, i] for i in reversed(range(rated.shape[0]))), size, cells))
    choice = best[-1]
    return np.flatnonzero(candidates[choice]), np.flatnonzero(covered[:, choice])


def leave_one_out_agreement(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rater of a raters × recordings matrix of category indices (NaN = not chosen):
    the recordings where the other raters have a consensus (one most chosen category), and
    how many of those the rater's choice matches."""
    compared = np.zeros(matrix.shape[0], dtype=int)
    agrees = np.zeros(matrix.shape[0], dtype=int)
    domain = np.unique(matrix[~np.isnan(matrix)])
    if len(domain) == 0:
        return compared, agrees
    counts = value_counts(matrix, domain)  # recordings × categories
    for rater, row in enumerate(matrix):
        chose = np.flatnonzero(~np.isnan(row))
        own = np.searchsorted(domain, row[chose])
        others = counts[chose]
        others[np.arange(len(chose)), own] -= 1
        top = others.max(axis=1)
        consensus = (top > 0) & ((others == top[:, None]).sum(axis=1) == 1)
        compared[rater] = consensus.sum()
        agrees[rater] = (consensus & (others.argmax(axis=1) == own)).sum()
    return compared, agrees


def leave_one_out_difference(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rater of a raters × recordings matrix of scale values (NaN = not rated): the
    recordings the rater rated that another rater rated too, and the mean absolute
    difference of the rater's value from the mean of the others' (NaN without any)."""
    rated = ~np.isnan(matrix)
    values = np.where(rated, matrix, 0.0)
    others = rated.sum(axis=0)[None, :] - rated  # raters × recordings: how many others
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (values.sum(axis=0)[None, :] - values) / others
    compared_cells = rated & (others > 0)
    compared = compared_cells.sum(axis=1)
    difference = np.where(compared_cells, np.abs(values - np.where(compared_cells, mean, 0)), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mad = difference.sum(axis=1) / compared
    return compared.astype(int), np.where(compared > 0, mad, np.nan)
