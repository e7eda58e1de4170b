"""What the two CSV layouts of body movement share: the text, the leading ``# key=value``
settings lines and the header row (:mod:`emolab.io.motion_csv` reads joint positions,
:mod:`emolab.io.imu_csv` per-joint accelerometers; the header says which)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolab.core.errors import CorruptFile, EmptyFile


@dataclass(frozen=True)
class CsvPreamble:
    """A CSV file's lines, its settings and its header row."""

    lines: list[str]
    settings: dict[str, str]  # lower-case keys
    header: list[str]  # cells, stripped
    header_index: int  # 0-based index of the header in ``lines``

    @property
    def header_line(self) -> int:
        """1-based line number of the header."""
        return self.header_index + 1


def parse_settings(comment_lines: list[str]) -> dict[str, str]:
    """``key=value`` words of ``#`` lines (keys lower-cased; later lines win)."""
    settings: dict[str, str] = {}
    for line in comment_lines:
        for word in line.lstrip("#").split():
            key, sep, value = word.partition("=")
            if sep:
                settings[key.strip().lower()] = value.strip()
    return settings


def read_preamble(path: Path) -> CsvPreamble:
    """The lines of a UTF-8 CSV, the settings of its leading ``#`` lines and its header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFile(f"is not a UTF-8 text file ({exc.reason})", path) from exc
    lines = text.splitlines()
    comments, first = [], 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        comments.append(lines[first])
        first += 1
    if first >= len(lines):
        raise EmptyFile("has no header row", path)
    try:
        header = [h.strip() for h in next(csv.reader(lines[first : first + 1]))]
    except csv.Error as exc:
        raise CorruptFile(f"is not valid CSV ({exc})", path) from exc
    return CsvPreamble(lines, parse_settings(comments), header, first)


def rows_with_lines(lines: list[str], start: int, path: Path) -> list[tuple[int, list[str]]]:
    """(1-based line number, cells) of every non-blank data line from ``start``."""
    try:
        rows = list(csv.reader(lines[start:]))
    except csv.Error as exc:
        raise CorruptFile(f"is not valid CSV ({exc})", path) from exc
    return [(i, r) for i, r in enumerate(rows, start=start + 1) if any(c.strip() for c in r)]


def line_of(lines: list[str], header_index: int, row: int) -> int:
    """1-based line number of data row ``row`` (blank lines skipped)."""
    seen = -1
    for number, line in enumerate(lines[header_index + 1 :], start=header_index + 2):
        if line.strip():
            seen += 1
            if seen == row:
                return number
    return len(lines)


def positive_number(text: str) -> float | None:
    """``text`` as a finite number above zero, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) and value > 0 else None


def number_cells(rows: list[tuple[int, list[str]]], header: list[str], path: Path,
                 columns: list[int] | None = None) -> np.ndarray:  # fmt: skip
    """Cell by cell, the numbers in ``columns`` (all by default) of ``rows`` (line number,
    cells): empty or 'nan' cells are missing; a row of the wrong length or a cell that is
    not a number is an error naming the line and the column."""
    columns = list(range(len(header))) if columns is None else columns
    values = np.empty((len(rows), len(columns)), dtype=np.float64)
    for k, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise CorruptFile(
                f"row has {len(row)} values; the header has {len(header)} columns", path, line
            )
        for c, column in enumerate(columns):
            cell = row[column].strip()
            if cell == "" or cell.lower() == "nan":
                values[k, c] = np.nan
                continue
            try:
                values[k, c] = float(cell)
            except ValueError:
                raise CorruptFile(
                    f"value '{cell}' in column '{header[column]}' is not a number", path, line
                ) from None
    return values
