"""A researcher's lock on the study settings."""

from __future__ import annotations

import json

import pytest

from emolab.core.errors import ProjectError
from emolab.project.store import Project
from emolab.project.study import Study, StudyLocked, load_study, save_study


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "lock.emolab") as p:
        yield p


def test_a_locked_study_changes_only_with_its_passphrase(project):
    save_study(project, Study(blind=True).locked_with("s3cret pass"))
    stored = project.setting("study")
    assert stored["lock"].startswith("scrypt$") and "s3cret" not in json.dumps(stored)
    locked = load_study(project)
    assert locked.blind and locked.locked
    with pytest.raises(StudyLocked, match="passphrase"):
        save_study(project, Study(blind=False))
    with pytest.raises(StudyLocked):
        save_study(project, Study(blind=False, unlocked_with="wrong"))
    assert load_study(project).blind  # nothing changed
    save_study(project, locked)  # the same settings again: nothing to open
    opened = Study(blind=False, lock=locked.lock, unlocked_with="s3cret pass")
    save_study(project, opened)
    assert not load_study(project).blind and load_study(project).locked
    save_study(project, Study(blind=False, unlocked_with="s3cret pass"))  # lock removed
    assert not load_study(project).locked
    save_study(project, Study(blind=True))  # now anyone may change it


def test_the_lock_is_salted_and_short_passphrases_are_refused():
    a, b = Study().locked_with("same words"), Study().locked_with("same words")
    assert a.lock != b.lock and a.opens_with("same words") and b.opens_with("same words")
    assert not a.opens_with("other words") and not a.opens_with("")
    assert Study().opens_with("anything")  # not locked
    with pytest.raises(ProjectError, match="4 or more"):
        Study().locked_with("abc")
    # what a rating keeps of the study names no hash
    assert "lock" not in a.record() and a.record()["locked"] is True


def test_the_study_command_locks_and_needs_the_passphrase(tmp_path, monkeypatch, capsys):
    from emolab.cli import run

    path = tmp_path / "cli.emolab"
    Project.create(path).close()
    monkeypatch.setenv("EMOLAB_STUDY_PASSPHRASE", "researcher only")
    assert run(["study", str(path), "--blind", "--order", "random", "--lock"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("EMOLAB_STUDY_PASSPHRASE", "a guess")
    assert run(["study", str(path), "--no-blind"]) == 2
    assert "locked" in capsys.readouterr().err
    assert run(["study", str(path), "--json"]) == 0  # showing needs no passphrase
    shown = json.loads(capsys.readouterr().out)
    assert shown == {"blind": True, "order": "random", "condition": "both", "seed": 0,
                     "locked": True}  # fmt: skip
    monkeypatch.setenv("EMOLAB_STUDY_PASSPHRASE", "researcher only")
    assert run(["study", str(path), "--no-blind", "--unlock"]) == 0
    with Project.open(path) as project:
        assert load_study(project) == Study(order="random")
