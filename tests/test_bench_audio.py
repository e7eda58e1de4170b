"""The audio part of ``emolab bench``: per 3-s clip figures for the 28 features, the 88
extended functionals, both as the app computes them, the STFT floor and the plain-librosa
reference, in the JSON results and in the printed lines. Structure and format only: no
wall-clock thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from emolab.benchmarks import audio_figures, audio_lines, fixed_length_clips, format_results

SR = 16_000


def _voice(seconds: float, f0: float, seed: int) -> np.ndarray:
    """A harmonic tone with a syllable-like envelope and a little noise (mono 16 kHz)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 6))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
    return (0.2 * tone * envelope + 0.005 * rng.standard_normal(t.size)).astype(np.float32)


def _clips() -> list[np.ndarray]:
    return [_voice(2.5, 140.0, 0), _voice(3.0, 200.0, 1), _voice(3.4, 110.0, 2)]


def test_clips_are_cut_or_looped_to_exactly_three_seconds():
    signals = _clips()
    clips, counts = fixed_length_clips(signals, 3 * SR)
    assert [len(c) for c in clips] == [3 * SR] * 3
    assert counts == {"cut": 1, "looped": 1}
    assert all(c.dtype == np.float32 for c in clips)
    short, exact, long = signals
    np.testing.assert_array_equal(clips[0][: len(short)], short)  # then itself again
    np.testing.assert_array_equal(clips[0][len(short) :], short[: 3 * SR - len(short)])
    np.testing.assert_array_equal(clips[1], exact)
    np.testing.assert_array_equal(clips[2], long[: 3 * SR])


def _check_figures(out: dict, clips: int, repeat: int) -> None:
    c = out["audio_clips"]
    assert c["clips"] == clips and c["clip_s"] == 3.0 and c["samplerate_hz"] == SR
    assert c["calls"] == clips * repeat and str(clips * repeat) in c["timing"]
    assert isinstance(c["blas_threads"], int) and c["blas_threads"] >= 1
    a, x = out["audio_features"], out["extended_features"]
    both, floor = out["audio_and_extended"], out["stft_floor"]
    assert (a["features"], x["features"]) == (28, 88)
    assert (a["target_ms"], x["target_ms"]) == (2.0, 10.0)
    assert x["opensmile_egemaps_ms"] == 220
    assert x["opensmile_note"] == "published, not measured here"
    assert (floor["n_fft"], floor["hop"], floor["frames"]) == (512, 160, 297)
    figures = [
        a["ms_per_3s_clip"], a["one_blas_thread_ms_per_3s_clip"], a["ms_per_clip"],
        x["ms_per_3s_clip"], x["one_blas_thread_ms_per_3s_clip"],
        x["on_base_tracks_ms_per_3s_clip"], x["on_base_tracks_one_blas_thread_ms_per_3s_clip"],
        both["ms_per_3s_clip"], both["one_blas_thread_ms_per_3s_clip"],
        both["with_windows_and_baseline_ms_per_3s_clip"],
        both["with_windows_and_baseline_one_blas_thread_ms_per_3s_clip"],
        floor["ms_per_3s_clip"], floor["librosa_stft_ms_per_3s_clip"],
    ]  # fmt: skip
    assert all(isinstance(v, float) and np.isfinite(v) and v >= 0 for v in figures)


def test_audio_figures_without_the_reference():
    out = audio_figures(_clips(), reference_clips=0, repeat=1, log=lambda _m: None)
    _check_figures(out, clips=3, repeat=1)
    assert out["audio_clips"]["cut"] == 1 and out["audio_clips"]["looped"] == 1
    assert "librosa_reference" not in out
    lines = audio_lines(out)
    assert len(lines) == 5 and not any("librosa reference" in line for line in lines)


@pytest.mark.slow  # librosa's pyin compiles with numba first (~5 s)
def test_audio_figures_with_the_librosa_reference():
    log: list[str] = []
    out = audio_figures(_clips(), reference_clips=1, repeat=1, log=log.append)
    _check_figures(out, clips=3, repeat=1)
    r = out["librosa_reference"]
    assert r["clips"] == 1 and r["calls"] == 2
    assert r["ms_per_3s_clip"] > 0 and r["emolab_ms_same_clips"] > 0
    assert r["speedup"] == pytest.approx(r["ms_per_3s_clip"] / r["emolab_ms_same_clips"], 0.1)
    assert any("librosa" in m for m in log)
    assert "Plain librosa reference (pyin + spectral functions)" in audio_lines(out)[-1]


def _results() -> dict:
    """A whole results dict as ``run`` makes it, with made-up figures."""
    return {
        "machine": {"cpu": "Test CPU @ 1 GHz", "cores": 2, "python": "3.11.7",
                    "system": "Linux 6.1"},
        "data": "SYNTHETIC demo corpus",
        "demo_build_s": 29.0,
        "first_extraction": {"in_process_s": 0.15, "whole_process_s": 0.21},
        "audio_clips": {"clips": 60, "clip_s": 3.0, "samplerate_hz": 16000, "cut": 8,
                        "looped": 52, "timing": "warm, median of 300 single calls",
                        "calls": 300, "source_samplerate_hz": [16000], "blas_threads": 2},
        "audio_features": {"features": 28, "ms_per_3s_clip": 1.61,
                           "one_blas_thread_ms_per_3s_clip": 1.58, "target_ms": 2.0,
                           "ms_per_clip": 1.32, "mean_clip_s": 2.68},
        "extended_features": {"features": 88, "ms_per_3s_clip": 6.76,
                              "one_blas_thread_ms_per_3s_clip": 4.41,
                              "on_base_tracks_ms_per_3s_clip": 3.45,
                              "on_base_tracks_one_blas_thread_ms_per_3s_clip": 2.95,
                              "target_ms": 10.0, "opensmile_egemaps_ms": 220,
                              "opensmile_note": "published, not measured here"},
        "audio_and_extended": {"ms_per_3s_clip": 5.74, "one_blas_thread_ms_per_3s_clip": 5.12,
                               "with_windows_and_baseline_ms_per_3s_clip": 11.71,
                               "with_windows_and_baseline_one_blas_thread_ms_per_3s_clip": 8.59},
        "stft_floor": {"ms_per_3s_clip": 0.43, "librosa_stft_ms_per_3s_clip": 0.7,
                       "n_fft": 512, "hop": 160, "frames": 297},
        "librosa_reference": {"ms_per_3s_clip": 136.6, "clips": 8, "calls": 16,
                              "emolab_ms_same_clips": 1.64, "speedup": 83.3},
        "body_features": {"ms_per_clip": 1.5, "mean_frames": 150.0, "fps": 60,
                          "ms_per_3s_clip": 1.8},
        "extract_and_evaluate": {
            "recordings": 660, "jobs": 2, "extract_s": 12.0, "total_s": 20.0,
            "synthetic_scores_leave_one_participant_out": {
                "audio": {"uar": 0.69, "ece": 0.031}, "early": {"uar": 0.835, "ece": 0.04}},
        },
        "training": {
            "demo_training_s": {"audio": {"fit_only": 0.19, "with_evaluation": 1.2}},
            "demo_recordings": 660,
            "project_10k": {"recordings": 10_000, "participants": 167, "build_s": 9.0,
                            "label_counts_ms_intended": 5.0, "label_counts_ms_consensus": 7.0,
                            "label_counts_ms_rater": 6.0, "load_features_s": 0.4,
                            "train_early_logreg_s": 2.0, "intervals_ms": 90.0,
                            "intervals_resamples": 1000},
        },
        "studies": {"rate_s": 1.0},
        "peak_memory_mb": {"process": 293.0, "largest_child": 150.0},
    }  # fmt: skip


def test_format_results_prints_the_five_audio_figures_with_targets():
    text = format_results(_results())
    lines = text.splitlines()
    assert lines[0] == "Machine: Test CPU @ 1 GHz, 2 cores, Python 3.11.7, Linux 6.1"

    def line(start: str) -> str:
        (found,) = [x for x in lines if x.startswith(start)]
        return found

    header = line("Audio, per 3 s clip: ")
    assert "60 demo clips (files at 16000 Hz) at 16000 Hz" in header
    assert "cut (8) or looped (52) to 3 s" in header
    assert header.endswith("warm, median of 300 single calls; BLAS on 2 thread(s) [on one thread]:")
    assert line("  28 audio features: ") == (
        "  28 audio features: 1.61 ms [1.58 ms] (target ≤ 2 ms); 1.32 ms per uncut clip "
        "(mean 2.68 s)"
    )
    extended = line("  88 extended functionals: ")
    assert extended.startswith(
        "  88 extended functionals: 6.76 ms [4.41 ms] from the samples, 3.45 ms [2.95 ms] on "
        "top of the 28 features' frame tracks"
    )
    assert "(target ≤ 10 ms; openSMILE eGeMAPS ~220 ms (published, not measured here))" in (
        extended
    )
    both = line("  28 + 88 as the app computes them")
    assert "5.74 ms [5.12 ms]" in both and "40-MFCC baseline 11.71 ms [8.59 ms]" in both
    floor = line("  STFT floor (numpy rfft, 512-point Hann every 160 samples, 297 frames): ")
    assert floor.endswith(": 0.43 ms (librosa.stft 0.7 ms)")
    reference = line("  Plain librosa reference (pyin + spectral functions): ")
    assert "136.6 ms (median of 16 calls on 8 of the clips)" in reference
    assert reference.endswith("28 features 1.64 ms on the same clips: 83.3× faster")
    # the audio block sits between the data line and the body line, in this order
    order = [lines.index(line(s)) for s in (
        "Data: ", "Audio, per 3 s clip", "  28 audio", "  88 extended", "  28 + 88",
        "  STFT floor", "  Plain librosa", "Body features")]  # fmt: skip
    assert order == sorted(order) and order == list(range(order[0], order[0] + 8))
