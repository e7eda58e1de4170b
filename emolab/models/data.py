"""What models learn from: per-recording features with labels and groups, as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.models.modes import N_AUDIO, N_BODY


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
            [self.body_windows[i] for i in rows],
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
        """``[participant | audio 28 | body 9]`` per recording."""
        return np.column_stack([self.group_ids(), self.audio, self.body]).astype(np.float64)

    def window_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``[participant | recording row | audio 28 | body 9]`` per window, and each
        window's recording row. A recording lacking one modality's windows gets NaN there."""
        groups = self.group_ids()
        rows, owner = [], []
        for i in range(len(self)):
            a, b = self.audio_windows[i], self.body_windows[i]
            n = len(a) if a is not None else (len(b) if b is not None else 0)
            if n == 0:
                continue
            block = np.full((n, 2 + N_AUDIO + N_BODY), np.nan)
            block[:, 0] = groups[i]
            block[:, 1] = i
            if a is not None:
                block[:, 2 : 2 + N_AUDIO] = a
            if b is not None:
                block[: len(b), 2 + N_AUDIO :] = b[:n]
            rows.append(block)
            owner += [i] * n
        if not rows:
            return np.empty((0, 2 + N_AUDIO + N_BODY)), np.empty(0, dtype=int)
        return np.vstack(rows), np.array(owner)
