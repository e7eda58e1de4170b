from __future__ import annotations

import shutil

from emolab.core.progress import run_to_end
from emolab.gui.widgets.browser import COLUMNS
from emolab.project.importer import import_folder
from emolab.project.store import Project
from tests.gui.conftest import show_recording


def visible_rows(window):
    return window.browser.model.rowCount()


def test_text_and_facet_filters(window):
    assert visible_rows(window) == 240
    window.browser.search.setText("angry")
    assert 0 < visible_rows(window) < 240
    window.browser.search.clear()
    box = window.browser.facet_boxes["participant"]
    box.setCurrentIndex(box.findData("02"))
    assert visible_rows(window) == 60
    status = window.browser.facet_boxes["status"]
    assert status.findData("unrated") >= 0


def test_selecting_a_row_opens_the_recording(qtbot, window):
    target = window.browser.model.rows[10].recording_id
    show_recording(qtbot, window, target)
    assert window.recording_id == target
    assert window.session.recording.key in window.rating_form.title.text()


def test_audio_only_and_body_only_recordings_show_placeholders(qtbot, tmp_path, small_demo):
    from emolab.gui.main_window import MainWindow

    folder = tmp_path / "rec"
    shutil.copytree(small_demo.parent / "corpus" / "P01", folder)
    for path in folder.glob("01-03-*.csv"):
        path.unlink()
    for path in folder.glob("02-04-*.wav"):
        path.unlink()
    with Project.create(tmp_path / "p.emolab") as project:
        run_to_end(import_folder(project, folder))
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    window.open_project(tmp_path / "p.emolab", rater="tester")
    assert window.wait_for_media()
    rows = {r.emotion: r for r in window.browser.model.rows}
    show_recording(qtbot, window, rows["happy"].recording_id)
    assert window.session.motion is None
    assert window.skeleton._stack.currentWidget() is window.skeleton.placeholder
    show_recording(qtbot, window, rows["sad"].recording_id)
    assert window.waveform._stack.currentWidget() is window.waveform.placeholder
    assert window.timeline.duration > 1  # motion-only recordings still play
    window.jobs.shutdown()
    window.close()


def test_dock_layout_persists(qtbot, gui_copy):
    from emolab.gui.main_window import MainWindow

    first = MainWindow(use_audio=False)
    qtbot.addWidget(first)
    first.show()
    first.docks["suggestions"].hide()
    first.close()
    second = MainWindow(use_audio=False)
    qtbot.addWidget(second)
    second.show()
    assert not second.docks["suggestions"].isVisible()
    assert second.docks["rating"].isVisible()
    second.close()


def test_validity_column_follows_ratings(window):
    intended = window.session.recording.emotion
    window.rate("emotion", intended)
    row = next(r for r in window.browser.model.rows if r.recording_id == window.recording_id)
    assert row.validity == 1.0 and row.raters == 1
    model = window.browser.model
    column = [name for name, _ in COLUMNS].index("validity")
    index = model.index(model.row_of(window.recording_id), column)
    assert model.data(index) == "100% of 1"


def test_a_confidence_outside_the_models_training_data_is_marked(qtbot, window):
    from PySide6.QtCore import Qt

    model = window.browser.model
    column = [name for name, _ in COLUMNS].index("confidence")
    first, second = (model.rows[i].recording_id for i in (0, 1))
    window.project.execute("UPDATE suggestions SET domain = ? WHERE recording_id = ?",
                           ('{"outside": true, "audio": 9.1}', first))  # fmt: skip
    window.refresh_rows()
    qtbot.waitUntil(lambda: window.rows_ready, timeout=30_000)
    marked = model.index(model.row_of(first), column)
    plain = model.index(model.row_of(second), column)
    assert model.data(marked).endswith("% ⚠")
    assert "not calibrated" in model.data(marked, Qt.ItemDataRole.ToolTipRole)
    assert not model.data(plain).endswith("⚠")
    assert model.data(plain, Qt.ItemDataRole.ToolTipRole) is None
