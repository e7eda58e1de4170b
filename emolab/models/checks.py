"""The vocabulary of model validation: each check names where in the model a value sits
and what is wrong with it, and refuses the model with :class:`UnsafeModel`."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import NoReturn

import numpy as np

from emolab.core.errors import UnsafeModel


def type_name(value: object) -> str:
    """The qualified name of ``value``'s type (bare for builtins), for messages."""
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


class Checks:
    """Checks of basic values inside a loaded model; the first failure refuses it."""

    def __init__(self, source: str | Path):
        self.source = source

    def refuse(self, where: str, what: str) -> NoReturn:
        raise UnsafeModel(f"{where}: {what}", self.source)

    def integer(self, value, where: str, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            self.refuse(where, f"is {value!r}, not an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"below {low}" if high is None else f"outside {low}…{high}"
            self.refuse(where, f"is {value}, {bounds}")
        return int(value)

    def number(self, value, where: str, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            self.refuse(where, f"is {value!r}, not a number")
        if not np.isfinite(value) or (positive and value <= 0):
            self.refuse(where, f"is {value}, not a finite{' positive' if positive else ''} number")
        return float(value)

    def choice(self, value, where: str, allowed) -> None:
        if not isinstance(value, str) or value not in allowed:
            self.refuse(where, f"is {value!r}, not one of {', '.join(map(repr, allowed))}")

    def array(self, value, where: str, shape: tuple, kind: str = "f") -> np.ndarray:
        """An array of dtype kind ``kind`` and ``shape`` (None: any length); floats finite."""
        if type(value) is not np.ndarray:
            self.refuse(where, f"is a {type_name(value)}, not an array")
        if value.dtype.kind not in kind:
            self.refuse(where, f"has dtype {value.dtype}")
        if value.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(value.shape, shape, strict=True)
        ):
            expected = "×".join("any" if s is None else str(s) for s in shape) or "scalar"
            self.refuse(where, f"has shape {value.shape}, expected {expected}")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            self.refuse(where, "has NaN or infinite values")
        return value

    def classes(self, value, where: str) -> np.ndarray:
        """A class list: 1-D, not empty, unique and sorted (as np.unique makes it)."""
        if type(value) is not np.ndarray:
            self.refuse(where, f"is a {type_name(value)}, not an array of classes")
        if value.ndim != 1 or len(value) == 0:
            self.refuse(where, f"has shape {value.shape}, expected a non-empty list")
        if value.dtype.kind == "O":
            if not all(isinstance(c, str | int) and not isinstance(c, bool) for c in value):
                self.refuse(where, "holds values that are neither text nor integers")
            if len({type(c) for c in value}) > 1:
                self.refuse(where, "mixes text and numbers")
        elif value.dtype.kind not in "iuUf" or (
            value.dtype.kind == "f" and not np.isfinite(value).all()
        ):
            self.refuse(where, f"has values of dtype {value.dtype}")
        if not all(a < b for a, b in pairwise(value)):
            self.refuse(where, "is not sorted and unique")
        return value

    def same_classes(self, inner, outer, where: str) -> None:
        if len(inner) != len(outer) or not np.array_equal(inner, outer):
            self.refuse(
                where, f"classes {inner.tolist()} differ from the wrapper's {outer.tolist()}"
            )

    def subset_classes(self, inner, outer, where: str) -> None:
        missing = [c for c in inner.tolist() if c not in set(outer.tolist())]
        if missing:
            self.refuse(where, f"predicts classes {missing} that the wrapper lacks")

    def expect(self, value, types, where: str) -> None:
        if type(value) not in types:
            names = ", ".join(t.__name__ for t in types)
            self.refuse(where, f"is a {type_name(value)}, expected {names}")

    def head(self, model, where: str, n_features: int | None) -> tuple[int, np.ndarray]:
        """(input width, classes) of a classifier that must tell at least two classes."""
        n = self.features(model, where, n_features)
        classes = self.classes(getattr(model, "classes_", None), f"{where}.classes_")
        if len(classes) < 2:
            self.refuse(f"{where}.classes_", "has fewer than two classes")
        return n, classes

    def features(self, estimator, where: str, n_features: int | None) -> int:
        n = self.integer(getattr(estimator, "n_features_in_", None),
                         f"{where}.n_features_in_", 1)  # fmt: skip
        if n_features is not None and n != n_features:
            self.refuse(where, f"expects {n} features but gets {n_features}")
        return n
