from __future__ import annotations

import struct

import numpy as np
import pytest
import soundfile as sf

from emolab.core.errors import BadSamples, CorruptFile, EmptyFile, UnsupportedFormat
from emolab.io.audio import load_for_features, read_audio, read_audio_info, resample


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_every_supported_format_reads(tmp_path, tone, ext):
    samples, sr = tone
    path = tmp_path / f"a.{ext}"
    sf.write(path, samples, sr)
    info = read_audio_info(path)
    assert info.samplerate == sr
    assert info.channels == 1
    assert info.duration == pytest.approx(1.0, abs=0.06)  # mp3 pads a frame
    mono = load_for_features(path)
    assert mono.dtype == np.float32
    # the 220 Hz tone survives decoding: its spectrum peaks at 220 Hz
    spectrum = np.abs(np.fft.rfft(mono[:16000]))
    assert np.argmax(spectrum) * 16000 / len(mono[:16000]) == pytest.approx(220, abs=2)


@pytest.mark.parametrize(
    ("ext", "subtype", "exact"),
    [("wav", "PCM_16", True), ("wav", "PCM_24", True), ("flac", "PCM_16", True),
     ("mp3", "MPEG_LAYER_III", True), ("ogg", "VORBIS", False)],
)  # fmt: skip
def test_ogg_vorbis_is_not_read_a_stretch_at_a_time(tmp_path, tone, ext, subtype, exact):
    """libsndfile 1.2.2 can seek Ogg Vorbis a block (128+ frames) late without an error
    (libsndfile issue #885): a 61 s, 16 kHz Vorbis recording read a stretch at a time
    failed as 'truncated' and read shifted samples. Such files are decoded whole."""
    from emolab.io.audio import seeks_exactly

    path = tmp_path / f"a.{ext}"
    sf.write(path, *tone, subtype=subtype)
    assert seeks_exactly(read_audio_info(path)) is exact


def test_stereo_44k1_becomes_mono_16k(tmp_path):
    sr = 44_100
    t = np.arange(sr) / sr
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.2
    path = tmp_path / "s.wav"
    sf.write(path, stereo, sr)
    assert read_audio(path).channels == 2
    mono = load_for_features(path)
    assert mono.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(mono))
    assert np.argmax(spectrum) == pytest.approx(440, abs=1)


def test_resample_keeps_length_ratio():
    x = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    assert resample(x, 22050, 16000).shape == (16000,)
    assert resample(x, 16000, 16000) is not None


def test_truncated_wav_is_refused_with_reason(tmp_path, tone):
    samples, sr = tone
    good = tmp_path / "good.wav"
    sf.write(good, samples, sr)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(CorruptFile, match="truncated") as info:
        read_audio(cut)
    assert "cut.wav" in str(info.value)


def test_empty_and_zero_length_and_garbage(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFile, match="0 bytes"):
        read_audio(empty)
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(EmptyFile, match="no samples"):
        read_audio(zero)
    garbage = tmp_path / "garbage.flac"
    garbage.write_bytes(b"not audio at all" * 50)
    with pytest.raises(CorruptFile, match="cannot be decoded"):
        read_audio(garbage)


def test_nan_samples_are_refused(tmp_path):
    path = tmp_path / "nan.wav"
    data = np.array([0.1, np.nan, 0.2, np.inf] * 100, dtype=np.float32)
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(BadSamples, match="200 of 400 samples"):
        read_audio(path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "x.aiff"
    path.write_bytes(b"123")
    with pytest.raises(UnsupportedFormat, match="not an audio format"):
        read_audio(path)


def _wav_header(rate: int, channels: int = 1, bits: int = 16, frames: int = 100) -> bytes:
    """A PCM RIFF/WAVE file of silence with the given header fields."""
    data = b"\0" * (frames * channels * bits // 8)
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data))
    return b"RIFF" + struct.pack("<I", len(body) + len(data)) + body + data


@pytest.mark.parametrize("rate", [1, 500, 2_000_000, 2**31 - 1])
def test_absurd_sample_rates_are_refused(tmp_path, rate):
    path = tmp_path / "rate.wav"
    path.write_bytes(_wav_header(rate))
    with pytest.raises(CorruptFile, match="sample rate"):
        read_audio_info(path)


def test_a_sample_rate_of_zero_or_absurd_channel_count_is_refused(tmp_path):
    path = tmp_path / "zero.wav"
    path.write_bytes(_wav_header(0))
    with pytest.raises(CorruptFile):
        read_audio(path)
    path.write_bytes(_wav_header(16000, channels=1000, frames=2))
    with pytest.raises(CorruptFile, match="1000 channels"):
        read_audio(path)


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_garbage_bytes_are_corrupt_for_every_extension(tmp_path, ext):
    path = tmp_path / f"garbage.{ext}"
    path.write_bytes(bytes(np.random.default_rng(7).integers(0, 256, 3000, dtype=np.uint8)))
    with pytest.raises(CorruptFile):
        load_for_features(path)


def test_infinite_float_samples_are_bad_samples(tmp_path):
    path = tmp_path / "inf.wav"
    data = np.full(400, 0.1, dtype=np.float32)
    data[[3, 50]] = [np.inf, -np.inf]
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(BadSamples, match="2 of 400 samples are NaN or infinite"):
        load_for_features(path)


def test_float_samples_far_beyond_full_scale_are_bad_samples(tmp_path):
    path = tmp_path / "huge.wav"
    data = np.full(400, 0.1, dtype=np.float32)
    data[10] = 3e38
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(BadSamples, match="full scale"):
        read_audio(path)


def test_a_file_too_short_to_resample_is_empty(tmp_path):
    path = tmp_path / "one.wav"
    path.write_bytes(_wav_header(44100, frames=1))
    with pytest.raises(EmptyFile, match="too short"):
        load_for_features(path)


def test_a_header_claiming_a_huge_length_is_refused_without_allocating_it(tmp_path, tone):
    samples, sr = tone
    good = tmp_path / "good.flac"
    sf.write(good, samples, sr)
    data = bytearray(good.read_bytes())
    # STREAMINFO: the low 36 bits of bytes 18–25 hold the total sample count
    fields = int.from_bytes(data[18:26], "big") | (2**36 - 1)
    data[18:26] = fields.to_bytes(8, "big")
    liar = tmp_path / "liar.flac"
    liar.write_bytes(bytes(data))
    with pytest.raises(CorruptFile):
        read_audio(liar)


def test_soundfile_failures_and_unreadable_paths_are_typed(tmp_path, tone):
    missing = tmp_path / "missing.wav"
    with pytest.raises(CorruptFile, match="does not exist"):
        read_audio(missing)
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    with pytest.raises(CorruptFile):
        read_audio(folder)
    samples, sr = tone
    cut = tmp_path / "cut.ogg"
    sf.write(cut, samples, sr)
    cut.write_bytes(cut.read_bytes()[:200])
    with pytest.raises(CorruptFile):
        load_for_features(cut)
