"""Audio↔motion offsets estimated from recordings' own files (see
:mod:`emolab.features.offset` for the method), for one recording, a folder's recordings
or a whole project's, and applied as the recordings' ``sync_offset`` (seconds added to the
audio time to find the motion time).

Estimating reads; only :func:`apply_offsets` writes, and by default only where the
estimate is confident enough (:data:`APPLY_MIN_CONFIDENCE`) and the recording's offset
was never set (is 0), so a batch never overwrites an offset someone chose.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.features.offset import DEFAULT_MAX_LAG_S, OffsetEstimate, estimate_offset, not_usable
from emolab.io.motion import MotionClip
from emolab.project.store import Project

#: Least confidence a batch applies without asking (an estimate a person confirms in the
#: app may be applied whatever its confidence, as long as it is usable).
APPLY_MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class RecordingOffset:
    """A recording's stored offset (s) and the estimate from its files."""

    recording_id: int
    key: str
    stored: float
    estimate: OffsetEstimate

    def to_apply(self, min_confidence: float = APPLY_MIN_CONFIDENCE,
                 replace: bool = False) -> bool:  # fmt: skip
        """Whether a batch would apply this estimate (confident enough; the stored offset
        is 0 unless ``replace``)."""
        e = self.estimate
        return e.usable and e.confidence >= min_confidence and (replace or self.stored == 0)

    def to_dict(self) -> dict:
        e = self.estimate
        return {
            "recording_id": self.recording_id,
            "key": self.key,
            "stored_offset_s": self.stored,
            "estimated_offset_s": None if e.offset is None else round(float(e.offset), 4),
            "confidence": round(float(e.confidence), 3),
            "method": e.method,
            "reason": e.reason,
            "clap_audio_s": None if e.clap is None else round(e.clap.audio_time, 4),
        }


def hand_joints(motion: MotionClip) -> list[int] | None:
    """Joint indices of the left and right hand, or None when the skeleton lacks either."""
    hands = [motion.skeleton.joint("left_hand"), motion.skeleton.joint("right_hand")]
    return None if None in hands else hands  # type: ignore[return-value]


def estimate_for_media(samples: np.ndarray, samplerate: int, motion: MotionClip,
                       max_lag: float = DEFAULT_MAX_LAG_S) -> OffsetEstimate:  # fmt: skip
    """The offset of decoded media: mono ``samples`` and a motion clip."""
    if getattr(motion, "positions", None) is None:  # e.g. accelerometers (io.motion)
        return not_usable("the movement file has no joint positions (the estimate reads "
                          "joint positions, not inertial sensors)")  # fmt: skip
    return estimate_offset(samples, samplerate, motion.frame_times, motion.positions,
                           hand_joints(motion), max_lag)  # fmt: skip


def estimate_recording(project: Project, recording_id: int,
                       max_lag: float = DEFAULT_MAX_LAG_S) -> OffsetEstimate:  # fmt: skip
    """Read a recording's audio and movement files and estimate their offset; a file that
    is missing or cannot be read makes the estimate not usable, with that reason."""
    from emolab.io.audio import read_audio
    from emolab.io.motion import read_motion

    audio, body = project.media_of(recording_id, "audio"), project.media_of(recording_id, "body")
    if audio is None or body is None:
        return not_usable(f"the recording has no {'audio' if audio is None else 'movement'} file")
    try:
        clip = read_audio(project.media_path(audio))
        motion = read_motion(project.media_path(body))
    except EmolabError as exc:
        return not_usable(f"cannot read {exc}")
    except OSError as exc:
        return not_usable(f"cannot read {exc.filename or 'a media file'}: {exc.strerror or exc}")
    return estimate_for_media(clip.mono(), clip.samplerate, motion, max_lag)


def paired_recordings(project: Project, folder: str | Path | None = None) -> list[int]:
    """Ids of the recordings with both an audio and a movement file (in key order), only
    those with a file below ``folder`` when it is given."""
    rows = project.execute(
        "SELECT r.id FROM recordings r WHERE EXISTS (SELECT 1 FROM media a WHERE "
        "a.recording_id = r.id AND a.modality = 'audio') AND EXISTS (SELECT 1 FROM media b "
        "WHERE b.recording_id = r.id AND b.modality = 'body') ORDER BY r.key"
    ).fetchall()
    ids = [int(row[0]) for row in rows]
    if folder is None:
        return ids
    root = Path(folder).absolute()
    below = set()
    for media in project.media():
        if media.recording_id in below:
            continue
        path = project.media_path(media).absolute()
        if path.is_relative_to(root):
            below.add(media.recording_id)
    return [i for i in ids if i in below]


def estimate_offsets(
    project: Project,
    recording_ids: Iterable[int] | None = None,
    max_lag: float = DEFAULT_MAX_LAG_S,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, list[RecordingOffset]]:
    """Estimate the offset of each recording (default: every recording with audio and
    movement); yields progress, returns one :class:`RecordingOffset` per recording."""
    ids = list(paired_recordings(project) if recording_ids is None else recording_ids)
    out: list[RecordingOffset] = []
    for done, rid in enumerate(ids):
        if cancel is not None:
            cancel.raise_if_cancelled()
        recording = project.recording(rid)
        yield Progress(done, len(ids), f"Estimating the offset of {recording.key}")
        estimate = estimate_recording(project, rid, max_lag)
        out.append(RecordingOffset(rid, recording.key, float(recording.sync_offset), estimate))
    yield Progress(len(ids), len(ids), "done")
    return out


def apply_offsets(project: Project, rows: Iterable[RecordingOffset],
                  min_confidence: float = APPLY_MIN_CONFIDENCE,
                  replace: bool = False) -> list[RecordingOffset]:  # fmt: skip
    """Store the estimates that :meth:`RecordingOffset.to_apply` allows, in one
    transaction; returns the rows applied."""
    chosen = [row for row in rows if row.to_apply(min_confidence, replace)]
    with project.transaction():
        for row in chosen:
            project.set_sync_offset(row.recording_id, float(row.estimate.offset))
    return chosen


@dataclass(frozen=True)
class MediaOffset:
    """The estimate of an open recording's decoded media (the session's 'offset' job)."""

    recording_id: int
    estimate: OffsetEstimate


def estimate_media_job(recording_id: int, samples: np.ndarray, samplerate: int,
                       motion: MotionClip, cancel: CancelToken | None = None,
                       max_lag: float = DEFAULT_MAX_LAG_S,
                       ) -> Generator[Progress, None, MediaOffset]:  # fmt: skip
    """A job estimating the offset of media already decoded (one step: the estimate of an
    hour-long recording takes a few seconds)."""
    yield Progress(0, 1, "Estimating the audio–motion offset")
    if cancel is not None:
        cancel.raise_if_cancelled()
    estimate = estimate_for_media(samples, samplerate, motion, max_lag)
    yield Progress(1, 1, "done")
    return MediaOffset(recording_id, estimate)
