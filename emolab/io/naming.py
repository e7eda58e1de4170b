"""File naming schemes: parse a recording's name into coded fields, and format it back.

Schemes are data: JSON files in ``resources/schemes/`` (bundled) or in the per-user
``schemes`` folder, so a lab can add its own without code. A scheme is a sequence of
two-digit fields; one of them names the modality of the file, and the recording key —
all other fields — pairs a recording's audio file with its body-movement file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from emolab.core.errors import BadName, UnsupportedFormat
from emolab.resources import resource_path

#: File extensions (lower case, with dot) of each media modality.
MEDIA_EXTENSIONS: Mapping[str, frozenset[str]] = {
    "audio": frozenset({".wav", ".flac", ".ogg", ".mp3"}),
    "body": frozenset({".bvh", ".csv", ".npz"}),
    "video": frozenset({".mp4", ".mov", ".avi", ".mkv"}),
}


def modality_of_extension(path: str | Path) -> str:
    """The modality a file's extension stands for ('audio', 'body' or 'video')."""
    suffix = Path(path).suffix.lower()
    for modality, extensions in MEDIA_EXTENSIONS.items():
        if suffix in extensions:
            return modality
    known = ", ".join(sorted(e for exts in MEDIA_EXTENSIONS.values() for e in exts))
    raise UnsupportedFormat(f"extension '{suffix or '(none)'}' is not one of {known}", path)


@dataclass(frozen=True)
class SchemeField:
    """One two-digit field: either a table of codes, or a numeric range (participant ids)."""

    name: str
    title: str
    codes: Mapping[str, str] | None = None
    range: tuple[int, int] | None = None

    def check(self, code: str) -> str | None:
        """The reason ``code`` is invalid for this field, or None when it is valid."""
        if not (len(code) == 2 and code.isdigit()):
            return f"{self.title.lower()} field '{code}' is not two digits"
        if self.codes is not None and code not in self.codes:
            allowed = ", ".join(f"{c} {m}" for c, m in self.codes.items())
            return f"{self.title.lower()} code {code} is unknown (allowed: {allowed})"
        if self.range is not None:
            low, high = self.range
            if not low <= int(code) <= high:
                return f"{self.title.lower()} {code} is outside {low:02d}–{high:02d}"
        return None

    def meaning(self, code: str) -> str:
        if self.codes is not None:
            return self.codes[code]
        return str(int(code))


@dataclass(frozen=True)
class ForbiddenCombination:
    when: Mapping[str, str]
    field: str
    codes: frozenset[str]
    reason: str


@dataclass(frozen=True)
class RecordingKey:
    """Identity of a recording: the scheme and every field code except the modality."""

    scheme: str
    codes: tuple[str, ...]

    def __str__(self) -> str:
        return "-".join(self.codes)


@dataclass(frozen=True)
class ParsedName:
    """A file name decoded by a scheme."""

    path: Path
    scheme: NamingScheme
    codes: Mapping[str, str]
    modality: str

    @property
    def key(self) -> RecordingKey:
        return self.scheme.key_of(self.codes)

    @property
    def meanings(self) -> dict[str, str]:
        return {f.name: f.meaning(self.codes[f.name]) for f in self.scheme.fields}

    def meaning(self, field_name: str) -> str | None:
        code = self.codes.get(field_name)
        return None if code is None else self.scheme.field(field_name).meaning(code)

    @property
    def emotion(self) -> str | None:
        return self.meaning("emotion")

    @property
    def participant(self) -> int:
        return int(self.codes[self.scheme.participant_field])


_SEPARATED = re.compile(r"^[^-]+(?:-[^-]+)+$")


@dataclass(frozen=True)
class NamingScheme:
    """A naming scheme loaded from JSON; see ``resources/schemes/multimodal14.json``."""

    name: str
    title: str
    fields: tuple[SchemeField, ...]
    modality_field: str
    modalities: Mapping[str, str]
    participant_field: str
    forbidden: tuple[ForbiddenCombination, ...] = ()
    description: str = ""
    _index: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.name: i for i, f in enumerate(self.fields)})

    @classmethod
    def from_dict(cls, data: Mapping, source: str | Path = "<scheme>") -> NamingScheme:
        try:
            fields = tuple(
                SchemeField(
                    name=f["name"],
                    title=f.get("title", f["name"]),
                    codes=dict(f["codes"]) if "codes" in f else None,
                    range=tuple(f["range"]) if "range" in f else None,
                )
                for f in data["fields"]
            )
            forbidden = tuple(
                ForbiddenCombination(
                    when=dict(r["when"]),
                    field=r["field"],
                    codes=frozenset(r["codes"]),
                    reason=r.get("reason", "forbidden combination"),
                )
                for r in data.get("forbidden", ())
            )
            scheme = cls(
                name=data["name"],
                title=data.get("title", data["name"]),
                description=data.get("description", ""),
                fields=fields,
                modality_field=data["modality_field"],
                modalities=dict(data["modalities"]),
                participant_field=data["participant_field"],
                forbidden=forbidden,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadName(f"naming scheme is malformed: {exc!r}", source) from exc
        for name in (scheme.modality_field, scheme.participant_field):
            if name not in scheme._index:
                raise BadName(f"naming scheme names an unknown field '{name}'", source)
        return scheme

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def key_fields(self) -> tuple[str, ...]:
        return tuple(n for n in self.field_names if n != self.modality_field)

    def field(self, name: str) -> SchemeField:
        return self.fields[self._index[name]]

    def has_field(self, name: str) -> bool:
        return name in self._index

    def key_of(self, codes: Mapping[str, str]) -> RecordingKey:
        return RecordingKey(self.name, tuple(codes[n] for n in self.key_fields))

    def codes_of_key(self, key: RecordingKey | str) -> dict[str, str]:
        """Field codes (all but modality) of a key or its string form."""
        parts = key.codes if isinstance(key, RecordingKey) else tuple(str(key).split("-"))
        if len(parts) != len(self.key_fields):
            raise BadName(f"recording key '{key}' does not have {len(self.key_fields)} fields")
        return dict(zip(self.key_fields, parts, strict=True))

    def split(self, stem: str) -> list[str]:
        """Split a name's stem into two-digit field strings (not yet validated)."""
        n = len(self.fields)
        if _SEPARATED.match(stem):
            parts = stem.split("-")
            if len(parts) != n:
                raise BadName(
                    f"'{stem}' has {len(parts)} fields; the {self.name} scheme needs {n} "
                    f"two-digit fields"
                )
            return parts
        if len(stem) == 2 * n:
            return [stem[i : i + 2] for i in range(0, 2 * n, 2)]
        raise BadName(
            f"'{stem}' is not {n} two-digit fields separated by hyphens, nor {2 * n} digits "
            f"({self.name} scheme)"
        )

    def parse(self, path: str | Path) -> ParsedName:
        """Decode a file name; raises :class:`BadName` naming the file and the reason."""
        path = Path(path)
        stem = path.stem
        try:
            parts = self.split(stem)
        except BadName as exc:
            raise BadName(exc.reason, path) from None
        codes: dict[str, str] = {}
        for scheme_field, code in zip(self.fields, parts, strict=True):
            problem = scheme_field.check(code)
            if problem:
                raise BadName(problem, path)
            codes[scheme_field.name] = code
        for rule in self.forbidden:
            if all(codes.get(k) == v for k, v in rule.when.items()) and (
                codes.get(rule.field) in rule.codes
            ):
                raise BadName(rule.reason, path)
        modality = self.modalities.get(codes[self.modality_field])
        if modality is None:
            raise BadName(f"modality code {codes[self.modality_field]} has no media type", path)
        try:
            file_modality = modality_of_extension(path)
        except UnsupportedFormat as exc:
            raise BadName(exc.reason, path) from None
        if file_modality != modality:
            raise BadName(
                f"modality {codes[self.modality_field]} ({modality}) does not match the "
                f"{path.suffix.lower()} file type ({file_modality})",
                path,
            )
        return ParsedName(path=path, scheme=self, codes=codes, modality=modality)

    def modality_code(self, modality: str) -> str:
        """The (first) code this scheme gives a modality ('audio' or 'body')."""
        for code, name in self.modalities.items():
            if name == modality:
                return code
        raise KeyError(f"the {self.name} scheme has no code for modality '{modality}'")

    def format(
        self, codes: Mapping[str, str | int], extension: str = "", *, hyphens: bool = True
    ) -> str:
        """A file name from field codes (strings or ints), e.g. ``02-05-02-01-02-03-07.wav``."""
        parts = []
        for scheme_field in self.fields:
            value = codes[scheme_field.name]
            code = f"{int(value):02d}" if isinstance(value, int) else str(value)
            problem = scheme_field.check(code)
            if problem:
                raise BadName(problem)
            parts.append(code)
        stem = ("-" if hyphens else "").join(parts)
        if extension and not extension.startswith("."):
            extension = "." + extension
        return stem + extension


def user_scheme_dir() -> Path:
    """Per-user folder where a lab can drop its own scheme JSON files."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("emolab", appauthor=False)) / "schemes"


def _scheme_files() -> dict[str, Path]:
    files = {p.stem: p for p in sorted(resource_path("schemes").glob("*.json"))}
    user_dir = user_scheme_dir()
    if user_dir.is_dir():
        files.update({p.stem: p for p in sorted(user_dir.glob("*.json"))})
    return files


def available_schemes() -> list[str]:
    """Names of the bundled and user-supplied schemes."""
    return sorted(_scheme_files())


@cache
def _load_scheme_file(path: Path) -> NamingScheme:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadName(f"naming scheme cannot be read: {exc}", path) from exc
    return NamingScheme.from_dict(data, path)


def load_scheme(name_or_path: str | Path) -> NamingScheme:
    """A scheme by bundled/user name (``multimodal14``, ``ravdess``) or JSON file path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" and candidate.is_file():
        return _load_scheme_file(candidate.resolve())
    files = _scheme_files()
    if str(name_or_path) not in files:
        raise BadName(
            f"unknown naming scheme '{name_or_path}' (available: {', '.join(sorted(files))})"
        )
    return _load_scheme_file(files[str(name_or_path)])


def detect_scheme(paths: Iterable[str | Path]) -> NamingScheme | None:
    """The scheme that parses the most of ``paths`` (ties go to the first listed), or None."""
    paths = list(paths)
    best, best_count = None, 0
    for name in available_schemes():
        scheme = load_scheme(name)
        count = 0
        for p in paths:
            try:
                scheme.parse(p)
                count += 1
            except BadName:
                pass
        if count > best_count:
            best, best_count = scheme, count
    return best
