"""Renders a :class:`~emolab.project.session.Session` into the window's widgets.

The session says which aspect changed; this puts it on screen and holds no state of its
own beyond the retry timer that keeps trying queued writes while they wait."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer

from emolab.gui.dialogs import show_problem
from emolab.project.session import Session
from emolab.project.writes import SaveState


class SessionView:
    """The window's widgets, as the session's listener (``render(aspect)``)."""

    #: How often queued writes are retried while another program holds the project's lock.
    RETRY_INTERVAL_MS = 1000

    def __init__(self, window):
        self.window = window
        self.session: Session | None = None
        self.retry_timer = QTimer(window)
        self.retry_timer.setInterval(self.RETRY_INTERVAL_MS)
        self.retry_timer.timeout.connect(self.retry)

    def retry(self) -> None:
        """Try queued writes again (on the timer while they wait, and on demand)."""
        if self.session is None:
            self.retry_timer.stop()
        else:
            self.session.retry()

    def job_finished(self, kind: str, result: object) -> None:
        """Put a finished job's result where it belongs."""
        w = self.window
        if kind in ("audio", "motion") and w.session is not None:
            w.session.media_arrived(kind, result)
        elif kind == "offset" and w.session is not None:
            w.status.job_done("")
            w.session.offset_arrived(result)
        elif kind == "offsets" and w.session is not None:
            w.status.job_done("Audio–motion offsets estimated")
            w.offsets.show_folder(result)
        elif kind == "rows":
            w.show_rows(result)
        elif kind == "predict" and w.session is not None:
            w.status.job_done(f"Suggestions added: {result.added}")
            for notice in result.notices:  # e.g. the active model was refused
                w.suggestion_panel.show_notice(notice)
                w.status.say(notice, 30)
            w.session.predictions_done()
            w.refresh_rows()
            w.models.refresh()  # e.g. the bundled default stored on first use
        elif kind == "demo":
            w.status.job_done("Demo project ready (SYNTHETIC data)")
            w.open_project(Path(result))

    def job_failed(self, kind: str, message: str) -> None:
        w = self.window
        if kind in ("audio", "motion"):
            if w.session is not None:
                w.session.media_failed(kind, message)
            return
        if kind == "offset":
            w.status.job_done("")
            if w.session is not None:
                w.session.offset_failed(message)
            return
        if kind == "predict" and w.session is not None:
            w.session.predictions_done()
        w.status.job_done(f"{kind} failed: {message}")
        if kind not in ("predict", "baseline"):  # a baseline's view says so itself
            show_problem(w, f"{kind} failed", message)

    def render(self, aspect: str) -> None:
        """Show what changed in the session (see project.session.ASPECTS)."""
        s, w = self.session, self.window
        if s is None:
            return
        if aspect == "recording":
            w.player.hold()
            w.offsets.close()  # an estimate of the previous recording
            w.rating_form.show_notice(s.notice)
            self.show_rating()
            w.segments.refresh(reset=True)
            self.show_suggestion(track=False)  # the strip follows the new time axis
        elif aspect == "rating":
            self.show_rating()
            w.segments.refresh()
            if s.recording_id is not None:
                self.refresh_row(s.recording_id)
        elif aspect == "save":
            self.show_save_state()
        elif aspect == "time_axis":
            w.player.show_time_axis(s.media, s.timing)
            w.segments.refresh()  # drawn on the new recording's time axis
            self.show_suggestion()
        elif aspect == "motion":
            w.player.show_motion(s.timing, s.motion_loading)
        elif aspect == "suggestion":
            self.show_suggestion()
        elif aspect == "study":  # blinding, order or condition changed: all of it again
            blind = s.study.blind  # the project-wide views tell one rater about the others
            for action in ("export", "next_useful"):
                w.actions[action].setEnabled(not blind)
            w.agreement.panel.compute.setEnabled(not blind)
            w.refresh_rows(first_page=True)  # also the one listing of a newly opened project
            w.rating_form.show_notice(s.notice)
            self.apply_form()
            self.show_rating()
            w.segments.refresh()
            self.show_suggestion()
        elif aspect == "message":
            w.status.say(s.message, 15)
        elif aspect == "offset_estimate":
            w.offsets.show_estimate()
        elif aspect == "offset":  # recordings' offsets changed (applied, undone, redone)
            w.transport.show_offset(s.timing.offset)
            w.actions["undo"].setEnabled(s.can_undo)
            w.actions["redo"].setEnabled(s.can_redo)
        w.player.set_timing(s.timing)

    def show_idle(self) -> None:
        self.window.rating_form.show_rating("No recording selected", None)
        self.window.segments.refresh(reset=True)
        self.window.suggestion_panel.show_message("No recording selected")

    def apply_form(self) -> None:
        """Show the open project's rating form: the rating panel, its keys (and the ``?``
        help), the segment panel. Called when a project opens; cheap when it is the same."""
        from emolab.core.errors import EmolabError

        s, w = self.session, self.window
        if s is None:
            return
        try:
            form = s.form
        except EmolabError as exc:  # a damaged stored form: say so, keep the one shown
            w.status.say(str(exc), 30)
            return
        if w.rating_form.set_form(form):
            from emolab.gui.actions import rating_commands

            w.actions.set_rating_commands(rating_commands(form))
        w.segments.set_form(form)

    def show_rating(self) -> None:
        s, w = self.session, self.window
        rating = s.rating()
        # a blind rater learns the intended emotion (a validity question names it) only
        # once they chose an emotion themselves
        blind = not s.sees_everything()
        told = not blind or (rating is not None and rating.made("emotion"))
        intended = s.recording.emotion if s.recording is not None and told else None
        w.rating_form.show_rating(s.title(), rating, intended=intended, blind=blind)
        w.actions["undo"].setEnabled(s.can_undo)
        w.actions["redo"].setEnabled(s.can_redo)
        self.show_save_state()
        if s.refusal:  # after the save state, which shares its line
            w.rating_form.show_refusal(s.refusal)

    def show_save_state(self) -> None:
        s, w = self.session, self.window
        state = s.save_state
        w.rating_form.show_save_state(s.rating(), state.value, s.writes.describe())
        w.status.show_save(state, s.save_message())
        if state is SaveState.SAVED:
            self.retry_timer.stop()
        elif not self.retry_timer.isActive():
            self.retry_timer.start()
        if dropped := s.take_dropped():
            w.status.say("Not saved: " + "; ".join(dropped), 15)

    def show_suggestion(self, track: bool = True) -> None:
        view = self.session.suggestion_view()
        panel = self.window.suggestion_panel
        if view.model is not None:
            panel.set_model(view.model.name, view.model.card)
        if track and view.state != "none":
            self.window.waveform.set_track(view.track, waiting=view.state == "computing",
                                           hidden=view.state == "hidden")  # fmt: skip
        if view.state == "shown":
            panel.show_suggestion(view.suggestion)
        else:
            panel.show_message(view.message)

    def refresh_row(self, recording_id: int) -> None:
        """Re-read one browser row (its status, validity and suggestion changed)."""
        from emolab.project.browse import browser_rows
        from emolab.project.study import study_row

        s = self.session
        for row in browser_rows(s.project, s.rater_id, s.model_id, recording_id):
            self.window.browser.update_row(
                study_row(row, s.study, s.pseudonyms.get(row.recording_id))
            )
