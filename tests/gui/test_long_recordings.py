"""Long recordings in the waveform view: a window of detail that follows the playhead, an
overview of the whole, and a plotted point count that does not grow with length."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from emolab.features.display import DEFAULT_WINDOW_S
from emolab.gui.widgets.waveform import WaveformView

SR = 16_000


def synthetic(minutes: float) -> np.ndarray:
    """Speech-like bursts of a gliding tone in faint noise, float32 at 16 kHz."""
    rng = np.random.default_rng(0)
    t = np.arange(int(minutes * 60 * SR), dtype=np.float32) / SR
    bursts = (np.sin(2 * np.pi * 0.4 * t) > 0).astype(np.float32)
    voice = 0.4 * bursts * np.sin(2 * np.pi * (150 + 30 * np.sin(t)) * t)
    return (voice + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.fixture(scope="module")
def ten_minutes() -> np.ndarray:
    return synthetic(10)


@pytest.fixture
def view(qtbot):
    widget = WaveformView()
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def view_range(view: WaveformView) -> tuple[float, float]:
    return tuple(view.wave.vb.viewRange()[0])


def plotted_points(view: WaveformView) -> int:
    x, _ = view.curve.getData()
    return 0 if x is None else len(x)


def covers(view: WaveformView, start: float, end: float) -> bool:
    """The detail waveform is drawn over ``start``–``end`` seconds."""
    x, _ = view.curve.getData()
    return x is not None and len(x) > 0 and x[0] <= start and x[-1] >= end


def click(qtbot, view: WaveformView, plot, seconds: float) -> None:
    scene = plot.vb.mapViewToScene(QPointF(seconds, 0.0))
    qtbot.mouseClick(view._layout.viewport(), Qt.MouseButton.LeftButton,
                     pos=view._layout.mapFromScene(scene))  # fmt: skip


@pytest.mark.parametrize("minutes", [1, 10])
def test_plotted_points_stay_bounded_by_the_pixel_width(view, ten_minutes, minutes):
    samples = ten_minutes[: minutes * 60 * SR]
    view.set_audio(samples, SR, len(samples) / SR)
    width = view.wave.vb.width()
    assert width > 500
    assert view_range(view) == pytest.approx((0, DEFAULT_WINDOW_S))
    assert 0 < plotted_points(view) <= 4 * width
    x, y = view.overview_curve.getData()
    assert len(x) == 2 * 6000  # the overview: min and max of a fixed number of columns
    assert y.max() == samples.max() and y.min() == samples.min()
    view.time_window.show(0, len(samples) / SR)  # zoomed out to the whole recording
    view.refresh_detail()
    assert plotted_points(view) <= 4 * width


def test_short_recording_is_shown_whole(view, tone):
    samples, sr = tone
    view.set_audio(samples, sr, 1.0)
    assert view_range(view) == pytest.approx((0, 1.0))
    assert view.overview_region.getRegion() == pytest.approx((0, 1.0))
    assert view.image.image is not None


def test_window_follows_the_playhead_only_when_it_leaves(view, ten_minutes):
    view.set_audio(ten_minutes, SR, 600.0)
    drawn = view.curve.getData()[0]
    for t in np.arange(0, 10, 1 / 60):  # a playing tick moves the lines, never re-plots
        view.set_position(float(t))
        assert view.playheads[0].value() == pytest.approx(t)
    assert view.curve.getData()[0] is drawn
    assert view_range(view) == pytest.approx((0, DEFAULT_WINDOW_S))
    view.set_position(10.2)  # leaves the view: it pages, keeping its span
    start, end = view_range(view)
    assert start < 10.2 < end and end - start == pytest.approx(DEFAULT_WINDOW_S)
    assert view.overview_region.getRegion() == pytest.approx((start, end))
    assert covers(view, start, end)  # detail drawn for the new window
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert rect.left() <= start and rect.right() >= end  # and its spectrogram
    view.set_position(412.0)  # a seek far away
    assert view_range(view)[0] < 412.0 < view_range(view)[1]


def test_clicking_the_overview_moves_the_view_without_seeking(qtbot, view, ten_minutes):
    view.set_audio(ten_minutes, SR, 600.0)
    with qtbot.assertNotEmitted(view.seek_requested):
        click(qtbot, view, view.overview, 300.0)
    start, end = view_range(view)
    assert (start + end) / 2 == pytest.approx(300.0, abs=2.0)
    assert end - start == pytest.approx(DEFAULT_WINDOW_S)
    assert view.overview_region.getRegion() == pytest.approx((start, end))
    with qtbot.waitSignal(view.seek_requested) as seek:
        click(qtbot, view, view.wave, 301.0)
    assert seek.args[0] == pytest.approx(301.0, abs=0.1)


def test_dragging_the_overview_region_moves_and_zooms_the_view(qtbot, view, ten_minutes):
    view.set_audio(ten_minutes, SR, 600.0)
    view.overview_region.setRegion((100.0, 130.0))
    assert view_range(view) == pytest.approx((100.0, 130.0))
    qtbot.waitUntil(lambda: covers(view, 100.0, 130.0))
    assert plotted_points(view) <= 4 * view.wave.vb.width()


def test_panning_the_detail_moves_the_overview_region(qtbot, view, ten_minutes):
    view.set_audio(ten_minutes, SR, 600.0)
    view.wave.setXRange(200.0, 205.0, padding=0)
    assert view.overview_region.getRegion() == pytest.approx((200.0, 205.0))
    qtbot.waitUntil(lambda: covers(view, 200.0, 205.0))


def test_no_audio_shows_the_placeholder(view, ten_minutes):
    view.set_audio(ten_minutes, SR, 600.0)
    view.set_audio(None, 0, 3.0)
    assert view._stack.currentWidget() is view.placeholder
    view.set_position(100.0)  # nothing to page
