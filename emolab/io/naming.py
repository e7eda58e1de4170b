"""File naming schemes: parse a recording's name into coded fields, and format it back.

Schemes are data: JSON files in ``resources/schemes/`` (bundled) or in the per-user
``schemes`` folder, so a lab can add its own without code. A scheme is a sequence of
two-digit fields; one of them names the modality of the file, and the recording key —
all other fields — pairs a recording's audio file with its body-movement file.

Longer than 400 lines on purpose: a scheme's model, the checks of its JSON form (each
malformed file gets a plain reason, which is most of the length) and the parsing of names
are one definition, read and changed together.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from emolab.core.errors import BadName, CorruptFile, UnsupportedFormat
from emolab.io.boundary import describe
from emolab.io.formats import MEDIA_EXTENSIONS as MEDIA_EXTENSIONS  # importable here too
from emolab.io.formats import modality_of_extension
from emolab.resources import resource_path


@dataclass(frozen=True)
class SchemeField:
    """One two-digit field: either a table of codes, or a numeric range (participant ids)."""

    name: str
    title: str
    codes: Mapping[str, str] | None = None
    range: tuple[int, int] | None = None

    def check(self, code: str) -> str | None:
        """The reason ``code`` is invalid for this field, or None when it is valid."""
        if not (len(code) == 2 and code.isascii() and code.isdigit()):
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

#: Longest file name (characters) a scheme looks at; file systems allow 255 bytes.
MAX_NAME_LENGTH = 255


def name_problem(name: str) -> str | None:
    """Why a file name cannot be stored or shown as text, or None when it can.

    Names that are not valid UTF-8 (Python carries their bytes as lone surrogates), that
    hold control characters, or that are longer than :data:`MAX_NAME_LENGTH` are refused
    before any scheme reads them.
    """
    if len(name) > MAX_NAME_LENGTH:
        return f"name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are read"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "name contains control characters"
    return None


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
        """A scheme from its JSON form; :class:`CorruptFile` naming ``source`` says what is
        wrong with a malformed one."""
        try:
            return cls._from_checked_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            reason = exc.args[0] if isinstance(exc, ValueError) and exc.args else repr(exc)
            raise CorruptFile(f"naming scheme is malformed: {reason}", source) from exc

    @classmethod
    def _from_checked_dict(cls, data: Mapping) -> NamingScheme:
        """Build a scheme, raising ValueError with a plain reason for anything malformed."""
        _require(isinstance(data, Mapping), "the file does not hold a JSON object")
        name = _text(data, "name", "the scheme")
        raw_fields = data.get("fields")
        _require(isinstance(raw_fields, list) and raw_fields, "'fields' must be a non-empty list")
        fields = []
        for f in raw_fields:
            _require(isinstance(f, Mapping), "each field must be a JSON object")
            field_name = _text(f, "name", "a field")
            codes = f.get("codes")
            if codes is not None:
                codes = _code_table(codes, f"field '{field_name}' codes")
            span = f.get("range")
            if span is not None:
                _require(
                    isinstance(span, list)
                    and len(span) == 2
                    and all(type(v) is int and 0 <= v <= 99 for v in span)
                    and span[0] <= span[1],
                    f"field '{field_name}' range must be [low, high] within 0–99",
                )
                span = (span[0], span[1])
            fields.append(
                SchemeField(field_name, _text(f, "title", "a field", field_name), codes, span)
            )
        names = [f.name for f in fields]
        _require(len(set(names)) == len(names), "field names must differ")
        forbidden = []
        raw_forbidden = data.get("forbidden", [])
        _require(isinstance(raw_forbidden, list), "'forbidden' must be a list")
        for r in raw_forbidden:
            _require(isinstance(r, Mapping), "each forbidden combination must be a JSON object")
            when = r.get("when")
            _require(
                isinstance(when, Mapping)
                and all(k in names and isinstance(v, str) for k, v in when.items()),
                "a forbidden combination's 'when' must map known fields to codes",
            )
            codes = r.get("codes")
            _require(
                isinstance(codes, list) and all(isinstance(c, str) for c in codes),
                "a forbidden combination's 'codes' must be a list of codes",
            )
            forbidden.append(
                ForbiddenCombination(
                    when=dict(when),
                    field=_known(r, "field", names),
                    codes=frozenset(codes),
                    reason=_text(r, "reason", "a forbidden combination", "forbidden combination"),
                )
            )
        return cls(
            name=name,
            title=_text(data, "title", "the scheme", name),
            description=_text(data, "description", "the scheme", ""),
            fields=tuple(fields),
            modality_field=_known(data, "modality_field", names),
            modalities=_code_table(data.get("modalities"), "'modalities'"),
            participant_field=_known(data, "participant_field", names),
            forbidden=tuple(forbidden),
        )

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
        problem = name_problem(path.name)
        if problem:
            raise BadName(problem, path)
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


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise ValueError(reason)


def _text(data: Mapping, key: str, owner: str, default: str | None = None) -> str:
    value = data.get(key, default)
    _require(isinstance(value, str) and (value or default == ""), f"{owner} needs a text '{key}'")
    return value


def _known(data: Mapping, key: str, names: list[str]) -> str:
    value = data.get(key)
    _require(value in names, f"'{key}' must name one of the fields ({', '.join(names)})")
    return value


def _code_table(codes: object, what: str) -> dict[str, str]:
    _require(
        isinstance(codes, Mapping)
        and all(
            isinstance(k, str)
            and len(k) == 2
            and k.isascii()
            and k.isdigit()
            and isinstance(v, str)
            for k, v in codes.items()
        ),
        f"{what} must map two-digit codes to text",
    )
    return dict(codes)


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
    except (OSError, ValueError, RecursionError) as exc:
        raise CorruptFile(f"naming scheme cannot be read: {describe(exc)}", path) from exc
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
