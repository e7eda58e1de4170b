"""Audio files: WAV, FLAC, OGG/Vorbis and MP3 through soundfile (libsndfile).

``read_audio_info`` reads only the header; ``read_audio`` decodes; ``load_for_features``
gives what feature extraction wants: mono float32 at 16 kHz. Resampling uses libsoxr
(``soxr``, "HQ" quality: passband to 91 % of Nyquist, > 140 dB stop-band rejection),
deterministic and cheap to import, so a user's first extraction does not wait for scipy.
Playback in the GUI uses the original file, never this resampled copy.

Readers raise only :class:`~emolab.core.errors.EmolabError`: a truncated, empty or
undecodable file, NaN or infinite samples (:class:`BadSamples`), or a header with an absurd
sample rate or channel count each name the file and the reason. Samples are decoded in
blocks, so a header that lies about its length cannot make a reader allocate more than the
file holds.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.core.types import AudioClip, AudioInfo
from emolab.io.boundary import describe, reader_boundary
from emolab.io.formats import AUDIO_EXTENSIONS

#: The one analysis rate (Hz) of audio features: files are resampled to it.
FEATURE_SAMPLERATE = 16_000

#: Sample rates (Hz) outside this range are a broken header, not a recording.
MIN_SAMPLERATE, MAX_SAMPLERATE = 1_000, 1_000_000
#: Most channels a file may declare.
MAX_CHANNELS = 256
#: Largest sample magnitude accepted. Full scale is ±1; even integers stored as floats stay
#: below 2.2e9, so anything beyond is damage, and would overflow float32 arithmetic.
MAX_SAMPLE_MAGNITUDE = 1e10
#: Frames decoded at a time, so memory follows the samples a file holds, not its header.
_BLOCK_FRAMES = 1 << 16


def _decode_error(exc: BaseException, path: Path) -> CorruptFile:
    return CorruptFile(f"cannot be decoded as audio: {describe(exc)}", path)


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
            chunk = fh.read(8)
            if len(chunk) < 8:
                break
            chunk_id, chunk_size = struct.unpack("<4sI", chunk)
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


@reader_boundary
def read_audio_info(path: str | Path) -> AudioInfo:
    """Header facts of an audio file; raises a clear error for empty/broken/unknown files."""
    import soundfile as sf

    path = Path(path)
    _check_path(path)
    if path.suffix.lower() == ".wav":
        _check_wav_complete(path)
    try:
        info = sf.info(os.fsencode(path))
    except (RuntimeError, ValueError, TypeError, EOFError, OverflowError) as exc:
        raise _decode_error(exc, path) from exc
    if not MIN_SAMPLERATE <= info.samplerate <= MAX_SAMPLERATE:
        raise CorruptFile(
            f"sample rate {info.samplerate} Hz is outside {MIN_SAMPLERATE:,}–{MAX_SAMPLERATE:,} Hz",
            path,
        )
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise CorruptFile(f"{info.channels} channels is not 1 to {MAX_CHANNELS}", path)
    if info.frames <= 0:
        raise EmptyFile("has no samples (zero length)", path)
    return AudioInfo(
        path=path,
        format=info.format,
        samplerate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
    )


@reader_boundary
def read_audio(path: str | Path) -> AudioClip:
    """Decode a whole audio file to float32 (frames × channels); refuses NaN/inf samples."""
    import soundfile as sf

    path = Path(path)
    info = read_audio_info(path)
    # Decoded into one array sized from the header when the header is plausible for the
    # file's size (no list of blocks and no concatenated copy: peak memory is the result);
    # a header that may lie (compressed formats, odd sizes) is read block by block.
    decoded_bytes = info.frames * info.channels * 4
    trusted = decoded_bytes <= 16 * max(path.stat().st_size, 1)
    buffer = np.empty((info.frames, info.channels), np.float32) if trusted else None
    blocks, filled, bad, peak = [], 0, 0, 0.0
    try:
        with sf.SoundFile(os.fsencode(path)) as fh:
            samplerate = int(fh.samplerate)
            while True:
                if buffer is not None:
                    room = min(_BLOCK_FRAMES, info.frames - filled)
                    if room <= 0:
                        break
                    block = fh.read(room, dtype="float32", always_2d=True,
                                    out=buffer[filled : filled + room])  # fmt: skip
                else:
                    block = fh.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                    blocks.append(block)
                if not block.shape[0]:
                    break
                filled += block.shape[0]
                finite = np.isfinite(block)
                if not finite.all():
                    bad += int((~finite).any(axis=1).sum())
                elif block.size:
                    peak = max(peak, float(np.abs(block).max()))
    except (RuntimeError, ValueError, TypeError, EOFError, OverflowError) as exc:
        raise _decode_error(exc, path) from exc
    if not filled:
        raise EmptyFile("has no samples (zero length)", path)
    if buffer is not None:
        samples = buffer[:filled]
    else:
        samples = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    if bad:
        raise BadSamples(f"{bad} of {samples.shape[0]} samples are NaN or infinite", path)
    if peak > MAX_SAMPLE_MAGNITUDE:
        raise BadSamples(f"sample values reach {peak:.3g}; full scale is ±1", path)
    if samples.shape[0] < info.frames * 0.99 and info.format in ("WAV", "FLAC"):
        raise CorruptFile(
            f"truncated: decoded {samples.shape[0]} of {info.frames} declared frames", path
        )
    return AudioClip(samples=samples, samplerate=samplerate, path=path)


#: Formats (``AudioInfo.format``) in which libsndfile seeks to exactly the frame asked for,
#: so :class:`MonoStream` may read them a stretch at a time. Not OGG: libsndfile 1.2.2 can
#: land an Ogg Vorbis seek a Vorbis block (128 or 256 frames) late without any error
#: (libsndfile issue #885, open), so a stretch read after a seek silently holds the wrong
#: samples, and the last one comes up short ("truncated"). Measured on a 61 s, 16 kHz
#: recording: Vorbis 128 frames off on the second seek; WAV and FLAC bit-exact; MP3 within
#: 1.2e-7 (decoder rounding).
EXACT_SEEK_FORMATS = frozenset({"WAV", "WAVEX", "RF64", "W64", "FLAC", "MP3"})


def seeks_exactly(info: AudioInfo) -> bool:
    """Whether :class:`MonoStream` reads this file's stretches correctly (see
    :data:`EXACT_SEEK_FORMATS`); other files are decoded whole."""
    return info.format in EXACT_SEEK_FORMATS


class MonoStream:
    """An audio file as mono float32 samples read a stretch at a time (``len()`` and
    ``stream[a:b]``), so long files are analysed without holding them whole. Bad samples
    and decoding failures raise the same typed errors as :func:`read_audio`. Use as a
    context manager (it keeps the file open). Only for files that :func:`seeks_exactly`
    accepts: it seeks before every stretch."""

    def __init__(self, path: str | Path):
        import soundfile as sf

        self.path = Path(path)
        self.info = read_audio_info(self.path)
        try:
            self._file = sf.SoundFile(os.fsencode(self.path))
        except (RuntimeError, ValueError, TypeError, EOFError, OverflowError) as exc:
            raise _decode_error(exc, self.path) from exc
        self.samplerate = int(self._file.samplerate)

    def __enter__(self) -> MonoStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self.info.frames

    def __getitem__(self, stretch: slice) -> np.ndarray:
        start, stop = max(stretch.start or 0, 0), min(stretch.stop or 0, self.info.frames)
        if stop <= start:
            return np.zeros(0, np.float32)
        try:
            self._file.seek(start)
            block = self._file.read(stop - start, dtype="float32", always_2d=True)
        except (RuntimeError, ValueError, TypeError, EOFError, OverflowError) as exc:
            raise _decode_error(exc, self.path) from exc
        if block.shape[0] < stop - start:
            raise CorruptFile(
                f"truncated: could not decode samples {start}–{stop} of {self.info.frames}",
                self.path,
            )
        if not np.isfinite(block).all():
            raise BadSamples("has NaN or infinite samples", self.path)
        peak = float(np.abs(block).max()) if block.size else 0.0
        if peak > MAX_SAMPLE_MAGNITUDE:
            raise BadSamples(f"sample values reach {peak:.3g}; full scale is ±1", self.path)
        return block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float32)


def resample(signal: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample a 1-D signal between integer rates (Hz) with libsoxr."""
    if rate_in == rate_out:
        return signal.astype(np.float32, copy=False)
    import soxr

    out = soxr.resample(np.ascontiguousarray(signal, dtype=np.float32), rate_in, rate_out, "HQ")
    return out.astype(np.float32, copy=False)


@reader_boundary
def load_for_features(path: str | Path, samplerate: int = FEATURE_SAMPLERATE) -> np.ndarray:
    """Mono float32 samples at ``samplerate`` Hz (16 kHz by default) for feature extraction."""
    clip = read_audio(path)
    out = resample(clip.mono(), clip.samplerate, samplerate)
    if out.size == 0:
        raise EmptyFile(
            f"too short: {clip.samples.shape[0]} samples at {clip.samplerate} Hz give none "
            f"at {samplerate} Hz",
            path,
        )
    return out


def write_audio(path: str | Path, samples: np.ndarray, samplerate: int) -> None:
    """Write samples (1-D or frames × channels, float in [-1, 1]) as 16-bit PCM WAV/FLAC."""
    import soundfile as sf

    path = Path(path)
    subtype = "PCM_16" if path.suffix.lower() in (".wav", ".flac") else None
    sf.write(str(path), np.asarray(samples, dtype=np.float32), samplerate, subtype=subtype)
