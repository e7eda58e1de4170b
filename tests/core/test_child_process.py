"""Jobs whose work runs in a child process: progress and results as JSON, errors named,
cancel honoured, a crashed or stuck child never leaves the caller waiting."""

from __future__ import annotations

import os
from pathlib import Path

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
    import subprocess

    monkeypatch.setattr(child_process, "STOP_GRACE_S", 0.2)
    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    token = CancelToken()
    job = in_child_process(child_jobs.ignore_cancel)(token)
    assert next(job).message == "busy"
    token.cancel()
    job.close()  # the caller gives up: the child is stopped, not left running
    assert started[0].poll() is not None


def test_a_script_without_a_main_guard_is_not_run_again(tmp_path):
    """The child imports only the job's module, never the caller's main script."""
    import subprocess
    import sys

    script = tmp_path / "caller.py"
    marker = tmp_path / "runs"
    script.write_text(
        "from pathlib import Path\n"
        f"with open({str(marker)!r}, 'a') as f: f.write('x')\n"
        "from emolab.core.progress import CancelToken, drive\n"
        "from emolab.core.child_process import in_child_process\n"
        "from tests import child_jobs\n"
        "print(drive(in_child_process(child_jobs.count, 2)(CancelToken()))['total'])\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, cwd=str(Path(child_jobs.__file__).parents[1]))  # fmt: skip
    assert out.stdout.strip() == "2", out.stderr
    assert marker.read_text() == "x"


def test_a_cancelled_job_never_returns_its_result():
    token = CancelToken()
    with pytest.raises(Cancelled):
        drive(in_child_process(child_jobs.slow_then_done)(token), lambda _p: token.cancel())


def test_output_on_the_childs_stdout_does_not_break_the_protocol():
    assert drive(in_child_process(child_jobs.noisy)(CancelToken())) == {"ok": True}
