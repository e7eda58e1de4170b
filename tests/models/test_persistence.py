from __future__ import annotations

import numpy as np
import pytest
import skops.io

from emolab.core.errors import UnsafeModel
from emolab.models.persistence import model_from_bytes, model_to_bytes
from emolab.models.training import fit


class Payload:
    """Stands in for an attacker's class: not on the allow-list."""

    def __init__(self):
        self.command = "rm -rf ~"


def test_round_trip_keeps_predictions(small_dataset):
    model = fit(small_dataset, "late")
    again = model_from_bytes(model_to_bytes(model))
    X = small_dataset.design_matrix()[:20]
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X))


def test_a_crafted_model_with_an_untrusted_type_is_refused():
    data = skops.io.dumps({"model": Payload()})
    with pytest.raises(UnsafeModel, match="allow-list") as info:
        model_from_bytes(data, "shared.emolab")
    assert "Payload" in str(info.value)
    assert "shared.emolab" in str(info.value)


def test_garbage_is_refused():
    with pytest.raises(UnsafeModel, match="not a readable skops model"):
        model_from_bytes(b"PK\x03\x04 definitely not a model", "x.skops")
