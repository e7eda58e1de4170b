"""The rows of the recording browser, and the Qt-free table the browser shows.

All rows are read in one query (pre-aggregated joins, no per-row subqueries: ~0.6 s for
100,000 recordings, so the window runs it in a worker). Sorting and filtering then work on
the rows in memory (:class:`RecordingTable`): a sort or a filter over 100,000 rows costs
tens of milliseconds, where re-running the query would cost the full 0.6 s each time; the
view formats only the rows it draws.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from pathlib import Path
from typing import NamedTuple

from emolab.core.progress import CancelToken, Progress
from emolab.project.agreement import validity_sql
from emolab.project.forms import RatingForm
from emolab.project.ratings import rating_status_sql
from emolab.project.store import Project
from emolab.project.study import Study, study_rows


class BrowserRow(NamedTuple):
    """One recording as the browser lists it (a tuple: 100,000 of them build in ~0.1 s)."""

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
    validity: float | None  # the form's validity: share choosing the intended emotion, or
    #                         share answering yes to its yes/no validity question
    raters: int  # raters behind the validity (who chose an emotion, or answered yes/no)
    agreement: float | None  # share of human raters choosing the most chosen emotion
    consensus: str  # that emotion, '' on a tie or without human choices
    outside: int = 0  # 1: the suggestion's recording is unlike the model's training data


def consensus_sql(ratings_where: str = "1") -> str:
    """SQL rows (recording_id, agreement, consensus) over the human choices in ratings
    ``x``: the share of raters choosing the most chosen emotion, and that emotion ('' when
    two emotions tie). Accepted model suggestions are not a rater's judgement."""
    return f"""SELECT recording_id, MAX(c) * 1.0 / MAX(n) AS agreement,
       CASE WHEN MAX(ties) = 1 THEN MAX(emotion) ELSE '' END AS consensus
FROM (SELECT recording_id, emotion, c, SUM(c) OVER (PARTITION BY recording_id) AS n,
             RANK() OVER (PARTITION BY recording_id ORDER BY c DESC) AS rk,
             COUNT(*) OVER (PARTITION BY recording_id, c) AS ties
      FROM (SELECT x.recording_id, x.emotion, COUNT(*) AS c FROM ratings x
            WHERE x.emotion IS NOT NULL AND x.emotion_source = 'human' AND ({ratings_where})
            GROUP BY x.recording_id, x.emotion))
WHERE rk = 1
GROUP BY recording_id"""


def _rows_sql(ratings_where: str, rest: str, form: RatingForm | None = None) -> str:
    """The browser's query, with validity aggregated over the ratings ``ratings_where``
    selects (see :func:`validity_sql`), then ``rest`` (WHERE, ORDER BY …)."""
    return f"""
SELECT r.id, r.key, p.code, COALESCE(r.emotion, ''), COALESCE(r.intensity, ''),
       COALESCE(r.statement, ''), COALESCE(r.repetition, ''), COALESCE(r.collection, ''),
       CASE WHEN ma.id IS NOT NULL AND mb.id IS NOT NULL THEN 'audio + body'
            WHEN ma.id IS NOT NULL THEN 'audio' WHEN mb.id IS NOT NULL THEN 'body'
            ELSE '' END,
       {rating_status_sql("t", form)},
       COALESCE(t.emotion, ''), COALESCE(s.label, ''), s.confidence,
       v.validity, COALESCE(v.raters, 0), k.agreement, COALESCE(k.consensus, ''),
       COALESCE(json_extract(s.domain, '$.outside'), 0)
FROM recordings r
JOIN participants p ON p.id = r.participant_id
LEFT JOIN media ma ON ma.recording_id = r.id AND ma.modality = 'audio'
LEFT JOIN media mb ON mb.recording_id = r.id AND mb.modality = 'body'
LEFT JOIN ratings t ON t.recording_id = r.id AND t.rater_id = :rater
LEFT JOIN suggestions s ON s.recording_id = r.id AND s.model_id = :model
LEFT JOIN ({validity_sql(ratings_where, form)}) v ON v.recording_id = r.id
LEFT JOIN ({consensus_sql(ratings_where)}) k ON k.recording_id = r.id
{rest}"""


@functools.lru_cache(maxsize=8)
def _queries(form: RatingForm) -> tuple[str, str, str]:
    """The browser's queries (every row, one row, the first page) for a rating form."""
    # every row: the raters' agreement is aggregated once and joined; one row, or the
    # first page in key order: only the ratings of the rows returned are aggregated, and
    # the key index streams the page without sorting
    return (
        _rows_sql("1", "ORDER BY r.key", form),
        _rows_sql("x.recording_id = :recording", "WHERE r.id = :recording", form),
        _rows_sql(
            "x.recording_id IN (SELECT id FROM recordings ORDER BY key LIMIT :limit)",
            "ORDER BY r.key LIMIT :limit",
            form,
        ),
    )


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
    every, one, _first = _queries(RatingForm.of(project))
    sql = every if recording_id is None else one
    return list(map(BrowserRow._make, project.execute(sql, params)))


def first_browser_rows(
    project: Project, rater_id: int | None, model_id: int | None, limit: int = 500
) -> list[BrowserRow]:
    """The first ``limit`` rows in key order (milliseconds at any size): the list is
    usable at once while :func:`load_browser_rows` reads the rest in a worker."""
    params = {
        "rater": rater_id if rater_id is not None else -1,
        "model": model_id if model_id is not None else -1,
        "limit": limit,
    }
    return list(map(BrowserRow._make, project.execute(_queries(RatingForm.of(project))[2], params)))


def load_browser_rows(
    path: Path,
    rater_id: int | None,
    model_id: int | None,
    cancel: CancelToken | None = None,
    study: Study | None = None,
    rater: str = "",
) -> Generator[Progress, None, RecordingTable]:
    """The browser's rows read and indexed on a worker thread (with its own connection);
    with a ``study``, in this ``rater``'s order and blinded as it says."""
    yield Progress(0, 1, "listing recordings")
    with Project.open(path) as project:
        rows = browser_rows(project, rater_id, model_id)
    if study is not None:
        rows = study_rows(rows, study, rater)
    if cancel is not None:
        cancel.raise_if_cancelled()
    table = RecordingTable(rows)
    table.prepare()  # the text index and facet values, here rather than on the GUI thread
    yield Progress(1, 1, "listed")
    return table


#: Fields the browser offers as facets (exact-match filters).
FACETS = ("emotion", "participant", "status")
#: Fields the text filter searches.
SEARCHED = ("key", "participant", "emotion", "intensity", "statement", "repetition",
            "collection", "modalities", "status", "suggestion")  # fmt: skip


_SEARCHED_INDICES = [BrowserRow._fields.index(f) for f in SEARCHED]


def _search_text(row: BrowserRow) -> str:
    """What the text filter searches in a row (lower case)."""
    return " ".join([str(row[i]) for i in _SEARCHED_INDICES]).lower()


#: Review orders: which recordings are most worth a look, first (the rest follow in key
#: order). Each ranks the rows it applies to; :meth:`RecordingTable.next_useful` walks them.
REVIEW_ORDERS = {
    "uncertainty": "model least sure first",
    "disagreement": "raters disagree most first",
    "model_vs_consensus": "model disagrees with the raters' consensus",
}


def review_rank(order: str, row: BrowserRow) -> float | None:
    """Where ``row`` stands in a review order (lower first); None when it does not apply:
    no suggestion, fewer than two human raters, or no consensus to disagree with."""
    if order == "uncertainty":
        return row.confidence
    if order == "disagreement":
        return row.agreement if row.agreement is not None and row.raters >= 2 else None
    if order == "model_vs_consensus":
        disagree = row.consensus and row.suggestion and row.suggestion != row.consensus
        # the more confident the model is in a label the raters did not choose, the sooner
        return -(row.confidence or 0.0) if disagree else None
    raise ValueError(f"unknown review order '{order}' ({', '.join(REVIEW_ORDERS)})")


class RecordingTable:
    """Rows in view order: filtered by facets and text, sorted by one field or a review
    order (Qt-free)."""

    def __init__(self, rows: list[BrowserRow] | None = None):
        self.rows: list[BrowserRow] = []
        self.sort_field = "key"
        self.descending = False
        self.text = ""
        self.facets: dict[str, str] = {}
        self.review = ""  # a key of REVIEW_ORDERS; '' for the sort field's order
        self.order: list[int] = []  # view position → index into rows
        self._index_of: dict[int, int] = {}  # recording id → index into rows
        self._position: dict[int, int] | None = None  # recording id → view position
        self._haystack: list[str] | None = None
        self.set_rows(rows or [])

    def set_rows(self, rows: list[BrowserRow]) -> None:
        self.rows = rows
        self._index_of = {r.recording_id: i for i, r in enumerate(rows)}
        self._haystack = None
        self._facet_values: dict[str, list[str]] = {}
        self._refresh()

    def prepare(self) -> None:
        """Build the text index and the facet values now (e.g. on a worker thread)."""
        self._search_index()
        for field in FACETS:
            self.facet_values(field)

    def adopt_view(self, other: RecordingTable) -> None:
        """Show this table with another's sort and filters (a refreshed list)."""
        self.sort_field, self.descending = other.sort_field, other.descending
        self.text, self.facets, self.review = other.text, dict(other.facets), other.review
        self._refresh()

    def _search_index(self) -> list[str]:
        if self._haystack is None:
            self._haystack = [_search_text(r) for r in self.rows]
        return self._haystack

    def update_row(self, row: BrowserRow) -> int | None:
        """Replace one row in place; its view position (None if filtered out or absent).

        The view order is kept as it is until the next sort or filter, so the row the
        rater is working on does not jump away."""
        i = self._index_of.get(row.recording_id)
        if i is None:
            return None
        self.rows[i] = row
        if self._haystack is not None:  # one row's text, not the whole index again
            self._haystack[i] = _search_text(row)
        self._facet_values = {}
        return self.position_of(row.recording_id)

    def sort(self, field: str, descending: bool = False) -> None:
        self.sort_field, self.descending, self.review = field, descending, ""
        self._refresh()

    def set_review(self, order: str) -> None:
        """Order rows for review (see :data:`REVIEW_ORDERS`); '' goes back to the sort."""
        if order and order not in REVIEW_ORDERS:
            raise ValueError(f"unknown review order '{order}' ({', '.join(REVIEW_ORDERS)})")
        self.review = order
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
        if field not in self._facet_values:
            i = BrowserRow._fields.index(field)
            self._facet_values[field] = sorted({r[i] for r in self.rows} - {""})
        return self._facet_values[field]

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

    def next_useful(self, after: int | None) -> int | None:
        """View position of the next row (wrapping) the review order ranks; without a
        review order, the next row whose rating is not complete."""
        if not self.review:
            return self.next_unrated(after)
        n = len(self.order)
        start = -1 if after is None else after
        for step in range(1, n + 1):
            position = (start + step) % n
            if review_rank(self.review, self.row_at(position)) is not None:
                return position
        return None

    def _refresh(self) -> None:
        rows = self.rows
        keep = range(len(rows))
        for field, value in self.facets.items():
            i = BrowserRow._fields.index(field)
            keep = [k for k in keep if rows[k][i] == value]
        if self.text:
            haystack = self._search_index()
            for word in self.text.split():
                keep = [k for k in keep if word in haystack[k]]
        keep = list(keep)
        if self.review:
            ranks = [review_rank(self.review, rows[k]) for k in keep]
            ranked = sorted(
                (p for p, r in enumerate(ranks) if r is not None), key=ranks.__getitem__
            )
            rest = [p for p, r in enumerate(ranks) if r is None]
            keep = [keep[p] for p in ranked + rest]  # ties and the rest stay in key order
        elif self.sort_field != "key" or self.descending:
            # rows are in key order and Python's sort is stable (also reversed), so ties
            # stay in key order; missing numbers sort first
            i = BrowserRow._fields.index(self.sort_field)
            values = [rows[k][i] for k in keep]
            missing = values.count(None)
            if missing < len(values):  # all missing: key order stands
                if missing:
                    values = [(v is not None, 0 if v is None else v) for v in values]
                positions = sorted(range(len(keep)), key=values.__getitem__,
                                   reverse=self.descending)  # fmt: skip
                keep = [keep[p] for p in positions]
        self.order = keep
        self._position = None
