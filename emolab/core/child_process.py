"""Run a progress generator in a fresh Python process.

Long numerical work (training) spends stretches inside C code that holds the interpreter
lock, and a GUI thread waiting for that lock freezes the window for as long. A child
process has its own interpreter: :func:`in_child_process` turns a generator function into
a job whose work runs there. The calling side (a worker thread) only waits on a pipe,
which releases the lock.

Only JSON crosses back from the child: progress reports and the generator's result,
which must be JSON-serialisable. Nothing the child sends is ever unpickled. Cancelling
asks the child to stop at its next report; a child that does not stop within
:data:`STOP_GRACE_S` is terminated.
"""

from __future__ import annotations

import json
import multiprocessing
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


class _EventToken(CancelToken):
    """A cancel token backed by a process-shared event."""

    def __init__(self, event) -> None:
        self._event = event


def _child(conn, event, function: Callable, args: tuple, kwargs: dict) -> None:
    """Runs in the child: every report and the result go to the parent as JSON."""

    def send(kind: str, value: Any) -> None:
        conn.send_bytes(json.dumps([kind, value]).encode("utf-8"))

    try:
        job = function(*args, cancel=_EventToken(event), **kwargs)
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                send("done", stop.value)
                return
            send("progress", [p.done, p.total, p.message, p.phase])
    except Cancelled:
        send("cancelled", None)
    except EmolabError as exc:
        send("error", str(exc))
    except Exception as exc:  # the parent reports it; the child must not die silently
        send("error", f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def in_child_process(function: Callable[..., Generator[Progress, None, Any]], *args: Any,
                     **kwargs: Any) -> JobFactory:  # fmt: skip
    """A job factory running ``function(*args, cancel=token, **kwargs)`` in a new process.

    ``function`` must be importable by name (module level) and its arguments picklable;
    its result must be JSON-serialisable (it arrives as parsed JSON)."""

    def factory(token: CancelToken) -> Generator[Progress, None, Any]:
        return _relay(function, args, kwargs, token)

    return factory


def _relay(function, args, kwargs, token: CancelToken) -> Generator[Progress, None, Any]:
    context = multiprocessing.get_context("spawn")  # no copy of this process's threads
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=_child, args=(send, stop, function, args, kwargs),
                              daemon=True, name=f"emolab-{function.__name__}")  # fmt: skip
    process.start()
    send.close()
    try:
        while True:
            if token.cancelled:
                stop.set()
            if not receive.poll(POLL_S):
                if not process.is_alive() and not receive.poll(0):
                    raise ChildProcessFailed(f"the {function.__name__} process ended without a "
                                             f"result (exit code {process.exitcode})")  # fmt: skip
                continue
            try:
                kind, value = json.loads(receive.recv_bytes().decode("utf-8"))
            except EOFError as exc:
                process.join(STOP_GRACE_S)  # so its exit code is known
                raise ChildProcessFailed(f"the {function.__name__} process closed its pipe "
                                         f"(exit code {process.exitcode})") from exc  # fmt: skip
            if kind == "progress":
                yield Progress(*value)
            elif kind == "done":
                return value
            elif kind == "cancelled":
                raise Cancelled()
            else:
                raise EmolabError(value)
    finally:
        stop.set()
        process.join(STOP_GRACE_S)
        if process.is_alive():
            process.terminate()
            process.join(STOP_GRACE_S)
        receive.close()
