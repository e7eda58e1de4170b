"""What the player shows of a recording, prepared without Qt: a fixed-size overview of the
whole recording and detail for the stretch on screen."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.features import display
from emolab.features.display import (
    DEFAULT_WINDOW_S,
    OVERVIEW_COLUMNS,
    OVERVIEW_FRAMES,
    TimeWindow,
    audio_overview,
    load_recording_media,
    peak_envelope,
    spectrogram_db,
    spectrogram_span,
    waveform_trace,
)

SR = 8_000


@pytest.fixture(scope="module")
def long_signal() -> np.ndarray:
    """Twenty minutes of noise under a slow swell, float32 at 8 kHz (38 MB)."""
    rng = np.random.default_rng(0)
    n = 20 * 60 * SR
    swell = 0.2 + 0.7 * np.abs(np.sin(np.linspace(0, 40 * np.pi, n, dtype=np.float32)))
    return (swell * rng.uniform(-1, 1, n).astype(np.float32)).astype(np.float32)


def test_overview_envelope_has_fixed_columns_that_bound_the_samples(long_signal):
    envelope = peak_envelope(long_signal, SR)
    assert len(envelope.lows) == len(envelope.highs) == OVERVIEW_COLUMNS
    assert envelope.lows.dtype == envelope.highs.dtype == np.float32
    assert envelope.duration == pytest.approx(20 * 60)
    assert envelope.lows.min() == long_signal.min() and envelope.highs.max() == long_signal.max()
    n = len(long_signal)
    for column in (0, 1, 1234, OVERVIEW_COLUMNS - 1):
        part = long_signal[column * n // OVERVIEW_COLUMNS : (column + 1) * n // OVERVIEW_COLUMNS]
        assert envelope.lows[column] == part.min() and envelope.highs[column] == part.max()


def test_short_signal_envelope_has_a_column_per_sample():
    envelope = peak_envelope(np.array([0.1, -0.2, 0.3], np.float32), SR)
    assert list(envelope.lows) == list(envelope.highs) == pytest.approx([0.1, -0.2, 0.3])


def test_spectrogram_overview_is_bounded_float32_and_computed_in_chunks(long_signal, monkeypatch):
    blocks: list[tuple] = []
    rfft = np.fft.rfft

    def recording_rfft(block, *args, **kwargs):
        blocks.append((block.shape, block.dtype))
        return rfft(block, *args, **kwargs)

    monkeypatch.setattr(display.np.fft, "rfft", recording_rfft)
    overview = audio_overview(long_signal, SR)
    spectrogram = overview.spectrogram
    assert spectrogram.power_db.dtype == np.float32
    assert spectrogram.power_db.shape == (OVERVIEW_FRAMES, 200 // 2 + 1)  # 25 ms at 8 kHz
    assert spectrogram.end_s == pytest.approx(20 * 60)
    assert len(blocks) == -(-OVERVIEW_FRAMES // display.SPECTROGRAM_CHUNK_FRAMES)
    for shape, dtype in blocks:  # never the whole signal at once, never float64
        assert shape[0] <= display.SPECTROGRAM_CHUNK_FRAMES
        assert dtype == np.float32
    assert overview.peak == pytest.approx(np.abs(long_signal).max())


def test_chunking_does_not_change_the_spectrogram():
    rng = np.random.default_rng(1)
    signal = rng.standard_normal(30 * SR).astype(np.float32)
    whole = spectrogram_span(signal, SR, 0, 30, 500, 3, chunk_frames=10_000)
    pieces = spectrogram_span(signal, SR, 0, 30, 500, 3, chunk_frames=7)
    np.testing.assert_array_equal(whole.power_db, pieces.power_db)


def test_spectrogram_of_a_stretch_finds_its_tone():
    t = np.arange(60 * SR) / SR
    tone = np.where(t < 30, np.sin(2 * np.pi * 500 * t), np.sin(2 * np.pi * 2000 * t))
    detail = spectrogram_span(tone.astype(np.float32), SR, 40.0, 50.0, 2000)
    assert detail.start_s == 40.0 and detail.hop_s == pytest.approx(0.01)
    assert len(detail.power_db) == 1000
    bin_hz = detail.top_hz / (detail.power_db.shape[1] - 1)
    assert np.median(detail.power_db.argmax(axis=1)) * bin_hz == pytest.approx(2000, abs=bin_hz)


def test_spectrogram_db_still_serves_figures(tone):
    samples, sr = tone
    power, hop_s, top = spectrogram_db(samples.astype(np.float64), sr)
    assert power.shape == (1 + (sr - 400) // 160, 201) and hop_s == 0.01 and top == sr / 2


def test_waveform_trace_is_bounded_by_columns_and_keeps_the_peaks(long_signal):
    x, y = waveform_trace(long_signal, SR, 100.0, 700.0, 800)
    assert len(x) == len(y) == 1600
    assert x.min() >= 100.0 and x.max() <= 700.0 and np.all(np.diff(x) >= 0)
    stretch = long_signal[100 * SR : 700 * SR + 1]
    assert y.max() == stretch.max() and y.min() == stretch.min()
    x, y = waveform_trace(long_signal, SR, 100.0, 100.05, 800)  # few samples: drawn as they are
    assert len(y) == 0.05 * SR + 1 and x[0] == 100.0
    np.testing.assert_array_equal(y, long_signal[100 * SR : 100 * SR + 401])


def test_time_window_shows_short_recordings_whole_and_long_ones_through_a_window():
    assert (TimeWindow.for_duration(3.0).start, TimeWindow.for_duration(3.0).span) == (0, 3.0)
    window = TimeWindow.for_duration(3600.0)
    assert (window.start, window.span) == (0, DEFAULT_WINDOW_S)


def test_time_window_pages_when_the_playhead_leaves_it():
    window = TimeWindow.for_duration(600.0)
    assert not window.follow(4.0) and not window.follow(10.0)
    assert window.follow(10.5)
    assert window.start < 10.5 < window.end and window.span == DEFAULT_WINDOW_S
    assert window.follow(300.0) and window.start <= 300.0 <= window.end
    assert window.follow(599.9) and window.end == 600.0  # kept inside the recording
    assert window.follow(0.0) and window.start == 0.0


def test_time_window_stays_inside_the_recording():
    window = TimeWindow.for_duration(100.0)
    window.show(-5, 20)
    assert (window.start, window.span) == (0, 20)
    window.show(95, 500)
    assert (window.start, window.span) == (0, 100)
    window.show(50, 10)
    window.centre_on(99)
    assert (window.start, window.end) == (90, 100)


def test_load_recording_media_keeps_mono_float32_and_an_overview(tmp_path, tone):
    from emolab.core.progress import run_to_end
    from emolab.io.audio import write_audio

    samples, sr = tone
    path = tmp_path / "tone.wav"
    write_audio(path, np.column_stack([samples, samples]), sr)
    media = run_to_end(load_recording_media(7, path, None))
    assert media.problems == [] and media.motion is None
    assert media.samples.dtype == np.float32 and media.samples.ndim == 1
    assert media.duration == pytest.approx(1.0)
    assert len(media.overview.envelope.lows) == OVERVIEW_COLUMNS
    assert media.overview.peak == pytest.approx(0.3, abs=1e-3)
