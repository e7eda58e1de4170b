"""extract / evaluate / train / predict / models through the CLI, on the small demo."""

from __future__ import annotations

import json
import shutil

import pytest

from emolab.cli import run
from emolab.core.progress import run_to_end
from emolab.features.baseline import DIFFERENCES_FROM_SEED
from emolab.project.importer import import_folder
from emolab.project.models import models, suggestions
from emolab.project.store import Project
from tests.conftest import throwaway_copy

KEYS = {"fusion", "model", "accuracy", "uar", "macro_f1", "ece", "n_recordings", "n_participants"}


@pytest.fixture
def demo_copy(small_demo, small_dataset):
    """A throw-away copy of the small demo whose features are already cached (the
    commands' own extraction is covered by the partial project below)."""
    with throwaway_copy(small_demo, "cli") as path:
        yield path


def test_evaluate_json_has_results_and_baseline(demo_copy, capsys):
    assert run(["evaluate", str(demo_copy), "--fusion", "audio", "late", "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["synthetic"] is True
    assert [r["fusion"] for r in out["results"]] == ["audio", "late"]
    for row in out["results"]:
        assert set(row) >= KEYS
        assert row["split"] == "leave one participant out"
    assert set(out["baseline"]) >= KEYS
    assert "optimistic" in out["baseline_random_split"]["split"]
    assert out["skipped"] == [] and out["baseline_skipped"] is None
    assert out["baseline_differences"][: len(DIFFERENCES_FROM_SEED)] == list(DIFFERENCES_FROM_SEED)
    assert "random_state=0" in out["baseline_differences"][-1]


def test_evaluate_collection_split_table(demo_copy, capsys):
    assert run(["evaluate", str(demo_copy), "--fusion", "early", "--split", "collection",
                "-q"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert "collection types held out" in out
    assert "OPTIMISTIC" in out
    lines = out.splitlines()
    start = lines.index(
        "The baseline departs from the seed's recipe (librosa.feature.mfcc defaults with 40 "
        "coefficients, mean over time, RandomForest):"
    )
    for difference in DIFFERENCES_FROM_SEED:
        assert f"  - {difference}" in lines[start + 1 :]


def test_train_then_predict_records_the_model_version(demo_copy, capsys):
    assert run(["train", str(demo_copy), "--fusion", "late", "--no-evaluate", "-q"]) == 0
    assert run(["predict", str(demo_copy), "-q"]) == 0
    assert "Suggestions added: 240" in capsys.readouterr().out
    with Project.open(demo_copy) as project:
        [model] = models(project)
        assert model.active and not model.bundled
        assert model.card["training"]["synthetic"] is True
        rows = suggestions(project)
        assert len(rows) == 240
        assert {s.model_id for s in rows} == {model.id}
        assert all(abs(sum(s.probabilities.values()) - 1) < 1e-6 for s in rows)
        assert all(s.contributions is not None for s in rows)
    assert run(["predict", str(demo_copy), "-q"]) == 0
    assert "Suggestions added: 0" in capsys.readouterr().out


def test_predict_without_a_trained_model_uses_the_bundled_one(demo_copy, capsys):
    assert run(["predict", str(demo_copy), "-q"]) == 0
    with Project.open(demo_copy) as project:
        [model] = models(project)
        assert model.bundled and model.active
        one = suggestions(project)[0]
        assert one.track is not None and len(one.track["proba"]) >= 1
    assert run(["models", str(demo_copy)]) == 0
    assert "bundled default" in capsys.readouterr().out


@pytest.fixture
def partial_project(tmp_path, small_demo):
    """Two participants; some recordings lack their body file, some their audio."""
    folder = tmp_path / "rec"
    for p in ("P01", "P02"):
        shutil.copytree(small_demo.parent / "corpus" / p, folder / p)
    for path in sorted(folder.rglob("01-0[34]-*.csv")):
        path.unlink()  # happy and sad: audio only
    for path in sorted(folder.rglob("02-05-*.wav")):
        path.unlink()  # angry: body only
    path = tmp_path / "partial.emolab"
    with Project.create(path) as project:
        report = run_to_end(import_folder(project, folder))
        assert report.audio_only > 0 and report.body_only > 0
    return path


def test_missing_modalities_still_evaluate_and_predict(partial_project, capsys):
    assert run(["evaluate", str(partial_project), "--fusion", "audio", "body", "late",
                "--json", "-q"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    counts = {r["fusion"]: r["n_recordings"] for r in out["results"]}
    assert counts["late"] == 120
    assert counts["audio"] < 120 and counts["body"] < 120
    assert run(["train", str(partial_project), "--fusion", "late", "--no-evaluate", "-q"]) == 0
    assert run(["predict", str(partial_project), "-q"]) == 0
    assert "Suggestions added: 120" in capsys.readouterr().out
