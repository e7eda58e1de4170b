"""Study design from the command line: ``emolab form`` shows a project's rating form or
gives it another one (a bundled form by name or a label-scheme JSON file; ``emolab import
--form`` chooses it at creation), ``emolab study`` shows or changes the study settings
(blind, order, condition, seed) and locks them with a researcher's passphrase."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.output import say, table

FORM_HELP = (
    "rating form: 'default' (RAVDESS-style), 'validity' (with an explicit validity "
    "judgement) or a label-scheme JSON file"
)


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser(
        "form", help="show or set the project's rating form (the fields raters fill in)"
    )
    p.add_argument("project", type=Path)
    p.add_argument("--set", metavar="FORM", help=FORM_HELP)
    p.add_argument("--json", action="store_true", help="print the form as JSON")
    p.set_defaults(func=_cmd_form)

    p = sub.add_parser("study", help="show or change the study settings (blind, order, "
                       "condition) and lock them with a passphrase")  # fmt: skip
    p.add_argument("project", type=Path)
    blind = p.add_mutually_exclusive_group()
    blind.add_argument("--blind", dest="blind", action="store_true", default=None,
                       help="hide file-name labels, suggestions and other raters")  # fmt: skip
    blind.add_argument("--no-blind", dest="blind", action="store_false")
    p.add_argument("--order", choices=("file", "random"))
    p.add_argument("--condition", choices=("both", "audio", "body", "balanced"))
    p.add_argument("--seed", type=int)
    lock = p.add_mutually_exclusive_group()
    lock.add_argument("--lock", action="store_true",
                      help="lock the settings with a new passphrase (asked, or "
                      f"${PASSPHRASE_ENV})")  # fmt: skip
    lock.add_argument("--unlock", action="store_true", help="remove the lock")
    p.add_argument("--json", action="store_true", help="print the settings as JSON")
    p.set_defaults(func=_cmd_study)


#: Environment variable a study passphrase may come from (scripts, CI) instead of a prompt.
PASSPHRASE_ENV = "EMOLAB_STUDY_PASSPHRASE"


def _passphrase(prompt: str) -> str:
    import getpass
    import os

    return os.environ.get(PASSPHRASE_ENV) or getpass.getpass(prompt)


def _cmd_study(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from emolab.project.store import Project
    from emolab.project.study import StudyLocked, load_study, save_study

    with Project.open(args.project) as project:
        study = load_study(project)
        changes = {k: getattr(args, k) for k in ("blind", "order", "condition", "seed")
                   if getattr(args, k) is not None}  # fmt: skip
        if changes or args.lock or args.unlock:
            opened = _passphrase("Study passphrase: ") if study.locked else ""
            if study.locked and not study.opens_with(opened):
                raise StudyLocked("has its study settings locked and that passphrase does not "
                                  "open them; nothing was changed", project.path)  # fmt: skip
            new = replace(study, **changes, unlocked_with=opened)
            if args.lock:
                new = replace(new.locked_with(_passphrase("New study passphrase: ")),
                              unlocked_with=opened)  # fmt: skip
            elif args.unlock:
                new = replace(new, lock="")
            save_study(project, new)
            study = load_study(project)
    if args.json:
        print(json.dumps({k: v for k, v in study.to_dict().items() if k != "lock"}
                         | {"locked": study.locked}))  # fmt: skip
        return 0
    say(
        f"Blind: {'yes' if study.blind else 'no'}; order: {study.order}; condition: "
        f"{study.condition}; seed: {study.seed}; {'locked' if study.locked else 'not locked'}"
    )
    return 0


def _cmd_form(args: argparse.Namespace) -> int:
    from emolab.project.forms import RatingForm, set_project_form
    from emolab.project.store import Project

    new = RatingForm.load(args.set) if args.set else None  # a bad file: nothing is opened
    with Project.open(args.project) as project:
        if new is not None:
            from emolab.project.study import load_study

            locked = load_study(project).locked
            set_project_form(project, new, _passphrase("Study passphrase: ") if locked else "")
        form = RatingForm.of(project)
    if args.json:
        print(json.dumps(form.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if new is not None:
        say(f"The project's rating form is now '{form.name}'.")
    say(f"{form.name}: {form.title}")
    say(form.describe_validity())
    rows = [(f.key, f.type, _values(f), _keys(f), "yes" if f.required else "",
             "yes" if f.segment else "") for f in form.fields]  # fmt: skip
    table(("field", "type", "values", "keys", "required", "segments"), rows)
    return 0


def _values(f) -> str:
    if f.type == "likert":
        anchors = "; ".join(f"{v} {t}" for v, t in f.anchors)
        return f"{f.low}–{f.high}" + (f" ({anchors})" if anchors else "")
    if f.type == "text":
        return "free text"
    shown = ", ".join(map(str, f.values[:8]))
    return shown + (" …" if len(f.values) > 8 else "")


def _keys(f) -> str:
    if f.type == "text":
        return f.shortcut
    n = min(len(f.values), 9)
    return f"{f.shortcut + '+' if f.shortcut else ''}1–{n}"
