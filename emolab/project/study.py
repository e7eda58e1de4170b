"""Study settings of a project: blind rating, the order recordings are offered in, and
the modality condition (Qt-free).

- **Blind**: until a rater has rated a recording completely, nothing that comes from its
  file name (intended emotion, intensity, statement, repetition, participant, collection,
  the key itself) nor any model suggestion nor other raters' ratings are shown to them;
  recordings are listed under pseudonyms (``#00042``) in this rater's order.
- **Order**: ``file`` (key order) or ``random``: a per-rater shuffle from the study's seed
  and the rater's name, so each rater always meets the same order and it can be recomputed
  from what the project stores.
- **Condition**: ``both``, ``audio`` (the movement hidden), ``body`` (the audio muted and
  its plots hidden), or ``balanced``: each rater gets one of the three from the seed and
  their name (the same in every copy of the project, so copies rated apart agree).
- **Lock**: a researcher may lock the settings with a passphrase (kept as a salted scrypt
  hash). A locked study's settings change only with the passphrase, so a rater cannot
  lift blinding from the app or the command line. The project file itself is not
  encrypted: the lock keeps honest raters honest, it does not stop someone editing the
  SQLite file by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import zlib
from dataclasses import dataclass, field, replace

from emolab.core.errors import ProjectError

STUDY_SETTING = "study"
ORDERS = ("file", "random")
CONDITIONS = ("both", "audio", "body")
#: BrowserRow fields that come from a file name, model suggestions or other raters.
BLINDED_FIELDS = {"key": "", "participant": "", "emotion": "", "intensity": "", "statement": "",
                  "repetition": "", "collection": "", "suggestion": "", "confidence": None,
                  "validity": None, "raters": 0, "agreement": None, "consensus": "",
                  "outside": 0}  # fmt: skip


@dataclass(frozen=True)
class Study:
    blind: bool = False
    order: str = "file"
    condition: str = "both"  # or "balanced"
    seed: int = 0
    lock: str = ""  # "scrypt$SALT$HASH" of the researcher's passphrase; "" unlocked
    #: the passphrase given to change a locked study (never stored)
    unlocked_with: str = field(default="", compare=False, repr=False)

    @property
    def locked(self) -> bool:
        return bool(self.lock)

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"unknown order '{self.order}' ({', '.join(ORDERS)})")
        if self.condition not in (*CONDITIONS, "balanced"):
            raise ValueError(f"unknown condition '{self.condition}' "
                             f"({', '.join(CONDITIONS)} or balanced)")  # fmt: skip

    def to_dict(self) -> dict:
        """What the project stores."""
        return {"blind": self.blind, "order": self.order, "condition": self.condition,
                "seed": self.seed, "lock": self.lock}  # fmt: skip

    def record(self) -> dict:
        """What every rating keeps of the settings it was made under (no lock hash)."""
        return {"blind": self.blind, "order": self.order, "condition": self.condition,
                "seed": self.seed, "locked": self.locked}  # fmt: skip

    def opens_with(self, passphrase: str) -> bool:
        """True when ``passphrase`` is this locked study's (or the study is not locked)."""
        return not self.lock or _verify(self.lock, passphrase)

    def locked_with(self, passphrase: str) -> Study:
        """These settings locked with ``passphrase`` ("" unlocks them)."""
        if passphrase and len(passphrase) < 4:
            raise ProjectError("a study passphrase needs 4 or more characters")
        return replace(self, lock=_hash(passphrase) if passphrase else "")

    def condition_for(self, rater: str) -> str:
        """The condition of rater ``rater``: balanced assigns audio, body or both from the
        seed and the rater's name, so a rater keeps it in every copy of the project."""
        if self.condition != "balanced":
            return self.condition
        return ("audio", "body", "both")[zlib.crc32(f"{self.seed}|{rater}".encode()) % 3]

    def order_of(self, recording_ids: list[int], rater: str) -> list[int]:
        """``recording_ids`` (in key order) in the order this rater meets them."""
        if self.order == "file":
            return list(recording_ids)
        shuffled = list(recording_ids)
        random.Random(zlib.crc32(f"{self.seed}:{rater}".encode())).shuffle(shuffled)
        return shuffled

    def pseudonyms(self, recording_ids: list[int], rater: str) -> dict[int, str]:
        """recording id → the name a blind rater sees (its place in their order)."""
        return {rid: f"#{i + 1:05d}" for i, rid in enumerate(self.order_of(recording_ids, rater))}


def load_study(project) -> Study:
    """The project's study settings (defaults when none were set)."""
    stored = project.setting(STUDY_SETTING, None)
    if stored is None:
        return Study()
    try:
        if not isinstance(stored.get("lock", ""), str):
            raise ValueError("the lock is not a text")
        return Study(**{k: stored[k] for k in ("blind", "order", "condition", "seed", "lock")
                        if k in stored})  # fmt: skip
    except (TypeError, ValueError, AttributeError) as exc:
        raise ProjectError(f"has damaged study settings ({exc})", project.path) from exc


class StudyLocked(ProjectError):
    """The study settings are locked and the passphrase given does not open them."""


def save_study(project, study: Study) -> None:
    """Store new study settings; a locked study needs its passphrase (``unlocked_with``)."""
    current = load_study(project)
    changed = current.to_dict() != study.to_dict()
    if current.locked and changed and not current.opens_with(study.unlocked_with):
        raise StudyLocked(
            "has its study settings locked by a researcher; give the study passphrase "
            "to change them (nothing was changed)", project.path)  # fmt: skip
    project.set_setting(STUDY_SETTING, study.to_dict())


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash(passphrase: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(passphrase.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _verify(lock: str, passphrase: str) -> bool:
    try:
        kind, salt, _digest = lock.split("$")
        if kind != "scrypt":
            return False
        return hmac.compare_digest(_hash(passphrase, bytes.fromhex(salt)), lock)
    except ValueError:
        return False


def study_row(row, study: Study, name: str | None):
    """One browser row as a rater sees it: under its pseudonym ``name`` in a blind study,
    with nothing from its file name, the model or other raters until they rated it all."""
    if not study.blind:
        return row
    name = name or "#?"  # a recording newer than the names: blinded all the same
    if row.status == "rated":
        return row._replace(key=f"{name} {row.key}")
    return row._replace(**{**BLINDED_FIELDS, "key": name})


def study_rows(rows: list, study: Study, rater: str) -> list:
    """Browser rows (project.browse.BrowserRow, all of them, in key order) as this rater
    may see them in the study: in their order, blinded where the study says so."""
    by_id = {row.recording_id: row for row in rows}
    order = study.order_of(list(by_id), rater)
    names = study.pseudonyms(list(by_id), rater)
    return [study_row(by_id[rid], study, names[rid]) for rid in order]
