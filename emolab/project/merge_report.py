"""What a merge reports and how it rewrites edit sources (see :mod:`emolab.project.merge`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emolab.core.errors import ProjectError

#: Edit-log field of the row a merge appends to TARGET's log.
MERGE_FIELD = "project_merge"
#: Put before a source that names one of SOURCE's ratings imports.
MERGED_PREFIX = "merged:"
#: Between a source and the name of the SOURCE model that made the edit.
MODEL_TAG = ";model="
#: Conflicts a report keeps as examples (all are counted).
CONFLICT_EXAMPLES = 10

_IMPORT_SOURCES = ("import:", "undo-import:")
_SCALES = ("intensity", "genuineness")

# why SOURCE edit-log rows were not merged (the report's keys)
NOT_A_RATING = "not about a rating (e.g. a ratings-import record)"
ONLY_IN_SOURCE = "about a recording only in the source"
DANGLING = "naming a rater or recording the source no longer has"


def canonical_source(stored: str) -> str:
    """An edit-log ``source`` as first written, without what a merge added to it."""
    return stored.split(MODEL_TAG, 1)[0].removeprefix(MERGED_PREFIX)


def _model_named(stored: str) -> str | None:
    _, tag, name = stored.partition(MODEL_TAG)
    return name if tag else None


def _stored_source(stored: str, model_name: str | None) -> str:
    source = canonical_source(stored)
    if source.startswith(_IMPORT_SOURCES):
        source = MERGED_PREFIX + source
    return source if model_name is None else f"{source}{MODEL_TAG}{model_name}"


@dataclass(frozen=True)
class Conflict:
    """One field both copies changed apart, ending at different values."""

    rater: str
    recording: str  # TARGET's recording key
    field: str
    target_value: str | None
    source_value: str | None
    kept: str | None  # the latest edit's value, now the rating's


@dataclass(frozen=True)
class MergeReport:
    source: Path
    target: Path
    matched: int  # recordings in both
    only_in_target: tuple[str, ...]  # recording keys
    only_in_source: tuple[str, ...]
    raters_added: tuple[str, ...]
    log_rows_added: int
    log_rows_skipped: dict[str, int] = field(default_factory=dict)  # reason → SOURCE rows
    ratings_changed: int = 0  # (rater, recording) ratings created or changed
    conflicts: int = 0
    conflict_examples: tuple[Conflict, ...] = ()
    merge_id: int | None = None  # TARGET's ``project_merge`` log row; None: nothing added
    #: keys of fields the added rows set that TARGET's rating form does not have (their
    #: values are kept in ``rating_values`` as given)
    fields_not_in_form: tuple[str, ...] = ()

    def summary_lines(self) -> list[str]:
        """The report as a few lines for a person (the CLI prints them)."""
        head = f"{self.source.name} → {self.target.name}: {self.matched} recordings matched"
        if self.log_rows_added:
            lines = [
                f"{head}; {self.log_rows_added} edit-log rows added; "
                f"{self.ratings_changed} ratings changed (merge {self.merge_id})."
            ]
        else:
            lines = [f"{head}; no new edits, nothing changed."]
        if self.raters_added:
            lines.append(f"Raters added: {_listed(self.raters_added)}")
        if self.fields_not_in_form:
            lines.append(
                f"Fields {self.target.name}'s rating form does not have, kept as given: "
                f"{_listed(self.fields_not_in_form)}"
            )
        if self.conflicts:
            lines.append(
                f"{self.conflicts} conflicting edits of the same rater resolved latest-wins "
                "(both kept in the log):"
            )
            lines += [
                f"  {c.field} of {c.recording} by {c.rater}: target {c.target_value!r}, "
                f"source {c.source_value!r} → {c.kept!r}"
                for c in self.conflict_examples
            ]
            if self.conflicts > len(self.conflict_examples):
                lines.append(f"  … and {self.conflicts - len(self.conflict_examples)} more")
        if self.only_in_target:
            lines.append(
                f"Only in {self.target.name} ({len(self.only_in_target)} recordings): "
                f"{_listed(self.only_in_target)}"
            )
        if self.only_in_source:
            lines.append(
                f"Only in {self.source.name}, not added ({len(self.only_in_source)} recordings): "
                f"{_listed(self.only_in_source)}"
            )
        for reason, rows in sorted(self.log_rows_skipped.items()):
            lines.append(f"Not merged: {rows} edit-log rows {reason}.")
        return lines


def _listed(names: Sequence[str], limit: int = 10) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


class MergeRefused(ProjectError):
    """SOURCE recordings that cannot be matched to TARGET's without a guess; nothing merged."""

    def __init__(self, path: Path, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__(
            f"{len(self.problems)} recordings cannot be matched by their media unambiguously; "
            "nothing was merged",
            path,
        )
