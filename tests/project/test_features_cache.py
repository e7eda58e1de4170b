from __future__ import annotations

import shutil

import numpy as np
import pytest

from emolab.core.progress import run_to_end
from emolab.features import audio as audio_features
from emolab.project.features import extract_features, feature_table
from emolab.project.importer import import_folder
from emolab.project.store import Project


@pytest.fixture
def project(tmp_path, small_demo):
    """A project of one participant's 60 recordings, copied from the small demo."""
    source = small_demo.parent / "corpus" / "P01"
    folder = tmp_path / "P01"
    shutil.copytree(source, folder)
    with Project.create(tmp_path / "p.emolab") as p:
        run_to_end(import_folder(p, folder))
        yield p


def test_features_are_cached_by_content_and_extractor_version(project, monkeypatch):
    first = run_to_end(extract_features(project))
    assert first.computed == 120
    assert first.failed == []
    again = run_to_end(extract_features(project))
    assert (again.computed, again.cached) == (0, 120)
    # a new extractor version recomputes that extractor only
    monkeypatch.setattr(audio_features, "VERSION", "test-2")
    monkeypatch.setitem(
        __import__("emolab.features.extract", fromlist=["EXTRACTORS"]).EXTRACTORS,
        "audio", ("audio", "test-2"),
    )  # fmt: skip
    bumped = run_to_end(extract_features(project))
    assert bumped.computed == 60


def test_changed_file_is_recomputed_after_reimport(project, tmp_path):
    run_to_end(extract_features(project))
    data = feature_table(project)
    assert np.isfinite(data.audio).all() and np.isfinite(data.body).all()
    wav = sorted((tmp_path / "P01").glob("*.wav"))[0]
    import soundfile as sf

    samples, rate = sf.read(wav)
    sf.write(wav, samples * 0.5, rate)  # 6 dB quieter
    # before re-import the change is reported, not silently used
    stale = run_to_end(extract_features(project))
    assert stale.computed == 0
    run_to_end(import_folder(project, tmp_path / "P01"))
    fresh = run_to_end(extract_features(project))
    assert fresh.computed == 1
    after = feature_table(project)
    row = after.keys.index(next(k for k in after.keys if wav.stem.endswith(k)))
    level = audio_features.NAMES.index("rms_mean")
    assert after.audio[row, level] == pytest.approx(data.audio[row, level] - 6.02, abs=0.1)
