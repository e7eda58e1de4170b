"""The ``emolab`` command, a module per command group: :mod:`.project_cmds` (import, info,
demo, extract), :mod:`.offset_cmds` (offsets), :mod:`.model_cmds` (evaluate, train,
predict, models, bundle-model) and :mod:`.bench`; :mod:`.output` prints. Subcommands
import what they need when they run, so ``emolab --help`` answers at once and no non-GUI
subcommand loads Qt."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from emolab import __version__
from emolab.cli import (
    bench,
    export_cmds,
    form_cmds,
    merge_cmds,
    model_cmds,
    offset_cmds,
    project_cmds,
    ratings_cmds,
    study_cmds,
)
from emolab.cli.output import say
from emolab.core.errors import Cancelled, EmolabError


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (each sets ``func``; ``gui`` sets None)."""
    parser = argparse.ArgumentParser(
        prog="emolab",
        description="Rate, explore and classify emotion in speech + body-movement recordings. "
        "Without a subcommand, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"emolab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (
        project_cmds,
        offset_cmds,
        model_cmds,
        ratings_cmds,
        study_cmds,
        form_cmds,
        export_cmds,
        merge_cmds,
        bench,
    ):
        group.add_commands(sub)
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", type=Path, nargs="?", help="project to open")
    # hidden: checks an installation or a standalone build (emolab.gui.smoke)
    p.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=None)
    return parser


def run(argv: Sequence[str], launch_gui: Callable[..., int] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit status.

    The GUI lives above this layer, so the caller hands in how to start it:
    ``launch_gui(project)``, or ``launch_gui(project, smoke_test=True)``.
    """
    parser = build_parser()
    argv = list(argv)
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    first = argv[0] if argv else ""
    if (first and not first.startswith("-") and first not in commands
            and (first.endswith(".emolab") or Path(first).exists())):  # fmt: skip
        # `emolab FILE` (what the desktop entry runs) opens the app on that project; a
        # mistyped command still gets argparse's "invalid choice"
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    try:
        if func is None:
            if launch_gui is None:
                parser.error("the desktop app is started by the 'emolab' entry point")
            project = getattr(args, "project", None)
            if getattr(args, "smoke_test", False):
                return int(launch_gui(project, smoke_test=True) or 0)
            return int(launch_gui(project) or 0)
        return int(func(args) or 0)
    except Cancelled:
        # writes are transactions: none is left half done; what a long job (extract)
        # already stored, such as the features computed so far, is kept
        say("emolab: cancelled; nothing half-done was written", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        say("emolab: interrupted; nothing half-done was written", file=sys.stderr)
        return 130
    except EmolabError as exc:
        say(f"emolab: error: {exc}", file=sys.stderr)
        return 2
