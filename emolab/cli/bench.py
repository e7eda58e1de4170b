"""``emolab bench``: speed and memory figures with their units (see emolab.benchmarks)."""

from __future__ import annotations

import argparse


def add_commands(sub) -> None:
    """Register this module's subcommand."""
    p = sub.add_parser("bench", help="measure speed and memory (figures with units)")
    p.add_argument("--participants", type=int, default=11, help="corpus size (default 11)")
    p.add_argument("--jobs", type=int, default=2, help="extraction processes (default 2)")
    p.add_argument("--no-gui", action="store_true", help="skip the GUI figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    from emolab.benchmarks import main

    return main(args.participants, args.jobs, args.json, gui=not args.no_gui)
