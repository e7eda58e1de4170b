"""What a rater is told about a recording's files when it opens: missing, changed on disk
since import, or repaired on import; and the writes that remember what was found."""

from __future__ import annotations

import json
from pathlib import Path

from emolab.project.media import MediaFile
from emolab.project.writes import PendingWrite, WriteQueue


def media_notice(media: MediaFile, writes: WriteQueue, blind: bool = False) -> str:
    """A notice about ``media`` ('' when all is well). A change on disk is recorded through
    ``writes``: its features and suggestion are set aside, ratings kept. ``blind``: the
    file's name (which says its labels) is left out."""
    status = writes.project.verify_media(media)
    name = "(name hidden in this blind study)" if blind else Path(media.path).name
    if status == "missing":
        return f"The {media.modality} file {name} is missing."
    if status == "touched":  # same content, new time: remember, so it is hashed once
        writes.submit(PendingWrite(
            f"the modification time of {name}",
            lambda project: project.set_media_mtime(media)))  # fmt: skip
    if status == "changed":
        if media.changed_at is None:
            writes.submit(PendingWrite(
                f"the changed mark of {name}",
                lambda project: project.mark_media_changed(media)))  # fmt: skip
        return (f"The {media.modality} file {name} changed on disk since it was imported: "
                "it plays as it is now, but its features and suggestion are set aside "
                "until you re-import the folder. Ratings are kept.")  # fmt: skip
    try:
        warnings = json.loads(media.warnings)
    except ValueError:
        warnings = []
    if warnings:  # e.g. short gaps of NaN joints interpolated on import
        return f"The {media.modality} file {name}: " + "; ".join(map(str, warnings))
    return ""
