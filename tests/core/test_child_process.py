"""Jobs whose work runs in a child process: progress and results as JSON, errors named,
cancel honoured, a crashed or stuck child never leaves the caller waiting."""

from __future__ import annotations

import os

import pytest

from emolab.core import child_process
from emolab.core.child_process import ChildProcessFailed, in_child_process
from emolab.core.errors import Cancelled, EmolabError
from emolab.core.progress import CancelToken, drive
from tests import child_jobs


def test_progress_and_result_come_back_from_another_process():
    seen = []
    result = drive(in_child_process(child_jobs.count, 3)(CancelToken()), seen.append)
    assert [(p.done, p.total, p.message, p.phase) for p in seen] == [
        (i, 3, f"item {i}", "Counting") for i in range(3)
    ]
    assert result["total"] == 3 and result["pid"] != os.getpid()


def test_an_error_in_the_child_arrives_with_its_message():
    with pytest.raises(EmolabError, match="too few participants"):
        drive(in_child_process(child_jobs.refuse)(CancelToken()))


def test_a_child_that_dies_is_reported_not_waited_for():
    with pytest.raises(ChildProcessFailed, match="exit code 3"):
        drive(in_child_process(child_jobs.die)(CancelToken()))


def test_cancel_stops_the_child_at_its_next_report():
    token = CancelToken()

    def cancel_after_first(_progress):
        token.cancel()

    with pytest.raises(Cancelled):
        drive(in_child_process(child_jobs.wait_for_cancel)(token), cancel_after_first)


def test_a_child_that_ignores_cancel_is_terminated(monkeypatch):
    monkeypatch.setattr(child_process, "STOP_GRACE_S", 0.2)
    token = CancelToken()
    job = in_child_process(child_jobs.ignore_cancel)(token)
    assert next(job).message == "busy"
    token.cancel()
    job.close()  # the caller gives up: the child is stopped, not left running
    assert not any(p.name == "emolab-ignore_cancel" and p.is_alive()
                   for p in __import__("multiprocessing").active_children())  # fmt: skip
