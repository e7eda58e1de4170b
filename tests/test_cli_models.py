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
from emolab.project.ratings import set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy

KEYS = {"fusion", "model", "accuracy", "uar", "macro_f1", "ece", "n_recordings", "n_participants",
        "intervals", "reliable", "per_class_recall", "per_participant_uar", "reliability",
        "confusion"}  # fmt: skip
METRICS = {"uar", "accuracy", "macro_f1", "ece"}
PEOPLE = {"01", "02", "03", "04"}


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
    # audio is also reported on the seed's 28 features, beside the extended set
    assert [(r["fusion"], r["features"]) for r in out["results"]] == [
        ("audio", "extended"),
        ("audio", "seed28"),
        ("late", "extended"),
    ]
    for row in out["results"]:
        assert set(row) >= KEYS
        assert row["split"] == "leave one participant out"
        assert set(row["intervals"]) == METRICS and row["reliable"] is True
        assert len(row["reliability"]) == 15 and set(row["per_participant_uar"]) == PEOPLE
    assert set(out["baseline"]) >= KEYS
    assert set(out["baseline"]["intervals"]) == METRICS
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
    assert "95 % intervals over participants (bootstrap):" in out
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


def _rate(project: Project, recording_id: int, rater: str, emotion: str, source: str = "human"):
    set_field(project, recording_id, project.ensure_rater(rater), "emotion", emotion,
              source=source)  # fmt: skip


def test_train_on_consensus_prints_the_label_counts_and_lists_versions(demo_copy, capsys):
    assert run(["train", str(demo_copy), "--labels", "consensus", "--fusion", "body",
                "-q"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("emolab: error: no recording has a label (consensus of at least 2 ")
    assert err.endswith(": 240 no human rating\n") and err.count("\n") == 1
    with Project.open(demo_copy) as project:
        for recording in project.recordings():
            if recording.participant in ("01", "02", "03"):  # 04 is not rated
                _rate(project, recording.id, "ana", recording.emotion)
                _rate(project, recording.id, "ben", recording.emotion,
                      "model" if recording.participant == "03" else "human")  # fmt: skip
            if recording.participant == "02" and recording.key.split("-")[3] == "01":
                _rate(project, recording.id, "cleo", "calm")  # 2 of 3 agree: < 0.7
    assert run(["train", str(demo_copy), "--labels", "consensus", "--min-raters", "2",
                "--min-agreement", "0.7", "--fusion", "body", "--classifier", "logreg",
                "-q"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    with Project.open(demo_copy) as project:
        [model] = models(project)
    labels = model.card["labels"]
    assert labels["source"] == "consensus" and labels["min_agreement"] == 0.7
    # of participant 02's 30 first repetitions, the 4 calm ones have a consensus
    assert labels["excluded"] == {"no agreement": 26, "no human rating": 60,
                                  "too few raters": 60}  # fmt: skip
    assert labels["recordings"] == 60 + 34 and labels["per_class"]["calm"] == 8 + 8
    assert out[0] == ("Labels from consensus (at least 2 human raters, 70% agreeing): "
                      "94 recordings, 2 participants")  # fmt: skip
    assert out[1] == "  per class: " + ", ".join(f"{k} {v}" for k, v in labels["per_class"].items())
    assert out[2] == "  excluded: " + ", ".join(f"{v} {k}" for k, v in labels["excluded"].items())
    assert out[3] == f"Stored model {model.id} (body/logreg) and made it active."
    assert out[4].startswith("Leave-one-participant-out (SYNTHETIC data): UAR ")
    assert out[4].endswith("(unreliable: 2 participants)")

    assert run(["models", str(demo_copy), "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert set(listed) >= {"id", "name", "created", "active", "size_bytes", "fusion",
                           "classifier", "features", "labels", "metrics"}  # fmt: skip
    assert (listed["id"], listed["active"], listed["fusion"], listed["classifier"]) == (
        model.id, True, "body", "logreg")  # fmt: skip
    assert listed["size_bytes"] > 1000 and listed["labels"] == labels
    assert listed["features"] == {"body": {"extractor": "body", "version": "1", "count": 9}}
    metrics = listed["metrics"]
    assert metrics["uar"] == model.card["evaluation"]["uar"] and metrics["reliable"] is False
    assert set(metrics["intervals"]) == METRICS
    assert run(["models", str(demo_copy)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].startswith(f"*   {model.id}  v1 body/logreg")
    assert "consensus" in table[1] and "(unreliable: 2 participants)" in table[1]


def test_models_roll_back_and_delete(demo_copy, capsys):
    assert run(["predict", str(demo_copy), "-q"]) == 0  # the bundled default, as a version
    for fusion in ("body", "audio"):
        assert run(["train", str(demo_copy), "--fusion", fusion, "--no-evaluate", "-q"]) == 0
    with Project.open(demo_copy) as project:
        bundled, body, audio = (m.id for m in models(project))
    capsys.readouterr()
    assert run(["models", str(demo_copy), "--delete", str(audio)]) == 2
    assert capsys.readouterr().err == (
        f"emolab: error: {demo_copy}: model {audio} 'v3 audio/svm' is the active model; "
        "activate another version or roll back first\n"
    )
    assert run(["models", str(demo_copy), "--delete", str(bundled)]) == 2
    assert "is the bundled default, which is not deleted" in capsys.readouterr().err
    assert run(["models", str(demo_copy), "--delete", "99"]) == 2
    assert "has no model 99" in capsys.readouterr().err
    assert run(["models", str(demo_copy), "--roll-back"]) == 0
    assert capsys.readouterr().out.startswith(f"Model {body} is active again.")
    assert run(["models", str(demo_copy), "--delete", str(audio), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(v["id"], v["active"]) for v in listed] == [(bundled, False), (body, True)]
    assert [v["card_format"] for v in listed] == ["emolab-model-card/2"] * 2  # bundled too
    assert listed[0]["bundled"] and not listed[1]["bundled"]
    assert run(["models", str(demo_copy), "--roll-back"]) == 0  # the audio model is gone
    assert capsys.readouterr().out.startswith(f"Model {bundled} is active again.")


def test_three_participants_give_unreliable_intervals(tmp_path, small_demo, capsys):
    folder = tmp_path / "rec"
    folder.mkdir()
    for participant in ("P01", "P02", "P03"):
        for file in (small_demo.parent / "corpus" / participant).glob("01-0[345]-*.csv"):
            shutil.copy(file, folder)
    path = tmp_path / "three.emolab"
    with Project.create(path) as project:
        run_to_end(import_folder(project, folder))
    assert run(["evaluate", str(path), "--fusion", "body", "-q"]) == 0
    out = capsys.readouterr().out
    assert "  body                       unreliable: 3 participants" in out
    assert run(["evaluate", str(path), "--fusion", "body", "--json", "-q"]) == 0
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert result["reliable"] is False and result["n_participants"] == 3
