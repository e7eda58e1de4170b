"""The model card: its formats, the one place that reads their differences, and its checks.

- ``emolab-model-card/1``: ``labels`` is the list of classes; where training labels came
  from is only the sentence ``training.labels_from``.
- ``emolab-model-card/2``: ``classes`` is the list of classes; ``labels`` says where the
  training labels came from, with counts (:func:`labels_block`); ``evaluation`` carries
  95 % intervals over participants.

Readers call :func:`card_classes` and :func:`card_labels` instead of indexing a card, so a
project holding cards of both formats (the bundled default's card is format 1) reads alike.
A card comes from a project file someone else may have written: :func:`check_card` refuses
one that does not have the shape its format promises. No heavy imports here.
"""

from __future__ import annotations

from emolab.models.modes import FUSION_MODES, MODEL_KINDS

CARD_V1 = "emolab-model-card/1"
CARD_V2 = "emolab-model-card/2"
CARD_FORMATS = (CARD_V1, CARD_V2)
METRICS = ("uar", "accuracy", "macro_f1", "ece")
INTENDED_SOURCE = "intended"
INTENDED_LABELS = "intended emotion in the file name"  # training.labels_from, in words


def labels_block(
    source: str,
    per_class: dict[str, int],
    excluded: dict[str, int],
    min_raters: int | None = None,
    min_agreement: float | None = None,
) -> dict:
    """A card's ``labels``: the source (``intended``, ``consensus`` or ``rater:NAME``), its
    thresholds (consensus only; None otherwise), the recordings trained on per class, and
    the recordings left out, counted by reason."""
    return {
        "source": source,
        "min_raters": min_raters,
        "min_agreement": min_agreement,
        "recordings": int(sum(per_class.values())),
        "per_class": {str(k): int(v) for k, v in sorted(per_class.items())},
        "excluded": {str(k): int(v) for k, v in sorted(excluded.items()) if v},
    }


def card_version(card: dict) -> int:
    """1 or 2; ValueError for any other format."""
    fmt = card.get("format")
    if fmt not in CARD_FORMATS:
        raise ValueError(f"its model card has an unknown format {fmt!r}")
    return CARD_FORMATS.index(fmt) + 1


def card_classes(card: dict) -> list[str]:
    """The classes the model predicts, in its order, from a card of either format."""
    return list(card["labels"] if card_version(card) == 1 else card["classes"])


def card_labels(card: dict) -> dict:
    """Where the training labels came from (:func:`labels_block`'s keys) from a card of either
    format. A format-1 card recorded no counts: ``per_class`` and ``excluded`` are None, and
    the source is ``intended`` when its ``labels_from`` says so, else that sentence."""
    if card_version(card) == 2:
        return dict(card["labels"])
    training = card.get("training") or {}
    said = str(training.get("labels_from", ""))
    intended = not said or said.startswith("intended")
    return {
        "source": INTENDED_SOURCE if intended else said,
        "min_raters": None,
        "min_agreement": None,
        "recordings": training.get("recordings"),
        "per_class": None,
        "excluded": None,
    }


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _counts(value: object, what: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and _is_count(v) for k, v in value.items()
    ):
        raise ValueError(f"its model card's {what} is not a table of counts")


def _check_classes(classes: object, key: str) -> None:
    if not (
        isinstance(classes, list)
        and len(classes) >= 2
        and all(isinstance(c, str) and c for c in classes)
        and len(set(classes)) == len(classes)
    ):
        raise ValueError(f"its model card's '{key}' is not a list of 2 or more distinct labels")


def _check_labels_block(block: object) -> None:
    if not isinstance(block, dict):
        raise ValueError("its model card's 'labels' entry is not an object")
    source = block.get("source")
    if not isinstance(source, str) or not (
        source in (INTENDED_SOURCE, "consensus")
        or (source.startswith("rater:") and len(source) > len("rater:"))
    ):
        raise ValueError(f"its model card's label source {source!r} is not intended, "
                         "consensus or rater:NAME")  # fmt: skip
    raters, agreement = block.get("min_raters"), block.get("min_agreement")
    if raters is not None and not (_is_count(raters) and raters >= 1):
        raise ValueError("its model card's 'labels.min_raters' is not a positive integer")
    if agreement is not None and not (_is_number(agreement) and 0 <= agreement <= 1):
        raise ValueError("its model card's 'labels.min_agreement' is not a share (0–1)")
    if not _is_count(block.get("recordings")):
        raise ValueError("its model card's 'labels.recordings' is not a count")
    _counts(block.get("per_class"), "'labels.per_class'")
    _counts(block.get("excluded"), "'labels.excluded'")
    if sum(block["per_class"].values()) != block["recordings"]:
        raise ValueError("its model card's label counts do not add up to 'labels.recordings'")


def _check_evaluation(evaluation: object, version: int) -> None:
    keys = ("uar", "ece") if version == 1 else METRICS
    if not (isinstance(evaluation, dict) and all(_is_number(evaluation.get(k)) for k in keys)):
        raise ValueError(f"its model card's 'evaluation' entry lacks numeric {', '.join(keys)}")
    if version == 1:
        return
    intervals = evaluation.get("intervals")
    if not isinstance(intervals, dict) or not all(
        isinstance(intervals.get(k), list)
        and len(intervals[k]) == 2
        and all(_is_number(x) for x in intervals[k])
        and intervals[k][0] <= intervals[k][1]
        for k in METRICS
    ):
        raise ValueError("its model card's 'evaluation.intervals' lacks a [low, high] interval "
                         f"of each of {', '.join(METRICS)}")  # fmt: skip
    if not isinstance(evaluation.get("reliable"), bool):
        raise ValueError("its model card's 'evaluation.reliable' is not true or false")
    if not isinstance(evaluation.get("confusion"), list):
        raise ValueError("its model card's 'evaluation.confusion' is not a matrix")


def check_card(card: object) -> dict:
    """``card`` when it has the shape its format promises; ValueError saying what is wrong
    (messages start "its model card", to follow a model's name)."""
    if not isinstance(card, dict):
        raise ValueError("its model card is not a JSON object")
    evaluation = card.get("evaluation")
    if evaluation is not None and not isinstance(evaluation, dict):
        raise ValueError("its model card's 'evaluation' entry is not an object")
    version = card_version(card)
    if card.get("fusion") not in FUSION_MODES:
        raise ValueError(f"its model card names an unknown fusion mode {card.get('fusion')!r}")
    if card.get("estimator") not in MODEL_KINDS:
        raise ValueError(f"its model card names an unknown classifier {card.get('estimator')!r}")
    if not isinstance(card.get("training", {}), dict):
        raise ValueError("its model card's 'training' entry is not an object")
    if version == 1:
        _check_classes(card.get("labels"), "labels")
    else:
        _check_classes(card.get("classes"), "classes")
        _check_labels_block(card.get("labels"))
    if evaluation:
        _check_evaluation(evaluation, version)
    return card


def card_summary(card: dict) -> dict:
    """What a list of model versions shows of a (checked) card of either format: fusion,
    classifier, classes, feature sets, label source with counts, and the evaluation's
    figures with their intervals (None where a format-1 card has none)."""
    fusion = card["fusion"]
    used = {"audio": ("audio",), "body": ("body",)}.get(fusion, ("audio", "body"))
    features = {}
    for modality in used:
        block = (card.get("features") or {}).get(modality) or {}
        features[modality] = {"extractor": block.get("extractor"), "version": block.get("version"),
                              "count": len(block.get("names") or [])}  # fmt: skip
    if fusion == "temporal":
        features["windows"] = (card.get("features") or {}).get("windows")
    evaluation = card.get("evaluation") or None
    metrics = None
    if evaluation:
        metrics = {key: evaluation.get(key) for key in
                   ("split", "n_recordings", "n_participants", *METRICS)}  # fmt: skip
        metrics["intervals"] = evaluation.get("intervals")
        metrics["reliable"] = evaluation.get("reliable")
    return {
        "card_format": card["format"],
        "fusion": fusion,
        "classifier": card["estimator"],
        "classes": card_classes(card),
        "features": features,
        "labels": card_labels(card),
        "metrics": metrics,
        "synthetic": bool((card.get("training") or {}).get("synthetic")),
    }
