"""``emolab gui --smoke-test``: the hidden option the standalone build is checked with
(packaging/build.py --check) opens the window, settles, plays, reports and quits."""

from __future__ import annotations

import pytest

from emolab.gui import settings as gui_settings


def _smoke(monkeypatch, argv: list[str]) -> int:
    from emolab.__main__ import main

    monkeypatch.setattr("emolab.gui.smoke.SETTLE_TIMEOUT_S", 60.0)
    return main(["gui", "--smoke-test", *argv])


def test_the_smoke_test_settles_plays_and_leaves_the_settings_alone(
    qtbot, gui_copy, monkeypatch, capsys
):
    before = gui_settings.settings_path()
    assert _smoke(monkeypatch, [str(gui_copy)]) == 0
    out = capsys.readouterr().out
    assert "smoke test: passed" in out
    assert "recording on screen: yes" in out and "suggestions: added" in out
    assert gui_settings.settings_path() == before  # its own settings folder is gone again
    assert gui_settings.value("recent_projects") == []  # the user's were not touched


@pytest.mark.parametrize("content", [b"", b"garbage" * 100])
def test_the_smoke_test_fails_on_a_project_that_does_not_open(
    qtbot, tmp_path, monkeypatch, capsys, content
):
    broken = tmp_path / "broken.emolab"
    broken.write_bytes(content)
    assert _smoke(monkeypatch, [str(broken)]) == 1
    out = capsys.readouterr().out
    assert "a dialog asked: Cannot open project" in out and "smoke test: FAILED" in out
