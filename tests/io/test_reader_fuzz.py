"""Every reader, fed damaged or random files, gives a valid result or an EmolabError.

The cases (valid files with truncation, byte flips, numbers replaced by inf / nan / huge
or negative values or words, deep nesting, cyclic parents; random bytes) come from
``tests/fuzz_readers.py``, which runs far more of them by hand. Here the seed is fixed.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_readers import TARGETS

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


@pytest.mark.parametrize("reader", list(TARGETS))
@FUZZ
@given(data=st.data())
def test_reader_gives_a_valid_result_or_a_typed_error(reader, data, workdir):
    """Audio, BVH, CSV, NPZ, C3D, accelerometer CSV, and names with scheme files: read,
    or a typed error."""
    target = TARGETS[reader]
    target.run(data.draw(target.cases(), label=reader), workdir)
