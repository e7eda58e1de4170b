"""The study benchmark runs end to end on a copy of the small demo and reports what it did."""

from __future__ import annotations

from emolab.bench_studies import study_figures


def test_study_figures_rate_agree_export_and_merge(demo_copy, tmp_path):
    figures = study_figures(demo_copy, tmp_path, log=lambda _m: None)
    assert figures["ratings"] == 3 * 240
    assert figures["ratings_csv_rows"] == 3 * 240
    # the other rater's five edits each: emotion, validity, two scales, a segment
    assert figures["merge_log_rows_added"] == 5 * 240
    assert figures["form"] == "validity"
    assert figures["export_files"] >= 2 * 240  # an ELAN and a Praat file per recording
    assert all(figures[k] >= 0 for k in figures if k.endswith("_s"))
    assert not demo_copy.with_name("study-target.emolab").exists()
