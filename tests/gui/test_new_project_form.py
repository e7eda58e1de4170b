"""A new project's rating form is chosen when it is created."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from emolab.gui.dialogs import FormChooser, new_project
from emolab.project.forms import RatingForm
from emolab.project.store import Project


def test_the_chooser_previews_bundled_forms_and_refuses_a_broken_file(qtbot, tmp_path):
    chooser = FormChooser()
    qtbot.addWidget(chooser)
    ok = chooser.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert chooser.form().name == "default" and ok.isEnabled()
    assert chooser.show_form("validity").validity == "valid"
    assert "Valid portrayal: yesno (required)" in chooser.preview.text()
    assert "answering yes" in chooser.preview.text()
    broken = tmp_path / "broken.json"
    broken.write_text('{"emotions": ["a", "b"], "fields": []}')
    assert chooser.show_form(broken) is None
    assert "broken.json" in chooser.preview.text() and not ok.isEnabled()


def test_a_new_project_keeps_the_chosen_form(qtbot, tmp_path):
    path = new_project(None, tmp_path / "study", RatingForm.load("validity"))
    assert path == tmp_path / "study.emolab"
    with Project.open(path) as project:
        assert RatingForm.of(project) == RatingForm.load("validity")
