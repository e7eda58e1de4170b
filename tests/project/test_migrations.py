"""Each migration step is run from a fixture project of the version before.

``fixtures/`` holds one project per older format (``v0.emolab`` is a blank SQLite file,
as an interrupted first save leaves it). When format N+1 is added, save a v N project
here and extend ``FIXTURE_CHECKS``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emolab.project.migrations import LATEST_VERSION
from emolab.project.store import Project

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CHECKS = {0: lambda project: project.recordings() == []}


@pytest.mark.parametrize("version", sorted(FIXTURE_CHECKS))
def test_fixture_of_each_older_version_opens_and_migrates(tmp_path, version):
    source = FIXTURES / f"v{version}.emolab"
    path = tmp_path / source.name
    shutil.copy(source, path)
    with Project.open(path) as project:
        assert project.format_version == LATEST_VERSION
        assert FIXTURE_CHECKS[version](project)
    backup = path.with_name(f"{path.name}.v{version}.bak")
    assert backup.read_bytes() == source.read_bytes()


def test_every_older_version_has_a_fixture():
    assert set(FIXTURE_CHECKS) == set(range(LATEST_VERSION))
    for version in range(LATEST_VERSION):
        assert (FIXTURES / f"v{version}.emolab").is_file()
