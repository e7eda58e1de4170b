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

METRIC_NAMES = (("uar", "UAR"), ("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("ece", "ECE"))


def add_label_options(p: argparse.ArgumentParser) -> None:
    """--labels, --min-raters, --min-agreement: where training labels come from."""
    p.add_argument("--labels", default="intended", metavar="SOURCE",
                   help="intended (file names), consensus (human raters agreeing) or "
                   "rater:NAME (default intended)")  # fmt: skip
    p.add_argument("--min-raters", type=int, default=2, metavar="N",
                   help="consensus: human raters a recording needs (default 2)")  # fmt: skip
    p.add_argument(
        "--min-agreement",
        type=float,
        default=0.5,
        metavar="F",
        help="consensus: share of them choosing the label, 0-1 (default 0.5)",
    )


def label_source(args: argparse.Namespace):
    """The :class:`~emolab.project.training.LabelSource` the options name."""
    from emolab.project.training import LabelSource

    return LabelSource.parse(args.labels, args.min_raters, args.min_agreement)


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    from emolab.models.modes import AUDIO_SETS, DEFAULT_AUDIO_SET, FUSION_MODES, KIND_CHOICES

    kind_help = (
        "classifier: 'default' (SVM for audio, random forest for body), 'auto' "
        "(chosen per modality by nested leave-one-participant-out) or one kind"
    )
    features_help = (
        "audio features: the seed's 28, or those plus the extended eGeMAPS-style functionals"
    )

    p = sub.add_parser("evaluate", help="evaluate fusion modes, participants held out")
    p.add_argument("project", type=Path)
    p.add_argument("--fusion", nargs="+", choices=FUSION_MODES, default=list(FUSION_MODES))
    p.add_argument("--model", choices=KIND_CHOICES, default="default", help=kind_help)
    p.add_argument("--features", choices=AUDIO_SETS, default=DEFAULT_AUDIO_SET,
                   help=features_help)  # fmt: skip
    p.add_argument(
        "--split",
        choices=("participant", "collection"),
        default="participant",
        help="hold out participants, or whole collection types (language groups)",
    )
    add_label_options(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    add_job_options(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("train", help="train a model on the project and make it active")
    p.add_argument("project", type=Path)
    add_label_options(p)
    p.add_argument("--fusion", choices=FUSION_MODES, default="early")
    p.add_argument("--classifier", "--model", dest="classifier", choices=KIND_CHOICES,
                   default="default", help=kind_help)  # fmt: skip
    p.add_argument("--features", choices=AUDIO_SETS, default=DEFAULT_AUDIO_SET,
                   help=features_help)  # fmt: skip
    p.add_argument("--no-evaluate", action="store_true", help="skip the model card's evaluation")
    add_job_options(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("predict", help="store suggestions from the active model")
    p.add_argument("project", type=Path)
    add_job_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("models", help="list the project's model versions (activate, roll "
                       "back, delete)")  # fmt: skip
    p.add_argument("project", type=Path)
    change = p.add_mutually_exclusive_group()
    change.add_argument("--activate", type=int, metavar="ID", help="make model ID the active one")
    change.add_argument("--roll-back", action="store_true",
                        help="re-activate the version active before the current one")  # fmt: skip
    change.add_argument(
        "--delete",
        type=int,
        metavar="ID",
        help="delete version ID (neither the active one nor the bundled one)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("bundle-model", help="rebuild the bundled default model (maintainers)")
    p.add_argument("--out", type=Path, default=Path("resources/models"))
    p.add_argument("--fusion", choices=FUSION_MODES, default="temporal")
    add_job_options(p)
    p.set_defaults(func=_cmd_bundle_model)


def _ece_text(r: dict) -> str:
    """ECE as printed: none from 3 or fewer participants (too few to estimate it)."""
    return "unrel." if r.get("reliable") is False else f"{r['ece']:.3f}"


def _table(results: list[dict]) -> list[str]:
    head = (
        f"{'fusion':<26} {'model':<7} {'features':<8} {'accuracy':>8} {'UAR':>6} "
        f"{'macro-F1':>8} {'ECE':>6} {'n':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r['fusion']:<26} {r['model']:<7} {r.get('features') or '-':<8} "
            f"{r['accuracy']:>8.3f} {r['uar']:>6.3f} {r['macro_f1']:>8.3f} {_ece_text(r):>6} "
            f"{r['n_recordings']:>5}"
        )
    return lines


def interval_text(evaluation: dict, key: str) -> str:
    """A figure's 95 % interval over participants as printed, or why there is none."""
    if evaluation.get("reliable") is False:
        return f"unreliable: {evaluation.get('n_participants')} participants"
    interval = (evaluation.get("intervals") or {}).get(key)
    return "no interval" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _intervals_line(evaluation: dict) -> str:
    if evaluation.get("reliable") is False:
        return interval_text(evaluation, "uar")
    return " · ".join(f"{name} {interval_text(evaluation, key)}" for key, name in METRIC_NAMES)


def _figures(evaluation: dict) -> str:
    """Every figure with its interval, on one line."""
    if evaluation.get("reliable") is False:  # no calibration error from so few people
        figures = ", ".join(f"{name} {evaluation[key]:.3f}" for key, name in METRIC_NAMES
                            if key != "ece")  # fmt: skip
        return f"{figures}, ECE not estimated ({interval_text(evaluation, 'uar')})"
    return ", ".join(f"{name} {evaluation[key]:.3f} {interval_text(evaluation, key)}"
                     for key, name in METRIC_NAMES)  # fmt: skip


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from emolab.project.store import Project
    from emolab.project.training import evaluate_project

    with Project.open(args.project) as project:
        job = evaluate_project(project, args.fusion, args.model, args.split, label_source(args),
                               jobs=args.jobs, audio_set=args.features)  # fmt: skip
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
    say(f"Split: {out['split']} · labels: {out['labels']} · {first['n_recordings']} recordings · "
        f"{first['n_participants']} participants · chance UAR {first['chance_uar']:.3f}, "
        f"chance accuracy {first['chance_accuracy']:.3f}")  # fmt: skip
    for line in _table(rows):
        say(line)
    say("95 % intervals over participants (bootstrap):")
    for row in rows:
        say(f"  {row['fusion']:<26} {_intervals_line(row)}")
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


def _label_lines(labels: dict, participants: int) -> list[str]:
    """The label source of a model card, its counts and what it left out."""
    source = labels["source"]
    if labels.get("min_raters") is not None:
        source += (f" (at least {labels['min_raters']} human raters, "
                   f"{labels['min_agreement']:.0%} agreeing)")  # fmt: skip
    lines = [f"Labels from {source}: {labels['recordings']} recordings, {participants} "
             "participants"]  # fmt: skip
    per_class = labels.get("per_class") or {}
    lines.append("  per class: " + ", ".join(f"{k} {v}" for k, v in per_class.items()))
    excluded = labels.get("excluded") or {}
    lines.append("  excluded: " + (", ".join(f"{v} {k}" for k, v in excluded.items()) or "none"))
    return lines


def _cmd_train(args: argparse.Namespace) -> int:
    from emolab.project.store import Project
    from emolab.project.training import TrainingPlan, train

    plan = TrainingPlan(args.fusion, args.classifier, label_source(args),
                        evaluate_first=not args.no_evaluate,
                        audio_set=args.features)  # fmt: skip
    with Project.open(args.project) as project:
        job = train(project, plan, jobs=args.jobs)
        report = progress_runner("Training", args.quiet)(job)
    print_extract_failures(report.extraction)
    card = report.model.card
    for line in _label_lines(card["labels"], len(card["training"]["participants"])):
        say(line)
    kinds = "+".join(card["estimators"].values())  # late fusion: audio+body
    say(f"Stored model {report.model_id} ({args.fusion}/{kinds}) and made it active.")
    if card.get("selection"):
        for part, scores in card["selection"]["scores"].items():
            tried = ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if v is not None)
            say(f"  auto chose {card['selection']['chosen'][part]} for {part} ({tried}; "
                f"{card['selection']['method']})")  # fmt: skip
    evaluation = report.model.evaluation
    if evaluation is not None:
        synthetic = " (SYNTHETIC data)" if card["training"]["synthetic"] else ""
        say(f"Leave-one-participant-out{synthetic}: {_figures(evaluation.to_dict())}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from emolab.project.models import predict_missing
    from emolab.project.store import Project
    from emolab.project.training import retraining_offer

    with Project.open(args.project) as project:
        report = progress_runner("Predicting", args.quiet)(predict_missing(project, args.jobs))
        offer = retraining_offer(project)
    say(f"Suggestions added: {report.added}")
    for notice in report.notices:
        say(f"emolab: warning: {notice}", file=sys.stderr)
    if offer:
        say(offer)
    return 0


def _kilobytes(size: int) -> str:
    return f"{size / 1024:.0f} kB" if size >= 1024 else f"{size} B"


def _version_line(v: dict) -> str:
    """One model version as a row of the ``emolab models`` table."""
    flag = "*" if v["active"] else " "
    head = f"{flag} {v['id']:>3}  {v['name']:<26.26} {v['created'][:10]:<10}"
    if v["problem"]:
        return f"{head}  BROKEN: {v['problem']}"
    labels = v["labels"]["source"]
    kind = f"{v['fusion']}/{v['classifier']}"
    m = v["metrics"]
    if m is None:
        score = "not evaluated"
    else:
        has_interval = m.get("intervals") or m.get("reliable") is False  # none on a v1 card
        interval = f" {interval_text(m, 'uar')}" if has_interval else ""
        if m.get("reliable") is False:
            interval = f" ({interval.strip()})"
        score = f"UAR {m['uar']:.3f}{interval}, ECE {m['ece']:.3f}"
    synthetic = " SYNTHETIC" if v["synthetic"] else ""
    return (f"{head}  {labels:<14.40} {kind:<17} {_kilobytes(v['size_bytes']):>7}  "
            f"{score}{synthetic}")  # fmt: skip


def _cmd_models(args: argparse.Namespace) -> int:
    from emolab.project.models import activate_model, delete_model, models
    from emolab.project.store import Project
    from emolab.project.training import roll_back

    with Project.open(args.project) as project:
        if args.activate is not None:
            activate_model(project, args.activate)
        elif args.roll_back:
            model_id = roll_back(project)
            if not args.json:
                say(f"Model {model_id} is active again.")
        elif args.delete is not None:
            delete_model(project, args.delete)
            if not args.json:
                say(f"Deleted model {args.delete}.")
        versions = [m.summary() for m in models(project)]
    if args.json:
        print(json.dumps(versions, indent=2))
        return 0
    if not versions:
        say("No model versions yet: suggestions come from the bundled default model.")
        return 0
    say(f"  {'id':>3}  {'name':<26} {'created':<10}  {'labels':<14} {'fusion/classifier':<17} "
        f"{'size':>7}  UAR [95 % interval], ECE")  # fmt: skip
    for version in versions:
        say(_version_line(version))
    return 0


BUNDLED_TRAINING_DATA = (
    "SYNTHETIC: emolab's demo corpus (emolab demo --participants 11 --seed 0), 660 "
    "recordings of 11 generated speakers and skeletons, 8 emotions; no real person's voice "
    "or movement."
)
BUNDLED_REAL_DATA = (
    "Expect near-chance suggestions on real recordings until a model is trained on the "
    "project's own ratings. The model bundled before this one, applied unchanged to 1,440 "
    "real acted-speech clips (24 speakers, 8 emotions), reached UAR 0.169 (chance 0.125) "
    "with a mean shown confidence of 0.527. Real recordings are usually flagged as unlike "
    "the training data, and their probabilities are then shown as not calibrated. Trained "
    "on a project's own real recordings the defaults were chosen from real-data figures: "
    "an RBF SVM on the seed's 28 + 88 eGeMAPS functionals (openSMILE's) reached 0.663 UAR "
    "speaker-independent on acted speech, a random forest 0.680 on motion capture across "
    "unseen actions; emolab's own functionals have not been measured on real emotional "
    "speech in this repository (README: Recognition on real recordings)."
)


def _cmd_bundle_model(args: argparse.Namespace) -> int:
    """Rebuild resources/models/default.* from the default demo corpus (maintainers)."""
    from emolab.models.persistence import model_to_bytes
    from emolab.project.training import TrainingPlan, train_on_demo

    job = train_on_demo(TrainingPlan(args.fusion), participants=11, seed=0, jobs=args.jobs)
    trained = progress_runner("Training on the demo corpus", args.quiet)(job)
    card = {
        **trained.card, "created": "reproducible: emolab bundle-model",
        "training_data": BUNDLED_TRAINING_DATA, "expected_real_data": BUNDLED_REAL_DATA,
    }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "default.skops").write_bytes(model_to_bytes(trained.estimator))
    (args.out / "default.card.json").write_text(json.dumps(card, indent=2) + "\n")
    evaluation = trained.evaluation
    say(f"Wrote {args.out / 'default.skops'}: {args.fusion}, UAR {evaluation.uar:.3f}, "
        f"ECE {evaluation.ece:.3f} (SYNTHETIC)")  # fmt: skip
    return 0
