"""Locate the data files emolab ships (naming schemes, skeletons, models, icons).

In a wheel, ``resources/`` is force-included as ``emolab/_resources``; in an editable
checkout it sits beside the package at the repository root. Both are found here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resource_root() -> Path:
    """The directory holding emolab's bundled resources."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_resources", package_dir.parent / "resources"):
        if (candidate / "schemes").is_dir():
            return candidate
    raise FileNotFoundError(
        f"emolab's resources were not found beside {package_dir}; the installation is incomplete"
    )


def resource_path(*parts: str) -> Path:
    """Path of one bundled resource, e.g. ``resource_path("schemes", "ravdess.json")``."""
    return resource_root().joinpath(*parts)
