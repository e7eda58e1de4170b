"""``emolab offsets`` and ``emolab import --estimate-offsets`` on SYNTHETIC recordings of
known offset (two with a clap, one without)."""

from __future__ import annotations

import json

import pytest

from emolab.cli import run
from emolab.demo.sync import sync_pair, write_sync_pair
from emolab.project.store import Project

TRUTH = {1: 0.62, 2: -1.35}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offsets") / "media"
    for participant, offset in TRUTH.items():
        pair = sync_pair(seed=participant, offset=offset, fps=60.0, takes=2)
        write_sync_pair(folder / f"P{participant}", pair, participant=participant)
    pair = sync_pair(seed=3, offset=0.2, fps=60.0, takes=2, clap_at=None)
    write_sync_pair(folder / "P3", pair, participant=3)
    return folder


def _offsets(path):
    with Project.open(path) as project:
        return {int(r.participant): r.sync_offset for r in project.recordings()}


def test_import_with_estimate_offsets_applies_the_confident_ones(media, tmp_path, capsys):
    path = tmp_path / "p.emolab"
    assert run(["import", str(path), str(media), "--estimate-offsets", "-q"]) == 0
    out = capsys.readouterr().out
    assert "Audio↔motion offsets (motion time = audio time + offset) of 3 recordings" in out
    assert "2 of 3 estimated, 2 with confidence ≥ 0.6; 2 applied" in out
    assert "no estimate:" in out
    stored = _offsets(path)
    for participant, truth in TRUTH.items():
        assert stored[participant] == pytest.approx(truth, abs=1 / 60)
    assert stored[3] == 0.0


def test_offsets_lists_then_applies_only_when_asked(media, tmp_path, capsys):
    path = tmp_path / "p.emolab"
    assert run(["import", str(path), str(media), "-q"]) == 0
    capsys.readouterr()
    assert run(["offsets", str(path), "-q"]) == 0
    out = capsys.readouterr().out
    assert "nothing changed (--apply stores them)" in out
    assert set(_offsets(path).values()) == {0.0}
    assert run(["offsets", str(path), "-q", "--json", "--min-confidence", "0.99"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sign"] == "motion time = audio time + offset (s)"
    estimates = {r["key"][-2:]: r for r in data["recordings"]}
    assert estimates["01"]["estimated_offset_s"] == pytest.approx(TRUTH[1], abs=1 / 60)
    assert estimates["03"]["estimated_offset_s"] is None and estimates["03"]["reason"]
    assert run(["offsets", str(path), "-q", "--apply", "--folder", str(media / "P2")]) == 0
    out = capsys.readouterr().out
    assert "1 applied" in out and "of 1 recording:" in out
    stored = _offsets(path)
    assert stored[2] == pytest.approx(TRUTH[2], abs=1 / 60) and stored[1] == 0.0


def test_offsets_set_before_are_kept_unless_replaced(media, tmp_path, capsys):
    path = tmp_path / "p.emolab"
    assert run(["import", str(path), str(media), "-q"]) == 0
    with Project.open(path) as project:
        first = next(r.id for r in project.recordings() if r.participant == "01")
        project.set_sync_offset(first, 0.3)
    assert run(["offsets", str(path), "-q", "--apply"]) == 0
    assert "(kept: set before; --replace replaces it)" in capsys.readouterr().out
    assert _offsets(path)[1] == 0.3
    assert run(["offsets", str(path), "-q", "--apply", "--replace"]) == 0
    assert _offsets(path)[1] == pytest.approx(TRUTH[1], abs=1 / 60)


def test_bad_options_are_refused(media, tmp_path, capsys):
    path = tmp_path / "p.emolab"
    assert run(["import", str(path), str(media), "-q"]) == 0
    assert run(["offsets", str(path), "--min-confidence", "2"]) == 2
    assert "--min-confidence must be between 0 and 1" in capsys.readouterr().err


def test_the_cli_defaults_are_the_libraries():
    from emolab.cli import offset_cmds
    from emolab.features.offset import DEFAULT_MAX_LAG_S
    from emolab.project.offsets import APPLY_MIN_CONFIDENCE

    assert offset_cmds.APPLY_MIN_CONFIDENCE == APPLY_MIN_CONFIDENCE
    assert offset_cmds.DEFAULT_MAX_LAG_S == DEFAULT_MAX_LAG_S
