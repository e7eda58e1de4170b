"""``emolab import``, ``info``, ``demo`` and ``extract``: making a project and seeing what
is in it."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from emolab.cli.offset_cmds import add_offset_options
from emolab.cli.output import progress_runner, say
from emolab.core.errors import EmolabError


def add_job_options(p: argparse.ArgumentParser) -> None:
    """``--jobs`` and ``--quiet``, for commands that may extract features."""
    p.add_argument("--jobs", type=int, default=1, help="parallel extraction processes")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser("import", help="import a folder of recordings into a project")
    p.add_argument("project", type=Path, help="project file (*.emolab); created if absent")
    p.add_argument("folder", type=Path, help="folder searched recursively for media files")
    p.add_argument("--scheme", help="naming scheme name or JSON file (default: auto-detect)")
    p.add_argument("--form", help="rating form of a new project: 'default' (RAVDESS-style), "
                   "'validity' (explicit validity judgement) or a label-scheme JSON file; "
                   "for an existing project see 'emolab form'")  # fmt: skip
    p.add_argument("--estimate-offsets", action="store_true",
                   help="then estimate the audio↔motion offset of each recording of the folder "
                   "and store the confident ones (see 'emolab offsets')")  # fmt: skip
    add_offset_options(p)
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

    p = sub.add_parser("extract", help="compute and cache the features of every media file")
    p.add_argument("project", type=Path)
    add_job_options(p)
    p.add_argument("--dask", metavar="ADDRESS", help="compute on a Dask cluster: a scheduler's "
                   "address (tcp://HOST:8786; every worker must reach the media at the paths "
                   "this computer uses) or 'local' (a cluster of --jobs worker processes, "
                   "default 2, on this computer); needs pip install 'emolab[dask]'")  # fmt: skip
    p.set_defaults(func=_cmd_extract, jobs=None)  # None: 1 locally, 2 with --dask local


def _cmd_import(args: argparse.Namespace) -> int:
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    new = not args.project.exists() and not args.project.is_symlink()
    if new and not args.folder.is_dir():
        # checked before the project is created, so a failed import leaves nothing behind
        raise EmolabError("is not a folder (nothing was imported or created)", args.folder)
    form = None
    if args.form:
        from emolab.project.forms import RatingForm

        if not new:
            raise EmolabError("exists already; give an existing project another rating form "
                              "with 'emolab form PROJECT --set FORM'", args.project)  # fmt: skip
        form = RatingForm.load(args.form)  # checked before anything is created
    try:
        with Project.open(args.project, create=True) as project:
            if form is not None:
                from emolab.project.forms import set_project_form

                set_project_form(project, form)
            job = import_folder(project, args.folder, scheme=args.scheme)
            report = progress_runner("Importing", args.quiet)(job)
    except BaseException:
        if new:
            _remove_project_file(args.project)
        raise
    added = report.media_added + report.media_updated + report.media_unchanged
    discarded = new and not added
    if discarded:
        _remove_project_file(args.project)
    offsets = None
    if args.estimate_offsets and not discarded:
        from emolab.cli.offset_cmds import offsets_after_import

        offsets = offsets_after_import(args.project, args.folder, args)
    if args.json:
        out = {**report.to_dict(), "project_created": not discarded}
        if offsets is not None:
            from emolab.cli.offset_cmds import offsets_json

            out["offsets"] = offsets_json(*offsets, args)
        print(json.dumps(out, indent=2))
    else:
        for line in report.summary_lines():
            say(line)
        if discarded:
            say(f"Nothing could be imported, so {args.project} was not created.")
        if offsets is not None:
            from emolab.cli.offset_cmds import offset_lines

            for line in offset_lines(*offsets, args.min_confidence, apply=True):
                say(line)
    return 0 if added or not report.rejected else 1


def _remove_project_file(path: Path) -> None:
    """Remove a project this command created and could not fill (with its WAL files)."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _cmd_info(args: argparse.Namespace) -> int:
    from emolab.project.agreement import agreement
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        summary = project.summary()
        statuses = [project.media_status(m) for m in project.media()]
        counts = project.counts()
        unpaired = project.unpaired()
        last = project.last_import() or {}
        agreed = agreement(project)
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
            agreement=asdict(agreed),
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
    if agreed.mean_validity is not None:
        basis = ("of raters chose the intended emotion" if agreed.validity_basis == "emotion"
                 else f"of answers to '{agreed.validity_basis}' were yes")  # fmt: skip
        rows.append(("Mean validity", f"{agreed.mean_validity:.1%} {basis}"))
    if agreed.recordings:
        alphas = [(f"{key} ({level})", a) for key, level, a in agreed.alphas] or [
            ("emotion", agreed.emotion_alpha), ("intensity", agreed.intensity_alpha),
            ("genuineness", agreed.genuineness_alpha)]  # fmt: skip
        text = ", ".join(f"{n} {'-' if a is None else f'{a:.3f}'}" for n, a in alphas)
        rows.append(("Krippendorff's alpha", f"{text} ({agreed.recordings} recordings rated by "
                                             f"2+ of {agreed.raters} raters)"))  # fmt: skip
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        say(f"{key:<{width}}  {value}")
    if unpaired:
        say()
        say(f"Unpaired recordings ({len(unpaired)}):")
        for key, has in unpaired:
            say(f"  {key}: {has} only")
    if rejects:
        say()
        say(f"Rejected by the last import ({len(rejects)}):")
        for r in rejects:
            say(f"  {r['path']}: {r['reason']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from emolab.project.demo import build_demo_project, default_demo_dir, demo_project_ready

    folder = args.out if args.out is not None else default_demo_dir()
    # An explicit --out is rebuilt on request; the per-user demo is reused when complete.
    reuse = args.out is None and not args.rebuild
    if reuse and demo_project_ready(folder):
        say(f"Demo project (SYNTHETIC data, reused): {folder / 'demo.emolab'}")
        return 0
    job = build_demo_project(folder, args.participants, args.seed, reuse=False)
    path = progress_runner("Generating synthetic demo", args.quiet)(job)
    say(f"Demo project (SYNTHETIC data): {path}")
    say(f"Corpus: {folder / 'corpus'}")
    return 0


def print_extract_failures(report) -> None:
    """One stderr line per media file whose features could not be computed."""
    for path, reason in report.failed:
        say(f"  not extracted: {path}: {reason}", file=sys.stderr)


def _cmd_extract(args: argparse.Namespace) -> int:
    from emolab.project.features import extract_features
    from emolab.project.store import Project

    if args.dask is not None:
        return _extract_on_dask(args)
    with Project.open(args.project) as project:
        job = extract_features(project, jobs=args.jobs or 1)
        report = progress_runner("Extracting features", args.quiet)(job)
    return _extract_summary(report)


def _extract_on_dask(args: argparse.Namespace) -> int:
    """``extract --dask``: workers compute, this process writes the project."""
    from emolab.project import dask_extract
    from emolab.project.features import extract_features
    from emolab.project.store import Project

    dask_extract.require_distributed()  # before anything is opened or started
    if args.dask != dask_extract.LOCAL and args.jobs is not None:
        say("emolab: --jobs does not apply to a running Dask cluster (its workers decide)",
            file=sys.stderr)  # fmt: skip
    with Project.open(args.project) as project:
        workers = args.jobs or dask_extract.LOCAL_WORKERS
        if workers < 1:
            raise EmolabError("--jobs must be 1 or more with --dask local")
        with dask_extract.dask_client(args.dask, workers) as client:
            if not args.quiet:
                say(dask_extract.describe(client), file=sys.stderr)
            job = extract_features(project, computer=dask_extract.cluster_computer(client))
            report = progress_runner("Extracting features on Dask", args.quiet)(job)
    return _extract_summary(report)


def _extract_summary(report) -> int:
    print_extract_failures(report)
    say(f"Features computed: {report.computed}, already cached: {report.cached}, "
        f"failed: {len(report.failed)}")  # fmt: skip
    return 1 if report.failed else 0
