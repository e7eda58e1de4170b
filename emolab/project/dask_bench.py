"""``emolab bench``'s extraction throughput: the local path against a Dask LocalCluster.

Both compute the features of the same media files from scratch: they run on a list of
(path, modality) items, not on a project, so no cache is read, written or cleared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from emolab.core.errors import EmolabError

#: Recordings timed (the first of the corpus), and rounds of local-then-Dask runs: the
#: median of each is reported, so a change in the machine's load reaches both alike.
RECORDINGS = 240
ROUNDS = 3


def _median_seconds(runs: list[float]) -> float:
    return sorted(runs)[len(runs) // 2]


def throughput_figures(corpus: Path, workers: int = 2, log=print) -> dict:
    """Recordings per second extracting :data:`RECORDINGS` recordings of the demo
    ``corpus`` (the first ``*.wav`` audio and ``*.csv`` body files): locally in
    ``workers`` joblib processes (``emolab extract --jobs N``) and on a LocalCluster of
    ``workers`` processes of one thread each (``--dask local --jobs N``), each the median of
    :data:`ROUNDS` alternating runs. Warm: a few files first on each, untimed (worker start,
    imports); the cluster's start is reported apart. Without dask.distributed the Dask
    figure is a note saying so."""
    from joblib import Parallel, delayed

    from emolab.project import dask_extract
    from emolab.project.features import compute_file, compute_locally

    # the demo corpus pairs every audio file with a body file of the same fields
    wavs, csvs = sorted(corpus.rglob("*.wav")), sorted(corpus.rglob("*.csv"))
    recordings = min(len(wavs), len(csvs), RECORDINGS)
    items = [(str(p), "audio") for p in wavs[:recordings]]
    items += [(str(p), "body") for p in csvs[:recordings]]
    warm = items[: 2 * workers]
    out: dict = {"recordings": recordings, "files": len(items), "workers": workers,
                 "rounds": ROUNDS}  # fmt: skip
    Parallel(n_jobs=workers)(delayed(compute_file)(*item) for item in warm)
    try:
        dask_extract.require_distributed()
    except EmolabError:
        out["dask_skipped"] = f"dask.distributed is not installed ({dask_extract.EXTRA})"
        log(f"extraction throughput: {recordings} recordings locally, {workers} processes …")
        local = [_seconds(lambda: list(compute_locally(items, jobs=workers)))]
    else:
        log(f"extraction throughput: {recordings} recordings locally and on Dask, {workers} "
            f"processes each, {ROUNDS} rounds …")  # fmt: skip
        start = time.perf_counter()
        with dask_extract.dask_client(dask_extract.LOCAL, workers) as client:
            out["dask_cluster_start_s"] = round(time.perf_counter() - start, 2)
            list(dask_extract.compute_on_cluster(client, warm))
            local, dask = [], []
            for _ in range(ROUNDS):
                local.append(_seconds(lambda: list(compute_locally(items, jobs=workers))))
                dask.append(_seconds(
                    lambda: list(dask_extract.compute_on_cluster(client, items))))  # fmt: skip
        dask_s = _median_seconds(dask)
        out["dask_recordings_per_s"] = round(recordings / dask_s, 1)
        out["dask_s"] = round(dask_s, 2)
    local_s = _median_seconds(local)
    out["local_recordings_per_s"] = round(recordings / local_s, 1)
    out["local_s"] = round(local_s, 2)
    if "dask_s" in out:
        out["dask_to_local"] = round(local_s / out["dask_s"], 2)
    return out


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def throughput_lines(figures: dict | None) -> list[str]:
    """The figures of :func:`throughput_figures`, as ``emolab bench`` prints them (none
    for results without them)."""
    if figures is None:
        return []
    f = figures
    head = (f"Extraction throughput ({f['recordings']} recordings, {f['files']} files, features "
            f"from scratch, warm, median of {f['rounds']} runs):")  # fmt: skip
    local = (f"  local, {f['workers']} joblib processes: {f['local_recordings_per_s']} "
             f"recordings/s ({f['local_s']} s)")  # fmt: skip
    if "dask_skipped" in f:
        return [head, local, f"  Dask: skipped, {f['dask_skipped']}"]
    dask = (f"  Dask LocalCluster, {f['workers']} worker processes × 1 thread: "
            f"{f['dask_recordings_per_s']} recordings/s ({f['dask_s']} s; cluster start "
            f"{f['dask_cluster_start_s']} s, not counted): "
            f"{f['dask_to_local']}× local")  # fmt: skip
    return [head, local, dask]
