"""Saving and loading models safely: skops with an explicit allow-list of types.

Nothing is ever unpickled. A model's bytes are inspected first; any type skops does not
trust by default and that is not on :data:`TRUSTED_TYPES` makes the load fail with
:class:`UnsafeModel`, so a shared project or model file cannot run code. The loaded model
is then checked structurally (:mod:`emolab.models.validation`) before anyone can use it,
so a tampered tree or coefficient array cannot crash or hang the process either.
"""

from __future__ import annotations

from pathlib import Path

from emolab.core.errors import UnsafeModel

#: Types beyond skops' defaults that emolab's own models are made of.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "emolab.models.fusion.GroupCalibrated",
        "emolab.models.fusion.LateFusion",
        "emolab.models.fusion.ModalityClassifier",
        "emolab.models.fusion.ParticipantScaler",
        "emolab.models.fusion.TemporalFusion",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._TemperatureScaling",
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        "sklearn.tree._tree.Tree",
    }
)


def model_to_bytes(model) -> bytes:
    """Serialise a fitted model with skops."""
    import skops.io

    return skops.io.dumps(model)


def model_from_bytes(
    data: bytes, source: str | Path = "model", n_features: int | None = None
) -> object:
    """Load and validate a model, refusing any type outside skops' defaults and the
    allow-list and any inconsistent content; ``n_features`` as in ``validate_estimator``."""
    import skops.io

    from emolab.models.validation import validate_estimator

    if not data:
        raise UnsafeModel("is empty, not a skops model", source)
    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as exc:
        raise UnsafeModel(f"is not a readable skops model ({exc})", source) from exc
    unknown = sorted(set(untrusted) - TRUSTED_TYPES)
    if unknown:
        raise UnsafeModel(
            "contains types outside emolab's allow-list and was not loaded: "
            + ", ".join(unknown[:5])
            + (" …" if len(unknown) > 5 else ""),
            source,
        )
    try:
        model = skops.io.loads(data, trusted=list(untrusted))
    except Exception as exc:
        raise UnsafeModel(f"is not a readable skops model ({exc})", source) from exc
    validate_estimator(model, n_features, source)
    return model
