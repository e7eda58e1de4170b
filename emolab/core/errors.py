"""Error types for bad input. Each names the file (when there is one) and the reason."""

from __future__ import annotations

from pathlib import Path


class EmolabError(Exception):
    """Base of every error emolab raises on purpose; ``str()`` is a user-facing message."""

    def __init__(self, reason: str, path: str | Path | None = None, line: int | None = None):
        self.reason = reason
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        return f"{where}{self.reason}"


class BadName(EmolabError):
    """A file name does not follow the naming scheme."""


class UnsupportedFormat(EmolabError):
    """A file's format is not one emolab reads."""


class CorruptFile(EmolabError):
    """A file of a supported format whose content is broken (truncated, malformed, …)."""


class EmptyFile(CorruptFile):
    """A file with no content (zero bytes, zero samples or zero frames)."""


class BadSamples(CorruptFile):
    """Audio or motion values that are not finite where they must be."""


class ProjectError(EmolabError):
    """A project file cannot be opened or written."""


class ProjectTooNew(ProjectError):
    """A project written by a newer emolab: refused and left untouched."""


class UnsafeModel(EmolabError):
    """A model that is refused: types outside the trusted allow-list, an unreadable
    archive, or a structure that fails validation (e.g. tree indices out of range)."""


class Cancelled(EmolabError):
    """Long work stopped because its cancel token was set."""

    def __init__(self, reason: str = "cancelled"):
        super().__init__(reason)
