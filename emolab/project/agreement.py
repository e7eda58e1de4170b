"""Validity and inter-rater agreement from the raters' choices.

- **Validity** of a recording: the share of raters whose chosen emotion matches the
  intended one (RAVDESS's definition; Livingstone & Russo 2018).
- **Agreement**: Krippendorff's α (``krippendorff`` package), nominal for the emotion and
  ordinal for intensity and genuineness, over every recording rated by at least two
  raters; missing ratings are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.project.store import Project


@dataclass(frozen=True)
class Agreement:
    raters: int
    recordings: int  # rated by at least two raters
    emotion_alpha: float | None  # nominal
    intensity_alpha: float | None  # ordinal
    genuineness_alpha: float | None  # ordinal
    mean_validity: float | None  # over recordings with at least one emotion chosen


def validity_sql(ratings_where: str = "1") -> str:
    """SQL rows (recording_id, validity, raters choosing an emotion) over ratings ``x``."""
    # validity is NULL for a recording without an intended emotion; ratings_where narrows
    # the ratings aggregated (e.g. to the rows the browser lists) so few costs little
    return f"""SELECT x.recording_id,
       CAST(SUM(x.emotion = y.emotion) AS REAL) / COUNT(*) AS validity, COUNT(*) AS raters
FROM ratings x JOIN recordings y ON y.id = x.recording_id
WHERE x.emotion IS NOT NULL AND ({ratings_where})
GROUP BY x.recording_id"""


def validity(project: Project) -> dict[int, tuple[float, int]]:
    """recording id → (share of raters choosing the intended emotion, raters who chose)."""
    rows = project.execute(validity_sql())
    # a recording without an intended emotion has no validity
    return {rid: (share, n) for rid, share, n in rows if share is not None}


def _alpha(matrix: np.ndarray, level: str) -> float | None:
    """α over a raters × recordings matrix (NaN = not rated), or None if undefined."""
    import krippendorff

    usable = (~np.isnan(matrix)).sum(axis=0) >= 2
    data = matrix[:, usable]
    if data.shape[1] == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def agreement(project: Project) -> Agreement:
    """Krippendorff's α of each rating field and the mean validity."""
    rows = project.execute(
        "SELECT rater_id, recording_id, emotion, intensity, genuineness FROM ratings"
    ).fetchall()
    raters = sorted({r[0] for r in rows})
    recordings = sorted({r[1] for r in rows})
    emotions = sorted({r[2] for r in rows if r[2] is not None})
    rater_index = {r: i for i, r in enumerate(raters)}
    recording_index = {r: i for i, r in enumerate(recordings)}
    shape = (len(raters), len(recordings))
    fields = {name: np.full(shape, np.nan) for name in ("emotion", "intensity", "genuineness")}
    for rater, recording, emotion, intensity, genuineness in rows:
        i, j = rater_index[rater], recording_index[recording]
        if emotion is not None:
            fields["emotion"][i, j] = emotions.index(emotion)
        if intensity is not None:
            fields["intensity"][i, j] = intensity
        if genuineness is not None:
            fields["genuineness"][i, j] = genuineness
    shared = int(((~np.isnan(fields["emotion"])).sum(axis=0) >= 2).sum()) if rows else 0
    valid = validity(project)
    return Agreement(
        raters=len(raters),
        recordings=shared,
        emotion_alpha=_alpha(fields["emotion"], "nominal") if rows else None,
        intensity_alpha=_alpha(fields["intensity"], "ordinal") if rows else None,
        genuineness_alpha=_alpha(fields["genuineness"], "ordinal") if rows else None,
        mean_validity=float(np.mean([v for v, _ in valid.values()])) if valid else None,
    )
