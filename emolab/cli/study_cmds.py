"""``emolab agreement``: how much the raters of a study agree, a thin caller of
:func:`emolab.project.agreement.agreement_report`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.output import say

#: Characters of the longest validity bar.
BAR_WIDTH = 40


def add_commands(sub) -> None:
    """Register this module's subcommands."""
    p = sub.add_parser(
        "agreement",
        help="inter-rater agreement per field (Krippendorff's alpha, Fleiss' kappa, ICC) with "
        "bootstrap intervals, each rater's progress, and the validity distribution",
    )
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--resamples",
        type=int,
        metavar="N",
        # the project layer's DEFAULT_RESAMPLES (not imported here: --help loads no numpy)
        help="bootstrap resamples of the recordings, 100 or more (default 2000)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="bootstrap seed (default 0)")
    p.set_defaults(func=_cmd_agreement)


def _cmd_agreement(args: argparse.Namespace) -> int:
    from emolab.project.agreement import agreement_report
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        resamples = {} if args.resamples is None else {"resamples": args.resamples}
        report = agreement_report(project, seed=args.seed, **resamples)
    report.check()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    for line in report_lines(report):
        say(line)
    return 0


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as left-aligned columns two spaces apart, indented by two."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def _kind(field) -> str:
    """How a field is described in its heading: choice, yes/no or scale LOW–HIGH."""
    if field.kind == "scale":
        return f"scale {field.low or 1}–{field.high or 5}"
    return "yes/no" if getattr(field, "type", "choice") == "yesno" else "choice"


def _against_others(consensus) -> str:
    """One rater's figure for one field: share agreeing with the others' consensus, or
    mean absolute difference from the others' mean."""
    if consensus is None or not consensus.compared:
        return "-"
    if consensus.kind == "scale":
        return f"±{consensus.mean_abs_difference:.2f} over {consensus.compared}"
    return f"{consensus.share:.1%} of {consensus.compared}"


def report_lines(report) -> list[str]:
    """The report as text: a table per field, the raters (progress, then agreement with
    the others per field), the validity distribution."""
    active = [r.rater for r in report.raters if r.rated]
    lines = [
        f"Agreement of {len(active)} raters ({', '.join(active)}) on the project's "
        f"{report.recordings} recordings",
        f"{report.confidence:.0%} intervals: percentile bootstrap over recordings, "
        f"{report.resamples} resamples, seed {report.seed}",
    ]
    for field in report.fields:
        lines += ["", f"{field.field} ({_kind(field)}): {field.recordings} recordings rated by "
                      f"2+ of {field.raters} raters"]  # fmt: skip
        rows = [("statistic", "value", f"{report.confidence:.0%} interval", "recordings", "")]
        for e in field.estimates:
            interval = "-" if e.low is None else f"{e.low:.3f} – {e.high:.3f}"
            rows.append((e.label, _number(e.value), interval, str(e.recordings), e.note))
        lines += _table(rows)
    lines += ["", "Raters"]
    rows = [("rater", "rated", "complete", "accepted suggestions",
             "agrees with the others' consensus")]  # fmt: skip
    for r in report.raters:
        share = f" ({r.rated / r.total:.0%})" if r.total else ""
        agrees = "-" if r.consensus_agreement is None else (
            f"{r.consensus_agreement:.1%} of {r.compared}")  # fmt: skip
        rows.append((r.rater, f"{r.rated}/{r.total}{share}", str(r.complete),
                     str(r.accepted_suggestions), agrees))  # fmt: skip
    lines += _table(rows)
    keys = [f.field for f in report.fields]
    if keys and any(r.per_field for r in report.raters):
        lines += ["", "Each rater against the others, per field (a choice: share agreeing with "
                      "the others' consensus; a scale: mean absolute difference from the "
                      "others' mean)"]  # fmt: skip
        rows = [("rater", *keys)]
        for r in report.raters:
            if r.rated:
                rows.append((r.rater, *(_against_others(r.field(k)) for k in keys)))
        lines += _table(rows)
    v = report.validity
    basis = getattr(v, "basis", "emotion")
    said = ("share of raters choosing the intended emotion" if basis == "emotion"
            else f"share answering yes to '{basis}'; unsure left out")  # fmt: skip
    lines += ["", f"Validity ({said}): {v.recordings} recordings, mean {_number(v.mean)}, "
                  f"median {_number(v.median)}"]  # fmt: skip
    most = max(v.counts, default=0)
    for low, high, count in zip(v.edges, v.edges[1:], v.counts, strict=False):
        bar = "█" * round(BAR_WIDTH * count / most) if most else ""
        closing = "]" if high == v.edges[-1] else ")"
        lines.append(f"  [{low:.1f}, {high:.1f}{closing}  {count:>5}  {bar}".rstrip())
    return lines
