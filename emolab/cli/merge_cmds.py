"""``emolab merge TARGET SOURCE...``: raters' copies of a project combined into one, a thin
caller of :mod:`emolab.project.merge`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emolab.cli.output import LISTED_PROBLEMS, say, say_listed  # noqa: F401


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser(
        "merge",
        help="merge raters' copies of the same recordings into TARGET (recordings matched by "
        "media content, edit logs of every rating-form field and segment united, latest edit "
        "wins; merging again changes nothing)",
    )
    p.add_argument("target", type=Path, metavar="TARGET", help="the project merged into")
    p.add_argument(
        "sources",
        type=Path,
        nargs="+",
        metavar="SOURCE",
        help="a project to merge from (opened read-only, never changed; one in an older "
        "project format is read from an updated temporary copy)",
    )
    p.set_defaults(func=_cmd_merge)


def _cmd_merge(args: argparse.Namespace) -> int:
    from emolab.project.merge import MergeRefused, merge_projects
    from emolab.project.store import Project

    with Project.open(args.target) as project:
        try:
            reports = merge_projects(project, args.sources)
        except MergeRefused as exc:
            say(f"emolab: error: {exc}", file=sys.stderr)
            say_listed(exc.problems, file=sys.stderr)
            return 1
    for report in reports:
        for line in report.summary_lines():
            say(line)
    say("Suggestions, models and features are not merged.")
    return 0
