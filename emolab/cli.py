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
from emolab.core.text import escape_control


def _progress_runner(description: str, quiet: bool = False) -> Callable:
    """A driver for progress generators: a tqdm bar on a terminal, a few plain lines in a
    log or CI (at 0, 25, 50, 75 and 100 % of each phase), nothing when quiet."""

    def drive(job):
        return _ProgressView(description, quiet).run(job)

    return drive


class _ProgressView:
    def __init__(self, description: str, quiet: bool):
        self.description = description
        self.quiet = quiet
        self.terminal = sys.stderr.isatty()
        self.bar = None
        self.phase: str | None = None
        self.next_quarter = 0

    def run(self, job):
        try:
            while True:
                try:
                    progress = next(job)
                except StopIteration as stop:
                    return stop.value
                if not self.quiet:
                    self.show(progress)
        finally:
            self.close()

    def show(self, progress) -> None:
        phase = progress.phase or self.description
        if phase != self.phase:
            self.close()
            self.phase, self.next_quarter = phase, 0
            if self.terminal:
                from tqdm import tqdm

                self.bar = tqdm(total=progress.total, desc=phase, unit="file", file=sys.stderr)
        message = escape_control(progress.message)
        if self.bar is not None:
            if self.bar.total != progress.total:
                self.bar.total = progress.total
            self.bar.n = progress.done
            self.bar.set_postfix_str(message[-40:], refresh=False)
            self.bar.refresh()
            return
        quarter = 4 * progress.done // progress.total if progress.total else 0
        if quarter >= self.next_quarter:
            print(f"{phase}: {progress.done}/{progress.total}", file=sys.stderr, flush=True)
            self.next_quarter = quarter + 1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _say(line: object = "", file=None) -> None:
    """Print one line with control characters in it escaped (file names, notes, labels
    come from other people: their escape sequences must not reach the terminal)."""
    print(escape_control(str(line)), file=file or sys.stdout)


def _cmd_import(args: argparse.Namespace) -> int:
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    new = not args.project.exists() and not args.project.is_symlink()
    if new and not args.folder.is_dir():
        # checked before the project is created, so a failed import leaves nothing behind
        raise EmolabError("is not a folder (nothing was imported or created)", args.folder)
    try:
        with Project.open(args.project, create=True) as project:
            job = import_folder(project, args.folder, scheme=args.scheme)
            report = _progress_runner("Importing", args.quiet)(job)
    except BaseException:
        if new:
            _remove_project_file(args.project)
        raise
    added = report.media_added + report.media_updated + report.media_unchanged
    discarded = new and not added
    if discarded:
        _remove_project_file(args.project)
    if args.json:
        print(json.dumps({**report.to_dict(), "project_created": not discarded}, indent=2))
    else:
        for line in report.summary_lines():
            _say(line)
        if discarded:
            _say(f"Nothing could be imported, so {args.project} was not created.")
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
        rows.append(("Mean validity", f"{agreed.mean_validity:.1%} of raters chose the "
                                      "intended emotion"))  # fmt: skip
    if agreed.recordings:
        alphas = [("emotion", agreed.emotion_alpha), ("intensity", agreed.intensity_alpha),
                  ("genuineness", agreed.genuineness_alpha)]  # fmt: skip
        text = ", ".join(f"{n} {'-' if a is None else f'{a:.3f}'}" for n, a in alphas)
        rows.append(("Krippendorff's alpha", f"{text} ({agreed.recordings} recordings rated by "
                                             f"2+ of {agreed.raters} raters)"))  # fmt: skip
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        _say(f"{key:<{width}}  {value}")
    if unpaired:
        _say()
        _say(f"Unpaired recordings ({len(unpaired)}):")
        for key, has in unpaired:
            _say(f"  {key}: {has} only")
    if rejects:
        _say()
        _say(f"Rejected by the last import ({len(rejects)}):")
        for r in rejects:
            _say(f"  {r['path']}: {r['reason']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from emolab.project.demo import build_demo_project, default_demo_dir, demo_project_ready

    folder = args.out if args.out is not None else default_demo_dir()
    # An explicit --out is rebuilt on request; the per-user demo is reused when complete.
    reuse = args.out is None and not args.rebuild
    if reuse and demo_project_ready(folder):
        _say(f"Demo project (SYNTHETIC data, reused): {folder / 'demo.emolab'}")
        return 0
    job = build_demo_project(folder, args.participants, args.seed, reuse=False)
    path = _progress_runner("Generating synthetic demo", args.quiet)(job)
    _say(f"Demo project (SYNTHETIC data): {path}")
    _say(f"Corpus: {folder / 'corpus'}")
    return 0


def _extract(project, args) -> None:
    from emolab.project.features import extract_features

    report = _progress_runner("Extracting features", args.quiet)(
        extract_features(project, jobs=args.jobs)
    )
    for path, reason in report.failed:
        _say(f"  not extracted: {path}: {reason}", file=sys.stderr)
    return report


def _cmd_extract(args: argparse.Namespace) -> int:
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        report = _extract(project, args)
    _say(f"Features computed: {report.computed}, already cached: {report.cached}, "
          f"failed: {len(report.failed)}")  # fmt: skip
    return 1 if report.failed else 0


def _table(results: list[dict]) -> list[str]:
    head = (
        f"{'fusion':<26} {'model':<7} {'accuracy':>8} {'UAR':>6} {'macro-F1':>8} {'ECE':>6} "
        f"{'n':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r['fusion']:<26} {r['model']:<7} {r['accuracy']:>8.3f} {r['uar']:>6.3f} "
            f"{r['macro_f1']:>8.3f} {r['ece']:>6.3f} {r['n_recordings']:>5}"
        )
    return lines


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from emolab.models.evaluation import evaluate, evaluate_baseline
    from emolab.project.features import feature_table
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        _extract(project, args)
        data = feature_table(project)
        synthetic = project.synthetic
    data = data.subset(data.has_audio | data.has_body)
    results = []
    for fusion in args.fusion:
        job = evaluate(data, fusion, args.model, args.split)
        results.append(_progress_runner(f"Evaluating {fusion}", args.quiet)(job).to_dict())
    grouped, optimistic = evaluate_baseline(data, args.split)
    out = {
        "synthetic": synthetic,
        "split": results[0]["split"] if results else grouped.split,
        "results": results,
        "baseline": grouped.to_dict(),
        "baseline_random_split": optimistic.to_dict(),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    if synthetic:
        _say("SYNTHETIC data: these figures show the pipeline works, not how well emotion is "
              "recognised in real people.")  # fmt: skip
    first = results[0] if results else grouped.to_dict()
    _say(f"Split: {out['split']} · {first['n_recordings']} recordings · "
          f"{first['n_participants']} participants · chance UAR {first['chance_uar']:.3f}, "
          f"chance accuracy {first['chance_accuracy']:.3f}")  # fmt: skip
    for line in _table([*results, grouped.to_dict()]):
        _say(line)
    o = optimistic
    _say(f"For reference only, OPTIMISTIC (random 67/33 split, same speakers on both sides): "
          f"baseline accuracy {o.accuracy:.3f}, UAR {o.uar:.3f}")  # fmt: skip
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from emolab.models.evaluation import evaluate
    from emolab.models.training import TrainedModel, fit, model_card
    from emolab.project.features import feature_table
    from emolab.project.models import add_model
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        _extract(project, args)
        data = feature_table(project)
        data = data.subset(data.has_audio | data.has_body)
        evaluation = None
        if not args.no_evaluate and len(set(data.participants)) >= 2:
            job = evaluate(data, args.fusion, args.model, "participant")
            evaluation = _progress_runner("Evaluating", args.quiet)(job)
        estimator = fit(data, args.fusion, args.model)
        card = model_card(data, args.fusion, args.model, estimator, evaluation,
                          project.synthetic, project.path.name)  # fmt: skip
        model_id = add_model(project, TrainedModel(estimator, card), activate=True)
    _say(f"Stored model {model_id} ({args.fusion}/{args.model}) and made it active.")
    if evaluation is not None:
        _say(f"Leave-one-participant-out: accuracy {evaluation.accuracy:.3f}, "
              f"UAR {evaluation.uar:.3f}, ECE {evaluation.ece:.3f}"
              + (" (SYNTHETIC data)" if card["training"]["synthetic"] else ""))  # fmt: skip
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from emolab.project.models import predict_missing
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        report = _progress_runner("Predicting", args.quiet)(predict_missing(project, args.jobs))
    _say(f"Suggestions added: {report.added}")
    for notice in report.notices:
        _say(f"emolab: warning: {notice}", file=sys.stderr)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from emolab.project.models import activate_model, models
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        if args.activate is not None:
            activate_model(project, args.activate)
        for m in models(project):
            if m.problem:
                _say(f"! {m.id:>3}  {m.name:<28} BROKEN: {m.problem}")
                continue
            ev = m.card.get("evaluation") or {}
            score = f"UAR {ev['uar']:.3f}, ECE {ev['ece']:.3f}" if ev else "not evaluated"
            flag = "*" if m.active else " "
            synthetic = " SYNTHETIC" if m.card.get("training", {}).get("synthetic") else ""
            _say(f"{flag} {m.id:>3}  {m.name:<28} {score}{synthetic}  {m.created_at}")
    return 0


def _cmd_bundle_model(args: argparse.Namespace) -> int:
    """Rebuild resources/models/default.* from the default demo corpus (maintainers)."""
    import tempfile

    from emolab.models.evaluation import evaluate
    from emolab.models.persistence import model_to_bytes
    from emolab.models.training import fit, model_card
    from emolab.project.demo import build_demo_project
    from emolab.project.features import extract_features, feature_table
    from emolab.project.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        path = _progress_runner("Generating demo", args.quiet)(
            build_demo_project(tmp, participants=11, seed=0, reuse=False)
        )
        with Project.open(path) as project:
            _progress_runner("Extracting", args.quiet)(extract_features(project, jobs=args.jobs))
            data = feature_table(project)
    evaluation = _progress_runner("Evaluating", args.quiet)(evaluate(data, args.fusion, "logreg"))
    estimator = fit(data, args.fusion, "logreg")
    card = model_card(data, args.fusion, "logreg", estimator, evaluation, True,
                      "emolab demo --participants 11 --seed 0")  # fmt: skip
    card["created"] = "reproducible: emolab bundle-model"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "default.skops").write_bytes(model_to_bytes(estimator))
    (args.out / "default.card.json").write_text(json.dumps(card, indent=2) + "\n")
    _say(f"Wrote {args.out / 'default.skops'}: {args.fusion}, UAR {evaluation.uar:.3f}, "
          f"ECE {evaluation.ece:.3f} (SYNTHETIC)")  # fmt: skip
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from emolab.benchmarks import main

    return main(args.participants, args.jobs, args.json, gui=not args.no_gui)


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

    from emolab.models.modes import FUSION_MODES, MODEL_KINDS

    def jobs(p):
        p.add_argument("--jobs", type=int, default=1, help="parallel extraction processes")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("extract", help="compute and cache the features of every media file")
    p.add_argument("project", type=Path)
    jobs(p)
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("evaluate", help="evaluate fusion modes, participants held out")
    p.add_argument("project", type=Path)
    p.add_argument("--fusion", nargs="+", choices=FUSION_MODES, default=list(FUSION_MODES))
    p.add_argument("--model", choices=MODEL_KINDS, default="logreg")
    p.add_argument(
        "--split",
        choices=("participant", "collection"),
        default="participant",
        help="hold out participants, or whole collection types (language groups)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    jobs(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("train", help="train a model on the project and make it active")
    p.add_argument("project", type=Path)
    p.add_argument("--fusion", choices=FUSION_MODES, required=True)
    p.add_argument("--model", choices=MODEL_KINDS, default="logreg")
    p.add_argument("--no-evaluate", action="store_true", help="skip the model card's evaluation")
    jobs(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("predict", help="store suggestions from the active model")
    p.add_argument("project", type=Path)
    jobs(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("models", help="list the project's models (or activate one)")
    p.add_argument("project", type=Path)
    p.add_argument("--activate", type=int, metavar="ID", help="make model ID the active one")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("bundle-model", help="rebuild the bundled default model (maintainers)")
    p.add_argument("--out", type=Path, default=Path("resources/models"))
    p.add_argument("--fusion", choices=FUSION_MODES, default="temporal")
    jobs(p)
    p.set_defaults(func=_cmd_bundle_model)

    p = sub.add_parser("bench", help="measure speed and memory (figures with units)")
    p.add_argument("--participants", type=int, default=11, help="corpus size (default 11)")
    p.add_argument("--jobs", type=int, default=2, help="extraction processes (default 2)")
    p.add_argument("--no-gui", action="store_true", help="skip the GUI figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", type=Path, nargs="?", help="project to open")
    p.set_defaults(func=None)
    return parser


def run(argv: Sequence[str], launch_gui: Callable[[Path | None], int] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit status.

    The GUI lives above this layer, so the caller hands in how to start it.
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
            return int(launch_gui(getattr(args, "project", None)) or 0)
        return int(func(args) or 0)
    except Cancelled:
        _say("emolab: cancelled; nothing was changed", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        _say("emolab: interrupted; nothing was changed", file=sys.stderr)
        return 130
    except EmolabError as exc:
        _say(f"emolab: error: {exc}", file=sys.stderr)
        return 2
