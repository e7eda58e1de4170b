"""``emolab bench``: performance figures with units and the machine they ran on.

Every figure README or an issue note quotes comes from here. Data is a freshly
generated SYNTHETIC corpus, so runs are comparable across machines.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def peak_memory_mb(children: bool = False) -> float | None:
    """Peak resident memory (MB) of this process, or of its largest finished child; None
    where the platform does not say (Windows has no ``resource`` module)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    # ru_maxrss is in kilobytes on Linux but in bytes on macOS
    return round(peak.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def resident_memory_mb(field: str = "VmRSS") -> float | None:
    """Resident memory now (``VmRSS``) or at its peak (``VmHWM``), MB, from /proc (Linux);
    None elsewhere."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _per_item_ms(function: Callable, items: list, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            function(item)
    return (time.perf_counter() - start) / (len(items) * repeat) * 1000


def _librosa_reference(samples: np.ndarray) -> None:
    """The same audio features 'the plain way': librosa pyin and spectral functions."""
    import librosa

    sr = 16_000
    librosa.pyin(samples, fmin=60, fmax=500, sr=sr)
    librosa.feature.rms(y=samples)
    librosa.feature.zero_crossing_rate(samples)
    librosa.feature.spectral_centroid(y=samples, sr=sr)
    librosa.feature.spectral_bandwidth(y=samples, sr=sr)
    librosa.feature.spectral_rolloff(y=samples, sr=sr, roll_percent=0.85)
    librosa.feature.spectral_flatness(y=samples)
    librosa.onset.onset_strength(y=samples, sr=sr)
    librosa.feature.mfcc(y=samples, sr=sr, n_mfcc=13)


CLIP_S = 3.0  # the audio figures are per clip of this length
AUDIO_TARGETS_MS = {"audio_features": 2.0, "extended_features": 10.0}  # per 3-s clip (issue)
OPENSMILE_EGEMAPS_MS = 220  # published figure for openSMILE's eGeMAPS, not measured here


def _median_call_ms(functions: dict[str, Callable], items: list, repeat: int) -> dict:
    """Median wall time (ms) of single calls of each function, warm: one untimed call of
    each first (numba compiles, caches fill), then ``repeat`` rounds in which each function
    in turn runs on every item (back to back, as when a project is extracted), so a change
    in the machine's load over the run reaches every function alike."""
    for function in functions.values():
        function(items[0])
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            for item in items:
                start = time.perf_counter()
                function(item)
                times[name].append(time.perf_counter() - start)
    return {name: round(float(np.median(t)) * 1000, 2) for name, t in times.items()}


def fixed_length_clips(signals: list[np.ndarray], samples: int) -> tuple[list[np.ndarray], dict]:
    """Every signal made exactly ``samples`` long: longer ones cut to their start, shorter
    ones continued by repeating themselves (so the clip is speech throughout, as a 3-s
    recording would be; zeros would be trimmed as silence and flatter the figures)."""
    out = [s[:samples] if len(s) >= samples else np.resize(s, samples) for s in signals]
    counts = {"cut": sum(len(s) > samples for s in signals),
              "looped": sum(len(s) < samples for s in signals)}  # fmt: skip
    return out, counts


def _stft_floor(samples: np.ndarray) -> np.ndarray:
    """The bare STFT of a clip on the features' frames (512-point periodic Hann every 160
    samples, float64 as the features compute it): the floor under the spectral features,
    which compute this (on the clip's non-silent frames) and more."""
    from emolab.features.spectral import HOP, N_FFT, frame_view, hann

    frames = frame_view(np.asarray(samples, dtype=np.float64), N_FFT, HOP)
    return np.fft.rfft(frames * hann(N_FFT), axis=1)


def _blas_threads() -> int:
    """Threads the BLAS library numpy uses would run a large matrix product on."""
    from threadpoolctl import threadpool_info

    return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"),
               default=1)  # fmt: skip


def _librosa_stft(samples: np.ndarray) -> np.ndarray:
    import librosa

    from emolab.features.spectral import HOP, N_FFT

    return librosa.stft(samples, n_fft=N_FFT, hop_length=HOP, center=False)


def audio_figures(
    signals: list[np.ndarray], reference_clips: int = 8, repeat: int = 5, log=print
) -> dict:
    """Per 3-s clip, warm, median of single calls: the 28 audio features, the 88 extended
    functionals (alone, and on top of the 28's frame tracks), both as the app computes them
    for a recording, the bare STFT as the floor, and the plain-librosa reference (its first
    ``reference_clips`` clips; 0 leaves it out). ``signals``: mono at FEATURE_SAMPLERATE."""
    from threadpoolctl import threadpool_limits

    from emolab.features import audio as audio_features
    from emolab.features import extended as extended_features
    from emolab.features.extract import _audio_features
    from emolab.features.spectral import HOP, N_FFT
    from emolab.io.audio import FEATURE_SAMPLERATE

    def both(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the calls of emolab.features.extract._audio_features: the frame tracks once
        base = audio_features.frame_tracks(samples)
        extra = extended_features.frame_tracks(samples, base)
        return audio_features.aggregate(base), extended_features.aggregate(extra, base)

    n = round(CLIP_S * FEATURE_SAMPLERATE)
    clips, counts = fixed_length_clips(signals, n)
    bases = [audio_features.frame_tracks(c) for c in clips]
    calls = len(clips) * repeat
    natural_s = float(np.mean([len(s) for s in signals])) / FEATURE_SAMPLERATE
    out: dict = {"audio_clips": {
        "clips": len(clips), "clip_s": CLIP_S, "samplerate_hz": FEATURE_SAMPLERATE, **counts,
        "timing": f"warm, median of {calls} single calls", "calls": calls,
    }}  # fmt: skip
    log(f"audio features per {CLIP_S:g} s clip ({len(clips)} clips × {repeat}) …")
    features = {
        "audio": lambda i: audio_features.extract(clips[i]),
        "extended": lambda i: extended_features.extract(clips[i]),
        "extended_on_base": lambda i: extended_features.aggregate(
            extended_features.frame_tracks(clips[i], bases[i]), bases[i]),
        "both": lambda i: both(clips[i]),
        "app": lambda i: _audio_features(clips[i], None),
    }  # fmt: skip
    items = list(range(len(clips)))
    ms = _median_call_ms({
        **features,
        "stft": lambda i: _stft_floor(clips[i]),
        "librosa_stft": lambda i: _librosa_stft(clips[i]),
    }, items, repeat)  # fmt: skip
    # the app extracts in its own process on the BLAS library's default threads (jobs=1,
    # or few files) or in joblib workers on cores ÷ jobs threads (one each for 2 jobs on 2
    # cores): both, as a matrix product big enough for a second thread is much slower
    # when the cores are busy
    out["audio_clips"]["blas_threads"] = _blas_threads()
    log("… and again on one BLAS thread …")
    with threadpool_limits(limits=1, user_api="blas"):
        one = _median_call_ms(features, items, repeat)
    uncut = _median_call_ms({"audio": audio_features.extract}, signals, 2)["audio"]
    out["audio_features"] = {
        "features": len(audio_features.NAMES),
        "ms_per_3s_clip": ms["audio"],
        "one_blas_thread_ms_per_3s_clip": one["audio"],
        "target_ms": AUDIO_TARGETS_MS["audio_features"],
        "ms_per_clip": uncut,
        "mean_clip_s": round(natural_s, 2),
    }
    out["extended_features"] = {
        "features": len(extended_features.NAMES),
        "ms_per_3s_clip": ms["extended"],
        "one_blas_thread_ms_per_3s_clip": one["extended"],
        "on_base_tracks_ms_per_3s_clip": ms["extended_on_base"],
        "on_base_tracks_one_blas_thread_ms_per_3s_clip": one["extended_on_base"],
        "target_ms": AUDIO_TARGETS_MS["extended_features"],
        "opensmile_egemaps_ms": OPENSMILE_EGEMAPS_MS,
        "opensmile_note": "published, not measured here",
    }
    out["audio_and_extended"] = {
        "ms_per_3s_clip": ms["both"],
        "one_blas_thread_ms_per_3s_clip": one["both"],
        "with_windows_and_baseline_ms_per_3s_clip": ms["app"],
        "with_windows_and_baseline_one_blas_thread_ms_per_3s_clip": one["app"],
    }
    out["stft_floor"] = {
        "ms_per_3s_clip": ms["stft"], "librosa_stft_ms_per_3s_clip": ms["librosa_stft"],
        "n_fft": N_FFT, "hop": HOP, "frames": 1 + (n - N_FFT) // HOP,
    }  # fmt: skip
    if reference_clips > 0:
        log("plain-librosa reference (pyin + spectral functions) …")
        subset = clips[:reference_clips]
        same = _median_call_ms(
            {"reference": _librosa_reference, "ours": audio_features.extract}, subset, 2
        )
        out["librosa_reference"] = {
            "ms_per_3s_clip": round(same["reference"], 1),
            "clips": len(subset),
            "calls": 2 * len(subset),
            "emolab_ms_same_clips": same["ours"],
            "speedup": round(same["reference"] / same["ours"], 1),
        }
    return out


def first_extraction_seconds(wav: Path, csv: Path) -> dict:
    """A fresh interpreter extracting one recording: in-process time and whole process."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from emolab.features.extract import file_features\n"
        f"file_features({str(wav)!r}, 'audio'); file_features({str(csv)!r}, 'body')\n"
        "print(time.perf_counter() - t)"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {
        "in_process_s": round(float(out.stdout.strip()), 3),
        "whole_process_s": round(time.perf_counter() - start, 3),
    }


def _big_training_project(path: Path, demo: Path, recordings: int = 10_000, seed: int = 0) -> int:
    """A SYNTHETIC project of ``recordings`` recordings with cached features and two raters'
    choices: the demo's per-recording features copied with 5 % noise across as many
    participants as it takes (no media files, so nothing is left to extract). Returns the
    number of participants."""
    from emolab.features.extract import MediaFeatures
    from emolab.project.features import cached, store_features
    from emolab.project.store import Project

    rng = np.random.default_rng(seed)
    templates: dict[str, list] = {}
    with Project.open(demo) as source:
        for recording in source.recordings():
            features = {}
            for m in source.media(recording.id):
                kinds = ("file", "windows", "baseline") if m.modality == "audio" else (
                    "file", "windows")  # fmt: skip
                features[m.modality] = [cached(source, m.sha256, m.modality, k) for k in kinds]
            templates.setdefault(recording.participant, []).append((recording, features))
    people = list(templates.values())
    made, participant = 0, 0
    with Project.create(path) as project, project.transaction() as con:
        project.set_meta("synthetic", "1")
        raters = [project.ensure_rater(name) for name in ("ana", "ben")]
        emotions = sorted({r.emotion for group in people for r, _ in group})
        ratings = []
        while made < recordings:
            pid = project.ensure_participant(f"{participant:03d}", "English as first language")
            for recording, features in people[participant % len(people)]:
                if made == recordings:
                    break
                rid, _ = project.ensure_recording(
                    f"{participant:03d}-{recording.key}", "bench", pid,
                    {"emotion": recording.emotion, "intensity": recording.intensity}, {},
                )  # fmt: skip
                for modality, (vector, windows, *baseline) in features.items():
                    sha = f"bench-{made:07d}-{modality}"
                    project.upsert_media(rid, modality, {
                        "path": f"{sha}.x", "format": "x", "duration": 3.0, "rate": 1.0,
                        "frames": 1, "channels": 1, "missing_fraction": 0.0, "size": 1,
                        "sha256": sha, "mtime": 0.0,
                    })  # fmt: skip
                    noisy = vector * (1 + 0.05 * rng.standard_normal(vector.shape))
                    store_features(project, sha, MediaFeatures(
                        modality, noisy.astype(np.float32), windows,
                        baseline=baseline[0] if baseline else None))  # fmt: skip
                # ana chooses the intended emotion; ben does 4 times in 5
                other = recording.emotion if rng.random() < 0.8 else rng.choice(emotions)
                ratings += [(rid, raters[0], recording.emotion), (rid, raters[1], str(other))]
                made += 1
            participant += 1
        con.executemany(
            "INSERT INTO ratings(recording_id, rater_id, emotion, emotion_source, updated_at) "
            "VALUES (?, ?, ?, 'human', '2024-01-01T00:00:00Z')", ratings,
        )  # fmt: skip
    return participant


def _median_ms(function: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)) * 1000, 1)


def training_figures(demo: Path, tmp: Path, log=print) -> dict:
    """Training time per fusion mode on the demo project (with and without the evaluation
    that goes on the model card), and on a 10,000-recording synthetic project: logreg
    early fusion trained from cached features, label counts, bootstrap intervals."""
    from emolab.core.progress import run_to_end
    from emolab.models.metrics import RESAMPLES, score
    from emolab.models.modes import FUSION_MODES
    from emolab.project.store import Project
    from emolab.project.training import (
        LabelSource,
        TrainingPlan,
        label_counts,
        labelled_features,
        train,
    )

    out: dict = {"demo_training_s": {}}
    with Project.open(demo) as project:
        run_to_end(train(project, TrainingPlan("body", evaluate_first=False), activate=False))
        for fusion in FUSION_MODES:
            log(f"training {fusion} on the demo …")
            seconds = {}
            for evaluate_first, name in ((False, "fit_only"), (True, "with_evaluation")):
                plan = TrainingPlan(fusion, evaluate_first=evaluate_first)
                start = time.perf_counter()
                run_to_end(train(project, plan, activate=False))
                seconds[name] = round(time.perf_counter() - start, 2)
            out["demo_training_s"][fusion] = seconds
        out["demo_recordings"] = project.execute("SELECT COUNT(*) FROM recordings").fetchone()[0]

    log("building a 10,000-recording synthetic project with cached features …")
    path = tmp / "big-training.emolab"
    start = time.perf_counter()
    people = _big_training_project(path, demo)
    big = {"recordings": 10_000, "participants": people,
           "build_s": round(time.perf_counter() - start, 1)}  # fmt: skip
    with Project.open(path) as project:
        log("label counts on it …")
        for source in (LabelSource(), LabelSource("consensus"), LabelSource("rater", "ben")):
            big[f"label_counts_ms_{source.kind}"] = _median_ms(lambda s=source: label_counts(
                project, s, "early"))  # fmt: skip
        log("training logreg early fusion on it …")
        start = time.perf_counter()
        data = labelled_features(project)
        big["load_features_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        run_to_end(train(project, TrainingPlan("early", evaluate_first=False)))
        big["train_early_logreg_s"] = round(time.perf_counter() - start, 2)
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(8), len(data))
    truth = rng.integers(0, 8, len(data))
    classes = [str(i) for i in range(8)]
    big["intervals_ms"] = _median_ms(lambda: score(proba, truth, data.participants, classes), 3)
    big["intervals_resamples"] = RESAMPLES
    out["project_10k"] = big
    return out


def offset_figures(pairs: int = 10, log=print) -> dict:
    """Audio↔motion offset estimation on SYNTHETIC pairs of known offset (uniform in
    ±2 s): error in motion frames and time per recording at 30, 60 and 120 fps, for demo
    speech and gestures with a clap and for movement that follows loudness; how often
    speech and gesture alone, and audio and movement of different recordings, give a
    usable estimate (they should not); the time for a 10-minute recording."""
    from emolab.demo.sync import following_pair, sync_pair
    from emolab.project.offsets import estimate_for_media

    def measure(make, fps: float, seeds: range) -> dict:
        errors, times, durations, unusable = [], [], [], 0
        for seed in seeds:
            truth = float(np.random.default_rng([seed, 99]).uniform(-2, 2))
            pair = make(seed, truth, fps)
            start = time.perf_counter()
            estimate = estimate_for_media(pair.samples, pair.samplerate, pair.motion)
            times.append(time.perf_counter() - start)
            durations.append(len(pair.samples) / pair.samplerate)
            if estimate.usable:
                errors.append(abs(estimate.offset - truth) * fps)
            else:
                unusable += 1
        return {
            "pairs": len(seeds),
            "not_usable": unusable,
            "max_error_frames": round(max(errors), 3) if errors else None,
            "median_error_frames": round(float(np.median(errors)), 3) if errors else None,
            "median_ms": round(float(np.median(times)) * 1000, 1),
            "mean_duration_s": round(float(np.mean(durations)), 1),
        }

    out: dict = {"offsets": "uniform in ±2 s", "max_lag_s": 2.5}
    for name, make in (
        ("clap", lambda seed, truth, fps: sync_pair(seed, truth, fps)),
        ("loudness_following", lambda seed, truth, fps: following_pair(seed, truth, fps)),
    ):
        for fps in (30.0, 60.0, 120.0):
            log(f"offset estimates: {name} at {fps:g} fps …")
            out[f"{name}_{fps:g}fps"] = measure(make, fps, range(pairs))
    log("offset estimates: speech and gesture without a clap, mismatched pairs …")
    speech = measure(lambda s, t, fps: sync_pair(s, t, fps, clap_at=None), 60.0, range(pairs))
    out["speech_without_clap_60fps"] = speech
    usable_mismatched = 0
    for seed in range(pairs):
        one, other = following_pair(seed, 0.5), following_pair(seed + 1000, 0.5)
        usable_mismatched += estimate_for_media(one.samples, one.samplerate, other.motion).usable
    out["mismatched_usable"] = f"{usable_mismatched} of {pairs}"
    pair = following_pair(1, 0.8, fps=120.0, duration=600.0)
    start = time.perf_counter()
    estimate = estimate_for_media(pair.samples, pair.samplerate, pair.motion)
    out["ten_minutes_120fps_s"] = round(time.perf_counter() - start, 2)
    out["ten_minutes_error_frames"] = (
        round(abs(estimate.offset - 0.8) * 120, 3) if estimate.usable else estimate.reason
    )
    return out


def offset_lines(o: dict) -> list[str]:
    """The offset figures, as ``format_results`` prints them."""
    lines = [f"Audio↔motion offsets on SYNTHETIC pairs (offsets {o['offsets']}), error in "
             "motion frames (max / median), ms per recording:"]  # fmt: skip
    for key, v in o.items():
        if isinstance(v, dict):
            lines.append(
                f"  {key}: {v['pairs']} pairs of {v['mean_duration_s']} s, "
                f"{v['not_usable']} not usable, error {v['max_error_frames']} / "
                f"{v['median_error_frames']} frames, {v['median_ms']} ms"
            )
    lines.append(f"  audio and movement of different recordings usable: {o['mismatched_usable']};"
                 f" a 10-minute recording at 120 fps: {o['ten_minutes_120fps_s']} s "
                 f"(error {o['ten_minutes_error_frames']} frames)")  # fmt: skip
    return lines


def run(participants: int = 11, jobs: int = 2, reference_clips: int = 8, log=print) -> dict:
    """Run every non-GUI benchmark; ``log`` receives progress lines."""
    from emolab.core.progress import run_to_end
    from emolab.features import body as body_features
    from emolab.io.audio import load_for_features, read_audio_info
    from emolab.io.motion import read_motion
    from emolab.models.evaluation import evaluate
    from emolab.models.modes import FUSION_MODES
    from emolab.project.demo import build_demo_project
    from emolab.project.features import extract_features, feature_table
    from emolab.project.store import Project

    results: dict = {"machine": machine(), "data": "SYNTHETIC demo corpus"}
    with tempfile.TemporaryDirectory() as tmp:
        log(f"generating a {participants}-participant synthetic corpus …")
        start = time.perf_counter()
        project_path = run_to_end(build_demo_project(tmp, participants=participants, seed=0))
        results["demo_build_s"] = round(time.perf_counter() - start, 2)
        corpus = Path(tmp) / "corpus"
        wavs = sorted(corpus.rglob("*.wav"))[:60]
        csvs = sorted(corpus.rglob("*.csv"))[:60]

        log("first extraction in a fresh process …")
        results["first_extraction"] = first_extraction_seconds(wavs[0], csvs[0])

        log("warm per-clip extraction …")
        signals = [load_for_features(p) for p in wavs]
        results.update(audio_figures(signals, reference_clips, log=log))
        rates = sorted({read_audio_info(p).samplerate for p in wavs})
        results["audio_clips"]["source_samplerate_hz"] = rates
        clips = [read_motion(p) for p in csvs]
        body_ms = _per_item_ms(body_features.extract, clips, repeat=2)
        frames = float(np.mean([c.n_frames for c in clips]))
        results["body_features"] = {
            "ms_per_clip": round(body_ms, 3),
            "mean_frames": round(frames, 1),
            "fps": 60,
            "ms_per_3s_clip": round(body_ms * 180 / frames, 3),
        }

        log("extract + evaluate all five fusion modes …")
        start = time.perf_counter()
        with Project.open(project_path) as project:
            run_to_end(extract_features(project, jobs=jobs))
            extract_s = time.perf_counter() - start
            data = feature_table(project)
        scores = {}
        for fusion in FUSION_MODES:
            result = run_to_end(evaluate(data, fusion))
            scores[fusion] = {"uar": round(result.uar, 3), "ece": round(result.ece, 3)}
        total = time.perf_counter() - start
        results["extract_and_evaluate"] = {
            "recordings": len(data),
            "jobs": jobs,
            "extract_s": round(extract_s, 2),
            "total_s": round(total, 2),
            "synthetic_scores_leave_one_participant_out": scores,
        }
        from emolab.project.dask_bench import throughput_figures

        results["extraction_throughput"] = throughput_figures(corpus, jobs, log)
        results["training"] = training_figures(project_path, Path(tmp), log)
        from emolab.bench_studies import study_figures

        results["studies"] = study_figures(project_path, Path(tmp), log)
    results["offsets"] = offset_figures(log=log)
    results["peak_memory_mb"] = {"process": peak_memory_mb(),
                                 "largest_child": peak_memory_mb(children=True)}  # fmt: skip
    return results


def training_lines(t: dict) -> list[str]:
    """The training figures, as ``format_results`` prints them."""
    big = t["project_10k"]
    per_mode = ", ".join(f"{fusion} {s['fit_only']} s ({s['with_evaluation']} s)"
                         for fusion, s in t["demo_training_s"].items())  # fmt: skip
    return [
        f"Training on the demo ({t['demo_recordings']} recordings), fit only (with "
        f"leave-one-participant-out evaluation): {per_mode}",
        f"{big['recordings']:,}-recording synthetic project ({big['participants']} "
        f"participants, cached features): train logreg early fusion {big['train_early_logreg_s']}"
        f" s (loading labelled features {big['load_features_s']} s); label counts "
        f"{big['label_counts_ms_intended']} ms intended, {big['label_counts_ms_consensus']} ms "
        f"consensus, {big['label_counts_ms_rater']} ms one rater; 95 % intervals "
        f"({big['intervals_resamples']} resamples) {big['intervals_ms']} ms",
    ]


def audio_lines(results: dict) -> list[str]:
    """The audio figures of ``audio_figures``, as ``format_results`` prints them."""
    c, a, x = results["audio_clips"], results["audio_features"], results["extended_features"]
    both, floor = results["audio_and_extended"], results["stft_floor"]
    rates = "/".join(str(rate) for rate in c.get("source_samplerate_hz", []))
    source = f" (files at {rates} Hz)" if rates else ""
    lines = [
        f"Audio, per {c['clip_s']:g} s clip: {c['clips']} demo clips{source} at "
        f"{c['samplerate_hz']} Hz, cut ({c['cut']}) or looped ({c['looped']}) to "
        f"{c['clip_s']:g} s; {c['timing']}; BLAS on {c['blas_threads']} thread(s) "
        "[on one thread]:",
        f"  {a['features']} audio features: {a['ms_per_3s_clip']} ms "
        f"[{a['one_blas_thread_ms_per_3s_clip']} ms] (target ≤ {a['target_ms']:g} ms); "
        f"{a['ms_per_clip']} ms per uncut clip (mean {a['mean_clip_s']} s)",
        f"  {x['features']} extended functionals: {x['ms_per_3s_clip']} ms "
        f"[{x['one_blas_thread_ms_per_3s_clip']} ms] from the samples, "
        f"{x['on_base_tracks_ms_per_3s_clip']} ms "
        f"[{x['on_base_tracks_one_blas_thread_ms_per_3s_clip']} ms] on top of the "
        f"{a['features']} features' frame tracks (target ≤ {x['target_ms']:g} ms; openSMILE "
        f"eGeMAPS ~{x['opensmile_egemaps_ms']} ms ({x['opensmile_note']}))",
        f"  {a['features']} + {x['features']} as the app computes them (frame tracks shared): "
        f"{both['ms_per_3s_clip']} ms [{both['one_blas_thread_ms_per_3s_clip']} ms]; with its "
        f"temporal windows and 40-MFCC baseline {both['with_windows_and_baseline_ms_per_3s_clip']}"
        f" ms [{both['with_windows_and_baseline_one_blas_thread_ms_per_3s_clip']} ms]",
        f"  STFT floor (numpy rfft, {floor['n_fft']}-point Hann every {floor['hop']} samples, "
        f"{floor['frames']} frames): {floor['ms_per_3s_clip']} ms (librosa.stft "
        f"{floor['librosa_stft_ms_per_3s_clip']} ms)",
    ]
    if "librosa_reference" in results:
        r = results["librosa_reference"]
        lines.append(
            f"  Plain librosa reference (pyin + spectral functions): {r['ms_per_3s_clip']} ms "
            f"(median of {r['calls']} calls on {r['clips']} of the clips); the "
            f"{a['features']} features {r['emolab_ms_same_clips']} ms on the same clips: "
            f"{r['speedup']}× faster"
        )
    return lines


def format_results(results: dict) -> str:
    from emolab.project.dask_bench import throughput_lines

    m = results["machine"]
    b = results["body_features"]
    f, e = results["first_extraction"], results["extract_and_evaluate"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['system']}",
        f"Data: {results['data']} (built in {results['demo_build_s']} s)",
        *audio_lines(results),
        f"Body features (warm): {b['ms_per_3s_clip']} ms per 3 s clip at 60 fps",
        f"First extraction in a fresh process: {f['in_process_s']} s in process, "
        f"{f['whole_process_s']} s with interpreter start",
        f"Extract + evaluate 5 fusion modes on {e['recordings']} recordings ({e['jobs']} jobs): "
        f"{e['total_s']} s (extraction {e['extract_s']} s)",
        "  synthetic UAR / ECE: "
        + ", ".join(
            f"{k} {v['uar']:.3f}/{v['ece']:.3f}"
            for k, v in e["synthetic_scores_leave_one_participant_out"].items()
        ),
        *throughput_lines(results.get("extraction_throughput")),
        *training_lines(results["training"]),
        "Studies (demo, simulated raters): "
        + ", ".join(f"{k} {v}" for k, v in results.get("studies", {}).items()),
        *(offset_lines(results["offsets"]) if "offsets" in results else []),
        f"Peak memory: {results['peak_memory_mb']['process']} MB (largest worker "
        f"{results['peak_memory_mb']['largest_child']} MB)",
    ]
    if "gui" in results:
        lines += [f"GUI: {k} = {v}" for k, v in results["gui"].items()]
    return "\n".join(lines)


def main(participants: int, jobs: int, as_json: bool, gui: bool = True) -> int:
    def log(message: str) -> None:
        print(message, file=sys.stderr)

    results = run(participants=participants, jobs=jobs, log=log)
    if gui:
        log("GUI figures (separate process) …")
        out = subprocess.run(
            [sys.executable, "-m", "emolab.gui.bench"], capture_output=True, text=True,
            env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        )  # fmt: skip
        if out.returncode == 0 and out.stdout.strip():
            results["gui"] = json.loads(out.stdout)
        else:
            results["gui_error"] = (out.stderr.strip().splitlines() or ["failed"])[-1]
    print(json.dumps(results, indent=2) if as_json else format_results(results))
    return 0
