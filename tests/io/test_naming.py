from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emolab.core.errors import BadName, CorruptFile
from emolab.io.naming import available_schemes, detect_scheme, load_scheme

MM14 = load_scheme("multimodal14")
RAVDESS = load_scheme("ravdess")


def test_parses_hyphenated_and_plain_forms_to_the_same_key():
    a = MM14.parse("02-05-02-01-02-03-07.wav")
    b = MM14.parse("02050201020307.wav")
    assert a.key == b.key
    assert str(a.key) == "05-02-01-02-03-07"
    assert a.modality == "audio"
    assert a.emotion == "angry"
    assert a.meaning("intensity") == "strong"
    assert a.meaning("collection") == "English as first language"
    assert a.participant == 7


def test_audio_and_body_files_pair_on_the_key():
    audio = MM14.parse("02-03-01-02-01-04-11.wav")
    body = MM14.parse("01-03-01-02-01-04-11.bvh")
    assert audio.key == body.key
    assert body.modality == "body"


def test_ravdess_names_parse():
    parsed = RAVDESS.parse("03-01-06-01-02-01-12.wav")
    assert parsed.emotion == "fearful"
    assert parsed.participant == 12
    assert parsed.meaning("vocal_channel") == "speech"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("02-05-02-01-02-03.wav", "has 6 fields"),
        ("02-05-02-01-02-03-07-01.wav", "has 8 fields"),
        ("0205020102030.wav", "nor 14 digits"),
        ("02-0x-02-01-02-03-07.wav", "not two digits"),
        ("02-09-02-01-02-03-07.wav", "emotion code 09 is unknown"),
        ("02-05-02-01-02-06-07.wav", "collection type code 06 is unknown"),
        ("02-01-02-01-02-03-07.wav", "neutral has no strong intensity"),
        ("02-05-02-01-02-03-00.wav", "outside 01–99"),
        ("01-05-02-01-02-03-07.wav", "does not match the .wav file type"),
        ("02-05-02-01-02-03-07.bvh", "does not match the .bvh file type"),
        ("02-05-02-01-02-03-07.txt", "extension '.txt'"),
    ],
)
def test_bad_names_say_file_and_reason(name, reason):
    with pytest.raises(BadName) as info:
        MM14.parse(f"/data/{name}")
    assert reason in str(info.value)
    assert name in str(info.value)


codes = st.fixed_dictionaries(
    {
        "modality": st.sampled_from(["01", "02"]),
        "emotion": st.sampled_from([f"{i:02d}" for i in range(1, 9)]),
        "intensity": st.sampled_from(["01", "02"]),
        "statement": st.sampled_from(["01", "02"]),
        "repetition": st.sampled_from(["01", "02"]),
        "collection": st.sampled_from([f"{i:02d}" for i in range(1, 6)]),
        "participant": st.integers(1, 99).map(lambda i: f"{i:02d}"),
    }
).filter(lambda c: not (c["emotion"] == "01" and c["intensity"] == "02"))


@given(codes, st.booleans())
def test_format_then_parse_round_trips(fields, hyphens):
    ext = ".wav" if fields["modality"] == "02" else ".bvh"
    name = MM14.format(fields, ext, hyphens=hyphens)
    parsed = MM14.parse(name)
    assert dict(parsed.codes) == fields
    assert MM14.format(parsed.codes, ext, hyphens=hyphens) == name


@given(st.text(alphabet="0123456789-ab", min_size=1, max_size=24))
def test_arbitrary_stems_either_parse_consistently_or_raise_badname(stem):
    try:
        parsed = MM14.parse(stem + ".wav")
    except BadName as exc:
        assert exc.path is not None
        assert exc.reason
    else:
        assert MM14.format(parsed.codes, ".wav", hyphens=False) == stem.replace("-", "") + ".wav"


@given(codes, st.integers(0, 6), st.sampled_from(["00", "99", "1x", "x"]))
def test_corrupting_a_coded_field_is_rejected(fields, index, junk):
    name = MM14.format(fields, ".wav" if fields["modality"] == "02" else ".bvh")
    parts = name.split(".")[0].split("-")
    field = MM14.fields[index]
    if field.check(junk) is None:
        return  # junk happens to be valid here (e.g. participant 99)
    parts[index] = junk
    with pytest.raises(BadName):
        MM14.parse("-".join(parts) + "." + name.split(".")[1])


def test_detect_scheme_prefers_the_scheme_that_parses_the_files():
    assert detect_scheme(["03-01-05-01-01-01-01.wav", "03-01-06-02-01-02-24.wav"]) is RAVDESS
    assert detect_scheme(["02-05-02-01-02-03-07.wav", "01-05-02-01-02-03-07.bvh"]) is MM14
    assert detect_scheme(["hello.wav"]) is None


def test_a_lab_can_add_its_own_scheme_file(tmp_path):
    from emolab.io.naming import user_scheme_dir

    folder = user_scheme_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab3.json").write_text(
        '{"name": "lab3", "fields": ['
        '{"name": "modality", "codes": {"01": "body", "02": "audio"}},'
        '{"name": "emotion", "codes": {"01": "neutral", "02": "happy"}},'
        '{"name": "participant", "range": [1, 50]}],'
        '"modality_field": "modality", "modalities": {"01": "body", "02": "audio"},'
        '"participant_field": "participant"}'
    )
    assert "lab3" in available_schemes()
    parsed = load_scheme("lab3").parse("02-02-49.wav")
    assert parsed.emotion == "happy"
    assert str(parsed.key) == "02-49"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (os.fsdecode(b"02-05-02-01-02-03-07\xff.wav"), "not valid UTF-8"),
        ("02-05-02-01-02-03-07\x00.wav", "control characters"),
        ("02-05-02-01\n-02-03-07.wav", "control characters"),
        ("02-05-02-01-02-03-" + "0" * 5000 + "7.wav", "at most 255"),
        ("02-05-02-01-02-03-²³.wav", "not two digits"),
        ("02-05-02-01-02-03-١٢.wav", "not two digits"),
    ],
)
def test_unstorable_or_odd_names_are_bad_names(name, reason):
    with pytest.raises(BadName, match=reason) as info:
        MM14.parse(f"/data/{name}")
    str(info.value).encode("utf-8", "surrogateescape")  # the message can be shown


def test_a_non_utf8_folder_does_not_matter_to_the_name():
    folder = os.fsdecode(b"/data/\xe9t\xe9")
    assert MM14.parse(f"{folder}/02-05-02-01-02-03-07.wav").participant == 7


def _user_scheme(text: str | bytes):
    from emolab.io.naming import user_scheme_dir

    folder = user_scheme_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "broken.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


GOOD_SCHEME = {
    "name": "lab3",
    "fields": [
        {"name": "modality", "codes": {"01": "body", "02": "audio"}},
        {"name": "participant", "range": [1, 50]},
    ],
    "modality_field": "modality",
    "modalities": {"01": "body", "02": "audio"},
    "participant_field": "participant",
}

TEXT_RANGE = {"name": "participant", "range": ["1", 50]}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "cannot be read"),
        (b"\xff\xfe{}", "cannot be read"),
        ("[" * 100_000 + "]" * 100_000, "cannot be read"),
        ("[1, 2]", "does not hold a JSON object"),
        (json.dumps(GOOD_SCHEME | {"fields": "modality"}), "'fields' must be a non-empty list"),
        (json.dumps(GOOD_SCHEME | {"fields": [["modality"]]}), "each field must be"),
        (json.dumps(GOOD_SCHEME | {"fields": [GOOD_SCHEME["fields"][0], TEXT_RANGE]}), "range"),
        (json.dumps(GOOD_SCHEME | {"participant_field": "actor"}), "'participant_field' must name"),
        (json.dumps(GOOD_SCHEME | {"modalities": {"1": "body"}}), "two-digit codes"),
        (json.dumps(GOOD_SCHEME | {"forbidden": [{"when": {"x": "01"}}]}), "'when' must map"),
        (json.dumps({k: v for k, v in GOOD_SCHEME.items() if k != "name"}), "needs a text 'name'"),
    ],
)  # fmt: skip
def test_malformed_user_schemes_are_corrupt_files_naming_the_file(content, reason):
    path = _user_scheme(content)
    with pytest.raises(CorruptFile, match=reason) as info:
        load_scheme("broken")
    assert info.value.path == path


def test_a_well_formed_user_scheme_still_loads():
    _user_scheme(json.dumps(GOOD_SCHEME))
    assert load_scheme("broken").parse("02-49.wav").participant == 49
