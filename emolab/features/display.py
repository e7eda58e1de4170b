"""What the player shows of a recording, prepared off the GUI thread (Qt-free).

Decoding a recording's audio and movement takes tens of milliseconds to seconds; the window
runs :func:`load_recording_media` in a worker and keeps the previous recording on screen
meanwhile. The worker also prepares an :class:`AudioOverview` of the whole recording whose
size does not grow with its length (a peak envelope at a fixed number of columns and a
spectrogram of at most a few thousand frames, computed in bounded chunks); the player draws
detail only for the stretch of time on screen (:func:`waveform_trace`,
:func:`spectrogram_span`), as the :class:`TimeWindow` says.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken, Progress
from emolab.io.motion import BodyClip

#: Columns of the whole-recording peak envelope: enough for a 4K-wide overview strip and
#: fixed whatever the length, so an hour costs the overview no more than a second does.
OVERVIEW_COLUMNS = 6000
#: Most frames of the whole-recording spectrogram overview.
OVERVIEW_FRAMES = 4000
#: Analysis windows averaged per overview frame when its hop is much longer than a window.
OVERVIEW_WINDOWS_PER_FRAME = 4
#: Frames analysed at a time: working memory is this × windows per frame × window length.
SPECTROGRAM_CHUNK_FRAMES = 256
#: A recording up to this long (s) is shown whole; a longer one through a window of
#: ``DEFAULT_WINDOW_S``.
SHOW_WHOLE_UP_TO_S = 30.0
DEFAULT_WINDOW_S = 10.0
#: Shortest window (s) a user can zoom in to.
MIN_WINDOW_S = 0.05
#: Share of the window kept behind the playhead when the window pages to follow it.
PAGE_LEAD = 0.1


def spectrogram_db(samples: np.ndarray, sr: int, window_s: float = 0.025, hop_s: float = 0.01):
    """(power dB: frames × bins, frame hop s, top frequency Hz) of a Hann STFT.

    Materialises every frame: for short clips (figures); the player uses
    :func:`spectrogram_span`.
    """
    n = int(window_s * sr)
    hop = int(hop_s * sr)
    if len(samples) < n:
        samples = np.pad(samples, (0, n - len(samples)))
    frames = np.lib.stride_tricks.sliding_window_view(samples, n)[::hop]
    power = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2
    return 10 * np.log10(power + 1e-10), hop / sr, sr / 2


@dataclass(frozen=True)
class PeakEnvelope:
    """Lowest and highest sample (float32) in each of equal columns of time."""

    lows: np.ndarray
    highs: np.ndarray
    duration: float  # seconds the columns cover together

    @property
    def column_s(self) -> float:
        """Seconds per column."""
        return self.duration / len(self.lows) if len(self.lows) else 0.0


@dataclass(frozen=True)
class Spectrogram:
    """Power in dB (float32, frames × bins) of frames ``hop_s`` apart from ``start_s``."""

    power_db: np.ndarray
    start_s: float
    hop_s: float
    top_hz: float

    @property
    def end_s(self) -> float:
        """Seconds: the right edge of the last frame."""
        return self.start_s + len(self.power_db) * self.hop_s


@dataclass(frozen=True)
class AudioOverview:
    """The whole recording at a size independent of its length, for the overview strip."""

    envelope: PeakEnvelope
    spectrogram: Spectrogram
    peak: float  # largest sample magnitude


def peak_envelope(samples: np.ndarray, samplerate: int, columns: int = OVERVIEW_COLUMNS):
    """:class:`PeakEnvelope` of ``samples`` in ``columns`` columns (fewer if fewer samples)."""
    n = len(samples)
    columns = max(0, min(columns, n))
    if columns == 0:
        empty = np.zeros(0, np.float32)
        return PeakEnvelope(empty, empty, 0.0)
    starts = np.arange(columns, dtype=np.int64) * n // columns
    # reduceat reads the samples in place: no copy of an hour of audio
    lows = np.minimum.reduceat(samples, starts).astype(np.float32, copy=False)
    highs = np.maximum.reduceat(samples, starts).astype(np.float32, copy=False)
    return PeakEnvelope(lows, highs, n / samplerate)


def spectrogram_span(
    samples: np.ndarray,
    samplerate: int,
    start_s: float,
    end_s: float,
    max_frames: int,
    windows_per_frame: int = 1,
    window_s: float = 0.025,
    min_hop_s: float = 0.01,
    chunk_frames: int = SPECTROGRAM_CHUNK_FRAMES,
) -> Spectrogram:
    """Hann spectrogram (dB, float32) of ``start_s``–``end_s`` in at most ``max_frames``
    frames, hop ≥ ``min_hop_s``; each frame is the mean power of ``windows_per_frame``
    windows spread over it (fewer when its hop is short). Frames are analysed
    ``chunk_frames`` at a time, so memory stays bounded whatever the span."""
    n_win = max(int(window_s * samplerate), 2)
    if len(samples) < n_win:
        samples = np.pad(samples, (0, n_win - len(samples)))
    total_s = len(samples) / samplerate
    start_s = min(max(start_s, 0.0), total_s)
    span = max(min(end_s, total_s) - start_s, 1.0 / samplerate)
    hop_s = max(min_hop_s, span / max(max_frames, 1))
    frames = max(math.ceil(span / hop_s - 1e-9), 1)
    per_frame = int(min(max(windows_per_frame, 1), max(round(hop_s / window_s), 1)))
    offsets = (np.arange(per_frame) + 0.5) / per_frame
    taper = np.hanning(n_win).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(samples, n_win)
    last = len(samples) - n_win
    power = np.empty((frames, n_win // 2 + 1), np.float32)
    for first in range(0, frames, chunk_frames):
        k = np.arange(first, min(first + chunk_frames, frames))
        centres = start_s + (k[:, None] + offsets[None, :]) * hop_s
        starts = np.clip(np.rint(centres * samplerate).astype(np.int64) - n_win // 2, 0, last)
        block = windows[starts].astype(np.float32, copy=False) * taper  # chunk × per_frame × n
        spectrum = np.fft.rfft(block, axis=-1)
        power[k] = (spectrum.real**2 + spectrum.imag**2).mean(axis=1)
    np.log10(power + np.float32(1e-10), out=power)
    power *= 10
    return Spectrogram(power, start_s, hop_s, samplerate / 2)


def audio_overview(samples: np.ndarray, samplerate: int) -> AudioOverview:
    """The envelope and spectrogram overview of a whole recording (fixed size)."""
    duration = len(samples) / samplerate
    envelope = peak_envelope(samples, samplerate)
    return AudioOverview(
        envelope=envelope,
        spectrogram=spectrogram_span(
            samples, samplerate, 0.0, duration, OVERVIEW_FRAMES, OVERVIEW_WINDOWS_PER_FRAME
        ),
        peak=float(max(-envelope.lows.min(), envelope.highs.max())) if len(samples) else 0.0,
    )


def waveform_trace(
    samples: np.ndarray, samplerate: int, start_s: float, end_s: float, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, amplitude) to draw ``start_s``–``end_s`` in ``columns`` pixel columns:
    the samples themselves when few, else each column's min and max (≤ 2 × columns points)."""
    n = len(samples)
    first = max(math.floor(start_s * samplerate), 0)
    last = min(math.ceil(end_s * samplerate) + 1, n)
    if last <= first:
        return np.zeros(0), np.zeros(0, np.float32)
    count = last - first
    columns = max(columns, 1)
    if count <= 2 * columns:
        return np.arange(first, last) / samplerate, samples[first:last]
    starts = first + np.arange(columns, dtype=np.int64) * count // columns
    stretch = samples[first:last]
    y = np.empty(2 * columns, np.float32)
    y[0::2] = np.minimum.reduceat(stretch, starts - first)
    y[1::2] = np.maximum.reduceat(stretch, starts - first)
    x = np.repeat((starts + np.diff(np.r_[starts, last]) / 2) / samplerate, 2)
    return x, y


@dataclass
class TimeWindow:
    """The stretch of a recording the player shows in detail: ``start`` to ``start + span``
    seconds within ``0``–``duration``."""

    duration: float = 0.0
    start: float = 0.0
    span: float = 0.0

    @classmethod
    def for_duration(cls, duration: float) -> TimeWindow:
        """The whole of a short recording, the first ``DEFAULT_WINDOW_S`` of a long one."""
        span = duration if duration <= SHOW_WHOLE_UP_TO_S else DEFAULT_WINDOW_S
        return cls(duration, 0.0, span)

    @property
    def end(self) -> float:
        return self.start + self.span

    def show(self, start: float, span: float | None = None) -> None:
        """Show ``span`` seconds (the current span when None) from ``start``, kept inside the
        recording."""
        span = self.span if span is None else span
        self.span = min(max(span, min(MIN_WINDOW_S, self.duration)), self.duration)
        self.start = min(max(start, 0.0), self.duration - self.span)

    def centre_on(self, seconds: float) -> None:
        self.show(seconds - self.span / 2)

    def follow(self, seconds: float) -> bool:
        """Page so that ``seconds`` (the playhead) is on screen; True when the window moved."""
        if self.start - 1e-9 <= seconds <= self.end + 1e-9:
            return False
        self.show(seconds - PAGE_LEAD * self.span)
        return True


@dataclass
class RecordingMedia:
    """A recording's decoded media for display; ``problems`` says what could not be read."""

    recording_id: int
    audio_path: Path | None = None
    samples: np.ndarray | None = None  # mono float32 at ``samplerate`` (4 bytes per sample)
    samplerate: int = 0
    overview: AudioOverview | None = None  # of the samples
    motion: BodyClip | None = None  # joint positions or per-joint accelerometers
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
    """Decode a recording's audio (with its overview) and movement for the player."""
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
            media.overview = audio_overview(media.samples, media.samplerate)
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
