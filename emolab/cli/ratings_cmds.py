"""``emolab ratings import|export|undo-import``: ratings in and out as CSV, thin callers of
:mod:`emolab.project.rating_io`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emolab.cli.output import LISTED_PROBLEMS, say, say_listed  # noqa: F401


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser(
        "ratings", help="import or export ratings as CSV (one row per rater and recording)"
    )
    commands = p.add_subparsers(dest="ratings_command", metavar="ACTION", required=True)

    q = commands.add_parser(
        "import",
        help="import ratings from a CSV: every row or none; re-importing changes nothing",
    )
    q.add_argument("project", type=Path)
    q.add_argument(
        "file",
        type=Path,
        help="CSV with columns recording, rater, emotion, "
        "intensity, genuineness (and optionally notes, time, source)",
    )
    q.set_defaults(func=_cmd_import)

    q = commands.add_parser("export", help="write every rating to a CSV")
    q.add_argument("project", type=Path)
    q.add_argument("file", type=Path)
    q.set_defaults(func=_cmd_export)

    q = commands.add_parser(
        "undo-import",
        help="restore the values the newest import of FILE changed (values edited since are kept)",
    )
    q.add_argument("project", type=Path)
    q.add_argument("file", type=Path, help="the imported CSV (its name is what counts)")
    q.set_defaults(func=_cmd_undo_import)


def _cmd_import(args: argparse.Namespace) -> int:
    from emolab.project.rating_io import RatingsRejected, import_ratings
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        try:
            report = import_ratings(project, args.file)
        except RatingsRejected as exc:
            say(f"emolab: error: {exc}", file=sys.stderr)
            say_listed(exc.problems, "more problems", file=sys.stderr)
            return 1
    for line in report.summary_lines():
        say(line)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from emolab.project.rating_io import export_ratings
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        rows = export_ratings(project, args.file)
    say(f"Wrote {rows} ratings to {args.file}")
    return 0


def _cmd_undo_import(args: argparse.Namespace) -> int:
    from emolab.project.rating_io import undo_import
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        report = undo_import(project, args.file)
    say(f"Undid import {report.import_id} of {report.file}: {report.restored} values restored.")
    if report.kept:
        say(f"Kept {len(report.kept)} values changed again since the import:")
        say_listed(report.kept)
    return 0
