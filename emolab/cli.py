"""The ``emolab`` command. Subcommands import what they need when they run, so
``emolab --help`` answers at once and no non-GUI subcommand loads Qt."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from emolab import __version__
from emolab.core.errors import Cancelled, EmolabError


def _progress_runner(description: str, quiet: bool = False) -> Callable:
    """A driver for progress generators that draws a tqdm bar on stderr."""

    def drive(job):
        from tqdm import tqdm

        bar = tqdm(total=0, desc=description, unit="file", disable=quiet, file=sys.stderr)
        try:
            while True:
                try:
                    progress = next(job)
                except StopIteration as stop:
                    return stop.value
                if bar.total != progress.total:
                    bar.total = progress.total
                bar.n = progress.done
                bar.set_postfix_str(progress.message[-40:], refresh=False)
                bar.refresh()
        finally:
            bar.close()

    return drive


def _cmd_import(args: argparse.Namespace) -> int:
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    with Project.open(args.project, create=True) as project:
        job = import_folder(project, args.folder, scheme=args.scheme)
        report = _progress_runner("Importing", args.quiet)(job)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(report.summary_lines()))
    added = report.media_added + report.media_updated + report.media_unchanged
    return 0 if added or not report.rejected else 1


def _cmd_info(args: argparse.Namespace) -> int:
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        summary = project.summary()
        statuses = [project.media_status(m) for m in project.media()]
        counts = project.counts()
        unpaired = project.unpaired()
        last = project.last_import() or {}
    missing, changed = statuses.count("missing"), statuses.count("changed")
    rejects = last.get("rejected", [])
    if args.json:
        data = asdict(summary)
        data["participants"] = summary.participants
        data.update(
            schema_version=summary.format_version,
            files=summary.media_files,
            media_missing=missing,
            media_changed=changed,
            per_emotion=counts["emotion"],
            per_participant=counts["participant"],
            per_modality=counts["modality"],
            unpaired=[{"key": k, "has": m} for k, m in unpaired],
            rejects=rejects,
        )
        print(json.dumps(data, indent=2))
        return 0
    rows = [
        ("Project", summary.path),
        ("Schema version", f"{summary.format_version} (created by {summary.created_by})"),
        ("Data", "SYNTHETIC demo corpus" if summary.synthetic else "recordings"),
        ("Naming schemes", ", ".join(summary.schemes) or "-"),
        ("Participants", summary.participants),
        (
            "Recordings",
            f"{summary.recordings} ({summary.paired} paired, "
            f"{summary.audio_only} audio only, {summary.body_only} body only)",
        ),
        ("Media files", f"{summary.media_files} ({missing} missing, {changed} changed on disk)"),
        ("Raters / ratings", f"{summary.raters} / {summary.ratings}"),
        ("Models", f"{summary.models} (active: {summary.active_model or 'bundled default'})"),
        ("Suggestions", summary.suggestions),
    ]
    for name, key in (
        ("emotion", "Per emotion"),
        ("participant", "Per participant"),
        ("modality", "Per modality"),
    ):
        rows.append((key, ", ".join(f"{k} {v}" for k, v in counts[name].items()) or "-"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if unpaired:
        print(f"\nUnpaired recordings ({len(unpaired)}):")
        for key, has in unpaired:
            print(f"  {key}: {has} only")
    if rejects:
        print(f"\nRejected by the last import ({len(rejects)}):")
        for r in rejects:
            print(f"  {r['path']}: {r['reason']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from emolab.project.demo import build_demo_project, default_demo_dir, demo_project_ready

    folder = args.out if args.out is not None else default_demo_dir()
    # An explicit --out is rebuilt on request; the per-user demo is reused when complete.
    reuse = args.out is None and not args.rebuild
    if reuse and demo_project_ready(folder):
        print(f"Demo project (SYNTHETIC data, reused): {folder / 'demo.emolab'}")
        return 0
    job = build_demo_project(folder, args.participants, args.seed, reuse=False)
    path = _progress_runner("Generating synthetic demo", args.quiet)(job)
    print(f"Demo project (SYNTHETIC data): {path}")
    print(f"Corpus: {folder / 'corpus'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emolab",
        description="Rate, explore and classify emotion in speech + body-movement recordings. "
        "Without a subcommand, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"emolab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import a folder of recordings into a project")
    p.add_argument("project", type=Path, help="project file (*.emolab); created if absent")
    p.add_argument("folder", type=Path, help="folder searched recursively for media files")
    p.add_argument("--scheme", help="naming scheme name or JSON file (default: auto-detect)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("info", help="summarise a project")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("demo", help="generate the SYNTHETIC demo corpus and a ready project for it")
    p.add_argument("--out", type=Path, help="folder (default: the per-user data folder)")
    p.add_argument("--participants", type=int, default=11, help="participants (default 11)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the per-user demo")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", type=Path, nargs="?", help="project to open")
    p.set_defaults(func=None)
    return parser


def run(argv: Sequence[str], launch_gui: Callable[[Path | None], int] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit status.

    The GUI lives above this layer, so the caller hands in how to start it.
    """
    parser = build_parser()
    args = parser.parse_args(list(argv))
    func = getattr(args, "func", None)
    try:
        if func is None:
            if launch_gui is None:
                parser.error("the desktop app is started by the 'emolab' entry point")
            return int(launch_gui(getattr(args, "project", None)) or 0)
        return int(func(args) or 0)
    except Cancelled:
        print("emolab: cancelled; nothing was changed", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("emolab: interrupted; nothing was changed", file=sys.stderr)
        return 130
    except EmolabError as exc:
        print(f"emolab: error: {exc}", file=sys.stderr)
        return 2
