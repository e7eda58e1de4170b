"""``emolab form``: show a project's rating form, or give it another one (a bundled form
by name or a label-scheme JSON file); ``emolab import --form`` chooses it at creation."""

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


def _cmd_form(args: argparse.Namespace) -> int:
    from emolab.project.forms import RatingForm, set_project_form
    from emolab.project.store import Project

    new = RatingForm.load(args.set) if args.set else None  # a bad file: nothing is opened
    with Project.open(args.project) as project:
        if new is not None:
            set_project_form(project, new)
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
