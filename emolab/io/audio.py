"""Audio files: WAV, FLAC, OGG/Vorbis and MP3 through soundfile (libsndfile).

``read_audio_info`` reads only the header; ``read_audio`` decodes; ``load_for_features``
gives what feature extraction wants: mono float32 at 16 kHz. Resampling uses libsoxr
(``soxr``, "HQ" quality: passband to 91 % of Nyquist, > 140 dB stop-band rejection),
deterministic and cheap to import, so a user's first extraction does not wait for scipy.
Playback in the GUI uses the original file, never this resampled copy.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.core.types import AudioClip, AudioInfo

FEATURE_SAMPLERATE = 16_000
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise CorruptFile("file does not exist", path)
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise UnsupportedFormat(
            f"'{path.suffix or '(no extension)'}' is not an audio format emolab reads "
            f"({', '.join(AUDIO_EXTENSIONS)})",
            path,
        )
    if path.stat().st_size == 0:
        raise EmptyFile("file is empty (0 bytes)", path)


def _check_wav_complete(path: Path) -> None:
    """Refuse a RIFF/WAVE file whose data chunk is shorter than its header declares.

    libsndfile quietly reads what is there, so a copy cut short would otherwise pass.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # not RIFF (e.g. RF64/W64): libsndfile decides
        offset = 12
        while offset + 8 <= size:
            fh.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"data":
                available = size - offset - 8
                if chunk_size != 0xFFFFFFFF and chunk_size > available:
                    raise CorruptFile(
                        f"truncated: the header declares {chunk_size} bytes of samples but "
                        f"the file holds {available}",
                        path,
                    )
                return
            offset += 8 + chunk_size + (chunk_size & 1)
        raise CorruptFile("truncated: no sample data (no 'data' chunk)", path)


def read_audio_info(path: str | Path) -> AudioInfo:
    """Header facts of an audio file; raises a clear error for empty/broken/unknown files."""
    import soundfile as sf

    path = Path(path)
    _check_path(path)
    if path.suffix.lower() == ".wav":
        _check_wav_complete(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise CorruptFile(f"cannot be decoded as audio: {exc}", path) from exc
    if info.frames <= 0:
        raise EmptyFile("has no samples (zero length)", path)
    return AudioInfo(
        path=path,
        format=info.format,
        samplerate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
    )


def read_audio(path: str | Path) -> AudioClip:
    """Decode a whole audio file to float32 (frames × channels); refuses NaN/inf samples."""
    import soundfile as sf

    path = Path(path)
    info = read_audio_info(path)
    try:
        samples, samplerate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise CorruptFile(f"cannot be decoded as audio: {exc}", path) from exc
    if samples.shape[0] == 0:
        raise EmptyFile("has no samples (zero length)", path)
    if not np.isfinite(samples).all():
        bad = int((~np.isfinite(samples)).any(axis=1).sum())
        raise BadSamples(f"{bad} of {samples.shape[0]} samples are NaN or infinite", path)
    if samples.shape[0] < info.frames * 0.99 and info.format in ("WAV", "FLAC"):
        raise CorruptFile(
            f"truncated: decoded {samples.shape[0]} of {info.frames} declared frames", path
        )
    return AudioClip(samples=samples, samplerate=int(samplerate), path=path)


def resample(signal: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample a 1-D signal between integer rates (Hz) with libsoxr."""
    if rate_in == rate_out:
        return signal.astype(np.float32, copy=False)
    import soxr

    out = soxr.resample(np.ascontiguousarray(signal, dtype=np.float32), rate_in, rate_out, "HQ")
    return out.astype(np.float32, copy=False)


def load_for_features(path: str | Path, samplerate: int = FEATURE_SAMPLERATE) -> np.ndarray:
    """Mono float32 samples at ``samplerate`` Hz (16 kHz by default) for feature extraction."""
    clip = read_audio(path)
    return resample(clip.mono(), clip.samplerate, samplerate)


def write_audio(path: str | Path, samples: np.ndarray, samplerate: int) -> None:
    """Write samples (1-D or frames × channels, float in [-1, 1]) as 16-bit PCM WAV/FLAC."""
    import soundfile as sf

    path = Path(path)
    subtype = "PCM_16" if path.suffix.lower() in (".wav", ".flac") else None
    sf.write(str(path), np.asarray(samples, dtype=np.float32), samplerate, subtype=subtype)
