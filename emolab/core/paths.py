"""File-system facts that differ between platforms."""

from __future__ import annotations

import os
from pathlib import Path


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name the same file. Comparing paths is not enough: on
    macOS's and Windows' case-insensitive file systems ``Study.emolab`` is ``study.emolab``
    (and a link or another spelling of the folder may lead to the same file anywhere)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): the same file only if the same path
        return Path(a).absolute() == Path(b).absolute()
