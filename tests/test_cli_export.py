"""``emolab export``: what it writes and prints, format choice, exit 2 on a bad folder or
project, and its ratings.csv read back by ``emolab ratings import``."""

from __future__ import annotations

import csv
import json

import pytest

from emolab.cli import run
from emolab.cli.export_cmds import FORMAT_CHOICES
from emolab.project.export import FORMATS
from emolab.project.ratings import get_rating, set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy

AT = "2024-05-01T09:30:00.000+00:00"
#: What a rating holds that an import must restore.
FIELDS = ("emotion", "intensity", "genuineness", "notes", "emotion_source", "updated_at")


@pytest.fixture
def rated(demo_copy):
    """The demo copy with two raters' ratings of two recordings."""
    with Project.open(demo_copy) as project:
        first, second = project.recordings()[:2]
        ann, bob = project.ensure_rater("ann"), project.ensure_rater("-bob")
        for rater, recording, field, value in [
            (ann, first, "emotion", "calm"),
            (ann, first, "intensity", 3),
            (ann, first, "notes", "+1 for the voice,\nless for the arms"),
            (bob, first, "emotion", "sad"),
            (bob, second, "genuineness", 4),
        ]:
            set_field(project, recording.id, rater, field, value, at=AT)
    return demo_copy


def test_export_writes_every_format_and_says_what(rated, tmp_path, capsys):
    out = tmp_path / "export"
    assert run(["export", str(rated), "--out", str(out), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Exported to {out}:",
        "  ratings_long.csv: 5 values",
        "  recordings.csv: 240 recordings",
        "  ratings.csv: 3 ratings, as 'emolab ratings import' reads them",
        "  export.json: 5 values, 240 recordings",
        "  eaf/: 240 files",
        "  textgrid/: 240 files",
    ]
    with (out / "ratings_long.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["rater"], r["field"], r["value"]) for r in rows] == [
        ("'-bob", "emotion", "sad"),
        ("ann", "emotion", "calm"),
        ("ann", "intensity", "3"),
        ("ann", "notes", "'+1 for the voice,\nless for the arms"),
        ("'-bob", "genuineness", "4"),
    ]
    assert json.loads((out / "export.json").read_text(encoding="utf-8"))["rows"][0]["rater"] == (
        "-bob"
    )
    assert len(list((out / "eaf").glob("*.eaf"))) == 240
    assert len(list((out / "textgrid").glob("*.TextGrid"))) == 240


def test_chosen_formats_only(rated, tmp_path, capsys):
    out = tmp_path / "some"
    assert run(["export", str(rated), "--format", "csv", "--format", "json", "--out", str(out),
                "-q"]) == 0  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [
        "export.json",
        "ratings.csv",
        "ratings_long.csv",
        "recordings.csv",
    ]
    capsys.readouterr()
    out = tmp_path / "annotations"
    assert run(["export", str(rated), "--format", "eaf", "textgrid", "--out", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["eaf", "textgrid"]
    assert capsys.readouterr().out.splitlines()[1:] == [
        "  eaf/: 240 files",
        "  textgrid/: 240 files",
    ]


def test_an_unknown_format_is_refused_by_the_parser(rated, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run(["export", str(rated), "--format", "pdf", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err
    assert FORMAT_CHOICES == FORMATS


def test_a_bad_folder_or_project_exits_2_with_a_message(rated, tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    assert run(["export", str(rated), "--out", str(blocker), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"emolab: error: {blocker}: is not a folder; give a folder to export into\n"
    assert run(["export", str(tmp_path / "none.emolab"), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err == f"emolab: error: {tmp_path / 'none.emolab'}: does not exist\n"
    assert not (tmp_path / "x").exists()


def test_the_exported_ratings_import_back_to_the_same_ratings(rated, tmp_path, capsys):
    out = tmp_path / "export"
    assert run(["export", str(rated), "--format", "csv", "--out", str(out), "-q"]) == 0

    def ratings(project: Project) -> dict:
        names = dict(project.raters())
        return {
            (rid, names[aid]): tuple(getattr(get_rating(project, rid, aid), f) for f in FIELDS)
            for rid, aid in project.execute("SELECT recording_id, rater_id FROM ratings")
        }

    with Project.open(rated) as project:
        before = ratings(project)
    with throwaway_copy(rated, "emptied") as copy:
        with Project.open(copy) as project, project.transaction():
            project.execute("DELETE FROM ratings")
        assert run(["ratings", "import", str(copy), str(out / "ratings.csv")]) == 0
        assert "ratings.csv: 3 rows; 5 values changed in 3 ratings" in capsys.readouterr().out
        with Project.open(copy) as project:
            assert ratings(project) == before
    assert len(before) == 3
