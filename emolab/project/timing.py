"""The time mapping between a recording's audio and its movement (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass

from emolab.io.motion import BodyClip

#: Motion frame rate assumed for stepping a recording without movement (frames/s).
DEFAULT_STEP_FPS = 60.0


@dataclass(frozen=True)
class TimeMapping:
    """Audio time ↔ motion time and frames. ``offset``: seconds added to the audio time
    to find the motion time (positive when the movement starts recording earlier)."""

    offset: float = 0.0
    motion: BodyClip | None = None

    def motion_time(self, audio_seconds: float) -> float:
        return audio_seconds + self.offset

    def frame_at(self, audio_seconds: float) -> int | None:
        """The motion frame shown at an audio time (None without movement)."""
        if self.motion is None:
            return None
        return self.motion.frame_at(self.motion_time(audio_seconds))

    def time_of_frame(self, frame: int) -> float:
        """The audio time (s) at which ``frame`` shows: half a frame past its start, so
        rounding never lands on the previous frame."""
        motion = self.motion
        if motion is None:
            raise ValueError("no movement to take frames from")
        return motion.frame_times[frame] - self.offset + 0.5 / (motion.fps or DEFAULT_STEP_FPS)

    def step(self, audio_seconds: float, frames: int, duration: float) -> float:
        """The audio time ``frames`` motion frames away, kept within [0, duration]."""
        if self.motion is None or not self.motion.n_frames:
            target = audio_seconds + frames / DEFAULT_STEP_FPS
        else:
            current = self.motion.frame_at(self.motion_time(audio_seconds))
            frame = min(max(current + frames, 0), self.motion.n_frames - 1)
            target = self.time_of_frame(frame)
        return min(max(target, 0.0), duration)
