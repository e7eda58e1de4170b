from __future__ import annotations

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
