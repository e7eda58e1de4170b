"""A blind study in the window: the list and the form show nothing a rater must not see
until they rated a recording; File → Study settings changes it."""

from __future__ import annotations

from emolab.gui.widgets.browser import COLUMNS
from emolab.project.study import Study
from tests.gui.conftest import show_recording


def test_blind_study_hides_columns_keys_and_labels(qtbot, window):
    window.session.set_study(Study(blind=True, order="random", seed=4))
    qtbot.waitUntil(lambda: window.rows_ready)
    browser = window.browser
    fields = [field for field, _ in COLUMNS]
    for field in ("emotion", "suggestion", "validity", "participant", "agreement"):
        assert browser.table.isColumnHidden(fields.index(field)), field
    assert not browser.table.isColumnHidden(fields.index("status"))
    assert not browser.facet_boxes["emotion"].isVisible()
    table = browser.model.table
    first = table.row_at(0)
    assert first.key == "#00001" and first.emotion == ""
    show_recording(qtbot, window, first.recording_id)
    title = window.rating_form.title.text()
    assert "blind" in title and window.session.recording.key not in title
    assert "Hidden in this blind study" in window.suggestion_panel.message.text()
    qtbot.waitUntil(lambda: window.media_ready)
    assert window.waveform.strip_text.toPlainText() == "emotion over time: hidden for now"
    for field, value in (("emotion", "sad"), ("intensity", 2), ("genuineness", 4)):
        window.rate(field, value)
    row = table.row_at(table.position_of(first.recording_id))
    assert row.key.startswith("#00001 ") and row.emotion != ""  # rated: everything shows
    assert window.session.recording.key in window.rating_form.title.text()


def test_study_settings_dialog_saves_to_the_project(qtbot, window, monkeypatch):
    from emolab.gui.study_dialog import StudyDialog
    from emolab.project.study import load_study

    def accept(dialog):
        dialog.blind.setChecked(True)
        dialog.condition.setCurrentIndex(dialog.condition.findData("audio"))
        return StudyDialog.DialogCode.Accepted

    monkeypatch.setattr(StudyDialog, "exec", accept)
    window.actions["study"].trigger()
    assert load_study(window.project) == Study(blind=True, condition="audio")
    assert window.session.condition == "audio"


def test_another_rater_does_not_inherit_what_the_first_may_see(qtbot, window):
    window.session.set_study(Study(blind=True))
    qtbot.waitUntil(lambda: window.rows_ready and window.media_ready)
    for field, value in (("emotion", "sad"), ("intensity", 2), ("genuineness", 4)):
        window.rate(field, value)
    assert "Hidden in this blind study" not in window.suggestion_panel.message.text()
    window.set_rater("bob")
    qtbot.waitUntil(lambda: window.media_ready)
    assert "blind" in window.rating_form.title.text()
    assert "Hidden in this blind study" in window.suggestion_panel.message.text()
    assert not window.suggestion_panel.accept.isVisible()
    assert not window.actions["export"].isEnabled()


def test_cancel_in_the_train_dialog_says_so_at_once(qtbot, window):
    dialog = window.models.train()
    qtbot.addWidget(dialog)
    dialog.start()
    dialog.cancel_button.click()
    assert dialog.status.text().startswith("Cancelled")
    assert dialog.train_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.close()


def test_a_locked_study_dialog_opens_only_with_the_passphrase(qtbot, window, monkeypatch):
    from emolab.gui.study_dialog import StudyDialog
    from emolab.project.study import load_study, save_study

    save_study(window.project, Study(blind=True).locked_with("open sesame"))
    dialog = StudyDialog(load_study(window.project))
    qtbot.addWidget(dialog)
    assert not dialog.blind.isEnabled()
    dialog.blind.setChecked(False)  # cannot take effect while locked
    assert dialog.study().blind
    dialog.unlock_text.setText("wrong")
    assert not dialog.try_unlock() and not dialog.blind.isEnabled()
    dialog.unlock_text.setText("open sesame")
    assert dialog.try_unlock() and dialog.blind.isEnabled()
    dialog.blind.setChecked(False)
    window.session.set_study(dialog.study())
    stored = load_study(window.project)
    assert not stored.blind and stored.locked and stored.opens_with("open sesame")
