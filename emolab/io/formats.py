"""The media formats emolab reads, by file extension, and the registry of motion readers.

This is the one table of supported extensions: naming schemes (which modality a file is),
the audio reader and the motion registry all read it. A motion format module (BVH, CSV,
NPZ, C3D) registers its reader and writer here when it is imported; :func:`motion_reader` and
:func:`motion_writer` import the module on first use, so the registry imports no reader and
no reader imports the code that dispatches to it. Standard library only: naming schemes
load without numpy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path

from emolab.core.errors import UnsupportedFormat

#: Audio files, decoded by libsndfile (see :mod:`emolab.io.audio`).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
#: Body-movement files: extension → the module whose import registers its reader and writer.
MOTION_FORMATS: Mapping[str, str] = {
    ".bvh": "emolab.io.bvh",
    ".csv": "emolab.io.motion_csv",
    ".npz": "emolab.io.motion_npz",
    ".c3d": "emolab.io.motion_c3d",
}
#: Video files are recognised by name (so a scheme can pair them) but not read.
VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv")

#: File extensions (lower case, with dot) of each media modality.
MEDIA_EXTENSIONS: Mapping[str, frozenset[str]] = {
    "audio": frozenset(AUDIO_EXTENSIONS),
    "body": frozenset(MOTION_FORMATS),
    "video": frozenset(VIDEO_EXTENSIONS),
}

MotionReader = Callable[..., object]
MotionWriter = Callable[..., None]
_READERS: dict[str, MotionReader] = {}
_WRITERS: dict[str, MotionWriter] = {}


def modality_of_extension(path: str | Path) -> str:
    """The modality a file's extension stands for ('audio', 'body' or 'video')."""
    suffix = Path(path).suffix.lower()
    for modality, extensions in MEDIA_EXTENSIONS.items():
        if suffix in extensions:
            return modality
    known = ", ".join(sorted(e for exts in MEDIA_EXTENSIONS.values() for e in exts))
    raise UnsupportedFormat(f"extension '{suffix or '(none)'}' is not one of {known}", path)


def _declared(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix not in MOTION_FORMATS:
        raise ValueError(f"'{suffix}' is not a motion format listed in MOTION_FORMATS")
    return suffix


def register_reader(suffix: str, reader: MotionReader) -> None:
    """Make ``reader(path, **options)`` the reader of a motion format listed above."""
    _READERS[_declared(suffix)] = reader


def register_writer(suffix: str, writer: MotionWriter) -> None:
    """Make ``writer(path, clip, **options)`` the writer of a motion format listed above."""
    _WRITERS[_declared(suffix)] = writer


def _load(suffix: str) -> None:
    if suffix in MOTION_FORMATS and suffix not in _READERS:
        importlib.import_module(MOTION_FORMATS[suffix])


def motion_reader(path: Path) -> MotionReader:
    """The reader of a motion file, by its extension; :class:`UnsupportedFormat` if none."""
    suffix = path.suffix.lower()
    _load(suffix)
    if suffix not in _READERS:
        raise UnsupportedFormat(
            f"'{path.suffix or '(no extension)'}' is not a motion format emolab reads "
            f"({', '.join(MOTION_FORMATS)})",
            path,
        )
    return _READERS[suffix]


def motion_writer(path: Path) -> MotionWriter:
    """The writer of a motion file, by its extension; :class:`UnsupportedFormat` if none."""
    suffix = path.suffix.lower()
    _load(suffix)
    if suffix not in _WRITERS:
        raise UnsupportedFormat(f"cannot write motion as '{path.suffix}'", path)
    return _WRITERS[suffix]
