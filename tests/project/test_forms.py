"""Rating forms as data: reading label-scheme files, checking values, storing every
field and segment with undo, and choosing a form for a project."""

from __future__ import annotations

import json

import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.cli import run
from emolab.core.errors import CorruptFile, EmolabError, ProjectError
from emolab.project.forms import BUNDLED, RatingForm, set_project_form
from emolab.project.ratings import RatingSession, get_rating, segments, set_field
from emolab.project.store import Project

EMOTIONS = ["neutral", "happy", "sad"]


def _form(**extra_fields) -> dict:
    return {
        "name": "mine",
        "emotions": EMOTIONS,
        "fields": [
            {"key": "emotion", "type": "choice", "options": "emotions", "required": True},
            *extra_fields.get("fields", []),
        ],
    }


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "forms.emolab")
    pid = p.ensure_participant("01", None)
    for key, emotion in (("a", "sad"), ("b", "happy")):
        p.execute(
            "INSERT INTO recordings(key, scheme, participant_id, emotion, fields, created_at) "
            "VALUES (?, 's', ?, ?, '{}', 'now')",
            (key, pid, emotion),
        )
    yield p
    p.close()


def _ids(project) -> list[int]:
    return [r[0] for r in project.execute("SELECT id FROM recordings ORDER BY key")]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_forms_read_and_round_trip(name):
    form = RatingForm.load(name)
    assert form.has("emotion") and form.field("emotion").options == form.emotions
    again = RatingForm.from_dict(json.loads(form.to_json()))
    assert again == form


def test_the_validity_form_asks_an_explicit_judgement():
    form = RatingForm.load("validity")
    valid = form.field(form.validity)
    assert valid.type == "yesno" and valid.required and not valid.segment
    assert valid.prompt_for("sad") == "Is this a valid portrayal of sad?"
    assert form.field("intensity").anchor(3) == "moderate"


def test_the_first_scheme_format_is_still_read(tmp_path):
    old = tmp_path / "old.json"
    intensity = {"min": 1, "max": 3, "low": "weak", "high": "strong"}
    scheme = {"emotions": EMOTIONS, "intensity": intensity, "genuineness": {"min": 1, "max": 5}}
    old.write_text(json.dumps(scheme))
    form = RatingForm.load(old)
    assert form.keys == ("emotion", "intensity", "genuineness", "notes")
    assert form.field("intensity").values == (1, 2, 3)
    assert form.field("intensity").anchor(3) == "strong"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("fields"), "'emotion'"),  # the first format then lacks nothing…
        (lambda d: d["fields"].append({"key": "emotion", "type": "text"}), "same key"),
        (lambda d: d["fields"].append({"key": "x", "type": "slider"}), "'type'"),
        (lambda d: d["fields"].append({"key": "x y", "type": "text"}), "letters"),
        (lambda d: d["fields"].append({"key": "x", "type": "likert", "min": 3, "max": 2}), "scale"),
        (
            lambda d: d["fields"].append(
                {"key": "x", "type": "likert", "max": 5, "anchors": {"9": "far"}}
            ),
            "outside",
        ),
        (
            lambda d: d["fields"].append({"key": "x", "type": "yesno", "shortcut": "Meta"}),
            "shortcut",
        ),
        (
            lambda d: d["fields"].append({"key": "x", "type": "yesno", "shortcut": ""}),
            "same shortcut",
        ),
        (lambda d: d["fields"].append({"key": "intensity", "type": "likert", "max": 7}), "1–5"),
        (lambda d: d.update(validity="emotion2"), "'validity'"),
        (lambda d: d["fields"].append({"key": "x", "type": "choice", "options": ["a"]}), "options"),
        (lambda d: d.update(emotions=["a", "a"]), "twice"),
    ],
)
def test_a_bad_form_is_refused_naming_the_file_and_the_problem(tmp_path, change, words):
    data = _form()
    change(data)
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    if "fields" not in data:  # the first format without intensity: still a usable form
        assert RatingForm.load(path).has("emotion")
        return
    with pytest.raises(CorruptFile) as caught:
        RatingForm.load(path)
    assert "mine.json" in str(caught.value) and words in str(caught.value)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
FIELDISH = st.fixed_dictionaries(
    {"key": st.sampled_from(["x", "valid", "intensity", "notes", "emotion", "9z", ""]),
     "type": st.sampled_from(["choice", "likert", "yesno", "text", "other"])},
    optional={"options": st.one_of(st.just("emotions"), st.lists(st.text(max_size=6), max_size=4)),
              "min": JSONISH, "max": JSONISH, "anchors": JSONISH, "shortcut": JSONISH,
              "required": JSONISH, "segment": JSONISH, "prompt": JSONISH},
)  # fmt: skip


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.one_of(JSONISH, st.builds(lambda fs: _form(fields=fs), st.lists(FIELDISH, max_size=5))))
def test_any_json_is_a_form_or_a_clear_refusal(data):
    try:
        form = RatingForm.from_dict(data, "fuzz.json")
    except CorruptFile as exc:
        assert "fuzz.json" in str(exc)
        return
    assert form.has("emotion")
    assert RatingForm.from_dict(json.loads(form.to_json())) == form


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(RatingForm.load("validity").fields), JSONISH)
def test_a_field_accepts_only_its_values(field, value):
    try:
        checked = field.check(value)
    except ProjectError:
        return
    if field.type == "text":
        assert isinstance(checked, str)
    elif checked is not None:
        assert checked in field.values or field.key == "emotion"
        assert field.typed(str(checked)) == checked


def test_every_field_of_a_form_is_stored_logged_and_undone(project):
    set_project_form(project, RatingForm.load("validity"))
    rid = _ids(project)[0]
    session = RatingSession(project, project.ensure_rater("ann"))
    session.open_recording(rid)
    session.set("emotion", "sad")
    session.set("valid", "Unsure")
    assert session.rating().value("valid") == "unsure"
    assert session.rating().status == "partial"
    session.set("valid", "yes")
    session.set("intensity", 2)
    session.set("genuineness", 5)
    assert session.rating().status == "rated"
    with pytest.raises(ProjectError, match="valid must be one of"):
        session.set("valid", "maybe")
    with pytest.raises(ProjectError, match="not a field"):
        session.set("colour", "blue")
    stored = project.execute("SELECT value FROM rating_values WHERE field = 'valid'").fetchone()[0]
    assert stored == "yes"
    session.undo()
    session.undo()
    session.undo()  # back to 'unsure'
    assert get_rating(project, rid, session.rater_id).value("valid") == "unsure"
    log = project.execute(
        "SELECT old_value, new_value, source FROM edit_log WHERE field = 'valid' ORDER BY id"
    ).fetchall()
    assert [tuple(r) for r in log] == [(None, "unsure", "human"), ("unsure", "yes", "human"),
                                       ("yes", "unsure", "undo")]  # fmt: skip


def test_segments_are_stored_changed_deleted_and_undone(project):
    rid = _ids(project)[0]
    session = RatingSession(project, project.ensure_rater("ann"))
    session.open_recording(rid)
    uid = session.add_segment(2.5, 0.5, {"emotion": "happy"})
    (segment,) = segments(project, rid)
    assert (segment.uid, segment.start, segment.end, segment.value("emotion")) == (
        uid, 0.5, 2.5, "happy")  # fmt: skip
    session.change_segment(uid, end=3.0, intensity=4, notes="laughs")
    (segment,) = segments(project, rid)
    assert (segment.end, segment.value("intensity"), segment.value("notes")) == (3.0, 4, "laughs")
    with pytest.raises(ProjectError, match="1–5"):
        session.change_segment(uid, intensity=9)
    with pytest.raises(ProjectError, match="end after it starts"):
        session.change_segment(uid, start=1.0, end=1.0)
    session.delete_segment(uid)
    assert segments(project, rid) == []
    session.undo()
    assert segments(project, rid)[0].value("notes") == "laughs"
    session.undo()
    assert segments(project, rid)[0].value("intensity") is None
    session.undo()
    assert segments(project, rid) == []
    session.redo()
    assert segments(project, rid)[0].end == 2.5
    fields = {r[0] for r in project.execute("SELECT field FROM edit_log")}
    assert fields == {f"segment:{uid}"}


def test_a_segment_is_not_asked_a_whole_recording_question(project):
    set_project_form(project, RatingForm.load("validity"))
    session = RatingSession(project, project.ensure_rater("ann"))
    session.open_recording(_ids(project)[0])
    with pytest.raises(ProjectError, match="whole recordings"):
        session.add_segment(0, 1, {"valid": "yes"})
    assert project.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 0


def test_a_form_that_would_drop_fields_holding_ratings_is_refused(project):
    set_project_form(project, RatingForm.load("validity"))
    rater = project.ensure_rater("ann")
    set_field(project, _ids(project)[0], rater, "valid", "no")
    with pytest.raises(ProjectError, match="'valid'"):
        set_project_form(project, RatingForm.load("default"))
    assert RatingForm.of(project).name == "validity"


def test_import_chooses_the_form_of_a_new_project(tmp_path, tone, capsys):
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(folder / "02-03-01-01-01-01-02.wav", *tone)
    path = tmp_path / "study.emolab"
    assert run(["import", str(path), str(folder), "--quiet", "--form", "validity"]) == 0
    capsys.readouterr()
    assert run(["form", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "validity"
    assert run(["form", str(path)]) == 0
    out = capsys.readouterr().out
    assert "answering yes to 'valid'" in out and "Ctrl+Alt+1–3" in out
    # an existing project gets another form through `emolab form --set`, not import
    assert run(["import", str(path), str(folder), "--quiet", "--form", "default"]) == 2
    assert "emolab form" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    other = tmp_path / "other.emolab"
    assert run(["import", str(other), str(folder), "--quiet", "--form", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert not other.exists()  # refused before anything was created
    assert run(["form", str(path), "--set", "default"]) == 0
    with Project.open(path) as project:
        assert RatingForm.of(project).name == "default"


def test_a_damaged_stored_form_names_the_project(project):
    project.set_meta("rating_form", "{not json")
    with pytest.raises(EmolabError, match="damaged rating form"):
        RatingForm.of(project)


def test_a_forms_extra_fields_round_trip_through_the_ratings_csv(project, tmp_path):
    from emolab.project.rating_io import RatingsRejected, export_ratings, import_ratings

    set_project_form(project, RatingForm.load("validity"))
    a, b = _ids(project)
    ann = project.ensure_rater("ann")
    set_field(project, a, ann, "emotion", "sad")
    set_field(project, a, ann, "valid", "unsure")
    set_field(project, b, ann, "valid", "no")  # only the extra field
    path = tmp_path / "ratings.csv"
    assert export_ratings(project, path) == 2
    header = path.read_text().splitlines()[0]
    assert header.endswith(",valid")
    project.execute("DELETE FROM rating_values")
    project.execute("DELETE FROM ratings")
    report = import_ratings(project, path)
    assert report.values_changed == 3
    assert get_rating(project, a, ann).value("valid") == "unsure"
    assert get_rating(project, b, ann).value("valid") == "no"
    path.write_text(path.read_text().replace(",no\n", ",perhaps\n"))
    with pytest.raises(RatingsRejected) as caught:
        import_ratings(project, path)
    (problem,) = caught.value.problems
    assert (problem.column, problem.value) == ("valid", "perhaps")
