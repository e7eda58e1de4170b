"""Windowed features of both modalities on one time base, for temporal fusion and for
the emotion-over-time track. Windows are 1 s long every 0.5 s, starting at 0 s of the
file's own clock (audio time for audio, motion time for body); the recording's sync
offset is applied when the two are joined (see :func:`align_body_windows`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from emolab.features import audio as audio_features
from emolab.features import body as body_features

WINDOW_S = 1.0
HOP_S = 0.5


def window_starts(duration: float) -> np.ndarray:
    """Start times (s) of the windows covering ``duration`` s (at least one window)."""
    count = max(1, int(np.floor((duration - WINDOW_S) / HOP_S + 1e-9)) + 1)
    return np.arange(count) * HOP_S


def audio_windows(
    tracks: audio_features.AudioFrames,
    duration: float,
    aggregate: Callable[[int, int], np.ndarray] | None = None,
) -> np.ndarray:
    """(windows × features) audio features; frames are assigned by their centre time.
    ``aggregate(first, stop)`` gives one window's features (by default the 28)."""
    if aggregate is None:

        def aggregate(first: int, stop: int) -> np.ndarray:
            return audio_features.aggregate(tracks, first, stop)

    centres = tracks.frame_times()
    rows = []
    for start in window_starts(duration):
        first, stop = np.searchsorted(centres, [start, start + WINDOW_S])
        rows.append(aggregate(int(first), int(stop)))
    return np.array(rows, dtype=np.float32)


def body_windows(tracks: body_features.BodyTracks, duration: float) -> np.ndarray:
    """(windows × 9) body features."""
    rows = []
    for start in window_starts(duration):
        first = round(start * tracks.fps)
        stop = round((start + WINDOW_S) * tracks.fps)
        rows.append(body_features.aggregate(tracks, first, stop))
    return np.array(rows, dtype=np.float32)


def align_body_windows(body: np.ndarray, n_audio: int, sync_offset: float) -> np.ndarray:
    """Body windows matched to ``n_audio`` audio windows: audio window k shows motion time
    k·hop + offset, i.e. body window k + round(offset / hop). Unmatched rows are NaN.
    Offsets are rounded to the 0.5 s hop; typical offsets (< 0.25 s) shift nothing."""
    shift = round(sync_offset / HOP_S)
    out = np.full((n_audio, body.shape[1]), np.nan, dtype=np.float32)
    for k in range(n_audio):
        j = k + shift
        if 0 <= j < len(body):
            out[k] = body[j]
    return out
