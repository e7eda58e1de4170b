"""The Agreement panel shows the project's agreement report, computed as a job."""

from __future__ import annotations


def test_the_panel_shows_the_report_of_the_raters(qtbot, window):
    from emolab.project.agreement import agreement_report
    from emolab.project.ratings import set_field

    project = window.project
    a, b = project.ensure_rater("ann"), project.ensure_rater("ben")
    for i, recording in enumerate(project.recordings()[:40]):
        set_field(project, recording.id, a, "emotion", recording.emotion)
        set_field(project, recording.id, b, "emotion", recording.emotion if i % 4 else "calm")
        set_field(project, recording.id, a, "intensity", 1 + i % 5)
        set_field(project, recording.id, b, "intensity", 1 + (i + i % 2) % 5)
    panel = window.agreement.panel
    panel.compute.click()
    qtbot.waitUntil(lambda: panel.report is not None, timeout=60_000)
    expected = agreement_report(project)
    shown = {(panel.fields.item(r, 0).text(), panel.fields.item(r, 1).text()):
             panel.fields.item(r, 2).text() for r in range(panel.fields.rowCount())}  # fmt: skip
    for field in expected.fields:
        for e in field.estimates:
            value = "—" if e.value is None else f"{e.value:.3f}"
            assert shown[(field.field, e.label)] == value
    raters = [panel.raters.item(r, 0).text() for r in range(panel.raters.rowCount())]
    assert {"ann", "ben"} <= set(raters)
    assert "Accepted model suggestions are not counted" in panel.summary.text()


def test_too_few_raters_is_said_not_raised(qtbot, window):
    panel = window.agreement.panel
    panel.compute.click()
    qtbot.waitUntil(lambda: panel.compute.isEnabled(), timeout=60_000)
    assert "rater" in panel.summary.text().lower()
