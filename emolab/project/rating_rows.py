"""Reading and checking a ratings CSV (see :mod:`emolab.project.rating_io`): the table
read whatever its encoding and delimiter, each row's recording found by key or file name,
each value checked against the label scheme, every problem reported with its row."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PureWindowsPath

from emolab.core.errors import CorruptFile, EmolabError, EmptyFile, ProjectError
from emolab.core.text import for_display
from emolab.io.naming import NamingScheme, load_scheme
from emolab.project.forms import RatingForm
from emolab.project.ratings import MAX_NOTE_CHARS
from emolab.project.store import MAX_NAME_CHARS, Project

COLUMNS = ("recording", "rater", "emotion", "intensity", "genuineness", "notes", "time", "source")
REQUIRED = COLUMNS[:5]
#: Rating fields a row may set, in the order they are written.
VALUE_FIELDS = ("emotion", "intensity", "genuineness", "notes")
#: First characters that make a spreadsheet treat a cell as a formula; export quotes them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would run ``text`` as a formula, or it is such a text
    already quoted (so quoting and unquoting round-trip every text)."""
    return (text[:1] in FORMULA_STARTS and text[:1] != "") or (
        text[:1] == "'" and looks_like_formula(text[1:])
    )


def unquote(text: str) -> str:
    """A cell as exported, without the apostrophe export put before a formula-like value."""
    return text[1:] if text[:1] == "'" and looks_like_formula(text[1:]) else text


class RatingsFileError(EmolabError):
    """A ratings CSV that cannot be read or written, or an import that cannot be undone."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class RowProblem:
    row: int  # spreadsheet row: the header is row 1
    column: str  # '' when the problem is the whole row
    value: str
    reason: str

    def __str__(self) -> str:
        shown = f" {for_display(self.value, 60)!r}" if self.value else ""
        where = f", {self.column}" if self.column else ""
        return f"row {self.row}{where}{shown}: {self.reason}"


class RatingsRejected(EmolabError):
    """Rows of a ratings CSV that cannot be imported; nothing was written."""

    def __init__(self, path: Path, problems: list[RowProblem], rows: int):
        self.problems = problems
        bad = len({p.row for p in problems})
        problem_count = _count(len(problems), "problem")
        super().__init__(
            f"{bad} of {rows} rows cannot be imported ({problem_count}); nothing was imported",
            path,
        )


#: The label scheme a ratings CSV is checked against: a project's rating form.
LabelScheme = RatingForm


@dataclass(frozen=True)
class RatingRow:
    """One checked row: the values it gives (fields left empty are absent)."""

    row: int
    recording_id: int
    rater: str
    values: dict[str, object]
    origin: str = "human"  # who chose the emotion: 'human' or 'model'
    at: str | None = None  # ISO UTC of the rating, if the file says


@dataclass
class RecordingIndex:
    """Finds a recording by key, key without hyphens, or media file name."""

    keys: dict[str, int]
    names: dict[str, set[int]] = field(default_factory=dict)  # media file name → recordings
    schemes: tuple[NamingScheme, ...] = ()
    digits: dict[str, set[int]] = field(init=False)  # key without hyphens → recordings

    def __post_init__(self) -> None:
        self.digits = {}
        for key, rid in self.keys.items():
            self.digits.setdefault(key.replace("-", ""), set()).add(rid)

    @classmethod
    def of(cls, project: Project) -> RecordingIndex:
        keys = {k: i for i, k in project.execute("SELECT id, key FROM recordings")}
        names: dict[str, set[int]] = {}
        for rid, path in project.execute("SELECT recording_id, path FROM media"):
            for name in {PureWindowsPath(path).name, PureWindowsPath(path).name.casefold()}:
                names.setdefault(name, set()).add(rid)
        schemes = []
        for (name,) in project.execute("SELECT DISTINCT scheme FROM recordings"):
            # a lab's scheme no longer installed: keys and media names still find recordings
            with suppress(EmolabError):
                schemes.append(load_scheme(name))
        return cls(keys, names, tuple(schemes))

    def find(self, text: str) -> tuple[int | None, str]:
        """(recording id, '') or (None, why not)."""
        text = text.strip()
        if not text:
            return None, "is empty; every row needs a recording key or media file name"
        if text in self.keys:
            return self.keys[text], ""
        name = PureWindowsPath(text).name
        found = (
            self.digits.get(text.replace("-", ""))
            or self.names.get(name)
            or self.names.get(name.casefold())
            or set()
        )
        for scheme in self.schemes if not found else ():
            with suppress(EmolabError):  # a name of a file the project does not hold
                key = str(scheme.parse(name).key)
                found = {self.keys[key]} if key in self.keys else found
        if len(found) == 1:
            return next(iter(found)), ""
        if found:
            return None, "matches more than one recording; give its key"
        return None, "no recording in the project has this key or media file name"


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower case) and (row number, cells) of each non-blank row of a CSV."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RatingsFileError(f"cannot be read: {exc.strerror or exc}", path) from exc
    try:  # UTF-8, or UTF-16 with its byte-order mark (Excel's "Unicode text")
        utf16 = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        text = data.decode("utf-16") if utf16 else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = None if utf16 else data[: exc.start].count(b"\n") + 1
        encoding = "UTF-16" if utf16 else "UTF-8"
        raise CorruptFile(
            f"is not {encoding} text (byte {exc.start}: {exc.reason}); save it as a UTF-8 CSV",
            path,
            line,
        ) from None
    first = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = next((d for d in ",;\t" if d in first), ",")
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                rows.append((number, cells))
    except csv.Error as exc:
        raise CorruptFile(f"is not valid CSV: {exc}", path, reader.line_num) from None
    if not rows:
        raise EmptyFile("is empty; a ratings CSV starts with a header row naming its columns", path)
    number, header = rows[0][0], [c.strip().lower() for c in rows[0][1]]
    named = [c for c in header if c]
    if len(set(named)) != len(named):
        raise CorruptFile(f"names a column twice: {', '.join(named)}", path, number)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CorruptFile(
            f"has no column {', '.join(missing)} (the header row of a ratings "
            f"CSV names {', '.join(REQUIRED)})",
            path,
            number,
        )
    return header, rows[1:]


def _whole_number(text: str, low: int, high: int) -> tuple[int | None, str]:
    if not re.fullmatch(r"[+-]?[0-9]{1,9}", text):
        return None, f"is not a whole number {low}–{high}"
    value = int(text)
    return (value, "") if low <= value <= high else (None, f"is outside {low}–{high}")


def _time(text: str) -> tuple[str | None, str]:
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # a time without a zone is taken as UTC
        return moment.astimezone(UTC).isoformat(timespec="milliseconds"), ""
    except (ValueError, OverflowError):
        return None, "is not an ISO 8601 date and time (e.g. 2024-05-01T09:30:00+00:00)"


def _check_row(
    number: int,
    cell: dict[str, str],
    index: RecordingIndex,
    labels: RatingForm,
) -> tuple[RatingRow | None, list[RowProblem]]:
    """One row's values (None when the row has a problem) and its problems."""
    found: list[RowProblem] = []
    recording_id, why = index.find(cell["recording"])
    if recording_id is None:
        found.append(RowProblem(number, "recording", cell["recording"], why))
    rater = unquote(cell["rater"].strip())
    if not rater:
        found.append(RowProblem(number, "rater", "", "is empty; every row needs the rater's name"))
    elif len(rater) > MAX_NAME_CHARS or not rater.isprintable():
        found.append(
            RowProblem(
                number, "rater", rater, f"must be at most {MAX_NAME_CHARS} printable characters"
            )
        )
    values: dict[str, object] = {}
    if emotion := cell["emotion"].strip():
        known = {e.casefold(): e for e in labels.emotions}
        if emotion.casefold() in known:
            values["emotion"] = known[emotion.casefold()]
        else:
            found.append(
                RowProblem(
                    number,
                    "emotion",
                    emotion,
                    f"is not a label of the scheme ({', '.join(labels.emotions)})",
                )
            )
    default = RatingForm.default()
    for scale in ("intensity", "genuineness"):
        spec = labels.field(scale) if labels.has(scale) else default.field(scale)
        if text := cell[scale].strip():
            values[scale], why = _whole_number(text, spec.low, spec.high)
            if why:
                found.append(RowProblem(number, scale, text, why))
    for extra in labels.extra:
        text = cell.get(extra.key, "")
        text = unquote(text) if extra.type == "text" else text.strip()
        if not text:
            continue
        try:
            values[extra.key] = extra.check(text)
        except ProjectError as exc:
            found.append(RowProblem(number, extra.key, text[:40], str(exc)))
    if len(notes := unquote(cell.get("notes", ""))) > MAX_NOTE_CHARS:
        found.append(
            RowProblem(
                number,
                "notes",
                "",
                f"has {len(notes):,} characters; at most {MAX_NOTE_CHARS:,} are kept",
            )
        )
    elif notes:
        values["notes"] = notes
    at = None
    if text := cell.get("time", "").strip():
        at, why = _time(text)
        if why:
            found.append(RowProblem(number, "time", text, why))
    origin = cell.get("source", "").strip().lower() or "human"
    if origin not in ("human", "model"):
        found.append(
            RowProblem(
                number, "source", origin, "must be 'human' or 'model' (who chose the emotion)"
            )
        )
    if recording_id is None or found:
        return None, found
    return RatingRow(number, recording_id, rater, values, origin, at), found


def check_rows(
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    index: RecordingIndex,
    labels: RatingForm,
) -> tuple[list[RatingRow], list[RowProblem]]:
    """Every row checked: the rows to import, and every problem found (in row order)."""
    good: list[RatingRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[int, str], int] = {}
    for number, cells in rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                RowProblem(
                    number,
                    "",
                    "",
                    f"has {len(cells)} cells; the header names {len(header)} columns",
                )
            )
            continue
        cell = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=False))
        row, found = _check_row(number, cell, index, labels)
        problems += found
        if row is None:
            continue
        first = seen.setdefault((row.recording_id, row.rater), number)
        if first != number:
            problems.append(
                RowProblem(
                    number,
                    "recording",
                    cell["recording"],
                    f"is rated by {row.rater!r} in row {first} too",
                )
            )
        else:
            good.append(row)
    return good, problems
