"""``emolab export``: ratings with provenance as CSV and JSON, and ELAN / Praat annotation
files, a thin caller of :mod:`emolab.project.export`."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolab.cli.output import progress_runner, say

#: emolab.project.export.FORMATS, named here so that ``emolab --help`` imports no project
#: module (a test keeps the two equal).
FORMAT_CHOICES = ("csv", "json", "eaf", "textgrid")


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser(
        "export",
        help="export ratings with provenance (CSV, JSON) and annotation files (ELAN, Praat)",
        description="Write ratings_long.csv (a row per recording, rater and field of the "
        "project's rating form, and per segment and field with its start and end in seconds, "
        "with media hashes, source and versions), recordings.csv (validity by the form's "
        "definition, consensus, means per recording) and ratings.csv (what 'emolab ratings "
        "import' reads) for csv; export.json for json; eaf/KEY.eaf and textgrid/KEY.TextGrid "
        "per recording for eaf and textgrid (a tier per rater and field, a tier of segment "
        "labels per rater and field, and the active model's emotion over time).",
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "--format",
        dest="formats",
        action="extend",
        nargs="+",
        choices=FORMAT_CHOICES,
        metavar="FORMAT",
        help=f"one or more of {', '.join(FORMAT_CHOICES)} (default: all)",
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to write into (created if absent; earlier exports replaced)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    from emolab.project.export import export_project
    from emolab.project.store import Project

    formats = list(dict.fromkeys(args.formats or FORMAT_CHOICES))
    with Project.open(args.project) as project:
        job = export_project(project, args.out, formats)
        report = progress_runner("Exporting", args.quiet)(job)
    for line in report.summary_lines():
        say(line)
    return 0
