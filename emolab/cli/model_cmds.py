"""``emolab evaluate``, ``train``, ``predict``, ``models`` and ``bundle-model``: thin callers
of :mod:`emolab.project.training` and :mod:`emolab.project.models`, which hold the
workflows; this module parses options and prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from emolab.cli.output import progress_runner, say
from emolab.cli.project_cmds import add_job_options, print_extract_failures


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    from emolab.models.modes import FUSION_MODES, MODEL_KINDS

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
    add_job_options(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("train", help="train a model on the project and make it active")
    p.add_argument("project", type=Path)
    p.add_argument("--fusion", choices=FUSION_MODES, required=True)
    p.add_argument("--model", choices=MODEL_KINDS, default="logreg")
    p.add_argument("--no-evaluate", action="store_true", help="skip the model card's evaluation")
    add_job_options(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("predict", help="store suggestions from the active model")
    p.add_argument("project", type=Path)
    add_job_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("models", help="list the project's models (or activate one)")
    p.add_argument("project", type=Path)
    p.add_argument("--activate", type=int, metavar="ID", help="make model ID the active one")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("bundle-model", help="rebuild the bundled default model (maintainers)")
    p.add_argument("--out", type=Path, default=Path("resources/models"))
    p.add_argument("--fusion", choices=FUSION_MODES, default="temporal")
    add_job_options(p)
    p.set_defaults(func=_cmd_bundle_model)


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
    from emolab.project.store import Project
    from emolab.project.training import evaluate_project

    with Project.open(args.project) as project:
        job = evaluate_project(project, args.fusion, args.model, args.split, jobs=args.jobs)
        report = progress_runner("Evaluating", args.quiet)(job)
    print_extract_failures(report.extraction)
    out = report.to_dict()
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    if report.synthetic:
        say("SYNTHETIC data: these figures show the pipeline works, not how well emotion is "
            "recognised in real people.")  # fmt: skip
    rows = out["results"] + ([out["baseline"]] if report.baseline is not None else [])
    first = rows[0]
    say(f"Split: {out['split']} · {first['n_recordings']} recordings · "
        f"{first['n_participants']} participants · chance UAR {first['chance_uar']:.3f}, "
        f"chance accuracy {first['chance_accuracy']:.3f}")  # fmt: skip
    for line in _table(rows):
        say(line)
    for fusion, why in report.skipped:
        say(f"Not evaluated: {fusion}: {why}")
    o = report.baseline_random_split
    if o is None:
        say(f"Baseline not run: {report.baseline_skipped}")
        return 0
    say(f"For reference only, OPTIMISTIC (random 67/33 split, same speakers on both sides): "
        f"baseline accuracy {o.accuracy:.3f}, UAR {o.uar:.3f}")  # fmt: skip
    say(f"The baseline departs from the seed's recipe ({report.baseline_recipe}):")
    for difference in report.baseline_differences:
        say(f"  - {difference}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from emolab.project.store import Project
    from emolab.project.training import TrainingPlan, train

    plan = TrainingPlan(args.fusion, args.model, evaluate_first=not args.no_evaluate)
    with Project.open(args.project) as project:
        job = train(project, plan, jobs=args.jobs)
        report = progress_runner("Training", args.quiet)(job)
    print_extract_failures(report.extraction)
    say(f"Stored model {report.model_id} ({args.fusion}/{args.model}) and made it active.")
    evaluation = report.model.evaluation
    if evaluation is not None:
        synthetic = report.model.card["training"]["synthetic"]
        say(f"Leave-one-participant-out: accuracy {evaluation.accuracy:.3f}, "
            f"UAR {evaluation.uar:.3f}, ECE {evaluation.ece:.3f}"
            + (" (SYNTHETIC data)" if synthetic else ""))  # fmt: skip
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from emolab.project.models import predict_missing
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        report = progress_runner("Predicting", args.quiet)(predict_missing(project, args.jobs))
    say(f"Suggestions added: {report.added}")
    for notice in report.notices:
        say(f"emolab: warning: {notice}", file=sys.stderr)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from emolab.project.models import activate_model, models
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        if args.activate is not None:
            activate_model(project, args.activate)
        for m in models(project):
            if m.problem:
                say(f"! {m.id:>3}  {m.name:<28} BROKEN: {m.problem}")
                continue
            ev = m.card.get("evaluation") or {}
            score = f"UAR {ev['uar']:.3f}, ECE {ev['ece']:.3f}" if ev else "not evaluated"
            flag = "*" if m.active else " "
            synthetic = " SYNTHETIC" if m.card.get("training", {}).get("synthetic") else ""
            say(f"{flag} {m.id:>3}  {m.name:<28} {score}{synthetic}  {m.created_at}")
    return 0


def _cmd_bundle_model(args: argparse.Namespace) -> int:
    """Rebuild resources/models/default.* from the default demo corpus (maintainers)."""
    from emolab.models.persistence import model_to_bytes
    from emolab.project.training import TrainingPlan, train_on_demo

    job = train_on_demo(TrainingPlan(args.fusion), participants=11, seed=0, jobs=args.jobs)
    trained = progress_runner("Training on the demo corpus", args.quiet)(job)
    card = {**trained.card, "created": "reproducible: emolab bundle-model"}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "default.skops").write_bytes(model_to_bytes(trained.estimator))
    (args.out / "default.card.json").write_text(json.dumps(card, indent=2) + "\n")
    evaluation = trained.evaluation
    say(f"Wrote {args.out / 'default.skops'}: {args.fusion}, UAR {evaluation.uar:.3f}, "
        f"ECE {evaluation.ece:.3f} (SYNTHETIC)")  # fmt: skip
    return 0
