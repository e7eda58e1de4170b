from __future__ import annotations

import json
import subprocess
import sys

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


def test_import_then_info_json(tmp_path, tone, capsys):
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(folder / "02-03-01-01-01-01-02.wav", *tone)
    (folder / "02-03-01-01-01-01-99x.wav").write_bytes(b"")
    project = tmp_path / "study.emolab"
    assert run(["import", str(project), str(folder), "--quiet"]) == 0
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
