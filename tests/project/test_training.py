"""The one training workflow (emolab.project.training), on the small synthetic demo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emolab.cli import run
from emolab.core.errors import Cancelled, EmolabError, ProjectError
from emolab.core.progress import CancelToken, Progress, drive, run_to_end
from emolab.models.card import CARD_V2, card_classes
from emolab.models.data import NotEnoughData
from emolab.models.training import INTENDED_LABELS
from emolab.project.importer import import_folder
from emolab.project.label_sources import (
    NO_AGREEMENT,
    NO_FEATURES,
    NO_HUMAN_RATING,
    NOT_RATED,
    ONLY_SUGGESTION,
    TIE,
    TOO_FEW_RATERS,
)
from emolab.project.models import active_model_id, models
from emolab.project.ratings import set_field
from emolab.project.store import Project
from emolab.project.training import (
    EVALUATING,
    EXTRACTING,
    FITTING,
    STORING,
    LabelSource,
    TrainingPlan,
    choose_labels,
    evaluate_project,
    label_counts,
    roll_back,
    train,
)
from tests.conftest import throwaway_copy

BODY_ONLY = TrainingPlan("body", evaluate_first=False)  # the quickest model to train


@pytest.fixture
def project(small_demo, small_dataset):
    """An open throw-away copy of the small demo, its features already cached."""
    with throwaway_copy(small_demo, "train") as path, Project.open(path) as p:
        yield p


def corpus_project(tmp_path: Path, small_demo: Path, patterns: dict[str, str]) -> Path:
    """A project of the demo corpus files matching ``patterns`` ({participant: glob})."""
    folder = tmp_path / "rec"
    folder.mkdir(parents=True)
    for participant, pattern in patterns.items():
        for file in (small_demo.parent / "corpus" / participant).glob(pattern):
            shutil.copy(file, folder)
    path = tmp_path / "small.emolab"
    with Project.create(path) as p:
        run_to_end(import_folder(p, folder))
    return path


def test_training_reports_each_phase_and_stores_an_active_evaluated_model(project):
    reports: list[Progress] = []
    report = drive(train(project, TrainingPlan("early")), reports.append)
    phases = list(dict.fromkeys(p.phase for p in reports))
    assert phases == [EXTRACTING, EVALUATING, FITTING, STORING]
    assert active_model_id(project) == report.model_id
    assert report.previous_model_id is None and report.activated
    assert report.model.evaluation.n_participants == 4
    assert report.model.evaluation.split == "leave one participant out"
    [stored] = models(project)
    assert stored.card["evaluation"]["uar"] == pytest.approx(report.model.evaluation.uar)
    assert stored.card["training"]["labels_from"] == INTENDED_LABELS
    assert stored.card["training"]["recordings"] == 240


@pytest.mark.parametrize("phase", [EVALUATING, STORING])
def test_a_cancel_leaves_the_project_without_a_new_model(project, phase):
    token = CancelToken()

    def cancel_in_phase(progress: Progress) -> None:
        if progress.phase == phase:
            token.cancel()

    with pytest.raises(Cancelled):
        drive(train(project, TrainingPlan("body"), cancel=token), cancel_in_phase, token)
    assert models(project) == []
    assert active_model_id(project) is None


def test_roll_back_restores_the_previous_active_model(project):
    first, second, third = (run_to_end(train(project, BODY_ONLY)).model_id for _ in range(3))
    assert active_model_id(project) == third
    with project.transaction():  # the second version is damaged since: passed over
        project.execute("UPDATE models SET blob = x'00' WHERE id = ?", (second,))
    assert roll_back(project) == first
    assert active_model_id(project) == first
    bundled = roll_back(project)  # no model was active before the first: the bundled default
    assert next(m for m in models(project) if m.id == bundled).bundled
    assert active_model_id(project) == bundled
    with pytest.raises(ProjectError, match="no earlier model version"):
        roll_back(project)
    assert active_model_id(project) == bundled


def test_too_little_data_is_a_typed_error_with_a_message(tmp_path, small_demo, capsys):
    # body files only (fast to extract): 01 = body, emotion 03 = happy, 04 = sad
    one_person = corpus_project(tmp_path / "a", small_demo, {"P01": "01-0[34]-*.csv"})
    with Project.open(one_person) as p, pytest.raises(NotEnoughData, match="one participant"):
        run_to_end(train(p, TrainingPlan("body")))
    one_label = corpus_project(tmp_path / "b", small_demo,
                               {"P01": "01-03-*.csv", "P02": "01-03-*.csv"})  # fmt: skip
    with Project.open(one_label) as p, pytest.raises(NotEnoughData, match="label 'happy'"):
        run_to_end(train(p, TrainingPlan("body")))
    one_sad = corpus_project(tmp_path / "c", small_demo,
                             {"P01": "01-0[34]-01-01-01-*.csv", "P02": "01-03-*.csv"})  # fmt: skip
    with Project.open(one_sad) as p, pytest.raises(NotEnoughData, match=r"'sad' \(1\)"):
        run_to_end(train(p, TrainingPlan("body")))
    with Project.open(one_sad) as p:
        assert models(p) == []
    # P02 has only 'happy': holding P01 out would train on one label
    lopsided = corpus_project(tmp_path / "d", small_demo,
                              {"P01": "01-0[34]-*.csv", "P02": "01-03-*.csv"})  # fmt: skip
    with Project.open(lopsided) as p:
        with pytest.raises(NotEnoughData, match="without participant '01' the recordings with"):
            run_to_end(train(p, TrainingPlan("body", evaluate_first=False)))
        assert "all have the label 'happy'" in label_counts(p, LabelSource(), "body").problem
    capsys.readouterr()
    assert run(["train", str(one_person), "--fusion", "body", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emolab: error: 'body' cannot be trained or evaluated: all 16 ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_body_only_project_evaluates_what_it_has(tmp_path, small_demo, capsys):
    path = corpus_project(tmp_path, small_demo, {"P01": "01-0[345]-*.csv",
                                                 "P02": "01-0[345]-*.csv"})  # fmt: skip
    with Project.open(path) as p:
        report = run_to_end(evaluate_project(p))
        with pytest.raises(NotEnoughData, match="nothing could be evaluated"):
            run_to_end(evaluate_project(p, ["audio"]))
    assert [r.fusion for r in report.results] == ["body", "early", "temporal"]
    assert all(r.n_recordings == 48 for r in report.results)
    assert dict(report.skipped)["audio"] == "no recording has audio features"
    assert "evaluate 'body' instead" in dict(report.skipped)["late"]
    assert report.baseline is None and report.baseline_random_split is None
    assert report.baseline_skipped == "no recording has audio features"
    assert run(["evaluate", str(path), "--fusion", "body", "-q"]) == 0
    out = capsys.readouterr().out
    assert "body                       rf" in out
    assert "Baseline not run: no recording has audio features" in out


def _rate(project: Project, recording_id: int, rater: str, emotion: str, source: str) -> None:
    rater_id = project.ensure_rater(rater)
    set_field(project, recording_id, rater_id, "emotion", emotion, source=source)


def test_labels_come_from_human_choices_never_from_accepted_suggestions(project):
    r0, r1, r2, r3 = (r.id for r in project.recordings()[:4])
    _rate(project, r0, "ana", "happy", "human")
    _rate(project, r0, "ben", "happy", "human")
    _rate(project, r1, "ana", "sad", "human")
    _rate(project, r1, "ben", "sad", "model")  # accepted a suggestion
    _rate(project, r2, "ana", "angry", "human")
    _rate(project, r2, "ben", "calm", "human")  # a tie is no consensus
    _rate(project, r3, "ben", "happy", "model")
    assert choose_labels(project, LabelSource("consensus")) == {r0: "happy"}
    one_is_enough = LabelSource("consensus", min_raters=1, min_agreement=1.0)
    assert choose_labels(project, one_is_enough) == {r0: "happy", r1: "sad"}
    assert choose_labels(project, LabelSource("rater", "ana")) == {
        r0: "happy", r1: "sad", r2: "angry"}  # fmt: skip
    # ben accepted 'sad' for r1, and ana chose it herself: a human label; r3's is not
    assert choose_labels(project, LabelSource("rater", "ben")) == {
        r0: "happy", r1: "sad", r2: "calm"}  # fmt: skip
    with pytest.raises(ProjectError, match="has no rater 'cleo'"):
        choose_labels(project, LabelSource("rater", "cleo"))
    with pytest.raises(EmolabError, match="unknown label source"):
        LabelSource("suggested")
    with pytest.raises(EmolabError, match="unknown label source 'consensus:x'"):
        LabelSource.parse("consensus:x")
    with pytest.raises(EmolabError, match="minimum agreement"):
        LabelSource("consensus", min_agreement=1.5)
    with pytest.raises(EmolabError, match="minimum number of raters"):
        LabelSource("consensus", min_raters=0)
    assert LabelSource.parse("rater:ana") == LabelSource("rater", "ana")
    assert LabelSource.parse("rater:ana").name == "rater:ana"


def _rate_hand_built_set(project: Project) -> list[int]:
    """Six recordings rated by hand (the rest of the project is not rated):
    r0 two raters agree · r1 a tie · r2 a single rater · r3 only an accepted suggestion ·
    r4 an accepted suggestion that a human agrees with · r5 three raters, no majority."""
    r = [rec.id for rec in project.recordings()[:6]]
    _rate(project, r[0], "ana", "happy", "human")
    _rate(project, r[0], "ben", "happy", "human")
    _rate(project, r[1], "ana", "angry", "human")
    _rate(project, r[1], "ben", "calm", "human")
    _rate(project, r[2], "ana", "sad", "human")
    _rate(project, r[3], "ben", "fearful", "model")
    _rate(project, r[4], "ana", "disgust", "human")
    _rate(project, r[4], "ben", "disgust", "model")
    _rate(project, r[5], "ana", "happy", "human")
    _rate(project, r[5], "ben", "sad", "human")
    _rate(project, r[5], "cleo", "angry", "human")
    return r


def test_label_counts_count_each_exclusion_exactly(project):
    r = _rate_hand_built_set(project)
    unrated = 240 - 6
    counts = label_counts(project, LabelSource("consensus"))
    assert counts.per_class == {"happy": 1}
    assert counts.excluded == {NO_HUMAN_RATING: unrated, TIE: 1, TOO_FEW_RATERS: 2,
                               ONLY_SUGGESTION: 1, NO_AGREEMENT: 1}  # fmt: skip
    assert (counts.recordings, counts.participants) == (1, 1)
    assert "have the label 'happy'; a model needs at least 2 labels" in counts.problem
    lenient = label_counts(project, LabelSource("consensus", min_raters=1, min_agreement=0.3))
    assert lenient.per_class == {"disgust": 1, "happy": 1, "sad": 1}  # r5: a three-way tie
    assert lenient.excluded == {NO_HUMAN_RATING: unrated, TIE: 2, ONLY_SUGGESTION: 1}
    ben = label_counts(project, LabelSource("rater", "ben"))
    assert ben.per_class == {"calm": 1, "disgust": 1, "happy": 1, "sad": 1}
    assert ben.excluded == {NOT_RATED: unrated + 1, ONLY_SUGGESTION: 1}
    intended = label_counts(project)
    assert sum(intended.per_class.values()) == intended.recordings == 240
    assert intended.excluded == {} and intended.problem is None
    # a recording whose media changed since import has no usable features
    with project.transaction():
        project.execute("UPDATE media SET changed_at = '2024-01-01' WHERE recording_id = ?",
                        (r[0],))  # fmt: skip
    counts = label_counts(project, LabelSource("consensus"))
    assert counts.per_class == {} and counts.excluded[NO_FEATURES] == 1
    assert counts.problem.startswith("no recording has consensus labels and features")
    assert label_counts(project, LabelSource("rater", "cleo")).per_class == {"angry": 1}
    missing = label_counts(project, LabelSource("rater", "dora"))
    assert missing.problem.endswith("has no rater 'dora'") and missing.recordings == 0


def test_a_model_learns_only_from_recordings_humans_labelled(project):
    for recording in project.recordings():
        source = "model" if recording.participant == "03" else "human"
        if recording.participant in ("01", "02", "03"):
            for rater in ("ana", "ben"):
                _rate(project, recording.id, rater, recording.emotion, source)
    consensus = LabelSource("consensus")
    plan = TrainingPlan("body", labels=consensus, evaluate_first=False)
    report = run_to_end(train(project, plan))
    training = report.model.card["training"]
    assert training["participants"] == ["01", "02"]
    assert training["recordings"] == 120
    assert training["labels_from"] == consensus.describe()
    assert "accepted suggestions excluded" in training["labels_from"]
    per_class = {e: 16 for e in ("angry", "calm", "disgust", "fearful", "happy", "sad",
                                 "surprised")} | {"neutral": 8}  # fmt: skip
    labels = report.model.card["labels"]
    assert labels == {"source": "consensus", "min_raters": 2, "min_agreement": 0.5,
                      "recordings": 120, "per_class": per_class,
                      "excluded": {NO_HUMAN_RATING: 60, ONLY_SUGGESTION: 60}}  # fmt: skip
    counts = label_counts(project, consensus, "body")
    assert (counts.per_class, counts.excluded) == (labels["per_class"], labels["excluded"])
    assert report.model.card["format"] == CARD_V2
    assert card_classes(report.model.card) == sorted(labels["per_class"])


def test_the_benchmarks_synthetic_project_counts_and_trains(tmp_path, small_demo):
    from emolab.benchmarks import _big_training_project

    path = tmp_path / "big.emolab"
    assert _big_training_project(path, small_demo, recordings=130) == 3  # 60 per participant
    with Project.open(path) as p:
        assert p.synthetic
        counts = label_counts(p, LabelSource(), "early")
        assert (counts.recordings, counts.participants, counts.problem) == (130, 3, None)
        consensus = label_counts(p, LabelSource("consensus"), "early")
        assert consensus.recordings + sum(consensus.excluded.values()) == 130
        assert set(consensus.excluded) <= {TIE}
        report = run_to_end(train(p, TrainingPlan("early", evaluate_first=False)))
        assert report.model.card["labels"]["recordings"] == 130


def test_retraining_is_offered_once_enough_recordings_have_human_ratings(project, capsys):
    from emolab.project.models import active_model
    from emolab.project.training import OFFER_MIN_RECORDINGS, retraining_offer

    active_model(project)  # the bundled default (SYNTHETIC training data) becomes active
    recordings = project.recordings()
    assert retraining_offer(project) is None  # no human ratings yet
    for r in recordings[: OFFER_MIN_RECORDINGS - 1]:
        _rate(project, r.id, "ana", r.emotion, "human")
    assert retraining_offer(project) is None  # one short
    for r in recordings[OFFER_MIN_RECORDINGS - 1 : 2 * OFFER_MIN_RECORDINGS]:
        _rate(project, r.id, "ana", r.emotion, "human")
    offer = retraining_offer(project)
    assert offer is not None
    assert offer.startswith(f"{2 * OFFER_MIN_RECORDINGS} recordings from ")
    assert "trained on SYNTHETIC data" in offer
    # accepted suggestions are not human ratings: they never count towards an offer
    for r in recordings[2 * OFFER_MIN_RECORDINGS : 3 * OFFER_MIN_RECORDINGS]:
        _rate(project, r.id, "ben", r.emotion, "model")
    assert retraining_offer(project).startswith(f"{2 * OFFER_MIN_RECORDINGS} recordings")
    # trained on those ratings: nothing more to offer until many more are rated
    plan = TrainingPlan("body", labels=LabelSource("consensus", min_raters=1),
                        evaluate_first=False)  # fmt: skip
    run_to_end(train(project, plan))
    assert retraining_offer(project) is None
    for r in recordings[3 * OFFER_MIN_RECORDINGS : 5 * OFFER_MIN_RECORDINGS]:
        _rate(project, r.id, "ana", r.emotion, "human")
    offer = retraining_offer(project)
    assert offer is not None and f"trained on {2 * OFFER_MIN_RECORDINGS} human-labelled" in offer


def test_prediction_names_the_files_it_could_not_read(tmp_path, small_demo):
    from emolab.project.models import predict_missing

    path = corpus_project(tmp_path, small_demo, {"P01": "0[12]-0[12]-*-01-03-01.*"})
    wavs = sorted((tmp_path / "rec").glob("*.wav"))
    broken = wavs[0]
    broken.write_bytes(broken.read_bytes()[:60])  # cut short after import
    with Project.open(path) as p:
        report = run_to_end(predict_missing(p))
        [suggested] = p.execute("SELECT COUNT(*) FROM suggestions").fetchone()
    assert report.added == suggested == len(wavs)  # that recording's movement still counts
    [notice] = [n for n in report.notices if "could not be read" in n]
    assert notice.startswith("1 file(s) could not be read; their recordings are suggested "
                             "from their other modality where they have one")  # fmt: skip
    assert f"{broken.name}: file is changed on disk since import" in notice
