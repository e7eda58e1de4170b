from __future__ import annotations

import hashlib
import sqlite3

import pytest

from emolab.core.errors import ProjectError, ProjectTooNew
from emolab.project.migrations import APPLICATION_ID, LATEST_VERSION
from emolab.project.store import Project


def test_new_project_has_wal_foreign_keys_and_version(tmp_path):
    path = tmp_path / "p.emolab"
    with Project.create(path) as project:
        assert project.format_version == LATEST_VERSION
        assert project.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert project.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert project.meta("created_by").startswith("emolab ")
        with pytest.raises(sqlite3.IntegrityError):
            project.execute(
                "INSERT INTO recordings(key, scheme, participant_id, fields, created_at) "
                "VALUES ('k', 's', 999, '{}', 'now')"
            )


def test_create_refuses_to_overwrite(tmp_path):
    path = tmp_path / "p.emolab"
    Project.create(path).close()
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)


def test_project_from_a_newer_emolab_is_refused_untouched(tmp_path):
    path = tmp_path / "future.emolab"
    Project.create(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    con.commit()
    con.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    names_before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ProjectTooNew, match="newer emolab") as info:
        Project.open(path)
    assert "future.emolab" in str(info.value)
    assert "not changed" in str(info.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names_before


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello world, not a database", "not an SQLite database"), (b"", "not an SQLite")],
)
def test_non_projects_are_refused(tmp_path, content, message):
    path = tmp_path / "x.emolab"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        Project.open(path)


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(ProjectError, match="not an emolab project"):
        Project.open(path)


def test_missing_project(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        Project.open(tmp_path / "nope.emolab")


def test_edit_log_is_append_only(tmp_path):
    with Project.create(tmp_path / "p.emolab") as project:
        project.execute(
            "INSERT INTO edit_log(at, field, old_value, new_value) "
            "VALUES ('t', 'emotion', NULL, 'sad')"
        )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            project.execute("UPDATE edit_log SET new_value = 'happy'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            project.execute("DELETE FROM edit_log")


def test_transaction_rolls_back_on_error(tmp_path):
    with Project.create(tmp_path / "p.emolab") as project:
        with pytest.raises(RuntimeError), project.transaction():
            project.ensure_participant("01", "male")
            raise RuntimeError("boom")
        assert project.participants() == []


def test_settings_round_trip_as_json(tmp_path):
    path = tmp_path / "p.emolab"
    with Project.create(path) as project:
        project.set_setting("hide_suggestions_until_rated", True)
    with Project.open(path) as project:
        assert project.setting("hide_suggestions_until_rated") is True
        assert project.setting("unknown", 3) == 3


def test_only_one_active_model(tmp_path):
    with Project.create(tmp_path / "p.emolab") as project:
        insert = (
            "INSERT INTO models(name, fusion, card, blob, active, created_at) "
            "VALUES (?, 'late', '{}', x'00', 1, 'now')"
        )
        project.execute(insert, ("a",))
        with pytest.raises(sqlite3.IntegrityError):
            project.execute(insert, ("b",))
