"""What models learn from: per-recording features with labels and groups, as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.core.errors import EmolabError
from emolab.features.extended import NAMES as EXTENDED_NAMES
from emolab.models.modes import N_AUDIO, N_BODY

N_EXTENDED = len(EXTENDED_NAMES)

MIN_PER_CLASS = 2  # recordings of each label a model needs (calibration folds, honest scores)
MIN_PARTICIPANTS = 2  # to hold one out, and to calibrate on participant-grouped folds


class NotEnoughData(EmolabError):
    """Too few recordings, labels or participants to train or evaluate a model."""


@dataclass
class Dataset:
    """Per-recording features and labels; a missing modality is a NaN row."""

    recording_ids: np.ndarray
    keys: list[str]
    labels: np.ndarray  # emotion names
    participants: np.ndarray  # participant codes (str)
    collections: np.ndarray  # collection-type meanings (str, '' when unknown)
    audio: np.ndarray  # n × 28
    body: np.ndarray  # n × 9
    baseline: np.ndarray  # n × 40 MFCC means (NaN without audio)
    audio_windows: list[np.ndarray | None]
    body_windows: list[np.ndarray | None]  # aligned with the audio windows
    # the extended audio functionals (features.extended): n × N_EXTENDED, NaN when not
    # extracted; their windows align with the audio windows
    extended: np.ndarray | None = None
    extended_windows: list[np.ndarray | None] | None = None

    def __post_init__(self) -> None:
        n = len(self.recording_ids)
        if self.extended is None:
            self.extended = np.full((n, N_EXTENDED), np.nan, dtype=np.float32)
        if self.extended_windows is None:
            self.extended_windows = [None] * n

    def __len__(self) -> int:
        return len(self.recording_ids)

    def subset(self, rows) -> Dataset:
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return Dataset(
            self.recording_ids[rows], [self.keys[i] for i in rows], self.labels[rows],
            self.participants[rows], self.collections[rows], self.audio[rows], self.body[rows],
            self.baseline[rows], [self.audio_windows[i] for i in rows],
            [self.body_windows[i] for i in rows], self.extended[rows],
            [self.extended_windows[i] for i in rows],
        )  # fmt: skip

    @property
    def has_audio(self) -> np.ndarray:
        return ~np.isnan(self.audio).all(axis=1)

    @property
    def has_body(self) -> np.ndarray:
        return ~np.isnan(self.body).all(axis=1)

    def group_ids(self) -> np.ndarray:
        """Participant codes as numbers (column 0 of every design matrix)."""
        try:
            return self.participants.astype(int).astype(float)
        except ValueError:
            return np.unique(self.participants, return_inverse=True)[1].astype(float)

    def design_matrix(self) -> np.ndarray:
        """``[participant | audio 28 | body 9 | extended audio]`` per recording (the
        extended set last, so models saved before it existed read the same columns)."""
        return np.column_stack([self.group_ids(), self.audio, self.body, self.extended]).astype(
            np.float64
        )

    def model_inputs(self, fusion: str) -> tuple[np.ndarray, np.ndarray]:
        """(X, labels) a fusion model is fit on: one row per window for 'temporal', one per
        recording otherwise."""
        if fusion == "temporal":
            X, owner = self.window_matrix()
            return X, self.labels[owner]
        return self.design_matrix(), self.labels

    def window_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``[participant | recording row | audio 28 | body 9 | extended audio]`` per
        window, and each window's recording row. A recording lacking one modality's
        windows gets NaN there."""
        groups = self.group_ids()
        width = 2 + N_AUDIO + N_BODY + N_EXTENDED
        body_at = 2 + N_AUDIO
        extended_at = body_at + N_BODY
        rows, owner = [], []
        for i in range(len(self)):
            a, b = self.audio_windows[i], self.body_windows[i]
            e = self.extended_windows[i]
            n = len(a) if a is not None else (len(b) if b is not None else 0)
            if n == 0:
                continue
            block = np.full((n, width), np.nan)
            block[:, 0] = groups[i]
            block[:, 1] = i
            if a is not None:
                block[:, 2:body_at] = a
            if b is not None:
                block[: len(b), body_at:extended_at] = b[:n]
            if e is not None and a is not None and len(e) == n:
                block[:, extended_at:] = e
            rows.append(block)
            owner += [i] * n
        if not rows:
            return np.empty((0, width)), np.empty(0, dtype=int)
        return np.vstack(rows), np.array(owner)


def usable_rows(data: Dataset, fusion: str) -> np.ndarray:
    """Rows a fusion mode can learn from (bool): those with its modality's features, with
    windows for 'temporal'."""
    if fusion == "audio":
        return data.has_audio
    if fusion == "body":
        return data.has_body
    if fusion == "temporal":
        windows = zip(data.audio_windows, data.body_windows, strict=True)
        return np.array([any(w is not None and len(w) > 0 for w in pair) for pair in windows],
                        dtype=bool)  # fmt: skip
    return data.has_audio | data.has_body


def label_problem(labels: np.ndarray, participants: np.ndarray, what: str) -> str | None:
    """Why recordings with these labels and participants cannot train a model (None when
    they can): fewer than 2 labels, a label with too few recordings, one participant, or a
    participant without whom one label is left (holding them out, or a calibration fold,
    would train on one label). ``what`` names the recordings in the message ("audio
    features")."""
    names, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if len(labels) == 0:
        return f"no recording has {what}"
    if len(names) < 2:
        return (f"all {len(labels)} recordings with {what} have the label '{names[0]}'; "
                "a model needs at least 2 labels")  # fmt: skip
    rare = [f"'{n}' ({c})" for n, c in zip(names, counts, strict=True) if c < MIN_PER_CLASS]
    if rare:
        return (f"among the recordings with {what}, each label needs at least {MIN_PER_CLASS} "
                f"recordings; these have fewer: {', '.join(rare)}")  # fmt: skip
    people = np.unique(participants)
    if len(people) < MIN_PARTICIPANTS:
        return (f"all {len(labels)} recordings with {what} come from one participant "
                f"('{people[0]}'); holding participants out and calibrating need at least "
                f"{MIN_PARTICIPANTS}")  # fmt: skip
    person = np.unique(participants, return_inverse=True)[1]
    has = np.zeros((len(people), len(names)), dtype=bool)
    has[person, index] = True
    only_with = has & (has.sum(axis=0) == 1)  # labels no other participant has
    left = len(names) - only_with.sum(axis=1)  # labels the others have, per participant
    if (left < 2).any():
        p = int(np.argmax(left < 2))
        [rest] = names[~only_with[p]]
        return (f"without participant '{people[p]}' the recordings with {what} all have the "
                f"label '{rest}'; holding a participant out, and calibrating, need at least 2 "
                "labels among the others")  # fmt: skip
    return None


def data_problem(data: Dataset, fusion: str) -> str | None:
    """Why ``fusion`` cannot be trained or evaluated on ``data`` (None when it can)."""
    what = {"audio": "audio features", "body": "body features",
            "temporal": "feature windows"}.get(fusion, "audio or body features")  # fmt: skip
    rows = usable_rows(data, fusion)
    problem = label_problem(data.labels[rows], data.participants[rows], what)
    if problem is None and fusion == "late":
        # late fusion fits one classifier per modality: each needs labels of its own
        for name, other, present in (("audio", "body", data.has_audio),
                                     ("body", "audio", data.has_body)):  # fmt: skip
            labels = np.unique(data.labels[present])
            if len(labels) < 2:
                has = "no recording has" if len(labels) == 0 else "only one label has"
                return (f"late fusion combines an audio and a body classifier, but {has} "
                        f"{name} features (evaluate '{other}' instead)")  # fmt: skip
    return problem


def require_enough_data(data: Dataset, fusion: str) -> None:
    """Raise :class:`NotEnoughData` saying why when ``fusion`` cannot learn from ``data``."""
    problem = data_problem(data, fusion)
    if problem is not None:
        raise NotEnoughData(f"'{fusion}' cannot be trained or evaluated: {problem}")
