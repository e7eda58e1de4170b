"""A project's judgements as agreement reads them (:mod:`emolab.project.agreement`): one
raters × recordings matrix per judged field of the project's rating form, and which
fields each rating holds.

Only a rater's own judgements count: an emotion taken from a model's suggestion
(``emotion_source = 'model'``) is counted apart and is in no matrix. The core fields are
read from ``ratings``, the form's other fields from ``rating_values`` (typed by their
field: a likert value is a number, a choice or yes/no answer a label). Values of fields
the form does not have are not read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from emolab.project.forms import FormField, RatingForm
from emolab.project.store import Project


@dataclass(frozen=True)
class Judgements:
    """The human judgements of a project, per field of its form."""

    raters: tuple[int, ...]  # rater ids of the rows: those with a judgement of their own
    recordings: tuple[int, ...]  # recording ids of the columns: judged by someone
    #: field key → raters × recordings (NaN = not judged); a choice or a yes/no answer is
    #: the index of its label in ``labels[key]``, a likert value the number itself
    fields: dict[str, np.ndarray]
    labels: dict[str, tuple[str, ...]]
    #: (rater id, recording id) → the form's fields the rating holds (emotion: human only)
    made: dict[tuple[int, int], frozenset[str]]
    accepted: Counter[int]  # rater id → emotions taken from a model's suggestion


def _core_values(project: Project, form: RatingForm, values: dict, made: dict,
                 accepted: Counter) -> None:  # fmt: skip
    rows = project.execute(
        "SELECT rater_id, recording_id, emotion, emotion_source, intensity, genuineness, notes "
        "FROM ratings"
    )
    wanted = [k for k in ("intensity", "genuineness") if form.has(k)]
    for rater, recording, emotion, source, intensity, genuineness, notes in rows:
        pair = (rater, recording)
        if emotion is not None:
            if source == "human":
                values["emotion"].append((rater, recording, emotion))
                made[pair].add("emotion")
            elif source == "model":
                accepted[rater] += 1
        for key, value in (("intensity", intensity), ("genuineness", genuineness)):
            if value is not None and key in wanted:
                values[key].append((rater, recording, value))
                made[pair].add(key)
        if notes and form.has("notes"):
            made[pair].add("notes")


def _extra_values(project: Project, form: RatingForm, values: dict, made: dict) -> None:
    extra = {f.key: f for f in form.extra}
    if not extra:
        return
    marks = ", ".join("?" * len(extra))
    rows = project.execute(
        "SELECT rater_id, recording_id, field, value FROM rating_values WHERE value IS NOT NULL "
        f"AND value != '' AND field IN ({marks})",
        tuple(extra),
    )
    for rater, recording, key, text in rows:
        f = extra[key]
        value = f.typed(text)
        if value is None or value == "":
            continue
        made[(rater, recording)].add(key)
        if f.type != "text":
            values[key].append((rater, recording, value))


def _matrix(f: FormField, found: list, where: tuple[dict, dict]) -> tuple[np.ndarray, tuple]:
    rows, columns = where
    matrix = np.full((len(rows), len(columns)), np.nan)
    labels: tuple[str, ...] = ()
    if f.type == "likert":
        for rater, recording, value in found:
            matrix[rows[rater], columns[recording]] = float(value)
    else:
        labels = tuple(sorted({str(v) for _, _, v in found}))
        code = {label: float(i) for i, label in enumerate(labels)}
        for rater, recording, value in found:
            matrix[rows[rater], columns[recording]] = code[str(value)]
    return matrix, labels


def read_judgements(project: Project, form: RatingForm | None = None) -> Judgements:
    """The project's human judgements of every judged field of ``form`` (by default the
    project's form)."""
    form = form or RatingForm.of(project)
    values: dict[str, list[tuple[int, int, object]]] = defaultdict(list)
    made: dict[tuple[int, int], set[str]] = defaultdict(set)
    accepted: Counter[int] = Counter()
    _core_values(project, form, values, made, accepted)
    _extra_values(project, form, values, made)
    judged = form.judged
    pairs = {(r, c) for f in judged for r, c, _ in values.get(f.key, ())}
    raters = tuple(sorted({r for r, _ in pairs}))
    recordings = tuple(sorted({c for _, c in pairs}))
    where = ({r: i for i, r in enumerate(raters)}, {c: j for j, c in enumerate(recordings)})
    fields, labels = {}, {}
    for f in judged:
        fields[f.key], labels[f.key] = _matrix(f, values.get(f.key, []), where)
    return Judgements(raters, recordings, fields, labels,
                      {pair: frozenset(keys) for pair, keys in made.items()}, accepted)  # fmt: skip
