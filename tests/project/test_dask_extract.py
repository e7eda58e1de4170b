"""Extraction on a Dask cluster (``emolab extract --dask``): the same cache and the same
failures as the local path, cancelling cancels the tasks, and a missing optional extra is
named. The cluster tests need dask.distributed (``pip install 'emolab[dask]'``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time

import pytest

from emolab.cli import run
from emolab.core.errors import Cancelled
from emolab.core.progress import CancelToken, drive, run_to_end
from emolab.project.importer import import_folder
from emolab.project.store import Project

needs_distributed = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed is not installed (optional extra: pip install 'emolab[dask]')",
)

RECORDINGS = 6  # the first of the small demo's participant P01 (12 files)


def _cache_rows(path) -> list[tuple]:
    with Project.open(path) as project:
        return project.execute(
            "SELECT sha256, extractor, version, kind, shape, data, flags FROM feature_cache "
            "ORDER BY sha256, extractor, version, kind"
        ).fetchall()


def _failures(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if "not extracted:" in line)


@pytest.fixture
def media(tmp_path, small_demo):
    """A few recordings of the small demo, copied."""
    folder = tmp_path / "media"
    folder.mkdir()
    source = small_demo.parent / "corpus" / "P01"
    for pattern in ("*.wav", "*.csv"):
        for path in sorted(source.glob(pattern))[:RECORDINGS]:
            shutil.copy(path, folder / path.name)
    return folder


def _project(path, media) -> object:
    with Project.create(path) as project:
        run_to_end(import_folder(project, media))
    return path


def _break_unnoticed(path) -> None:
    """Damage a file's header after import without changing its size or modification
    time, so the project still takes it for the imported file and only reading fails."""
    stat = path.stat()
    with open(path, "r+b") as f:
        f.write(b"\0" * 44)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@needs_distributed
def test_dask_local_caches_the_same_vectors_and_failures_as_the_local_path(tmp_path, media, capsys):
    local = _project(tmp_path / "local.emolab", media)
    dask = _project(tmp_path / "dask.emolab", media)
    _break_unnoticed(sorted(media.glob("*.wav"))[0])

    assert run(["extract", str(local), "-q"]) == 1
    out_local = capsys.readouterr()
    assert run(["extract", str(dask), "--dask", "local"]) == 1
    out_dask = capsys.readouterr()

    assert "Dask scheduler tcp://" in out_dask.err and "2 workers" in out_dask.err
    files = 2 * RECORDINGS
    assert f"Extracting features on Dask: {files}/{files}" in out_dask.err  # progress shown
    failures = _failures(out_local.err)
    assert len(failures) == 1 and "cannot be decoded as audio" in failures[0]
    assert _failures(out_dask.err) == failures
    assert out_dask.out == out_local.out
    rows = _cache_rows(local)
    assert len(rows) == 5 * (RECORDINGS - 1) + 2 * RECORDINGS  # audio 5 arrays, body 2
    assert _cache_rows(dask) == rows  # bit for bit: the bytes of every array


@needs_distributed
def test_cancelling_stops_the_extraction_and_cancels_its_tasks(tmp_path, media):
    from distributed import get_task_stream

    from emolab.project import dask_extract
    from emolab.project.features import extract_features

    path = _project(tmp_path / "p.emolab", media)
    token = CancelToken()

    def cancel_after_the_first_file(progress) -> None:
        if progress.done >= 1:
            token.cancel()

    with dask_extract.dask_client(dask_extract.LOCAL, workers=1) as client:
        # the token stops extract_features; what was written stays written
        computer = dask_extract.cluster_computer(client)
        with Project.open(path) as project:
            job = extract_features(project, cancel=token, batch=1, computer=computer)
            with pytest.raises(Cancelled):
                drive(job, cancel_after_the_first_file, token)
            written = project.execute("SELECT COUNT(DISTINCT sha256) FROM feature_cache")
            assert 1 <= written.fetchone()[0] < 2 * RECORDINGS

        # and the tasks not yet run are cancelled, not computed: ~6 s of work for the one
        # worker, of which a file or two is done when the token is set
        items = [(str(p), "audio") for p in sorted(media.glob("*.wav"))] * 40
        token = CancelToken()
        with get_task_stream(client) as stream:
            results = dask_extract.compute_on_cluster(client, items, token, files_per_task=1)
            next(results)
            token.cancel()
            with pytest.raises(Cancelled):
                next(results)
            while client.run_on_scheduler(_scheduler_tasks):
                time.sleep(0.05)  # the per-test timeout ends a wait that never ends
        assert len(stream.data) < len(items) // 4


def _scheduler_tasks(dask_scheduler) -> int:
    return len(dask_scheduler.tasks)


def test_without_distributed_the_extra_to_install_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    project = tmp_path / "p.emolab"
    assert run(["extract", str(project), "--dask", "local"]) == 2
    err = capsys.readouterr().err
    assert "dask.distributed, which is not installed" in err
    assert "pip install 'emolab[dask]'" in err
    assert not project.exists()


def test_a_file_a_worker_cannot_read_is_a_failure_naming_worker_and_path(tmp_path):
    from emolab.project.dask_extract import compute_on_worker

    path = str(tmp_path / "not-mounted" / "02-01-01-01-01-01-01.wav")
    reason = compute_on_worker(path, "audio")
    assert reason.startswith("cannot be read on Dask worker")
    assert f"no such file: {path}" in reason


def test_bench_reports_the_local_figure_and_skips_dask_without_it(tmp_path, media, monkeypatch):
    from emolab.project.dask_bench import throughput_figures, throughput_lines

    monkeypatch.setitem(sys.modules, "distributed", None)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in [*sorted(media.glob("*.wav"))[:2], *sorted(media.glob("*.csv"))[:2]]:
        shutil.copy(path, corpus / path.name)
    figures = throughput_figures(corpus, workers=2, log=lambda message: None)
    assert (figures["recordings"], figures["files"]) == (2, 4)
    assert figures["local_recordings_per_s"] > 0
    lines = throughput_lines(figures)
    assert "recordings/s" in lines[1]
    assert lines[2] == "  Dask: skipped, dask.distributed is not installed " + (
        "(pip install 'emolab[dask]')"
    )
