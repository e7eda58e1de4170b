"""The rows of the recording browser, and the Qt-free table the browser shows.

All rows are read in one query (pre-aggregated joins, no per-row subqueries: ~0.6 s for
100,000 recordings, so the window runs it in a worker). Sorting and filtering then work on
the rows in memory (:class:`RecordingTable`): a sort or a filter over 100,000 rows costs
tens of milliseconds, where re-running the query would cost the full 0.6 s each time; the
view formats only the rows it draws.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from emolab.core.progress import CancelToken, Progress
from emolab.project.store import Project


@dataclass(frozen=True, slots=True)
class BrowserRow:
    recording_id: int
    key: str
    participant: str
    emotion: str
    intensity: str
    statement: str
    repetition: str
    collection: str
    modalities: str  # 'audio + body', 'audio', 'body'
    status: str  # 'rated', 'partial', 'unrated' (for the current rater)
    my_emotion: str
    suggestion: str
    confidence: float | None
    validity: float | None  # share of all raters choosing the intended emotion
    raters: int  # raters who chose an emotion


_COLUMNS_SQL = """
SELECT r.id, r.key, p.code, COALESCE(r.emotion, ''), COALESCE(r.intensity, ''),
       COALESCE(r.statement, ''), COALESCE(r.repetition, ''), COALESCE(r.collection, ''),
       {modalities}, t.emotion, t.intensity, t.genuineness, s.label, s.confidence,
       {agree}, {raters}
FROM recordings r
JOIN participants p ON p.id = r.participant_id
LEFT JOIN ratings t ON t.recording_id = r.id AND t.rater_id = :rater
LEFT JOIN suggestions s ON s.recording_id = r.id AND s.model_id = :model
"""

# Every row: the per-recording aggregates are joined once, grouped.
_ALL_SQL = (
    _COLUMNS_SQL.format(
        modalities="COALESCE(m.modalities, '')", agree="v.agree", raters="COALESCE(v.n, 0)"
    )
    + """
LEFT JOIN (SELECT recording_id, GROUP_CONCAT(modality, ' + ') AS modalities
           FROM (SELECT recording_id, modality FROM media ORDER BY recording_id, modality)
           GROUP BY recording_id) m ON m.recording_id = r.id
LEFT JOIN (SELECT x.recording_id, SUM(x.emotion = y.emotion) AS agree, COUNT(*) AS n
           FROM ratings x JOIN recordings y ON y.id = x.recording_id
           WHERE x.emotion IS NOT NULL GROUP BY x.recording_id) v ON v.recording_id = r.id
ORDER BY r.key
"""
)

# One row: correlated subqueries touch only that recording's media and ratings.
_ONE_SQL = (
    _COLUMNS_SQL.format(
        modalities="""COALESCE((SELECT GROUP_CONCAT(modality, ' + ') FROM
                  (SELECT modality FROM media m WHERE m.recording_id = r.id
                   ORDER BY modality)), '')""",
        agree="""(SELECT SUM(v.emotion = r.emotion) FROM ratings v
              WHERE v.recording_id = r.id AND v.emotion IS NOT NULL)""",
        raters="(SELECT COUNT(v.emotion) FROM ratings v WHERE v.recording_id = r.id)",
    )
    + "WHERE r.id = :recording"
)


def _row(row) -> BrowserRow:
    rated = (row[9], row[10], row[11])
    if None not in rated:
        status = "rated"
    elif any(v is not None for v in rated):
        status = "partial"
    else:
        status = "unrated"
    raters = row[15] or 0
    return BrowserRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], status,
        row[9] or "", row[12] or "", row[13], (row[14] or 0) / raters if raters else None,
        raters,
    )  # fmt: skip


def browser_rows(
    project: Project, rater_id: int | None, model_id: int | None, recording_id: int | None = None
) -> list[BrowserRow]:
    """Every recording (or just one) with its labels, my rating status and the active
    model's suggestion, in key order."""
    params = {
        "rater": rater_id if rater_id is not None else -1,
        "model": model_id if model_id is not None else -1,
        "recording": recording_id,
    }
    sql = _ALL_SQL if recording_id is None else _ONE_SQL
    return [_row(r) for r in project.execute(sql, params)]


def load_browser_rows(
    path: Path, rater_id: int | None, model_id: int | None, cancel: CancelToken | None = None
) -> Generator[Progress, None, list[BrowserRow]]:
    """The browser's rows read on a worker thread (with its own connection)."""
    yield Progress(0, 1, "listing recordings")
    with Project.open(path) as project:
        rows = browser_rows(project, rater_id, model_id)
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(1, 1, "listed")
    return rows


#: Fields the browser offers as facets (exact-match filters).
FACETS = ("emotion", "participant", "status")
#: Fields the text filter searches.
SEARCHED = ("key", "participant", "emotion", "intensity", "statement", "repetition",
            "collection", "modalities", "status", "suggestion")  # fmt: skip


def _sort_key(field: str) -> Callable[[BrowserRow], tuple]:
    def key(row: BrowserRow) -> tuple:
        value = getattr(row, field)
        # missing numbers sort first; ties keep key order
        return (value is not None, value if value is not None else 0, row.key)

    return key


class RecordingTable:
    """Rows in view order: filtered by facets and text, sorted by one field (Qt-free)."""

    def __init__(self, rows: list[BrowserRow] | None = None):
        self.rows: list[BrowserRow] = []
        self.sort_field = "key"
        self.descending = False
        self.text = ""
        self.facets: dict[str, str] = {}
        self.order: list[int] = []  # view position → index into rows
        self._index_of: dict[int, int] = {}  # recording id → index into rows
        self._position: dict[int, int] | None = None  # recording id → view position
        self._haystack: list[str] | None = None
        self.set_rows(rows or [])

    def set_rows(self, rows: list[BrowserRow]) -> None:
        self.rows = rows
        self._index_of = {r.recording_id: i for i, r in enumerate(rows)}
        self._haystack = None
        self._refresh()

    def update_row(self, row: BrowserRow) -> int | None:
        """Replace one row in place; its view position (None if filtered out or absent).

        The view order is kept as it is until the next sort or filter, so the row the
        rater is working on does not jump away."""
        i = self._index_of.get(row.recording_id)
        if i is None:
            return None
        self.rows[i] = row
        self._haystack = None
        return self.position_of(row.recording_id)

    def sort(self, field: str, descending: bool = False) -> None:
        self.sort_field, self.descending = field, descending
        self._refresh()

    def set_text(self, text: str) -> None:
        self.text = text.strip().lower()
        self._refresh()

    def set_facet(self, field: str, value: str) -> None:
        if value:
            self.facets[field] = value
        else:
            self.facets.pop(field, None)
        self._refresh()

    def clear_filters(self) -> None:
        self.text = ""
        self.facets = {}
        self._refresh()

    def facet_values(self, field: str) -> list[str]:
        return sorted({v for r in self.rows if (v := getattr(r, field))})

    def row_at(self, position: int) -> BrowserRow:
        return self.rows[self.order[position]]

    def position_of(self, recording_id: int) -> int | None:
        if self._position is None:
            self._position = {self.rows[i].recording_id: p for p, i in enumerate(self.order)}
        return self._position.get(recording_id)

    def next_unrated(self, after: int | None) -> int | None:
        """View position of the next row (wrapping) whose rating is not complete."""
        n = len(self.order)
        start = -1 if after is None else after
        for step in range(1, n + 1):
            position = (start + step) % n
            if self.row_at(position).status != "rated":
                return position
        return None

    def _refresh(self) -> None:
        keep = range(len(self.rows))
        for field, value in self.facets.items():
            keep = [i for i in keep if getattr(self.rows[i], field) == value]
        if self.text:
            if self._haystack is None:
                self._haystack = [
                    " ".join(str(getattr(r, f)) for f in SEARCHED).lower() for r in self.rows
                ]
            words = self.text.split()
            keep = [i for i in keep if all(w in self._haystack[i] for w in words)]
        keep = list(keep)
        if self.sort_field != "key" or self.descending:
            key = _sort_key(self.sort_field)
            keep.sort(key=lambda i: key(self.rows[i]), reverse=self.descending)
        self.order = keep
        self._position = None
