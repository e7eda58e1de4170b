"""Feature extraction on a Dask cluster (``emolab extract PROJECT --dask ADDRESS|local``).

Workers compute, the client writes. The client resolves every media path to the absolute
path it uses itself and submits tasks of a few files each; a worker reads each file at that
path (so every worker must see the media at the same path: a shared mount), computes its
features with :func:`emolab.project.features.compute_file`, the function the local path
runs, and returns them. Only the client opens the project and writes it, in batches, as
:func:`emolab.project.features.extract_features` does locally. A file a worker cannot read
or compute is a per-file failure with its reason, as on the local path.

dask.distributed is an optional extra (``pip install 'emolab[dask]'``); nothing here
imports it before it is needed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from emolab.core.errors import EmolabError
from emolab.core.progress import CancelToken
from emolab.project.features import Computed, FeatureComputer, compute_file

if TYPE_CHECKING:
    from distributed import Client

#: What to install for the Dask path.
EXTRA = "pip install 'emolab[dask]'"
#: The address that starts a LocalCluster on this computer instead of joining one.
LOCAL = "local"
#: Worker processes of a LocalCluster when ``--jobs`` does not say.
LOCAL_WORKERS = 2
#: Seconds to wait for a scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT_S = 10
#: Files computed by one task: a few, so the scheduler's work per task and a worker's wait
#: for its next one stay small beside the features' (tens of ms per file).
FILES_PER_TASK = 8
#: Seconds between looks at the cancel token while waiting for workers.
POLL_S = 0.05


def require_distributed():
    """The ``distributed`` module, or an error that names the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise EmolabError(
            "extracting on a Dask cluster needs dask.distributed, which is not installed; "
            f"install emolab's 'dask' extra: {EXTRA}"
        ) from exc
    return distributed


@contextmanager
def dask_client(address: str, workers: int = LOCAL_WORKERS) -> Iterator[Client]:
    """A client of the Dask scheduler at ``address`` (``tcp://host:8786``), or, for
    ``'local'``, of a LocalCluster of ``workers`` processes of one thread each, started for
    this and closed after. Refuses a cluster whose workers run another emolab."""
    distributed = require_distributed()
    if address == LOCAL:
        with _environment_kept():
            with _interrupts_ignored():
                cluster = _local_cluster(distributed, workers)
            with cluster, distributed.Client(cluster) as client:
                _check_workers(client, address)
                yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except ValueError as exc:
        raise EmolabError(
            f"is not a Dask scheduler address ({exc}); give tcp://HOST:8786 or 'local'", address
        ) from exc
    except OSError as exc:
        raise EmolabError(
            f"no Dask scheduler answered at {address} ({exc}); start one with 'dask "
            "scheduler' and workers with 'dask worker tcp://HOST:8786', or use --dask local"
        ) from exc
    with client:
        _check_workers(client, address)
        yield client


def _local_cluster(distributed, workers: int):
    import dask

    # Worker processes, so the GIL-bound parts of the feature code run in parallel; one
    # thread each, as the local path's joblib workers run. Two of Dask's defaults slow
    # feature extraction on this computer: queueing tasks on the scheduler, so a worker
    # idles for a round trip to it (sharing these cores) after every task, and the
    # nannies' MALLOC_TRIM_THRESHOLD_=65536, under which the features' many temporary
    # arrays take about 1.5 times as long (measured on 2 cores).
    settings = {
        "distributed.scheduler.worker-saturation": float("inf"),
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,  # None: unset
    }
    with dask.config.set(settings):
        return distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR, preload=[__name__],
        )  # fmt: skip


def describe(client: Client) -> str:
    """The scheduler and its workers, for a line before the progress bar."""
    threads = client.nthreads()
    workers = f"{len(threads)} worker{'s' * (len(threads) != 1)}"
    return f"Dask scheduler {client.scheduler.address}: {workers}, {sum(threads.values())} threads"


@contextmanager
def _environment_kept() -> Iterator[None]:
    """This process's environment as it was before: distributed's nannies set their
    workers' variables (one BLAS thread, …) here too, where processes started later (joblib
    workers, the GUI benchmark) would inherit them."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        os.environ.update(saved)


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ctrl+C ignored while a LocalCluster starts (about 2 s; the main thread only), so the
    worker processes started meanwhile inherit the ignoring: a terminal sends Ctrl+C to
    every process of its group, and it must reach this process alone, which cancels the
    tasks and closes the cluster, not kill workers mid-start with a traceback each."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker) -> None:
    """Preloaded into a LocalCluster's workers, including any restarted after a crash:
    they ignore Ctrl+C, for the reason :func:`_interrupts_ignored` gives."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_versions() -> tuple:
    """What decides a worker's features: emolab's version and its extractors' versions
    (run on each worker)."""
    from emolab import __version__
    from emolab.features.extract import BASELINE_EXTRACTOR, EXTENDED_EXTRACTOR, EXTRACTORS

    return __version__, sorted(EXTRACTORS.items()), BASELINE_EXTRACTOR, EXTENDED_EXTRACTOR


def _check_workers(client: Client, address: str) -> None:
    """Refuse a cluster with no worker, or with workers that cannot import emolab or run
    another version of it (their features would be cached under this one's version)."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except TimeoutError as exc:
        raise EmolabError(
            f"the Dask scheduler at {address} has no workers; start them with "
            f"'dask worker {address}' on machines that see the media"
        ) from exc
    ours = _worker_versions()
    try:
        theirs = client.run(_worker_versions)
    except Exception as exc:  # anything a worker raised while unpickling or running it
        raise EmolabError(
            f"the Dask workers cannot run emolab ({type(exc).__name__}: {exc}); install "
            f"the same emolab on every worker: {EXTRA}"
        ) from exc
    other = {worker: found for worker, found in theirs.items() if tuple(found) != ours}
    if other:
        worker, found = next(iter(other.items()))
        raise EmolabError(
            f"{len(other)} Dask worker(s) run another emolab (e.g. {worker}: {found[0]}, "
            f"this computer: {ours[0]}); install the same version on every worker"
        )


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not running on a worker
        return "(not a worker)"


def compute_on_worker(path: str, modality: str) -> Computed:
    """:func:`compute_file` on a Dask worker; a file the worker cannot read (not mounted
    there, not readable) is a failure that names the worker and the path it tried."""
    if not os.access(path, os.R_OK):
        problem = "no such file" if not os.path.exists(path) else "permission denied"
        return (
            f"cannot be read on Dask worker {_worker_address()}: {problem}: {path} (every "
            "worker must reach the media at the path this computer uses)"
        )
    return compute_file(path, modality)


def _compute_files_on_worker(items: list[tuple[str, str]]) -> list[Computed]:
    """One task's files (see :data:`FILES_PER_TASK`)."""
    return [compute_on_worker(path, modality) for path, modality in items]


def compute_on_cluster(
    client: Client,
    items: list[tuple[str, str]],
    cancel: CancelToken | None = None,
    files_per_task: int = FILES_PER_TASK,
) -> Generator[tuple[int, Computed], None, None]:
    """Features of (absolute path, modality) items, ``files_per_task`` files per task on
    ``client``'s workers, yielded as (index, result) as tasks finish. The token is looked at
    every :data:`POLL_S` s while waiting; cancelling, an interrupt or closing the iterator
    cancels every task not yet finished."""
    if not items:
        return
    distributed = require_distributed()
    starts = range(0, len(items), files_per_task)
    tasks = [items[start : start + files_per_task] for start in starts]
    futures = client.map(_compute_files_on_worker, tasks, pure=False)
    index = {future.key: start for start, future in zip(starts, futures, strict=True)}
    unreturned = set(futures)
    # results are fetched by the client's event loop as tasks finish, so this thread only
    # takes them in and looks at the cancel token
    finished = distributed.as_completed(futures, with_results=True, raise_errors=False)
    del futures
    try:
        while not finished.is_empty():
            if cancel is not None:
                cancel.raise_if_cancelled()
            if not finished.has_ready():
                time.sleep(POLL_S)
                continue
            for future, result in finished.next_batch(block=False):
                unreturned.discard(future)
                first = index[future.key]
                if future.status != "finished":
                    count = min(files_per_task, len(items) - first)
                    result = [_failure(future, result)] * count
                for i, computed in enumerate(result, first):
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    yield i, computed
    finally:
        finished.clear()
        if unreturned and client.status == "running":  # closed: its tasks went with it
            client.cancel(list(unreturned))


def _failure(future, result) -> str:
    """Why a task has no features: it raised, was lost with its workers (``KilledWorker``)
    or was cancelled on the cluster."""
    if future.status == "error":
        exc = result[1] if isinstance(result, tuple) else result
        return f"features could not be computed on the Dask cluster: {type(exc).__name__}: {exc}"
    return "features could not be computed: the task was cancelled on the Dask cluster"


def cluster_computer(client: Client) -> FeatureComputer:
    """The ``computer`` of :func:`emolab.project.features.extract_features` for a cluster."""

    def compute(
        items: list[tuple[str, str]], cancel: CancelToken | None = None
    ) -> Generator[tuple[int, Computed], None, None]:
        return compute_on_cluster(client, items, cancel)

    return compute
