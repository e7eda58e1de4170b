"""Extended audio features: eGeMAPS-style functionals computed in numpy (stub interface;
see the helper's brief). Frame-level tracks once per clip, :func:`aggregate` over any frame
range (temporal windows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emolab.features.audio import AudioFrames
from emolab.features.spectral import Signal

EXTRACTOR = "audio_ext"
VERSION = "0"

#: (name, unit, description, reference) of each feature, in vector order.
FEATURES: tuple[tuple[str, str, str, str], ...] = (
    ("placeholder", "", "placeholder", ""),
)
NAMES = tuple(f[0] for f in FEATURES)


@dataclass
class ExtendedFrames:
    n_frames: int


def frame_tracks(x: np.ndarray | Signal, base: AudioFrames) -> ExtendedFrames:
    return ExtendedFrames(base.n_frames)


def aggregate(
    ext: ExtendedFrames, base: AudioFrames, start: int = 0, stop: int | None = None
) -> np.ndarray:
    return np.zeros(len(NAMES), dtype=np.float32)
