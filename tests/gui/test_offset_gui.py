"""Estimating the audio–motion offset in the window: O (or the transport's button) shows
the estimate with its confidence, Enter applies it, Ctrl+Z takes it back; a folder's
estimates after an import are applied as one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from emolab.core.progress import run_to_end
from emolab.demo.sync import sync_pair, write_sync_pair
from emolab.project.importer import import_folder
from emolab.project.store import Project

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
TRUTH = {1: 0.62, 2: -1.35}


@pytest.fixture(scope="module")
def sync_media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync-gui") / "media"
    for participant, offset in TRUTH.items():
        pair = sync_pair(seed=participant, offset=offset, fps=60.0, takes=2)
        write_sync_pair(folder / f"P{participant}", pair, participant=participant)
    pair = sync_pair(seed=3, offset=0.2, fps=60.0, takes=2, clap_at=None)
    write_sync_pair(folder / "P3", pair, participant=3)
    return folder


@pytest.fixture
def sync_window(qtbot, sync_media, clock):
    from emolab.gui.main_window import MainWindow

    path = sync_media.parent / "sync.emolab"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with Project.open(path, create=True) as project:
        run_to_end(import_folder(project, sync_media))
    w = MainWindow(clock_factory=lambda _path: clock, use_audio=False, predict_delay_ms=0)
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    assert w.open_project(path, rater="tester")
    qtbot.waitUntil(lambda: w.predictions_ready and w.media_ready and w.rows_ready,
                    timeout=60_000)  # fmt: skip
    yield w
    w.close()


def _show(qtbot, window, participant: int) -> int:
    from tests.gui.conftest import show_recording

    rid = {int(r.participant): r.id for r in window.project.recordings()}[participant]
    show_recording(qtbot, window, rid)
    return rid


def _stored(window, rid: int) -> float:
    with Project.open(window.project.path) as other:
        return other.recording(rid).sync_offset


def test_o_shows_the_estimate_enter_applies_it_undo_restores(qtbot, sync_window):
    w = sync_window
    rid = _show(qtbot, w, 1)
    assert w.handle_key(Qt.Key.Key_O, NONE)
    qtbot.waitUntil(lambda: w.offsets.dialog is not None and w.offsets.dialog.isVisible(),
                    timeout=30_000)  # fmt: skip
    dialog = w.offsets.dialog
    text = dialog.text.text()
    assert "Estimated motion offset: +0.6" in text and "clap" in text and "Confidence" in text
    assert dialog.apply_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    offset = w.session.timing.offset
    assert offset == pytest.approx(TRUTH[1], abs=1 / 60)
    assert w.transport.offset.value() == pytest.approx(offset, abs=1e-3)
    assert _stored(w, rid) == pytest.approx(offset)
    assert w.offsets.dialog is None and w.actions["undo"].isEnabled()
    # the skeleton shows the frame of audio time + the new offset
    w.playback.seek(3.0)
    assert w.displayed_frame() == w.session.motion.frame_at(3.0 + offset)
    assert w.handle_key(Qt.Key.Key_Z, CTRL)
    assert w.session.timing.offset == 0.0 and w.transport.offset.value() == 0.0
    assert _stored(w, rid) == 0.0
    assert w.handle_key(Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert _stored(w, rid) == pytest.approx(offset)


def test_no_usable_estimate_shows_why_and_offers_nothing(qtbot, sync_window):
    w = sync_window
    rid = _show(qtbot, w, 3)  # speech without a clap
    w.transport.estimate.click()
    qtbot.waitUntil(lambda: w.offsets.dialog is not None and w.offsets.dialog.isVisible(),
                    timeout=30_000)  # fmt: skip
    dialog = w.offsets.dialog
    assert dialog.text.text().startswith("No usable estimate:")
    assert dialog.apply_button is None
    dialog.reject()
    assert w.offsets.dialog is None and _stored(w, rid) == 0.0


def test_opening_another_recording_closes_the_estimate(qtbot, sync_window):
    w = sync_window
    _show(qtbot, w, 1)
    w.offsets.estimate()
    qtbot.waitUntil(lambda: w.offsets.dialog is not None, timeout=30_000)
    other = _show(qtbot, w, 2)
    assert w.offsets.dialog is None and w.session.offset_estimate is None
    assert _stored(w, other) == 0.0


def test_a_folders_confident_estimates_are_applied_as_one_undo_step(qtbot, sync_window,
                                                                    sync_media):  # fmt: skip
    w = sync_window
    w.offsets.estimate_folder(sync_media)
    qtbot.waitUntil(lambda: w.offsets.folder_dialog is not None, timeout=60_000)
    dialog = w.offsets.folder_dialog
    assert dialog.table.rowCount() == 3
    assert dialog.apply_button.text() == "Apply 2" and dialog.apply_button.isEnabled()
    reasons = [dialog.table.item(r, 4).text() for r in range(3)]
    assert reasons.count("clap") == 2
    dialog.apply_button.click()
    ids = {int(r.participant): r.id for r in w.project.recordings()}
    for participant, truth in TRUTH.items():
        assert _stored(w, ids[participant]) == pytest.approx(truth, abs=1 / 60)
    w.undo()
    assert all(_stored(w, rid) == 0.0 for rid in ids.values())


def test_the_import_dialog_offers_estimating_offsets(qtbot, sync_window):
    from emolab.gui.dialogs import ImportDialog

    dialog = ImportDialog(sync_window.project.path, sync_window)
    qtbot.addWidget(dialog)
    assert "audio–motion offset" in dialog.estimate_offsets.text()
    assert not dialog.estimate_offsets.isChecked()
