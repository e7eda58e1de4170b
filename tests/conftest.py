"""Shared fixtures. Qt runs offscreen; per-user folders point into a temporary directory."""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Keep per-user data, config and cache (platformdirs, GUI settings) out of the real
    home, fresh for every test."""
    base = tmp_path / "xdg"
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))


SMALL_CORPUS_PARTICIPANTS = 4


#: Seconds a test worker waits for another worker to build a shared fixture.
SHARED_BUILD_WAIT_S = 600


def shared_build(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` once per test run, its result (a path) shared by every pytest-xdist
    worker: the first to create the folder builds; the others wait for its marker."""
    import time

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by the workers
    folder, marker = root / name, root / f"{name}.built"
    try:
        folder.mkdir()
    except FileExistsError:
        deadline = time.monotonic() + SHARED_BUILD_WAIT_S
        while not marker.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"another worker did not finish building {name}")
            time.sleep(0.1)
        return Path(marker.read_text())
    result = Path(build(folder))
    marker.with_suffix(".tmp").write_text(str(result))
    marker.with_suffix(".tmp").rename(marker)  # appears whole, never half-written
    return result


def _build_small_demo(folder: Path) -> Path:
    from emolab.core.progress import run_to_end
    from emolab.project.demo import build_demo_project
    from emolab.project.features import extract_features
    from emolab.project.store import Project

    path = run_to_end(build_demo_project(folder, participants=SMALL_CORPUS_PARTICIPANTS))
    with Project.open(path) as project:  # features cached once for every test
        run_to_end(extract_features(project))
    return path


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A demo project of 4 synthetic participants (240 recordings) with its features
    cached, built once per run (shared by parallel workers; tests only read it)."""
    return shared_build(tmp_path_factory, "small_demo", _build_small_demo)


@pytest.fixture(scope="session")
def small_dataset(small_demo):
    """Features of the small demo (cached in its project when it was built)."""
    from emolab.project.features import feature_table
    from emolab.project.store import Project

    with Project.open(small_demo) as project:
        return feature_table(project)


@contextmanager
def throwaway_copy(source: Path, prefix: str):
    """A copy of a project beside it (so relative media paths stay valid), removed after."""
    path = source.with_name(f"{prefix}-{uuid.uuid4().hex[:8]}.emolab")
    shutil.copy(source, path)
    try:
        yield path
    finally:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


@pytest.fixture
def demo_copy(small_demo):
    """A throw-away copy of the small demo project."""
    with throwaway_copy(small_demo, "copy") as path:
        yield path


@pytest.fixture
def tone() -> tuple[np.ndarray, int]:
    """One second of a 220 Hz sine at 16 kHz, amplitude 0.3."""
    sr = 16_000
    t = np.arange(sr) / sr
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), sr


SIMPLE_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 50 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Head
    {
      OFFSET 0 40 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 20 0
      }
    }
  }
  JOINT LeftUpLeg
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT LeftFoot
    {
      OFFSET 0 -80 0
      CHANNELS 3 Zrotation Xrotation Yrotation
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.0166667
0 90 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
0 90 0 90 0 0 0 0 0 0 0 0 0 0 0 0 0 0
5 90 0 0 90 0 0 0 0 0 0 0 0 0 0 0 0 0
"""


@pytest.fixture
def simple_bvh(tmp_path: Path) -> Path:
    """A 3-frame BVH in centimetres with known world positions."""
    path = tmp_path / "simple.bvh"
    path.write_text(SIMPLE_BVH)
    return path


#: A test still running after this many seconds has every thread's stack printed and the
#: run ends: a hang inside C code that holds the GIL (a media backend deadlock) cannot be
#: interrupted by pytest-timeout's signal handler, so faulthandler's C watchdog backs it up.
HANG_LIMIT_S = 240


@pytest.fixture(autouse=True)
def _hang_watchdog():
    import faulthandler

    faulthandler.dump_traceback_later(HANG_LIMIT_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
