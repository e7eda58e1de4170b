"""Where training labels come from (:class:`LabelSource`) and which recording gets which
label under it, with the recordings left out counted by reason. Only human choices make
labels; :mod:`emolab.project.training` turns them into a model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from emolab.core.errors import EmolabError, ProjectError
from emolab.models.card import INTENDED_LABELS, labels_block
from emolab.project.store import Project

LABEL_KINDS = ("intended", "consensus", "rater")

# why a recording has no training label (counted per reason in the model card)
NO_HUMAN_RATING = "no human rating"
NOT_RATED = "not rated by the rater"
ONLY_SUGGESTION = "only an accepted suggestion"
TOO_FEW_RATERS = "too few raters"
NO_AGREEMENT = "no agreement"
TIE = "tie"
NO_INTENDED = "no intended emotion"
NO_FEATURES = "no features"


@dataclass(frozen=True)
class LabelSource:
    """Where training labels come from: ``intended`` (the emotion in the file name),
    ``consensus`` (human raters agreeing) or ``rater`` (one rater's own choices).

    Only human choices make labels: an emotion set by accepting a model suggestion is a
    training label only where a human rater chose the same emotion for the recording, so a
    model never learns from its own output alone. Consensus counts human raters only.
    """

    kind: str = "intended"
    rater: str = ""  # the rater's name, for kind 'rater'
    min_raters: int = 2  # consensus: human raters who chose an emotion for the recording
    min_agreement: float = 0.5  # consensus: share of them that chose the label (0–1)

    def __post_init__(self) -> None:
        if self.kind not in LABEL_KINDS:
            raise EmolabError(f"unknown label source '{self.kind}' (intended, consensus or "
                              "rater:NAME)")  # fmt: skip
        if self.kind == "rater" and not self.rater:
            raise EmolabError("a rater's labels need the rater's name (rater:NAME)")
        whole = isinstance(self.min_raters, int) and not isinstance(self.min_raters, bool)
        if not whole or self.min_raters < 1:
            raise EmolabError(f"the minimum number of raters must be 1 or more, not "
                              f"{self.min_raters!r}")  # fmt: skip
        if not 0 <= self.min_agreement <= 1:
            raise EmolabError(f"the minimum agreement is a share from 0 to 1, not "
                              f"{self.min_agreement!r}")  # fmt: skip

    @classmethod
    def parse(cls, text: str, min_raters: int = 2, min_agreement: float = 0.5) -> LabelSource:
        """``intended``, ``consensus`` or ``rater:NAME`` (as the CLI takes it)."""
        kind, _, rater = text.partition(":")
        if kind == "rater":
            return cls("rater", rater.strip(), min_raters, min_agreement)
        if rater:
            raise EmolabError(f"unknown label source '{text}' (intended, consensus or "
                              "rater:NAME)")  # fmt: skip
        return cls(kind, "", min_raters, min_agreement)

    @property
    def name(self) -> str:
        """``intended``, ``consensus`` or ``rater:NAME`` (the model card's ``labels.source``)."""
        return f"rater:{self.rater}" if self.kind == "rater" else self.kind

    def describe(self) -> str:
        """What the labels are, in words (for the model card)."""
        if self.kind == "intended":
            return INTENDED_LABELS
        if self.kind == "rater":
            return (f"emotions chosen by rater '{self.rater}' (an accepted suggestion counts "
                    "only where a human rater chose the same emotion)")  # fmt: skip
        return (f"consensus of at least {self.min_raters} human raters, the label chosen by "
                f"{self.min_agreement:.0%} or more of them and by more than any other "
                "(accepted suggestions excluded)")  # fmt: skip

    def block(self, per_class: dict[str, int], excluded: dict[str, int]) -> dict:
        """The model card's ``labels`` entry for these counts."""
        consensus = self.kind == "consensus"
        return labels_block(self.name, per_class, excluded,
                            self.min_raters if consensus else None,
                            self.min_agreement if consensus else None)  # fmt: skip


INTENDED = LabelSource()


@dataclass(frozen=True)
class LabelTable:
    """Every recording of a project (arrays in one order) with its label under a source:
    ``labels`` '' and ``reasons`` saying why where it has none."""

    ids: np.ndarray  # recording ids (int)
    participants: np.ndarray  # participant codes (str)
    labels: np.ndarray  # str; '' where there is no label
    reasons: np.ndarray  # str; '' where there is a label

    def chosen(self) -> dict[int, str]:
        """{recording id: label} of the recordings with a label."""
        rows = self.reasons == ""
        return dict(zip(self.ids[rows].tolist(), self.labels[rows].tolist(), strict=True))

    def excluded(self, rows: np.ndarray | None = None) -> Counter:
        """Recordings without a label (among ``rows``), counted by reason."""
        reasons = self.reasons if rows is None else self.reasons[rows]
        return Counter(reasons[reasons != ""].tolist())


_SEPARATOR = "\x1f"  # the unit separator: not printable, so in no label, name or code


def joined_columns(project: Project, sql: str, params: tuple = (), n: int = 1) -> list[str | None]:
    """The ``n`` columns (named c0, c1, …) of a query, each as one string of its values
    joined by the unit separator (NULL as ''; None when there are no rows). Building a
    Python row per recording costs more than the query itself on a large project."""
    joined = ", ".join(f"group_concat(ifnull(c{i}, ''), '{_SEPARATOR}')" for i in range(n))
    return list(project.execute(f"SELECT {joined} FROM ({sql})", params).fetchone())


def integers(column: str | None) -> np.ndarray:
    """A :func:`joined_columns` column of integers as an array."""
    return np.fromstring(column or "", dtype=np.int64, sep=_SEPARATOR)


def _texts(column: str | None) -> list[str]:
    return [] if column is None else column.split(_SEPARATOR)


def _codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(distinct texts, the index of each text among them)."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(t, len(index)) for t in texts), np.int64, len(texts))
    return np.array(list(index), dtype=str), codes


def label_table(project: Project, source: LabelSource) -> LabelTable:
    """Each recording's label under ``source``, or why it has none: a few queries and
    array arithmetic, so it can run on every change of a threshold."""
    ids, emotions, person = joined_columns(project, "SELECT id AS c0, emotion AS c1, "
                                           "participant_id AS c2 FROM recordings", n=3)  # fmt: skip
    ids = integers(ids)
    order = np.argsort(ids)
    ids = ids[order]
    codes = dict(project.execute("SELECT id, code FROM participants").fetchall())
    known, index = np.unique(integers(person)[order], return_inverse=True)
    people = np.array([str(codes[int(k)]) for k in known], dtype=str)[index]
    if source.kind == "intended":
        labels = np.array(_texts(emotions), dtype=str)[order]
        reasons = np.where(labels == "", NO_INTENDED, "")
        return LabelTable(ids, people, labels, reasons)
    rater_id = -1
    if source.kind == "rater":
        row = project.execute("SELECT id FROM raters WHERE name = ?", (source.rater,)).fetchone()
        if row is None:
            raise ProjectError(f"has no rater '{source.rater}'", project.path)
        rater_id = int(row[0])
    rated, chosen, by_human, by_rater = joined_columns(
        project, "SELECT recording_id AS c0, emotion AS c1, emotion_source = 'human' AS c2, "
        "rater_id = ? AS c3 FROM ratings WHERE emotion IS NOT NULL", (rater_id,), n=4,
    )  # fmt: skip
    where = np.searchsorted(ids, integers(rated))
    names, emotion = _codes(_texts(chosen))
    human = integers(by_human) == 1
    n, k = len(ids), max(len(names), 1)
    votes = np.bincount(where[human] * k + emotion[human], minlength=n * k).reshape(n, k)
    if source.kind == "rater":
        reasons = np.full(n, NOT_RATED, dtype=object)
        labels = np.full(n, "", dtype=object)
        mine = integers(by_rater) == 1
        at, theirs = where[mine], emotion[mine]
        # an accepted suggestion counts where a human rater chose the same emotion
        backed = human[mine] | (votes[at, theirs] > 0)
        reasons[at] = np.where(backed, "", ONLY_SUGGESTION)
        labels[at] = np.where(backed, names[theirs], "")
        return LabelTable(ids, people, labels.astype(str), reasons.astype(str))
    accepted = np.bincount(where[~human], minlength=n) > 0
    voters = votes.sum(axis=1)
    top = votes.max(axis=1)
    share = np.divide(top, voters, out=np.zeros(n), where=voters > 0)
    tied = (votes == top[:, None]).sum(axis=1) > 1
    reasons = np.select(
        [(voters == 0) & accepted, voters == 0, voters < source.min_raters,
         share < source.min_agreement, tied],
        [ONLY_SUGGESTION, NO_HUMAN_RATING, TOO_FEW_RATERS, NO_AGREEMENT, TIE], default="",
    ).astype(str)  # fmt: skip
    winners = names[votes.argmax(axis=1)] if len(names) else np.full(n, "")
    return LabelTable(ids, people, np.where(reasons == "", winners, "").astype(str), reasons)


def choose_labels(project: Project, source: LabelSource = INTENDED) -> dict[int, str]:
    """The training label of each recording that has one under ``source``."""
    return label_table(project, source).chosen()
