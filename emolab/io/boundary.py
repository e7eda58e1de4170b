"""The boundary of every reader: bad content surfaces only as a typed error.

Parsing code raises what Python and numpy raise on odd input (ValueError, IndexError, …);
:func:`reader_boundary` turns those into :class:`~emolab.core.errors.CorruptFile` naming
the file, so an import can reject that one file with a reason and go on.
"""

from __future__ import annotations

import functools
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import TypeVar

from emolab.core.errors import CorruptFile, EmolabError

#: What malformed content makes parsing code raise; a reader turns these into CorruptFile.
MALFORMED = (
    ValueError,  # also UnicodeError
    TypeError,
    IndexError,
    KeyError,
    ArithmeticError,  # OverflowError, ZeroDivisionError
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    struct.error,
)

_Reader = TypeVar("_Reader", bound=Callable)


def reader_boundary(read: _Reader) -> _Reader:
    """Wrap a reader so that it raises only :class:`EmolabError`: whatever else bad content
    makes it raise becomes a :class:`CorruptFile` naming the file."""

    @functools.wraps(read)
    def guarded(path, *args, **kwargs):
        try:
            return read(path, *args, **kwargs)
        except EmolabError:
            raise
        except FileNotFoundError as exc:
            raise CorruptFile("file does not exist", path) from exc
        except OSError as exc:
            raise CorruptFile(f"cannot be read: {exc.strerror or exc}", path) from exc
        except RecursionError as exc:
            raise CorruptFile("is nested too deeply to read", path) from exc
        except MemoryError as exc:
            raise CorruptFile("declares more data than fits in memory", path) from exc
        except MALFORMED as exc:
            raise CorruptFile(f"is malformed ({describe(exc)})", path) from exc

    return guarded  # type: ignore[return-value]


def describe(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` of an exception, cut to ``limit`` characters for a user message."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
