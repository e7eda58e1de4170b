"""Each migration step is run from a fixture project of the version before.

``fixtures/`` holds one project per older format (``v0.emolab`` is a blank SQLite file,
as an interrupted first save leaves it). When format N+1 is added, save a v N project
here and extend ``FIXTURE_CHECKS``.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from emolab.project.migrations import LATEST_VERSION
from emolab.project.ratings import get_rating
from emolab.project.store import Project

FIXTURES = Path(__file__).parent / "fixtures"


def _v1_kept(project: Project) -> bool:
    (recording,) = project.recordings()
    (media,) = project.media(recording.id)
    (rater_id, _name), *_ = project.raters()
    rating = get_rating(project, recording.id, rater_id)
    return (
        recording.key == "05-02-01-02-03-07"
        and rating.emotion == "angry"
        and rating.intensity == 4
        and media.warnings == "[]"
        and media.changed_at is None
    )


def _v2_kept(project: Project) -> bool:
    (recording,) = project.recordings()
    (rater_id, name), *_ = project.raters()
    rating = get_rating(project, recording.id, rater_id)
    studies = project.execute("SELECT study FROM ratings UNION ALL SELECT study FROM edit_log")
    return (
        (recording.key, name, rating.emotion, rating.intensity)
        == ("05-02-01-02-03-07", "ann", "angry", 4)
        and {row[0] for row in studies} == {None}  # made before studies: no settings
    )


def _v3_kept(project: Project) -> bool:
    (recording,) = project.recordings()
    raters = dict((name, rid) for rid, name in project.raters())
    rating = get_rating(project, recording.id, raters["bo"])
    empty = project.execute(
        "SELECT (SELECT COUNT(*) FROM rating_values) + (SELECT COUNT(*) FROM segments)"
    ).fetchone()[0]
    return (
        (rating.emotion, rating.genuineness, rating.status) == ("sad", 2, "partial")
        and '"blind": true'
        in project.execute(
            "SELECT study FROM edit_log WHERE rater_id = ? AND field = 'emotion'", (raters["bo"],)
        ).fetchone()[0]
        and empty == 0  # format 4's tables start empty
    )


FIXTURE_CHECKS = {
    0: lambda project: project.recordings() == [],
    1: _v1_kept,
    2: _v2_kept,
    3: _v3_kept,
}


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return [*con.iterdump(), str(con.execute("PRAGMA user_version").fetchone()[0])]
    finally:
        con.close()


@pytest.mark.parametrize("version", sorted(FIXTURE_CHECKS))
def test_fixture_of_each_older_version_opens_and_migrates(tmp_path, version):
    source = FIXTURES / f"v{version}.emolab"
    path = tmp_path / source.name
    shutil.copy(source, path)
    with Project.open(path) as project:
        assert project.format_version == LATEST_VERSION
        assert FIXTURE_CHECKS[version](project)
    backup = path.with_name(f"{path.name}.v{version}.bak")
    assert _dump(backup) == _dump(source)


def test_every_older_version_has_a_fixture():
    assert set(FIXTURE_CHECKS) == set(range(LATEST_VERSION))
    for version in range(LATEST_VERSION):
        assert (FIXTURES / f"v{version}.emolab").is_file()


def test_the_migration_backup_never_follows_a_symlink(tmp_path):
    folder = tmp_path / "project"
    outside = tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    path = folder / "old.emolab"
    shutil.copy(FIXTURES / "v1.emolab", path)
    (folder / "old.emolab.v1.bak").symlink_to(outside / "stolen.bak")  # dangling
    with Project.open(path) as project:
        assert project.format_version == LATEST_VERSION
    assert list(outside.iterdir()) == []
    assert (folder / "old.emolab.v1.bak").is_symlink()
    assert _dump(folder / "old.emolab.v1.bak.1") == _dump(FIXTURES / "v1.emolab")


def test_a_read_only_older_project_is_refused_untouched(tmp_path):
    path = tmp_path / "old.emolab"
    shutil.copy(FIXTURES / "v1.emolab", path)
    path.chmod(0o444)
    before = path.read_bytes()
    from emolab.core.errors import ProjectError

    with pytest.raises(ProjectError, match="read-only"):
        Project.open(path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))
