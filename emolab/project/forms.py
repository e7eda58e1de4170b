"""Rating forms as data: the fields a rater fills in for a recording (and for a segment of
it), read from a label-scheme JSON file and kept in the project.

A field has a ``key`` (how it is stored, exported and named in agreement), a ``type``:

- ``choice``: forced choice among ``options`` (``"options": "emotions"`` takes the scheme's
  emotion list);
- ``likert``: whole numbers ``min``…``max`` with ``anchors`` (value → words);
- ``yesno``: yes / no / unsure;
- ``text``: free text (up to :data:`MAX_TEXT_CHARS` characters);

a ``title``, an optional ``prompt`` (``{intended}`` is replaced by the recording's intended
emotion, for a validity judgement), a ``shortcut`` (the modifier held with the digit keys
1–9: ``""``, ``"Ctrl"``, ``"Alt"`` or ``"Ctrl+Alt"``; a text field's is the key that moves
into its box, e.g. ``"Ctrl+T"``) and whether it is ``required`` (a rating is complete when
every required field has a value).

Four keys are kept in the ``ratings`` table itself and everything that studies labels uses
them: ``emotion`` (choice over the emotions; every form has it), ``intensity`` and
``genuineness`` (likert 1–5) and ``notes`` (text). Other fields are kept in
``rating_values``. ``validity`` names how a recording's validity is computed: ``"emotion"``
(the share of raters choosing the intended emotion, RAVDESS's definition) or the key of a
yes/no field (the share answering yes among those answering yes or no).

The older scheme format (``emotions`` with ``intensity`` and ``genuineness`` ranges) is
still read: it is the default form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from emolab.core.errors import CorruptFile, ProjectError
from emolab.resources import resource_path

TYPES = ("choice", "likert", "yesno", "text")
YESNO = ("yes", "no", "unsure")
#: Keys stored as columns of ``ratings`` (the rest go to ``rating_values``).
CORE = ("emotion", "intensity", "genuineness", "notes")
#: Modifiers held with the digit keys to set a field.
DIGIT_SHORTCUTS = ("", "Ctrl", "Alt", "Ctrl+Alt")
MAX_TEXT_CHARS = 10_000
MAX_OPTION_CHARS = 64
MAX_FIELDS = 24
#: Keys a field may not have: the other columns of the ratings CSV.
RESERVED_KEYS = ("recording", "rater", "time", "source")
BUNDLED = ("default", "validity")
#: Where the project keeps its form (JSON of :meth:`RatingForm.to_dict`).
META_KEY = "rating_form"


@dataclass(frozen=True)
class FormField:
    key: str
    type: str
    title: str
    options: tuple[str, ...] = ()
    low: int = 1
    high: int = 5
    anchors: tuple[tuple[int, str], ...] = ()
    prompt: str = ""
    shortcut: str = ""
    required: bool = False
    segment: bool = True  # offered on time-range segments too

    @property
    def values(self) -> tuple[object, ...]:
        """Every value the field takes (empty for free text)."""
        if self.type == "likert":
            return tuple(range(self.low, self.high + 1))
        if self.type == "yesno":
            return YESNO
        return self.options

    @property
    def scale(self) -> bool:
        return self.type == "likert"

    def anchor(self, value: int) -> str:
        return dict(self.anchors).get(value, "")

    def check(self, value: object) -> object:
        """``value`` as stored, or a ProjectError saying what the field accepts.
        None clears the field (free text clears to "")."""
        if self.type == "text":
            text = "" if value is None else str(value)
            if len(text) > MAX_TEXT_CHARS:
                raise ProjectError(
                    f"{self.title} is limited to {MAX_TEXT_CHARS:,} characters (this has "
                    f"{len(text):,}); it was not saved"
                )
            return text
        if value is None or value == "":
            return None
        if self.type == "likert":
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                raise ProjectError(
                    f"{self.key} must be a whole number {self.low}–{self.high}, not {value!r:.20}"
                ) from None
            if not self.low <= number <= self.high:
                raise ProjectError(f"{self.key} must be {self.low}–{self.high}, not {number}")
            return number
        text = str(value)
        if self.type == "yesno":
            text = text.strip().lower()
        if text not in self.values:
            if (
                self.key == "emotion"
                and text
                and len(text) <= MAX_OPTION_CHARS
                and (text.isprintable())
            ):
                return text  # an emotion outside this form (imported, merged) is kept
            shown = ", ".join(map(str, self.values[:9]))
            raise ProjectError(f"{self.key} must be one of {shown}, not {text!r:.30}")
        return text

    def typed(self, text: str | None) -> object:
        """A stored text (edit log, rating_values) as the field's value."""
        if self.type == "text":
            return text or ""
        if text is None:
            return None
        if self.type == "likert":
            try:
                return int(text)
            except ValueError:
                return None
        return text

    def prompt_for(self, intended: str | None) -> str:
        text = self.prompt or self.title
        return text.replace("{intended}", intended or "the intended emotion")

    def to_dict(self) -> dict:
        d: dict = {"key": self.key, "type": self.type, "title": self.title,
                   "required": self.required, "shortcut": self.shortcut}  # fmt: skip
        if self.type == "choice":
            d["options"] = list(self.options)
        if self.type == "likert":
            d.update(min=self.low, max=self.high,
                     anchors={str(v): t for v, t in self.anchors})  # fmt: skip
        if self.prompt:
            d["prompt"] = self.prompt
        if not self.segment:
            d["segment"] = False
        return d


@dataclass(frozen=True)
class RatingForm:
    name: str
    title: str
    emotions: tuple[str, ...]
    fields: tuple[FormField, ...]
    validity: str = "emotion"
    _by_key: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({f.key: f for f in self.fields})

    def field(self, key: str) -> FormField:
        try:
            return self._by_key[key]
        except KeyError:
            raise ProjectError(f"'{key}' is not a field of the rating form '{self.name}'") from None

    def has(self, key: str) -> bool:
        return key in self._by_key

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.required)

    @property
    def extra(self) -> tuple[FormField, ...]:
        """Fields kept in ``rating_values`` (not columns of ``ratings``)."""
        return tuple(f for f in self.fields if f.key not in CORE)

    @property
    def judged(self) -> tuple[FormField, ...]:
        """Fields that are judgements (not free text): what agreement is computed on."""
        return tuple(f for f in self.fields if f.type != "text")

    @property
    def segment_fields(self) -> tuple[FormField, ...]:
        return tuple(f for f in self.fields if f.segment)

    def describe_validity(self) -> str:
        """How this form's validity of a recording is computed, in a sentence."""
        if self.validity == "emotion":
            return "Validity: the share of raters choosing the intended emotion."
        return (f"Validity: the share of raters answering yes to '{self.validity}' "
                "(unsure not counted).")  # fmt: skip

    def to_dict(self) -> dict:
        return {"format": 2, "name": self.name, "title": self.title,
                "emotions": list(self.emotions), "validity": self.validity,
                "fields": [f.to_dict() for f in self.fields]}  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    # ---- reading ----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: object, where: Path | str = "rating form") -> RatingForm:
        """A form from parsed JSON; :class:`CorruptFile` naming ``where`` and the problem."""
        try:
            return _parse(data)
        except _Bad as exc:
            raise CorruptFile(f"is not a usable rating form: {exc}", Path(where)) from None

    @classmethod
    def load(cls, path: str | Path | None = None) -> RatingForm:
        """A label-scheme JSON file, or a bundled form by name (``default``, ``validity``)."""
        if path is None or str(path) in BUNDLED:
            path = resource_path("labels", f"{path or 'default'}.json")
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CorruptFile(f"cannot be read: {exc.strerror or exc}", path) from exc
        if len(raw) > 1_000_000:
            raise CorruptFile("is too large for a rating form (over 1 MB)", path)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CorruptFile(f"is not JSON: {exc}", path) from None
        return cls.from_dict(data, path)

    @classmethod
    def default(cls) -> RatingForm:
        return _bundled("default")

    @classmethod
    def of(cls, project) -> RatingForm:
        """The project's form (the default when it has none). Cached per stored text."""
        raw = project.meta(META_KEY)
        if raw is None:
            return cls.default()
        cached = getattr(project, "_rating_form_cache", None)
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ProjectError(f"holds a damaged rating form ({exc})", project.path) from None
        form = cls.from_dict(data, project.path)
        project._rating_form_cache = (raw, form)
        return form


_CACHE: dict[str, RatingForm] = {}


def _bundled(name: str) -> RatingForm:
    if name not in _CACHE:
        _CACHE[name] = RatingForm.load(name)
    return _CACHE[name]


def held_values(project) -> dict[str, set[str]]:
    """field key → every distinct value the project holds for it (ratings, other form
    fields and segments), as text."""
    held: dict[str, set[str]] = {}
    for key, value in project.execute(
        "SELECT field, value FROM rating_values WHERE value IS NOT NULL AND value != '' "
        "UNION SELECT 'emotion', emotion FROM ratings WHERE emotion IS NOT NULL "
        "UNION SELECT 'intensity', intensity FROM ratings WHERE intensity IS NOT NULL "
        "UNION SELECT 'genuineness', genuineness FROM ratings WHERE genuineness IS NOT NULL "
        "UNION SELECT 'notes', 'x' FROM ratings WHERE notes != ''"
    ):
        held.setdefault(key, set()).add(str(value))
    for (raw,) in project.execute("SELECT fields FROM segments"):
        for key, value in segment_fields(raw).items():
            if value is not None and value != "":
                held.setdefault(str(key), set()).add(str(value))
    return held


def segment_fields(raw: object) -> dict:
    """A segment's stored values (JSON object); damaged or other JSON reads as none."""
    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def set_project_form(project, form: RatingForm, passphrase: str = "") -> None:
    """Make ``form`` the project's rating form. Refused (ProjectError, nothing changed)
    when a value the project holds (in a rating or a segment) would lose its field or not
    be a value of the new one, or when the study is locked and ``passphrase`` does not
    open it (a form decides when a rating is complete, and so what a blind rater sees)."""
    from emolab.project.study import StudyLocked, load_study

    study = load_study(project)
    old = RatingForm.of(project) if project.meta(META_KEY) is not None else None
    if study.locked and (old is None or old != form) and not study.opens_with(passphrase):
        raise StudyLocked("has its study settings locked; the rating form changes only with "
                          "the study passphrase (nothing was changed)", project.path)  # fmt: skip
    for key, values in sorted(held_values(project).items()):
        if key == "notes" and not form.has("notes"):
            continue  # notes stay a column of every rating; a form may just not ask them
        if not form.has(key):
            if key in CORE:
                continue  # kept as columns; a form may leave a core scale out
            raise ProjectError(f"the new rating form drops the field '{key}', which holds "
                               "ratings; nothing was changed", project.path)  # fmt: skip
        field = form.field(key)
        for value in sorted(values):
            try:
                checked = field.check(value)
            except ProjectError as exc:
                raise ProjectError(f"the project holds a value the new rating form refuses "
                                   f"({exc.reason}); nothing was changed",
                                   project.path) from None  # fmt: skip
            if key == "emotion" and checked not in form.emotions:
                raise ProjectError(f"the project holds the emotion '{value}', which the new "
                                   "rating form does not offer; nothing was changed",
                                   project.path)  # fmt: skip
    project.set_meta(META_KEY, form.to_json())


class _Bad(ValueError):
    pass


def _text(value: object, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _Bad(f"{what} must be a text of 1–{limit} characters")
    if not value.isprintable():
        raise _Bad(f"{what} holds control characters")
    return value.strip()


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{what} must be a whole number, not {value!r:.20}")
    return value


def _legacy(data: dict) -> dict:
    """The first scheme format (emotions, intensity, genuineness) as a format-2 form."""
    fields = [{"key": "emotion", "type": "choice", "title": "Emotion", "options": "emotions",
               "shortcut": "", "required": True}]  # fmt: skip
    for key, modifier in (("intensity", "Ctrl"), ("genuineness", "Alt")):
        spec = data.get(key) or {}
        if not isinstance(spec, dict):
            raise _Bad(f"'{key}' must be an object")
        low, high = spec.get("min", 1), spec.get("max", 5)
        fields.append({"key": key, "type": "likert", "title": key.capitalize(), "min": low,
                       "max": high, "anchors": {str(low): spec.get("low", ""),
                                                str(high): spec.get("high", "")},
                       "shortcut": modifier, "required": True})  # fmt: skip
    fields.append({"key": "notes", "type": "text", "title": "Notes", "shortcut": "",
                   "required": False, "segment": True})  # fmt: skip
    return {"name": data.get("name", "default"), "title": data.get("title", "Rating form"),
            "emotions": data.get("emotions"), "fields": fields}  # fmt: skip


def _parse(data: object) -> RatingForm:
    if not isinstance(data, dict):
        raise _Bad("the file must hold a JSON object")
    if "fields" not in data:
        data = _legacy(data)
    emotions = data.get("emotions")
    if not isinstance(emotions, list) or not 2 <= len(emotions) <= 20:
        raise _Bad("'emotions' must be a list of 2–20 labels")
    emotions = [_text(e, "an emotion", MAX_OPTION_CHARS) for e in emotions]
    if len(set(emotions)) != len(emotions):
        raise _Bad("'emotions' lists a label twice")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not 1 <= len(raw_fields) <= MAX_FIELDS:
        raise _Bad(f"'fields' must be a list of 1–{MAX_FIELDS} fields")
    fields = [_parse_field(f, i, tuple(emotions)) for i, f in enumerate(raw_fields)]
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise _Bad("two fields have the same key")
    by_key = {f.key: f for f in fields}
    emotion = by_key.get("emotion")
    if emotion is None or emotion.type != "choice" or emotion.options != tuple(emotions):
        raise _Bad("the form needs the field 'emotion', a choice among the emotions")
    if not emotion.required:
        raise _Bad("'emotion' must be required (validity, agreement and training need it)")
    for key in ("intensity", "genuineness"):
        f = by_key.get(key)
        if f is not None and (f.type != "likert" or f.low < 1 or f.high > 5):
            raise _Bad(f"'{key}' must be a likert scale within 1–5")
    if "notes" in by_key and by_key["notes"].type != "text":
        raise _Bad("'notes' must be a text field")
    digit = [f.shortcut for f in fields if f.type != "text" and f.shortcut is not None]
    if len(set(digit)) != len(digit):
        raise _Bad("two fields use the same shortcut modifier")
    validity = data.get("validity", "emotion")
    if validity != "emotion" and (validity not in by_key or by_key[validity].type != "yesno"):
        raise _Bad("'validity' must be 'emotion' or the key of a yes/no field")
    return RatingForm(
        name=_text(data.get("name", "custom"), "'name'", 64),
        title=_text(data.get("title", "Rating form"), "'title'"),
        emotions=tuple(emotions),
        fields=tuple(fields),
        validity=validity,
    )


def _parse_field(raw: object, index: int, emotions: tuple[str, ...]) -> FormField:
    where = f"field {index + 1}"
    if not isinstance(raw, dict):
        raise _Bad(f"{where} must be an object")
    key = _text(raw.get("key"), f"{where}: 'key'", 32)
    if not key.replace("_", "").isalnum() or not key.isascii() or key[0].isdigit():
        raise _Bad(f"{where}: 'key' must be letters, digits and _ (not starting with a digit)")
    if key != key.lower():
        raise _Bad(f"{where}: 'key' must be lower case ('{key.lower()}')")
    if key in RESERVED_KEYS:
        raise _Bad(f"{where}: '{key}' is a column of the ratings CSV; choose another key")
    where = f"field '{key}'"
    kind = raw.get("type")
    if kind not in TYPES:
        raise _Bad(f"{where}: 'type' must be one of {', '.join(TYPES)}")
    title = _text(raw.get("title", key.capitalize()), f"{where}: 'title'")
    prompt = raw.get("prompt", "")
    if prompt:
        prompt = _text(prompt, f"{where}: 'prompt'", 300)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise _Bad(f"{where}: 'required' must be true or false")
    segment = raw.get("segment", True)
    if not isinstance(segment, bool):
        raise _Bad(f"{where}: 'segment' must be true or false")
    shortcut = raw.get("shortcut", "")
    if not isinstance(shortcut, str):
        raise _Bad(f"{where}: 'shortcut' must be a text")
    if kind == "text":
        if shortcut and not _text_shortcut(shortcut):
            raise _Bad(f"{where}: a text field's shortcut must be Ctrl+ or Alt+ and a letter")
    elif shortcut not in DIGIT_SHORTCUTS:
        raise _Bad(f"{where}: 'shortcut' must be one of "
                   + ", ".join(repr(s) for s in DIGIT_SHORTCUTS))  # fmt: skip
    options: tuple[str, ...] = ()
    low, high, anchors = 1, 5, ()
    if kind == "choice":
        raw_options = raw.get("options")
        if raw_options == "emotions":
            options = emotions
        else:
            if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= 20:
                raise _Bad(f"{where}: 'options' must be \"emotions\" or a list of 2–20 labels")
            options = tuple(_text(o, f"{where}: an option", MAX_OPTION_CHARS) for o in raw_options)
            if len(set(options)) != len(options):
                raise _Bad(f"{where}: an option is listed twice")
    if kind == "likert":
        low, high = (
            _int(raw.get("min", 1), f"{where}: 'min'"),
            _int(raw.get("max"), f"{where}: 'max'"),
        )
        if not 0 <= low < high <= low + 10:
            raise _Bad(f"{where}: the scale must run over 2–11 whole numbers from 0 up")
        raw_anchors = raw.get("anchors", {})
        if not isinstance(raw_anchors, dict):
            raise _Bad(f"{where}: 'anchors' must map values to words")
        pairs = []
        for value, words in raw_anchors.items():
            try:
                number = int(value)
            except ValueError:
                raise _Bad(f"{where}: anchor {value!r:.10} is not a whole number") from None
            if not low <= number <= high:
                raise _Bad(f"{where}: anchor {number} is outside {low}–{high}")
            if words:
                pairs.append((number, _text(words, f"{where}: anchor {number}", 80)))
        anchors = tuple(sorted(pairs))
    return FormField(key, kind, title, options, low, high, anchors, prompt, shortcut,
                     required, segment)  # fmt: skip


def _text_shortcut(shortcut: str) -> bool:
    modifier, _, letter = shortcut.rpartition("+")
    return (
        modifier in ("Ctrl", "Alt") and len(letter) == 1 and letter.isascii() and letter.isalpha()
    )
