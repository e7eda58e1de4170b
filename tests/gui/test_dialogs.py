from __future__ import annotations

import shutil

import pytest

from emolab.gui.dialogs import ImportDialog
from emolab.project.store import Project


@pytest.fixture
def folder(tmp_path, small_demo):
    target = tmp_path / "rec"
    shutil.copytree(small_demo.parent / "corpus" / "P03", target)
    (target / "02-09-01-01-01-03-03.wav").write_bytes(b"")  # a bad name
    return target


def test_import_dialog_runs_in_a_worker_and_shows_the_report(qtbot, tmp_path, folder):
    path = tmp_path / "p.emolab"
    Project.create(path).close()
    dialog = ImportDialog(path, folder=folder)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.imported, timeout=60_000)
    text = dialog.text.toPlainText()
    assert "Recordings added: 60" in text
    assert "02-09-01-01-01-03-03.wav: emotion code 09 is unknown" in text
    assert "1 rejected" in dialog.status.text()
    with Project.open(path) as project:
        assert project.summary().paired == 60
    dialog.close()


def test_a_missing_folder_is_refused_in_the_dialog(qtbot, tmp_path):
    path = tmp_path / "p.emolab"
    Project.create(path).close()
    dialog = ImportDialog(path, folder=tmp_path / "nope")
    qtbot.addWidget(dialog)
    dialog.start()
    assert "not a folder" in dialog.status.text()
    assert not dialog.imported


def test_first_launch_builds_and_opens_the_demo(qtbot, monkeypatch, small_demo):
    import emolab.project.demo as demo
    from emolab.gui.main_window import MainWindow

    real = demo.build_demo_project

    def one_participant(folder, cancel=None):
        return real(folder, participants=1, cancel=cancel)

    monkeypatch.setattr(demo, "build_demo_project", one_participant)
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    monkeypatch.setattr("emolab.gui.dialogs.QInputDialog.getText",
                        lambda *a, **k: ("first user", True))  # fmt: skip
    window.files.open_demo()
    qtbot.waitUntil(lambda: window.project is not None, timeout=60_000)
    assert window.project.synthetic
    assert window.project.path == demo.default_demo_dir() / "demo.emolab"
    assert window.status.data_badge.text() == "SYNTHETIC demo data"
    assert window.status.rater_label.text() == "rater: first user"
    window.jobs.shutdown()
    window.close()
