"""``emolab offsets``: estimate recordings' audio↔motion offsets from their files, list
them and, with ``--apply``, store the confident ones; ``emolab import --estimate-offsets``
does the same for the recordings of the imported folder. Thin callers of
:mod:`emolab.project.offsets`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emolab.cli.output import progress_runner, say

#: The project layer's APPLY_MIN_CONFIDENCE and the features' DEFAULT_MAX_LAG_S (not
#: imported here: ``emolab --help`` loads no numpy); a test keeps them equal.
APPLY_MIN_CONFIDENCE = 0.6
DEFAULT_MAX_LAG_S = 2.5


def add_offset_options(p: argparse.ArgumentParser) -> None:
    """``--min-confidence`` and ``--max-lag``, shared by ``offsets`` and ``import``."""
    p.add_argument("--min-confidence", type=float, default=APPLY_MIN_CONFIDENCE, metavar="X",
                   help="least confidence (0–1) of an estimate that is applied (default "
                   f"{APPLY_MIN_CONFIDENCE:g})")  # fmt: skip
    p.add_argument(
        "--max-lag",
        type=float,
        default=DEFAULT_MAX_LAG_S,
        metavar="S",
        help=f"largest offset searched either way, s (default {DEFAULT_MAX_LAG_S:g})",
    )


def add_commands(sub) -> None:
    """Register this module's subcommand."""
    p = sub.add_parser(
        "offsets",
        help="estimate each recording's audio↔motion offset (speech and movement energy, a "
        "clap) with its confidence; --apply stores the confident ones",
    )
    p.add_argument("project", type=Path)
    p.add_argument("--folder", type=Path, help="only the recordings with a file below FOLDER")
    p.add_argument("--apply", action="store_true",
                   help="store estimates at or above --min-confidence as the recordings' "
                   "offsets (only where the offset is still 0, unless --replace)")  # fmt: skip
    p.add_argument(
        "--replace",
        action="store_true",
        help="with --apply: also replace offsets that were set before",
    )
    add_offset_options(p)
    p.add_argument("--json", action="store_true", help="print the estimates as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_offsets)


def _cmd_offsets(args: argparse.Namespace) -> int:
    from emolab.project.store import Project

    with Project.open(args.project) as project:
        rows, applied = estimate_and_apply(project, args.folder, args, args.apply, args.replace)
    if args.json:
        print(json.dumps(offsets_json(rows, applied, args), indent=2))
    else:
        for line in offset_lines(rows, applied, args.min_confidence, args.apply):
            say(line)
    return 0


def estimate_and_apply(project, folder: Path | None, args: argparse.Namespace, apply: bool,
                       replace: bool = False):  # fmt: skip
    """(rows, ids of the recordings whose offset was stored)."""
    from emolab.core.errors import EmolabError
    from emolab.project.offsets import apply_offsets, estimate_offsets, paired_recordings

    if not 0 <= args.min_confidence <= 1:
        raise EmolabError("--min-confidence must be between 0 and 1")
    if not 0 < args.max_lag <= 60:
        raise EmolabError("--max-lag must be more than 0 and at most 60 s")
    ids = paired_recordings(project, folder)
    job = estimate_offsets(project, ids, max_lag=args.max_lag)
    rows = progress_runner("Estimating offsets", args.quiet)(job)
    applied = set()
    if apply:
        chosen = apply_offsets(project, rows, args.min_confidence, replace)
        applied = {row.recording_id for row in chosen}
    return rows, applied


def offsets_json(rows, applied: set[int], args: argparse.Namespace) -> dict:
    recordings = [{**row.to_dict(), "applied": row.recording_id in applied} for row in rows]
    return {
        "sign": "motion time = audio time + offset (s)",
        "min_confidence": args.min_confidence,
        "max_lag_s": args.max_lag,
        "recordings": recordings,
    }


def offset_lines(rows, applied: set[int], min_confidence: float, apply: bool) -> list[str]:
    """One line per recording, then a summary."""
    if not rows:
        return ["No recording has both an audio and a movement file."]
    width = max(len(row.key) for row in rows)
    lines = [f"Audio↔motion offsets (motion time = audio time + offset) of {len(rows)} "
             f"recording{'s' * (len(rows) != 1)}:"]  # fmt: skip
    for row in rows:
        e = row.estimate
        head = f"  {row.key.ljust(width)}  now {row.stored:+.3f} s  "
        if not e.usable:
            lines.append(f"{head}no estimate: {e.reason}")
            continue
        note = ""
        if row.recording_id in applied:
            note = "  applied"
        elif e.confidence < min_confidence:
            note = f"  (below {min_confidence:g})"
        elif apply:
            note = "  (kept: set before; --replace replaces it)"
        method = "clap" if e.method == "clap" else "energy"
        lines.append(f"{head}estimate {e.offset:+.3f} s  confidence {e.confidence:.2f} "
                     f"({method}){note}")  # fmt: skip
    usable = sum(row.estimate.usable for row in rows)
    confident = sum(row.estimate.usable and row.estimate.confidence >= min_confidence
                    for row in rows)  # fmt: skip
    summary = (f"{usable} of {len(rows)} estimated, {confident} with confidence ≥ "
               f"{min_confidence:g}")  # fmt: skip
    if apply:
        summary += f"; {len(applied)} applied"
    else:
        summary += "; nothing changed (--apply stores them)"
    return [*lines, summary]


def offsets_after_import(project_path: Path, folder: Path, args: argparse.Namespace):
    """``import --estimate-offsets``: estimate the folder's recordings and apply the
    confident ones to recordings whose offset was never set."""
    from emolab.project.store import Project

    with Project.open(project_path) as project:
        return estimate_and_apply(project, folder, args, apply=True)
