"""Features of one media file: the per-file vector, windows and flags.

These functions take a path and return plain arrays, so they run in worker processes
(joblib) and cache by the file's content hash in the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emolab.features import audio as audio_features
from emolab.features import baseline as baseline_features
from emolab.features import body as body_features
from emolab.features import extended as extended_features
from emolab.features import windows


@dataclass
class MediaFeatures:
    modality: str
    vector: np.ndarray
    windows: np.ndarray
    flags: set[str] = field(default_factory=set)
    baseline: np.ndarray | None = None  # 40 MFCC means (audio only), for the reference baseline
    extended: np.ndarray | None = None  # extended functionals (audio only)
    extended_windows: np.ndarray | None = None  # the same per window (audio only)


EXTRACTORS = {
    "audio": (audio_features.EXTRACTOR, audio_features.VERSION),
    "body": (body_features.EXTRACTOR, body_features.VERSION),
}
BASELINE_EXTRACTOR = (baseline_features.EXTRACTOR, baseline_features.VERSION)
EXTENDED_EXTRACTOR = (extended_features.EXTRACTOR, extended_features.VERSION)


def audio_file_features(path: str | Path) -> MediaFeatures:
    """Features of an audio file. A file already at the analysis rate that is longer than
    a minute, in a format whose seeks are sample-exact, is read a stretch at a time (memory
    does not follow its length); others are decoded and resampled whole. (Ogg Vorbis is
    decoded whole: libsndfile's seeks in it can land frames off, see ``seeks_exactly``.)"""
    from emolab.io.audio import (
        FEATURE_SAMPLERATE,
        MonoStream,
        load_for_features,
        read_audio_info,
        seeks_exactly,
    )
    from emolab.io.boundary import reader_boundary

    info = read_audio_info(path)
    long = info.frames > 60 * FEATURE_SAMPLERATE
    if info.samplerate == FEATURE_SAMPLERATE and long and seeks_exactly(info):
        with reader_boundary(MonoStream)(path) as stream:
            return _audio_features(stream, len(stream))
    return _audio_features(load_for_features(path), None)


def _audio_features(samples, n_samples: int | None) -> MediaFeatures:
    from emolab.io.audio import FEATURE_SAMPLERATE

    tracks = audio_features.frame_tracks(samples)
    extra = extended_features.frame_tracks(samples, tracks)
    flags = set(tracks.flags)
    if not tracks.voiced.any():
        flags.add("unvoiced")
    duration = (len(samples) if n_samples is None else n_samples) / FEATURE_SAMPLERATE

    def extended_window(first: int, stop: int) -> np.ndarray:
        return extended_features.aggregate(extra, tracks, first, stop)

    return MediaFeatures(
        modality="audio",
        vector=audio_features.aggregate(tracks),
        windows=windows.audio_windows(tracks, duration),
        flags=flags,
        baseline=baseline_features.mfcc40_means(samples),
        extended=extended_features.aggregate(extra, tracks),
        extended_windows=windows.audio_windows(tracks, duration, extended_window),
    )


def body_file_features(path: str | Path) -> MediaFeatures:
    """Features of a body file: joint positions, or per-joint accelerometers (which give
    only some of the features, :mod:`emolab.features.body_imu`)."""
    from emolab.io.motion import SensorClip, read_motion

    clip = read_motion(path)
    if isinstance(clip, SensorClip):
        from emolab.features import body_imu

        tracks = body_imu.frame_tracks(clip)
    else:
        tracks = body_features.frame_tracks(clip)
    return MediaFeatures(
        modality="body",
        vector=body_features.aggregate(tracks),
        windows=windows.body_windows(tracks, clip.duration),
        flags=set(tracks.flags),
    )


def file_features(path: str | Path, modality: str) -> MediaFeatures:
    """Features of one file of the given modality."""
    return audio_file_features(path) if modality == "audio" else body_file_features(path)
