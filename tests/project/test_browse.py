"""The browser's rows (one query for all, one for a single recording, the same answers)
and the Qt-free table that sorts and filters them."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emolab.core.progress import run_to_end
from emolab.project.browse import (
    BrowserRow,
    RecordingTable,
    browser_rows,
    load_browser_rows,
)
from emolab.project.forms import RatingForm
from emolab.project.ratings import Rating, get_rating, rating_status, rating_status_sql, set_field
from emolab.project.store import Project


def test_all_rows_and_single_rows_agree_with_ratings_and_validity(demo_copy):
    with Project.open(demo_copy) as project:
        recordings = project.recordings()[:6]
        a, b = project.ensure_rater("a"), project.ensure_rater("b")
        first, second = recordings[0], recordings[1]
        set_field(project, first.id, a, "emotion", first.emotion)
        set_field(project, first.id, b, "emotion", "surprised" if first.emotion != "surprised"
                  else "calm")  # fmt: skip
        for field, value in (("emotion", "sad"), ("intensity", 3), ("genuineness", 2)):
            set_field(project, second.id, a, field, value)
        rows = browser_rows(project, a, None)
        assert [r.key for r in rows] == sorted(r.key for r in project.recordings())
        by_id = {r.recording_id: r for r in rows}
        for recording in recordings:
            (single,) = browser_rows(project, a, None, recording.id)
            assert single == by_id[recording.id]
        assert by_id[first.id].validity == 0.5 and by_id[first.id].raters == 2
        assert by_id[first.id].status == "partial"
        assert by_id[second.id].status == "rated"
        assert by_id[recordings[2].id].status == "unrated"
        assert get_rating(project, second.id, a).complete
        assert not get_rating(project, first.id, a).complete
        assert by_id[recordings[2].id].validity is None
        assert by_id[first.id].modalities == "audio + body"
        listed = run_to_end(load_browser_rows(demo_copy, a, None))
        assert listed.rows == rows
        assert listed.facet_values("status") == ["partial", "rated", "unrated"]


def test_a_rating_is_complete_only_with_every_choice_made():
    assert rating_status([True, True, True]) == "rated"
    assert rating_status([True, False, True]) == "partial"
    assert rating_status([False, False, False]) == "unrated"
    assert Rating(1, 1, emotion="sad", intensity=3, genuineness=1).complete
    assert not Rating(1, 1, emotion="sad", intensity=3).complete
    assert Rating(1, 1, genuineness=5).status == "partial"
    assert Rating(1, 1, notes="unsure").status == "unrated"  # a note is not a choice


@pytest.mark.parametrize("form_name", ["default", "validity"])
def test_the_browsers_status_is_the_ratings_status_for_every_combination(form_name):
    form = RatingForm.load(form_name)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE ratings (recording_id INTEGER PRIMARY KEY, rater_id, emotion, "
                "intensity, genuineness, notes)")  # fmt: skip
    con.execute("CREATE TABLE rating_values (recording_id, rater_id, field, value)")
    con.execute("CREATE TABLE recordings (id INTEGER PRIMARY KEY)")
    given = {"emotion": "calm", "intensity": 1, "genuineness": 5, "notes": "hm", "valid": "no"}
    keys = [k for k in given if form.has(k)]
    combos = list(itertools.product([False, True], repeat=len(keys)))
    expected = {}
    for i, combo in enumerate(combos):
        values = {k: given[k] for k, made in zip(keys, combo, strict=True) if made}
        con.execute("INSERT INTO ratings VALUES (?, 1, ?, ?, ?, ?)",
                    (i, *(values.get(k) for k in ("emotion", "intensity", "genuineness")),
                     values.get("notes", "")))  # fmt: skip
        for f in form.extra:
            if f.key in values:
                con.execute("INSERT INTO rating_values VALUES (?, 1, ?, ?)",
                            (i, f.key, values[f.key]))  # fmt: skip
        rating = Rating(i, 1, required=form.required, judged=tuple(f.key for f in form.judged))
        for k, v in values.items():
            rating = rating.with_value(k, v)
        expected[i] = rating.status
    con.executemany("INSERT INTO recordings VALUES (?)", [(i,) for i in range(len(combos) + 1)])
    found = dict(con.execute(f"SELECT r.id, {rating_status_sql('t', form)} FROM recordings r "
                             "LEFT JOIN ratings t ON t.recording_id = r.id"))  # fmt: skip
    assert found == expected | {len(combos): "unrated"}  # the last: no rating row at all
    # complete only with every required field; a note alone is no judgement
    assert list(found.values()).count("rated") == 2  # with and without the note
    assert list(found.values()).count("unrated") == 3  # nothing, only a note, no row


def _row(i: int, participant: str, emotion: str, status: str, confidence) -> BrowserRow:
    return BrowserRow(i, f"k{i:03d}", participant, emotion, "normal", "01", "01", "",
                      "audio", status, "", "", confidence, None, 0, None, "")  # fmt: skip


ROWS = st.lists(
    st.builds(
        lambda p, e, s, c: (p, e, s, c),
        st.sampled_from(["01", "02", "03"]),
        st.sampled_from(["happy", "sad", "angry"]),
        st.sampled_from(["rated", "partial", "unrated"]),
        st.one_of(st.none(), st.floats(0, 1)),
    ),
    max_size=60,
)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(
    ROWS,
    st.sampled_from(["key", "participant", "confidence", "status"]),
    st.booleans(),
    st.sampled_from(["", "happy", "02 sad", "k00"]),
    st.sampled_from(["", "01", "03"]),
)
def test_the_table_sorts_and_filters_like_the_obvious_definition(
    specs, field, descending, text, participant
):
    rows = [_row(i, *spec) for i, spec in enumerate(specs)]
    table = RecordingTable(rows)
    table.sort(field, descending)
    table.set_text(text)
    table.set_facet("participant", participant)
    shown = [table.row_at(p) for p in range(len(table.order))]

    def matches(r):
        hay = " ".join([r.key, r.participant, r.emotion, r.intensity, r.statement, r.repetition,
                        r.collection, r.modalities, r.status, r.suggestion]).lower()  # fmt: skip
        return (not participant or r.participant == participant) and all(
            w in hay for w in text.lower().split()
        )

    assert {r.recording_id for r in shown} == {r.recording_id for r in rows if matches(r)}
    values = [getattr(r, field) for r in shown]
    keyed = [(v is not None, v if v is not None else 0) for v in values]
    assert keyed == sorted(keyed, reverse=descending)
    for r in shown:
        assert table.row_at(table.position_of(r.recording_id)) is r


def test_next_unrated_wraps_and_updates_keep_the_view_order():
    statuses = ["rated", "unrated", "rated", "partial"]
    rows = [_row(i, "01", "happy", s, None) for i, s in enumerate(statuses)]
    table = RecordingTable(rows)
    assert table.next_unrated(None) == 1
    assert table.next_unrated(1) == 3
    assert table.next_unrated(3) == 1
    table.sort("status")
    order = list(table.order)
    changed = _row(1, "01", "happy", "rated", None)
    assert table.update_row(changed) == table.position_of(1)
    assert table.order == order  # the row being rated does not jump away
    assert table.next_unrated(None) == table.position_of(3)
    table.update_row(_row(3, "01", "happy", "rated", None))
    assert table.next_unrated(None) is None


def test_agreement_and_consensus_count_human_choices_only(demo_copy):
    from emolab.project.models import active_model
    from emolab.project.store import Project as P

    with P.open(demo_copy) as project:
        ids = [r.id for r in project.recordings()][:4]
        raters = [project.ensure_rater(n) for n in ("a", "b", "c")]
        model_id = active_model(project).id
        choices = {
            ids[0]: ["sad", "sad", "happy"],  # 2 of 3: sad
            ids[1]: ["sad", "happy"],  # a tie: no consensus
            ids[2]: ["calm"],  # one rater
        }
        for rid, emotions in choices.items():
            for rater, emotion in zip(raters, emotions, strict=False):
                set_field(project, rid, rater, "emotion", emotion)
        # an accepted suggestion is not a rater's judgement
        set_field(project, ids[3], raters[0], "emotion", "angry", source="model", model_id=model_id)
        rows = {r.recording_id: r for r in browser_rows(project, raters[0], None)}
        one = browser_rows(project, raters[0], None, ids[0])[0]
    assert (rows[ids[0]].agreement, rows[ids[0]].consensus) == (2 / 3, "sad")
    assert (rows[ids[1]].agreement, rows[ids[1]].consensus) == (0.5, "")
    assert (rows[ids[2]].agreement, rows[ids[2]].consensus) == (1.0, "calm")
    assert (rows[ids[3]].agreement, rows[ids[3]].consensus) == (None, "")
    assert one == rows[ids[0]]


def test_review_orders_put_the_most_useful_recordings_first():
    def row(i, confidence, agreement, raters, suggestion, consensus):
        return _row(i, "01", "sad", "unrated", confidence)._replace(
            agreement=agreement, raters=raters, suggestion=suggestion, consensus=consensus
        )

    rows = [row(0, 0.9, 1.0, 3, "sad", "sad"), row(1, 0.4, 0.5, 2, "happy", ""),
            row(2, None, 0.34, 3, "", "calm"), row(3, 0.8, 0.67, 3, "angry", "sad"),
            row(4, 0.6, None, 0, "sad", "")]  # fmt: skip
    table = RecordingTable(rows)
    order = lambda: [table.row_at(p).recording_id for p in range(len(table.order))]  # noqa: E731
    table.set_review("uncertainty")
    assert order() == [1, 4, 3, 0, 2]  # no suggestion: last
    table.set_review("disagreement")
    assert order() == [2, 1, 3, 0, 4]  # fewer than two raters: last
    table.set_review("model_vs_consensus")
    assert order()[0] == 3 and sorted(order()) == [0, 1, 2, 3, 4]
    assert table.next_useful(0) == 0  # wraps round to the only one that applies
    table.set_review("")
    assert order() == [0, 1, 2, 3, 4]
    assert table.next_useful(None) == 0  # no review order: the next unrated
    with pytest.raises(ValueError, match="unknown review order"):
        table.set_review("loudest")
