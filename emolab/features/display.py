"""What the player shows of a recording, prepared off the GUI thread (Qt-free).

Decoding a recording's audio and movement and computing its spectrogram take tens to
hundreds of milliseconds; the window runs :func:`load_recording_media` in a worker and
keeps the previous recording on screen meanwhile.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.io.motion import MotionClip


def spectrogram_db(samples: np.ndarray, sr: int, window_s: float = 0.025, hop_s: float = 0.01):
    """(power dB: frames × bins, frame hop s, top frequency Hz) of a Hann STFT."""
    n = int(window_s * sr)
    hop = int(hop_s * sr)
    if len(samples) < n:
        samples = np.pad(samples, (0, n - len(samples)))
    frames = np.lib.stride_tricks.sliding_window_view(samples, n)[::hop]
    power = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2
    return 10 * np.log10(power + 1e-10), hop / sr, sr / 2


@dataclass
class RecordingMedia:
    """A recording's decoded media for display; ``problems`` says what could not be read."""

    recording_id: int
    audio_path: Path | None = None
    samples: np.ndarray | None = None  # mono, at ``samplerate``
    samplerate: int = 0
    spectrogram: tuple | None = None  # spectrogram_db(...) of the samples
    motion: MotionClip | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Seconds: the audio's length, else the movement's."""
        if self.samples is not None and self.samplerate:
            return len(self.samples) / self.samplerate
        return self.motion.duration if self.motion is not None else 0.0


def load_recording_media(
    recording_id: int,
    audio_path: Path | None,
    body_path: Path | None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, RecordingMedia]:
    """Decode a recording's audio (with its spectrogram) and movement for the player."""
    from emolab.io.audio import read_audio
    from emolab.io.motion import read_motion

    media = RecordingMedia(recording_id)
    if audio_path is not None:
        yield Progress(0, 2, "reading audio")
        try:
            clip = read_audio(audio_path)
            media.samples, media.samplerate = clip.mono(), clip.samplerate
            media.audio_path = audio_path
        except (EmolabError, OSError) as exc:
            media.problems.append(str(exc))
        if cancel is not None:
            cancel.raise_if_cancelled()
        if media.samples is not None and len(media.samples):
            media.spectrogram = spectrogram_db(media.samples.astype(np.float64), media.samplerate)
    if body_path is not None:
        yield Progress(1, 2, "reading movement")
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            media.motion = read_motion(body_path)
        except (EmolabError, OSError) as exc:
            media.problems.append(str(exc))
    yield Progress(2, 2, "ready")
    return media
