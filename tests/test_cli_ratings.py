"""``emolab ratings import|export|undo-import``: exit codes and what they print."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from emolab.cli import run
from emolab.cli.ratings_cmds import LISTED_PROBLEMS
from emolab.project.store import Project

HEADER = "recording,rater,emotion,intensity,genuineness,notes,time,source\n"


@pytest.fixture
def recording_keys(demo_copy) -> list[str]:
    with Project.open(demo_copy) as project:
        return [r.key for r in project.recordings()[:3]]


def test_import_export_reimport_and_undo(demo_copy, recording_keys, tmp_path, capsys):
    k = recording_keys
    source = tmp_path / "panel.csv"
    source.write_text(
        HEADER + f"{k[0]},anna,sad,3,4,,2024-01-02T03:04:05Z,\n"
        f"{k[1]},bob,calm,,,,2024-01-02T03:04:05Z,model\n"
    )
    assert run(["ratings", "import", str(demo_copy), str(source)]) == 0
    out = capsys.readouterr().out
    assert "panel.csv: 2 rows; 4 values changed in 2 ratings" in out
    assert "New raters: anna, bob" in out

    assert run(["ratings", "import", str(demo_copy), str(source)]) == 0
    assert "nothing changed" in capsys.readouterr().out

    exported = tmp_path / "out.csv"
    assert run(["ratings", "export", str(demo_copy), str(exported)]) == 0
    assert f"Wrote 2 ratings to {exported}" in capsys.readouterr().out
    with exported.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["recording"], r["rater"], r["emotion"], r["source"]) for r in rows] == [
        (k[0], "anna", "sad", "human"),
        (k[1], "bob", "calm", "model"),
    ]

    assert run(["ratings", "undo-import", str(demo_copy), str(source)]) == 0
    assert "Undid import" in capsys.readouterr().out
    assert run(["ratings", "export", str(demo_copy), str(exported)]) == 0
    assert "Wrote 0 ratings" in capsys.readouterr().out

    assert run(["ratings", "undo-import", str(demo_copy), str(source)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emolab: error: {source}: has no ratings import left to undo")


def test_rejected_rows_are_listed_capped_and_exit_1(demo_copy, recording_keys, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    rows = [f"{recording_keys[0]},anna,sad,3,4,,,\n"]
    rows += [f"no-such-recording-{i},anna,sad,3,4,,,\n" for i in range(LISTED_PROBLEMS + 10)]
    bad.write_text(HEADER + "".join(rows))
    assert run(["ratings", "import", str(demo_copy), str(bad)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0] == (
        f"emolab: error: {bad}: {LISTED_PROBLEMS + 10} of {LISTED_PROBLEMS + 11} "
        f"rows cannot be imported ({LISTED_PROBLEMS + 10} problems); nothing was "
        "imported"
    )
    assert lines[1].startswith("  row 3, recording 'no-such-recording-0': no recording")
    assert len(lines) == 1 + LISTED_PROBLEMS + 1
    assert lines[-1] == "  … and 10 more problems"
    assert captured.out == ""
    with Project.open(demo_copy) as project:
        assert project.summary().ratings == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"not \xffUTF-8\xfd", "is not UTF-8"), (b"", "is empty"), (b"a,b\n1,2\n", "no column")],
)
def test_unreadable_files_exit_2_naming_the_file(demo_copy, tmp_path, capsys, content, words):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    assert run(["ratings", "import", str(demo_copy), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emolab: error: {path}")
    assert words in err


def test_missing_project_and_file_exit_2(demo_copy, tmp_path, capsys):
    assert run(["ratings", "import", str(tmp_path / "none.emolab"), "x.csv"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run(["ratings", "import", str(demo_copy), str(tmp_path / "absent.csv")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert run(["ratings", "export", str(demo_copy), str(tmp_path / "no" / "out.csv")]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_ratings_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exited:
        run(["ratings"])
    assert exited.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_the_command_prints_no_traceback_for_a_bad_file(demo_copy, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(HEADER.encode() + b'k,anna,"sad"x,1,1\n')
    result = subprocess.run(
        [sys.executable, "-m", "emolab", "ratings", "import", str(demo_copy), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not valid CSV" in result.stderr
