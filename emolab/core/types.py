"""Plain data types shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a header says about an audio file (no samples read)."""

    path: Path
    format: str
    samplerate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.samplerate if self.samplerate else 0.0


@dataclass(frozen=True, slots=True)
class AudioClip:
    """Decoded audio: ``samples`` is float32 (frames × channels) in [-1, 1]."""

    samples: np.ndarray
    samplerate: int
    path: Path | None = None

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / self.samplerate

    def mono(self) -> np.ndarray:
        """Channel mean as a 1-D float32 array (a view, not a copy, of a mono file)."""
        if self.samples.shape[1] == 1:
            return self.samples[:, 0]
        return self.samples.mean(axis=1, dtype=np.float32)
