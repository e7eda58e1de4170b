"""An accelerometer recording in the player: acceleration lanes under the waveform on its
time axis, the skeleton area says why it is empty, the offset moves the lanes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from emolab.core.timebase import ManualClock
from emolab.features.display import RecordingMedia, audio_overview
from emolab.gui.player import Player
from emolab.gui.widgets.traces import AccelerationTraceView, lane_scale
from emolab.project.timing import TimeMapping
from tests.sensor_data import demo_motion, sensors_from_motion


@pytest.fixture(scope="module")
def recording():
    motion = demo_motion()
    sensors = sensors_from_motion(motion, smooth_s=0.03, height=1.75, gyroscope=True)
    samples = (0.2 * np.sin(np.arange(int(16000 * motion.duration)) / 9.0)).astype(np.float32)
    return motion, sensors, samples


def test_lanes_one_per_sensor_with_a_common_scale(qtbot, recording):
    _, sensors, _ = recording
    view = AccelerationTraceView()
    qtbot.addWidget(view)
    view.set_clip(sensors)
    assert view.isVisibleTo(view) or not view.isHidden()
    assert len(view.curves) == sensors.n_joints == 4
    assert [label.toPlainText() for label in view.labels] == list(sensors.joint_names)
    assert view.scale == lane_scale(sensors.acceleration_magnitude(), True) >= 1.5 * 9.80665
    assert "lane" in view.caption() and "1 g" in view.caption()
    top_lane = view.curves[0].getData()[1]
    assert np.nanmin(top_lane) >= sensors.n_joints - 1  # the first sensor is on top
    view.set_clip(None)
    assert view.isHidden() and view.curves == []


def test_player_shows_lanes_follows_the_waveform_and_the_offset(qtbot, recording, tmp_path):
    motion, sensors, samples = recording
    player = Player(clock_factory=lambda _path: ManualClock(), use_audio=False)
    qtbot.addWidget(player)
    player.resize(1000, 600)
    player.show()
    media = RecordingMedia(
        1,
        samples=samples,
        samplerate=16000,
        overview=audio_overview(samples, 16000),
        motion=sensors,
    )
    player.show_time_axis(media, TimeMapping(0.0, sensors))
    player.show_motion(TimeMapping(0.0, sensors), loading=False)
    assert player.traces.isVisible()
    assert "Accelerometers on 4 joints" in player.skeleton.placeholder.text()
    assert player.skeleton._stack.currentWidget() is player.skeleton.placeholder
    # linked: the same times at the same screen columns (pyqtgraph widens the range of the
    # wider view by its extra pixels)
    wave = player.waveform.wave.vb
    lanes = player.traces.plot.getViewBox()
    for t in (0.5, 2.5):
        on_wave = wave.mapViewToDevice(pg.Point(t, 0)).x()
        on_lanes = lanes.mapViewToDevice(pg.Point(t, 0)).x()
        wave_x = player.waveform._layout.mapToGlobal(pg.QtCore.QPoint(int(on_wave), 0)).x()
        lanes_x = player.traces.plot.mapToGlobal(pg.QtCore.QPoint(int(on_lanes), 0)).x()
        assert abs(wave_x - lanes_x) <= 2
    player.playback.seek(1.25)
    assert player.traces.playhead.value() == pytest.approx(1.25)
    player.set_timing(TimeMapping(0.25, sensors))
    assert player.traces.curves[0].pos().x() == pytest.approx(-0.25)
    player.grab().save(str(tmp_path / "accelerometer-player.png"))
    # a recording with joint positions: no lanes, the skeleton is drawn
    player.show_motion(TimeMapping(0.0, motion), loading=False)
    assert player.traces.isHidden()
    assert player.skeleton._stack.currentWidget() is not player.skeleton.placeholder


def test_without_audio_the_lanes_show_the_whole_recording(qtbot, recording):
    _, sensors, _ = recording
    player = Player(clock_factory=lambda _path: ManualClock(), use_audio=False)
    qtbot.addWidget(player)
    player.show()
    media = RecordingMedia(1, motion=sensors)
    player.show_time_axis(media, TimeMapping(0.0, sensors))
    player.show_motion(TimeMapping(0.0, sensors), loading=False)
    low, high = player.traces.plot.getViewBox().viewRange()[0]
    assert low == pytest.approx(0.0, abs=1e-6) and high == pytest.approx(sensors.duration)
    with qtbot.waitSignal(player.traces.seek_requested, timeout=1000) as caught:
        player.traces.seek_requested.emit(1.0)
    assert caught.args == [1.0]
