"""Every reader, fed damaged or random files, gives a valid result or an EmolabError.

The cases (valid files with truncation, byte flips, numbers replaced by inf / nan / huge
or negative values or words, deep nesting, cyclic parents; random bytes) come from
``tests/fuzz_readers.py``, which runs far more of them by hand. Here the seed is fixed.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz_readers import (
    audio_cases,
    bvh_cases,
    csv_cases,
    name_cases,
    npz_cases,
    run_audio,
    run_motion,
    run_names,
)

FUZZ = settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(case=audio_cases())
def test_audio_reader_gives_clean_samples_or_a_typed_error(case, workdir):
    run_audio(case, workdir)


@FUZZ
@given(case=bvh_cases())
def test_bvh_reader_gives_a_valid_clip_or_a_typed_error(case, workdir):
    run_motion(case, workdir)


@FUZZ
@given(case=csv_cases())
def test_csv_reader_gives_a_valid_clip_or_a_typed_error(case, workdir):
    run_motion(case, workdir)


@FUZZ
@given(case=npz_cases())
def test_npz_reader_gives_a_valid_clip_or_a_typed_error(case, workdir):
    run_motion(case, workdir)


@FUZZ
@given(case=name_cases())
def test_names_and_scheme_files_parse_or_give_a_typed_error(case, workdir):
    run_names(case, workdir)
