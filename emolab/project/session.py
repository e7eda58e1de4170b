"""The rating session: what the main window shows, as a Qt-free model.

The window renders a :class:`Session` and forwards the user's actions to it; it holds no
domain state of its own. The session owns the open project's write queue, the current
rater and recording, the loading of that recording's media (through a job runner, so
decoding happens off the GUI thread), the audio↔motion time mapping, the rating with its
save state, undo and redo, what this rater may see now, and the next-recording policy.

Views learn about changes through one listener, ``on_change(aspect)``, with the aspects
listed in :data:`ASPECTS`; tests drive a session with a synchronous job runner and read
its fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from emolab.core.errors import EmolabError
from emolab.core.progress import JobFactory, Jobs
from emolab.io.motion import MotionClip
from emolab.project.forms import RatingForm
from emolab.project.media_check import media_notice
from emolab.project.ratings import Edit, Rating, RatingSession, Segment, is_segment_field
from emolab.project.store import INTERACTIVE_BUSY_TIMEOUT_MS, Project, Recording, utc_now
from emolab.project.study import Study, load_study, save_study
from emolab.project.suggestion_view import HIDE_SETTING, SuggestionView, SuggestionVisibility  # noqa: F401
from emolab.project.timing import TimeMapping
from emolab.project.writes import PendingWrite, SaveState, WriteQueue

EMOTION_FIXED = (
    "Not changed: in a blind study the emotion is fixed once the validity "
    "question has named the intended emotion"
)

#: What a listener may be told changed ('offset_estimate': the open recording's offset
#: estimate is being computed or arrived; 'offset': recordings' offsets changed by an
#: undoable edit, its undo or redo).
ASPECTS = ("recording", "rating", "save", "time_axis", "motion", "suggestion", "message",
           "study", "offset_estimate", "offset")  # fmt: skip
#: Seconds a last save is allowed to wait for another program's lock when closing.
CLOSING_BUSY_TIMEOUT_MS = 1500


@dataclass(frozen=True)
class OffsetEdit:
    """An undoable change of recordings' audio↔motion offsets: (recording id, old s,
    new s) for each recording it changed."""

    changes: tuple[tuple[int, float, float], ...]

    @property
    def recording_id(self) -> int:
        return self.changes[0][0]


class Session(SuggestionVisibility):
    """One open project as one rater works through it (see the module docstring)."""

    def __init__(self, project: Project, jobs: Jobs,
                 on_change: Callable[[str], None] | None = None):  # fmt: skip
        self.project = project
        self.jobs = jobs
        self.on_change = on_change or (lambda aspect: None)
        self.writes = WriteQueue(project)
        self.rating_session: RatingSession | None = None
        self.rater_name: str | None = None
        self.rater_problem = ""  # why this rater cannot rate here (read-only project)
        self.recording: Recording | None = None
        self.media = None  # features.display.RecordingMedia, filled in as parts arrive
        self.awaiting: set[str] = set()  # parts still being decoded: 'audio', 'motion'
        self.time_part = "audio"  # the part that gives the recording its time axis
        self.media_ready = False
        self.timing = TimeMapping()
        self.notice = ""  # about the open recording's files (missing, changed, repaired)
        self.message = ""  # the latest status-bar message
        self.refusal = ""  # why the last rating edit was refused
        self.model_id: int | None = None
        self.predictions_ready = False
        self._model_info = None  # (model id, its ModelInfo), read once per model
        self._suggestions = None  # ((recording id, model id), its suggestions)
        self._pending_motion: JobFactory | None = None
        self.offset_estimate = None  # project.offsets.MediaOffset of the open recording
        self.offset_estimating = False
        # offset edits interleave with the rating session's edits in one undo history:
        # each is kept with how many rating edits were then on the rating session's stack
        # (undo) or redo stack (redo), so undo and redo take back the newest step first
        self._offset_undo: list[tuple[OffsetEdit, int]] = []
        self._offset_redo: list[tuple[OffsetEdit, int]] = []
        try:
            self.hide_suggestions = bool(project.setting(HIDE_SETTING, False))
        except EmolabError as exc:
            self.hide_suggestions = False
            self.message = f"{exc}; using the default"
        try:
            self.study = load_study(project)
        except EmolabError as exc:
            self.study, self.message = Study(), f"{exc}; not blind, file order"
        self.condition = self.study.condition_for("")  # this rater's, once one is set
        self.pseudonyms: dict[int, str] = {}  # recording id → its name in a blind study
        self.read_active_model()

    # ---- rater -----------------------------------------------------------------------
    @property
    def recording_id(self) -> int | None:
        return self.recording.id if self.recording is not None else None

    @property
    def rater_id(self) -> int | None:
        return self.rating_session.rater_id if self.rating_session else None

    def set_rater(self, name: str) -> bool:
        """Rate as ``name`` from now on; False when this project cannot take a new rater."""
        self.rater_name = name
        try:
            rater_id = self.project.ensure_rater(name)
        except EmolabError as exc:
            self.rating_session = None
            self.rater_problem = exc.reason
            self._say(f"Cannot rate as {name}: {exc.reason}")
            self.on_change("study")  # the list and the form, as anyone may see them
            return False
        self.rater_problem = ""
        self.rating_session = RatingSession(self.project, rater_id, self.writes)
        self._offset_undo.clear()  # a new rater starts a new history
        self._offset_redo.clear()
        if self.recording is not None:
            self.rating_session.open_recording(self.recording.id)
        self.apply_study()
        self.on_change("study")  # what this rater may see, their order and condition
        self._reopen()
        return True

    def _reopen(self) -> None:
        """Show the open recording again from scratch (another rater, study or condition:
        other labels may show, another modality may be hidden)."""
        if self.recording is not None:
            rid, self.recording = self.recording.id, None
            self.open_recording(rid)

    def apply_study(self) -> None:
        """This rater's condition and, in a blind study, the names recordings go by (again
        after an import or merge changed the recordings)."""
        study = self.study
        self.condition = study.condition_for(self.rater_name or "")
        ids = [r[0] for r in self.project.execute("SELECT id FROM recordings ORDER BY key")]
        self.pseudonyms = study.pseudonyms(ids, self.rater_name or "") if study.blind else {}
        if self.rating_session is not None:  # kept with every rating this rater makes
            self.rating_session.study = json.dumps(
                {**study.record(), "rater_condition": self.condition}
            )

    def set_study(self, study: Study) -> None:
        """Change the project's study settings (saved at once) and what follows from them."""
        save_study(self.project, study)
        self.study = study
        self.apply_study()
        self.on_change("study")
        self._reopen()

    def sees_everything(self) -> bool:
        """False while a blind study hides the open recording's file-name labels, the
        model's suggestion and other raters from this rater (until they rated it all)."""
        if not self.study.blind:
            return True
        mine = self.rating()
        return mine is not None and mine.complete

    # ---- the open recording ------------------------------------------------------------
    def open_recording(self, recording_id: int) -> bool:
        """Make ``recording_id`` current: its rating at once, its audio then its movement
        decoded by jobs. False when it is already open."""
        if recording_id == self.recording_id:
            return False
        from emolab.features.display import RecordingMedia, load_recording_media

        project = self.project
        self.recording = project.recording(recording_id)
        self.media_ready = False
        audio_media = project.media_of(recording_id, "audio")
        body_media = project.media_of(recording_id, "body")
        if self.rating_session is not None:
            self.rating_session.open_recording(recording_id)
        blind = self.study.blind and not self.sees_everything()
        found = (media_notice(m, self.writes, blind) for m in (audio_media, body_media) if m)
        self.notice = " ".join(n for n in found if n)
        # the study's condition hides one modality: it is not even decoded
        audio_path = (
            project.media_path(audio_media) if audio_media and self.condition != "body" else None
        )
        body_path = (
            project.media_path(body_media) if body_media and self.condition != "audio" else None
        )
        self.refusal = ""
        self.media = RecordingMedia(recording_id)
        self.offset_estimate, self.offset_estimating = None, False
        self.jobs.cancel("offset")  # an estimate of the previous recording never arrives
        self.awaiting = {kind for kind, path in (("audio", audio_path), ("motion", body_path))
                         if path is not None}  # fmt: skip
        self.time_part = "audio" if audio_path is not None else "motion"
        self.on_change("recording")
        for kind in ("audio", "motion"):
            self.jobs.cancel(kind)  # a stale part of the previous recording never arrives
        # one after the other: the movement parser holds the interpreter for long
        # stretches, which would hold up the audio that makes the recording playable
        self._pending_motion = None
        if body_path is not None:
            self._pending_motion = lambda token: load_recording_media(
                recording_id, None, body_path, token)  # fmt: skip
        if audio_path is not None:
            self.jobs.start("audio", lambda token: load_recording_media(
                recording_id, audio_path, None, token))  # fmt: skip
        else:
            self._start_motion()
        if not self.awaiting:  # a recording without media files
            self.timing = TimeMapping(self._offset(), None)
            self.media_ready = True
            self.on_change("time_axis")
            self.on_change("motion")
        return True

    def _start_motion(self) -> None:
        if self._pending_motion is not None:
            factory, self._pending_motion = self._pending_motion, None
            self.jobs.start("motion", factory)

    def media_arrived(self, kind: str, part) -> None:
        """A decoded part ('audio' or 'motion') of a recording; stale parts are dropped."""
        media = self.media
        if media is None or part.recording_id != self.recording_id:
            return
        if kind == "audio":
            media.audio_path, media.samples = part.audio_path, part.samples
            media.samplerate, media.overview = part.samplerate, part.overview
        else:
            media.motion = part.motion
        if part is not media:
            media.problems += part.problems
        self.awaiting.discard(kind)
        # the time axis comes from the audio; from the movement when there is no audio
        # (none in the project, or it could not be read)
        audio_failed = kind == "motion" and media.samples is None and self.time_part == "audio"
        if kind == self.time_part or (not self.awaiting and audio_failed):
            self.timing = TimeMapping(self._offset(), media.motion)
            self.on_change("time_axis")
        self.timing = TimeMapping(self.timing.offset, media.motion)
        self.on_change("motion")  # the movement, or that it is still being read
        if not self.awaiting:
            self.media_ready = True
            if media.problems:  # a blind rater is not told file names (they say labels)
                self._say(
                    "; ".join(media.problems)
                    if self.sees_everything()
                    else f"{len(media.problems)} media file(s) could not be read"
                )
        elif kind == "audio":
            self._start_motion()  # after the audio is on screen: the parser holds the GIL

    def media_failed(self, kind: str, message: str) -> None:
        """A part could not be decoded: the recording shows what it has, and says why."""
        from emolab.features.display import RecordingMedia

        if self.recording is not None:
            self.media_arrived(kind, RecordingMedia(self.recording.id, problems=[message]))

    @property
    def motion(self) -> MotionClip | None:
        return self.timing.motion

    @property
    def motion_loading(self) -> bool:
        return "motion" in self.awaiting

    def _offset(self) -> float:
        """The open recording's audio↔motion offset (s), a queued change included."""
        queued, offset = self.writes.pending_value(("sync_offset", self.recording_id))
        return float(offset) if queued else float(self.recording.sync_offset)

    def set_offset(self, seconds: float) -> None:
        """Store the open recording's audio↔motion offset (s), as nudged by hand (not an
        undo step: undo is typing it back)."""
        if self.recording is None:
            return
        offset = float(seconds)
        self._write_offset(self.recording.id, offset)
        if self.writes.state is SaveState.SAVED:
            self._say(f"Motion offset {offset:+.3f} s saved")
        self.on_change("save")

    def _write_offset(self, recording_id: int, offset: float) -> None:
        self.writes.submit(PendingWrite(
            f"motion offset of recording {recording_id}",
            lambda project: project.set_sync_offset(recording_id, offset),
            ("sync_offset", recording_id), offset))  # fmt: skip
        if recording_id == self.recording_id:
            self.timing = TimeMapping(offset, self.timing.motion)

    def stored_offset(self, recording_id: int) -> float:
        """A recording's offset (s) as saved or queued to be saved."""
        queued, offset = self.writes.pending_value(("sync_offset", recording_id))
        return float(offset) if queued else float(self.project.recording(recording_id).sync_offset)

    # ---- estimating the offset ----------------------------------------------------------
    def estimate_offset(self) -> bool:
        """Estimate the open recording's offset from its decoded audio and movement (a job,
        'offset', whose result goes to :meth:`offset_arrived`); False when they are not
        both there, and :attr:`offset_estimate` says so."""
        from emolab.features.offset import not_usable
        from emolab.project.offsets import MediaOffset, estimate_media_job

        media = self.media
        if self.recording is None or media is None:
            return False
        rid = self.recording.id
        if media.samples is None or media.motion is None:
            if self.awaiting:
                why = "the recording's audio and movement are still being read"
            elif self.condition != "both":
                why = f"this study's condition shows {self.condition} only"
            else:
                why = f"the recording has no {'audio' if media.samples is None else 'movement'}"
            self.offset_estimate, self.offset_estimating = MediaOffset(rid, not_usable(why)), False
            self.on_change("offset_estimate")
            return False
        samples, samplerate, motion = media.samples, media.samplerate, media.motion
        self.offset_estimate, self.offset_estimating = None, True
        self.on_change("offset_estimate")
        self.jobs.start("offset", lambda token: estimate_media_job(
            rid, samples, samplerate, motion, token))  # fmt: skip
        return True

    def offset_arrived(self, result) -> None:
        """The 'offset' job's :class:`~emolab.project.offsets.MediaOffset` (dropped when
        another recording is open by now)."""
        if result.recording_id != self.recording_id:
            return
        self.offset_estimate, self.offset_estimating = result, False
        self.on_change("offset_estimate")

    def offset_failed(self, message: str) -> None:
        from emolab.features.offset import not_usable
        from emolab.project.offsets import MediaOffset

        if self.recording is not None:
            self.offset_arrived(MediaOffset(self.recording.id, not_usable(message)))

    def apply_offset_estimate(self) -> OffsetEdit | None:
        """Store the open recording's usable estimate as its offset (one undo step)."""
        found = self.offset_estimate
        if found is None or found.recording_id != self.recording_id or not found.estimate.usable:
            return None
        return self.change_offsets([(found.recording_id, float(found.estimate.offset))])

    def change_offsets(self, offsets: Iterable[tuple[int, float]]) -> OffsetEdit | None:
        """Set recordings' offsets (recording id, s) as one undoable edit; None when none
        changes, or on a read-only project (the message says so)."""
        if self.project.read_only:
            self._say("Not changed: the project is read-only")
            return None
        changes = []
        for rid, new in offsets:
            old = self.stored_offset(rid)
            if float(new) != old:
                changes.append((rid, old, float(new)))
        if not changes:
            return None
        edit = OffsetEdit(tuple(changes))
        self._offset_undo.append((edit, len(self._rating_stack("undo"))))
        self._offset_redo.clear()
        self._rating_stack("redo").clear()  # a new step: nothing is left to redo
        self._replay_offsets(edit, "new")
        return edit

    def _rating_stack(self, which: str) -> list:
        rs = self.rating_session
        if rs is None:
            return []
        return rs._undo if which == "undo" else rs._redo

    def _replay_offsets(self, edit: OffsetEdit, how: str) -> None:
        for rid, old, new in edit.changes:
            self._write_offset(rid, old if how == "undo" else new)
        if len(edit.changes) == 1:
            rid, old, new = edit.changes[0]
            shown = (new, old) if how == "undo" else (old, new)
            key = self.project.recording(rid).key if rid != self.recording_id else "this recording"
            label = "Undo: " if how == "undo" else "Redo: " if how == "redo" else ""
            self._say(f"{label}motion offset of {key} {shown[0]:+.3f} → {shown[1]:+.3f} s")
        else:
            verb = {"undo": "restored", "redo": "set again", "new": "set"}[how]
            self._say(f"Motion offsets of {len(edit.changes)} recordings {verb}")
        self.on_change("save")
        self.on_change("offset")  # after the undo and redo stacks say what is left

    def title(self) -> str:
        """The rating form's title: which recording, and what its file name says."""
        r = self.recording
        if r is None:
            return "No recording selected"
        condition = "" if self.condition == "both" else f" · {self.condition} only"
        if not self.sees_everything():
            return f"Recording {self.pseudonyms.get(r.id, '')} · blind study{condition}"
        return (f"{r.key} · participant {r.participant} · intended {r.emotion}, "
                f"{r.intensity}{condition}")  # fmt: skip

    # ---- rating, save state, history ------------------------------------------------
    def rating(self) -> Rating | None:
        """This rater's rating of the open recording, queued values included."""
        if self.rating_session is None or self.recording is None:
            return None
        return self.rating_session.rating()

    @property
    def can_rate(self) -> bool:
        return self.rating_session is not None and self.recording is not None

    def rate(self, field: str, value: object, source: str = "human",
             model_id: int | None = None) -> bool:  # fmt: skip
        """Set a field of the open recording's rating; False when refused (see
        :attr:`refusal`) or nothing is open."""
        if not self.can_rate:
            return False
        if field == "emotion" and self.emotion_fixed():
            self.refusal = EMOTION_FIXED
            self.on_change("rating")
            return False
        try:
            if self.rating_session.set(field, value, source, model_id) is not None:
                self._offset_redo.clear()  # a new step: nothing is left to redo
        except EmolabError as exc:
            self.refusal = f"Not saved: {exc.reason}"
            self.on_change("rating")
            return False
        self.refusal = ""
        self.on_change("rating")
        if field == "emotion" or self.study.blind:
            self.on_change("suggestion")  # a hidden suggestion may show now
        return True

    @property
    def form(self) -> RatingForm:
        """The project's rating form (what the rater fills in)."""
        return RatingForm.of(self.project)

    def segments(self) -> list[Segment]:
        """This rater's time-range labels of the open recording (queued ones included)."""
        if not self.can_rate:
            return []
        return self.rating_session.segments()

    def add_segment(self, start: float, end: float, fields: dict | None = None) -> str | None:
        """Mark a range (seconds of audio time) of the open recording; its id, or None when
        refused (see :attr:`refusal`)."""
        return self._segment_edit(lambda r: r.add_segment(start, end, fields))

    def change_segment(self, uid: str, start: float | None = None, end: float | None = None,
                       **values: object) -> bool:  # fmt: skip
        return self._segment_edit(lambda r: r.change_segment(uid, start, end, **values)) is not None

    def delete_segment(self, uid: str) -> bool:
        return self._segment_edit(lambda r: r.delete_segment(uid)) is not None

    def _segment_edit(self, edit):
        if not self.can_rate:
            return None
        try:
            before = len(self.rating_session._undo)
            result = edit(self.rating_session)
            if len(self.rating_session._undo) != before:
                self._offset_redo.clear()  # a new step: nothing is left to redo
        except EmolabError as exc:
            self.refusal = f"Not saved: {exc.reason}"
            self.on_change("rating")
            return None
        self.refusal = ""
        self.on_change("rating")
        return result if result is not None else True

    def emotion_fixed(self) -> bool:
        """True in a blind study once the open recording's form has asked a question that
        names the intended emotion (it is asked after the emotion is chosen): the emotion
        cannot change any more, or the question would have told the rater the answer."""
        if not self.study.blind or not self.can_rate:
            return False
        asks = any("{intended}" in f.prompt for f in self.form.fields if f.type == "yesno")
        return asks and self.rating().made("emotion")

    def _replay_allowed(self, edits: list[Edit]) -> bool:
        if edits and edits[-1].field == "emotion" and self.emotion_fixed():
            self.refusal = EMOTION_FIXED
            self.on_change("rating")
            return False
        return True

    def undo(self) -> Edit | OffsetEdit | None:
        """Take back the newest rating or offset change; returns it (or None)."""
        if self._offset_undo and self._offset_undo[-1][1] == len(self._rating_stack("undo")):
            edit = self._offset_undo.pop()[0]
            self._offset_redo.append((edit, len(self._rating_stack("redo"))))
            self._replay_offsets(edit, "undo")
            return edit
        if not self.rating_session or not self._replay_allowed(self.rating_session._undo):
            return None
        return self._history(self.rating_session.undo())

    def redo(self) -> Edit | OffsetEdit | None:
        """Make the newest undone change again; returns it (or None)."""
        if self._offset_redo and self._offset_redo[-1][1] == len(self._rating_stack("redo")):
            edit = self._offset_redo.pop()[0]
            self._offset_undo.append((edit, len(self._rating_stack("undo"))))
            self._replay_offsets(edit, "redo")
            return edit
        if not self.rating_session or not self._replay_allowed(self.rating_session._redo):
            return None
        return self._history(self.rating_session.redo())

    def _history(self, edit: Edit | None) -> Edit | None:
        if edit is not None:
            if is_segment_field(edit.field):
                what = ("segment removed" if edit.new is None else "segment added"
                        if edit.old is None else "segment changed")  # fmt: skip
                self._say(f"Undo/redo: {what}")
            else:
                self._say(f"{edit.field}: {edit.old} ↔ {edit.new}")
            self.on_change("rating")
        return edit

    @property
    def can_undo(self) -> bool:
        return bool(self._offset_undo) or bool(self.rating_session and self.rating_session.can_undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._offset_redo) or bool(self.rating_session and self.rating_session.can_redo)

    @property
    def save_state(self) -> SaveState:
        return self.writes.state

    def save_message(self) -> str:
        """What is not saved yet and why ('' when everything is)."""
        if self.writes.state is SaveState.SAVED:
            return "read-only project" if self.project.read_only else ""
        return self.writes.describe()

    def take_dropped(self) -> list[str]:
        """Writes given up on since the last call (e.g. the recording vanished)."""
        dropped = list(self.writes.dropped)
        self.writes.dropped.clear()
        return dropped

    def retry(self) -> bool:
        """Try queued writes again; True when any of them landed."""
        before = len(self.writes.pending)
        self.writes.flush()
        landed = len(self.writes.pending) != before
        self.on_change("rating" if landed else "save")
        return landed

    # ---- what this rater may see -------------------------------------------------------
    def next_recording(self, table, position: int | None) -> int | None:
        """The next-recording policy: the view position to open after ``position`` (None:
        from the top), the next recording in view order, wrapping, whose rating is not
        complete. ``table``: a browse.RecordingTable."""
        return table.next_unrated(position)

    # ---- closing ----------------------------------------------------------------------
    def flush_before_close(self) -> bool:
        """A last try at queued writes, allowed to wait a little longer for another
        program's lock; True when everything is saved."""
        if self.writes.state is SaveState.SAVED:
            return True
        self.project.set_busy_timeout(CLOSING_BUSY_TIMEOUT_MS)
        self.writes.flush()
        self.project.set_busy_timeout(INTERACTIVE_BUSY_TIMEOUT_MS)
        return self.writes.state is SaveState.SAVED

    def write_recovery(self, folder: Path) -> str:
        """Keep unsaved edits in a JSON file under ``folder``; says where (or why not)."""
        stamp = utc_now().replace(":", "").replace(".", "")[:17]
        target = folder / f"{self.project.path.stem}-{stamp}.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(self.writes.recovery_json(), encoding="utf-8")
        except OSError as exc:
            return f"They could not be kept in a recovery file either ({exc.strerror})."
        return f"They were written to {target}."

    def close(self) -> None:
        for kind in ("predict", "rows", "audio", "motion", "offset"):
            self.jobs.cancel(kind)
        self.project.close()

    def _say(self, text: str) -> None:
        self.message = text
        self.on_change("message")
