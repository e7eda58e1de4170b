"""Progress generators for tests/core/test_child_process.py, importable by name in the
child process that runs them."""

from __future__ import annotations

import os
import time

from emolab.core.errors import EmolabError
from emolab.core.progress import Progress


def count(n: int, cancel=None):
    for i in range(n):
        yield Progress(i, n, f"item {i}", "Counting")
    return {"total": n, "pid": os.getpid()}


def refuse(cancel=None):
    yield Progress(0, 1, "starting")
    raise EmolabError("this project cannot be trained: too few participants")


def die(cancel=None):
    yield Progress(0, 1, "starting")
    os._exit(3)


def wait_for_cancel(cancel=None):
    while True:  # a cancel token set in the parent stops it at the next report
        yield Progress(0, 1, "waiting")
        cancel.raise_if_cancelled()
        time.sleep(0.01)


def ignore_cancel(cancel=None):
    yield Progress(0, 1, "busy")
    time.sleep(600)  # never reports again: the parent must terminate it
    return None


def slow_then_done(cancel=None):
    yield Progress(0, 1, "started")
    time.sleep(0.5)  # does not look at its token: finishes anyway
    return "finished"


def noisy(cancel=None):
    os.write(1, b"a C library writes to stdout\n")
    print("and so does a print")
    yield Progress(0, 1, "working")
    return {"ok": True}
