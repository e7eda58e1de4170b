from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from emolab import __version__
from emolab.cli import run


def emolab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emolab", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    result = emolab("--version")
    assert result.stdout.strip() == f"emolab {__version__}"
    result = emolab("--help")
    assert result.returncode == 0
    for command in ("import", "info"):
        assert command in result.stdout


def test_help_imports_neither_qt_nor_heavy_libraries():
    code = (
        "import sys\nfrom emolab.cli import build_parser\nbuild_parser()\n"
        "heavy = [m for m in ('PySide6', 'pyqtgraph', 'librosa', 'sklearn', 'scipy') "
        "if m in sys.modules]\nprint(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def imported(tmp_path: Path, tone, odd_name: str | None = None, odd: bytes = b"") -> Path:
    """A project imported from one tone recording, and one odd file when named."""
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(folder / "02-03-01-01-01-01-02.wav", *tone)
    if odd_name is not None:
        (folder / odd_name).write_bytes(odd)
    project = tmp_path / "study.emolab"
    assert run(["import", str(project), str(folder), "--quiet"]) == 0
    return project


def test_import_then_info_json(tmp_path, tone, capsys):
    project = imported(tmp_path, tone, "02-03-01-01-01-01-99x.wav")
    out = capsys.readouterr().out
    assert "Recordings added: 1" in out
    assert run(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["recordings"] == 1
    assert info["files"] == 1
    assert info["paired"] == 0
    assert info["participants"] == 1
    assert info["schema_version"] >= 1
    assert info["per_emotion"] == {"happy": 1}
    assert info["unpaired"] == [{"key": "03-01-01-01-01-02", "has": "audio"}]
    assert len(info["rejects"]) == 1
    assert info["rejects"][0]["path"].endswith("02-03-01-01-01-01-99x.wav")
    assert info["rejects"][0]["reason"]
    assert info["audio_only"] == 1
    assert info["agreement"]["raters"] == 0
    assert info["media_missing"] == 0
    assert info["synthetic"] is False


def test_errors_are_one_clear_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.emolab"
    bad.write_text("text")
    assert run(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emolab: error: ")
    assert "bad.emolab" in err
    assert "Traceback" not in err


def test_import_with_explicit_unknown_scheme(tmp_path, capsys):
    (tmp_path / "rec").mkdir()
    assert (
        run(["import", str(tmp_path / "p.emolab"), str(tmp_path / "rec"), "--scheme", "nope"]) == 2
    )
    assert "unknown naming scheme 'nope'" in capsys.readouterr().err


def test_file_names_with_terminal_escapes_are_printed_escaped(tmp_path, tone, capsys):
    project = imported(tmp_path, tone, "02-03-01-01-01-01-0\x1b[2J\x1b]0;pwned\x07.wav", b"RIFF")
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out
    assert run(["info", str(project)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07" in out


def test_progress_in_a_log_is_a_few_plain_lines(tmp_path, tone, capsys):
    folder = tmp_path / "rec"
    folder.mkdir()
    for participant in range(1, 41):
        sf.write(folder / f"02-03-01-01-01-01-{participant:02d}.wav", *tone)
    assert run(["import", str(tmp_path / "p.emolab"), str(folder)]) == 0
    err = capsys.readouterr().err.splitlines()  # captured: not a terminal
    assert 2 <= len(err) <= 6, err
    assert err[0] == "Importing: 0/40"
    assert err[-1] == "Importing: 40/40"
    assert not any("\r" in line or "it/s" in line for line in err)


def test_demo_progress_names_each_phase(tmp_path, capsys):
    assert run(["demo", "--out", str(tmp_path / "d"), "--participants", "1"]) == 0
    err = capsys.readouterr().err
    assert "Generating the synthetic corpus: " in err
    assert "Importing it: " in err


def test_a_failed_import_into_a_new_path_leaves_nothing_behind(tmp_path, capsys):
    project = tmp_path / "new.emolab"
    assert run(["import", str(project), str(tmp_path / "no-such-folder")]) == 2
    assert "no-such-folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not media")
    run(["import", str(project), str(empty)])
    assert "was not created" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_import_never_writes_into_a_file_that_is_not_a_project(tmp_path, tone, capsys):
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(folder / "02-03-01-01-01-01-02.wav", *tone)
    for name, content in (("thesis.docx", b"PK\x03\x04 word"), ("other.db", None)):
        target = tmp_path / name
        if content is None:
            import sqlite3

            con = sqlite3.connect(target)
            con.execute("CREATE TABLE t(x)")
            con.commit()
            con.close()
        else:
            target.write_bytes(content)
        before = target.read_bytes()
        assert run(["import", str(target), str(folder), "--quiet"]) == 2
        assert "not an emolab project" in capsys.readouterr().err
        assert target.read_bytes() == before
        assert not target.with_name(target.name + "-wal").exists()


def test_damaged_stored_json_names_the_row_instead_of_a_traceback(tmp_path, tone, capsys):
    import sqlite3

    project = imported(tmp_path, tone)
    capsys.readouterr()
    con = sqlite3.connect(project)
    con.execute("UPDATE import_runs SET report = '{not json'")
    con.commit()
    con.close()
    assert run(["info", str(project)]) == 2
    err = capsys.readouterr().err
    assert "the last import report holds damaged data" in err
    assert "Traceback" not in err
    con = sqlite3.connect(project)
    con.execute("UPDATE import_runs SET report = '{}'")
    con.execute("UPDATE recordings SET fields = 'oops'")
    con.commit()
    con.close()
    assert run(["info", str(project)]) == 0  # the summary does not need the fields
    from emolab.core.errors import ProjectError
    from emolab.project.store import Project

    with Project.open(project) as p, pytest.raises(ProjectError, match="recording '03-01"):
        p.recordings()
