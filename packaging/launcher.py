"""The standalone build's entry point (packaging/emolab.spec builds it into ``emolab``).

It runs emolab's command line. It also understands how Python child processes are
started, ``sys.executable [interpreter options] -c CODE`` (training from the window,
``emolab bench``, joblib's resource tracker) and ``... -m MODULE`` (the GUI benchmark,
joblib's workers): in a frozen build ``sys.executable`` is this program, which would
otherwise take them for emolab options.
"""

import multiprocessing
import sys

#: Interpreter options that take the next argument as their value (``-W ignore``).
_OPTIONS_WITH_VALUE = ("-W", "-X")


def _python_arguments(args: list[str]) -> list[str] | None:
    """``args`` from ``-c``/``-m`` on when they are a Python command line (interpreter
    options such as ``-B -s`` before it are dropped: this program has its own), else None."""
    i = 0
    while i < len(args) and args[i] not in ("-c", "-m"):
        if not args[i].startswith("-") or args[i].startswith("--"):
            return None
        i += 2 if args[i] in _OPTIONS_WITH_VALUE else 1
    return args[i:] if len(args) >= i + 2 else None


def main() -> int:
    # multiprocessing's (and on Windows joblib's) workers start through this program
    multiprocessing.freeze_support()
    python = _python_arguments(sys.argv[1:])
    if python is not None and python[0] == "-c":
        sys.argv = ["-c", *python[2:]]
        exec(compile(python[1], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    if python is not None:
        import runpy

        sys.argv = [python[1], *python[2:]]
        runpy.run_module(python[1], run_name="__main__", alter_sys=True)
        return 0
    from emolab.__main__ import main as emolab_main

    return emolab_main()


if __name__ == "__main__":
    sys.exit(main())
