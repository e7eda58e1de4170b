"""The one loop that drives progress generators, and phase labels."""

from __future__ import annotations

import pytest

from emolab.core.errors import Cancelled
from emolab.core.progress import CancelToken, Progress, drive, phased


def counting(n: int, closed: list[str], result: str = "done"):
    try:
        for i in range(n):
            yield Progress(i, n, f"item {i}")
        return result
    finally:
        closed.append("closed")


def test_drive_hands_over_every_report_and_returns_the_result():
    closed, seen = [], []
    assert drive(counting(3, closed), seen.append) == "done"
    assert [p.done for p in seen] == [0, 1, 2]
    assert closed == ["closed"]
    assert drive(counting(0, [], result="empty")) == "empty"


@pytest.mark.parametrize("wrap", [lambda job: job, lambda job: phased(job, "Stage")])
def test_a_cancel_stops_the_job_at_the_next_report_and_closes_it(wrap):
    token, closed, seen = CancelToken(), [], []

    def on_progress(progress: Progress) -> None:
        seen.append(progress.done)
        if progress.done == 1:
            token.cancel()

    with pytest.raises(Cancelled):
        drive(wrap(counting(10, closed)), on_progress, token)
    assert seen == [0, 1]  # report 2 arrived after the cancel and was not handed over
    assert closed == ["closed"]  # the job's finally block ran, through a phase too


def test_a_failing_callback_closes_the_job():
    closed = []

    def broken(progress: Progress) -> None:
        raise RuntimeError("display gone")

    with pytest.raises(RuntimeError, match="display gone"):
        drive(counting(5, closed), broken)
    assert closed == ["closed"]


def test_phased_labels_reports_and_passes_the_result_through():
    seen = []
    job = phased(phased(counting(2, []), "inner"), "Outer")
    assert drive(job, seen.append) == "done"
    assert [(p.done, p.total, p.message, p.phase) for p in seen] == [
        (0, 2, "item 0", "Outer"),
        (1, 2, "item 1", "Outer"),
    ]
