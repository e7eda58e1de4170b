from __future__ import annotations

import numpy as np

from emolab.demo.corpus import conditions, generate_recording, make_participant
from emolab.gui.widgets.skeleton import SkeletonView


def clip():
    person = make_participant(1, 0)
    _, motion = generate_recording(person, conditions(1)[20], 0)
    return motion


def test_missing_joints_orbit_zoom_and_reset(qtbot):
    motion = clip()
    motion.positions[10:40, motion.skeleton.joint("left_hand")] = np.nan
    view = SkeletonView()
    qtbot.addWidget(view)
    view.resize(400, 500)
    view.show()
    view.set_clip(motion)
    view.set_time(motion.frame_times[20])
    assert view.frame == 20
    shown = len(view.joints.data)
    assert shown == motion.n_joints - 1  # the missing hand is not drawn at the origin
    before = view.bones[-1].getData()[0].copy()
    view.camera.orbit(40, 0)
    view.redraw()
    assert not np.allclose(before, view.bones[-1].getData()[0])
    view.camera.zoom = 2.0
    view.apply_zoom()
    view.reset_view()
    assert (view.camera.azimuth, view.camera.zoom) == (20.0, 1.0)
    assert "frame 21/" in view.readout.text()


def test_placeholder_without_motion(qtbot):
    view = SkeletonView()
    qtbot.addWidget(view)
    view.set_clip(None)
    assert view._stack.currentWidget() is view.placeholder
