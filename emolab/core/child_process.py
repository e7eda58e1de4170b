"""Run a progress generator in a fresh Python process.

Long numerical work (training) spends stretches inside C code that holds the interpreter
lock, and a GUI thread waiting for that lock freezes the window for as long. A child
process has its own interpreter: :func:`in_child_process` turns a generator function into
a job whose work runs there (``python -c``: a fresh interpreter that never re-runs the
caller's main script). The calling side (a worker thread) only waits on a pipe, which
releases the lock.

The call goes to the child pickled (our own objects, from this process); only JSON comes
back: progress reports and the generator's result, which must be JSON-serialisable.
Nothing the child sends is ever unpickled. Cancelling asks the child to stop at its next
report; a child that does not stop within :data:`STOP_GRACE_S` is terminated.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Generator
from typing import Any

from emolab.core.errors import Cancelled, EmolabError
from emolab.core.progress import CancelToken, JobFactory, Progress

#: Seconds a cancelled child may take to stop before it is terminated.
STOP_GRACE_S = 2.0
#: Seconds between checks of the cancel token while waiting for the child.
POLL_S = 0.05


class ChildProcessFailed(EmolabError):
    """The child process ended without a result (it crashed or was killed)."""


def serve() -> None:
    """The child's side (``python -c "...serve()"``): read the pickled call from stdin,
    run it, write every report and the result to stdout as JSON lines; a line
    ``cancel`` on stdin asks the job to stop at its next report."""
    import os
    import pickle
    import sys
    import threading

    # the protocol owns the real stdout; anything else written to descriptor 1 (C
    # libraries, imports, subprocesses) goes to stderr instead of corrupting it
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    source = sys.stdin.buffer
    function, args, kwargs = pickle.load(source)  # written by our own parent process
    token = CancelToken()

    def listen() -> None:
        for line in source:
            if line.strip() == b"cancel":
                token.cancel()
        token.cancel()  # the parent went away: stop

    threading.Thread(target=listen, daemon=True).start()
    sys.stdout = sys.stderr

    def send(kind: str, value: Any) -> None:
        out.write(json.dumps([kind, value]) + "\n")
        out.flush()

    try:
        job = function(*args, cancel=token, **kwargs)
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                token.raise_if_cancelled()  # a result nobody wants any more is not sent
                send("done", stop.value)
                return
            token.raise_if_cancelled()
            send("progress", [p.done, p.total, p.message, p.phase])
    except Cancelled:
        send("cancelled", None)
    except EmolabError as exc:
        send("error", str(exc))
    except Exception as exc:  # the parent reports it; the child must not die silently
        send("error", f"{type(exc).__name__}: {exc}")


def in_child_process(function: Callable[..., Generator[Progress, None, Any]], *args: Any,
                     **kwargs: Any) -> JobFactory:  # fmt: skip
    """A job factory running ``function(*args, cancel=token, **kwargs)`` in a new process.

    ``function`` must be importable by name (module level) and its arguments picklable;
    its result must be JSON-serialisable (it arrives as parsed JSON)."""

    def factory(token: CancelToken) -> Generator[Progress, None, Any]:
        return _relay(function, args, kwargs, token)

    return factory


def _relay(function, args, kwargs, token: CancelToken) -> Generator[Progress, None, Any]:
    import pickle
    import queue
    import subprocess
    import sys
    import threading
    import time

    # a fresh interpreter that imports only what the job needs (never this process's
    # __main__, unlike multiprocessing's spawn)
    process = subprocess.Popen(
        [sys.executable, "-c", "from emolab.core.child_process import serve; serve()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    name = function.__name__
    lines: queue.Queue = queue.Queue()
    errors: list[bytes] = []

    def read_out() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    readers = [
        threading.Thread(target=read_out, daemon=True),
        threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    cancel_sent_at: float | None = None
    try:
        pickle.dump((function, args, kwargs), process.stdin)
        process.stdin.flush()
        while True:
            if token.cancelled and cancel_sent_at is None:
                process.stdin.write(b"cancel\n")
                process.stdin.flush()
                cancel_sent_at = time.monotonic()
            if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > STOP_GRACE_S:
                raise Cancelled()  # it did not stop in time: the finally stops it
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if line is None:
                process.wait(STOP_GRACE_S)
                last = b"".join(errors[-3:]).decode("utf-8", "replace").strip()
                said = f": {last}" if last else ""
                raise ChildProcessFailed(f"the {name} process ended without a result "
                                         f"(exit code {process.returncode}){said}")  # fmt: skip
            try:
                kind, value = json.loads(line)
            except ValueError:
                continue  # not the protocol's: stray output is not a failure
            if cancel_sent_at is not None and kind != "error":
                raise Cancelled()  # cancelled: neither its progress nor its result counts
            if kind == "progress":
                yield Progress(*value)
            elif kind == "done":
                return value
            elif kind == "cancelled":
                raise Cancelled()
            else:
                raise EmolabError(value)
    except BrokenPipeError as exc:
        process.wait(STOP_GRACE_S)
        raise ChildProcessFailed(f"the {name} process ended early (exit code "
                                 f"{process.returncode})") from exc  # fmt: skip
    finally:
        with contextlib.suppress(OSError):
            process.stdin.close()  # the child's listener sees the end and cancels
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for reader in readers:  # they end at the pipes' end, now the child has gone
            reader.join(STOP_GRACE_S)
        process.stdout.close()
        process.stderr.close()
