"""What a rater may see of the model's suggestion now (part of the session model):
hidden in a blind study until they rated the recording, hidden until they chose an emotion
when the project says so, being computed, missing, or shown."""

from __future__ import annotations

from dataclasses import dataclass

from emolab.project.writes import PendingWrite

HIDE_SETTING = "hide_suggestions_until_rated"


@dataclass(frozen=True)
class SuggestionView:
    """What the suggestion panel and the emotion strip show now.

    ``state``: 'none' (no recording), 'computing', 'hidden' (this rater has not chosen
    yet and the project hides suggestions until then), 'missing' or 'shown'."""

    state: str
    message: str = ""
    suggestion: object | None = None  # project.models.Suggestion
    track: dict | None = None  # emotion over time, when shown
    model: object | None = None  # project.models.ModelInfo of the active model


class SuggestionVisibility:
    """Mixed into :class:`~emolab.project.session.Session` (it supplies ``project``,
    ``writes``, ``recording``, ``rating()``, ``sees_everything()`` and ``on_change``)."""

    def set_hide_suggestions(self, on: bool) -> None:
        """Hide suggestions until this rater has chosen an emotion (a project setting)."""
        self.hide_suggestions = bool(on)
        self.writes.submit(PendingWrite(
            "the hide-suggestions setting",
            lambda project: project.set_setting(HIDE_SETTING, bool(on)),
            ("setting", HIDE_SETTING), bool(on)))  # fmt: skip
        self.on_change("save")
        self.on_change("suggestion")

    def suggestions_hidden(self) -> bool:
        """True while the open recording's suggestion must not be shown to this rater."""
        if not self.hide_suggestions:
            return False
        mine = self.rating()
        return mine is None or mine.emotion is None

    def read_active_model(self) -> None:
        """Re-read which model is active (after a prediction, import or activation)."""
        row = self.project.execute("SELECT id FROM models WHERE active = 1").fetchone()
        self.model_id = row[0] if row else None
        self._model_info = self._suggestions = None

    def predictions_done(self) -> None:
        self.predictions_ready = True
        self.read_active_model()
        self.on_change("suggestion")

    def suggestion_view(self) -> SuggestionView:
        """The suggestion panel's content as this rater may see it now."""
        from emolab.project.models import models, suggestions

        waiting = not self.predictions_ready
        if self.recording is None:
            return SuggestionView("none", "No recording selected")
        if not self.sees_everything():
            return SuggestionView("hidden", "Hidden in this blind study until you have rated "
                                  "this recording completely.")  # fmt: skip
        if self.model_id is None:
            return SuggestionView("computing", "Suggestions are being computed …")
        # cached per model and per recording: reading and decoding cards and emotion tracks
        # (JSON) cost tens of milliseconds, twice per switch otherwise
        if self._model_info is None or self._model_info[0] != self.model_id:
            info = next((m for m in models(self.project) if m.id == self.model_id), None)
            self._model_info = (self.model_id, info)
        info = self._model_info[1]
        key = (self.recording.id, self.model_id)
        if self._suggestions is None or self._suggestions[0] != key:
            self._suggestions = (key, suggestions(self.project, *key))
        found = self._suggestions[1]
        if self.suggestions_hidden():
            return SuggestionView("hidden", "Hidden until you choose an emotion (project "
                                  "setting), so the model cannot anchor your judgement.",
                                  model=info)  # fmt: skip
        if not found:
            if waiting:
                return SuggestionView("computing", "Suggestions are being computed …", model=info)
            return SuggestionView("missing", "No suggestion yet for this recording.", model=info)
        return SuggestionView("shown", "", found[0], found[0].track, info)
