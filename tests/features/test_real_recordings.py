"""Audio features of real recordings, and of odd variants made from them, are finite and
usable, and every such recording gets a suggestion from the bundled model.

The requirement: "real recordings … at 8–48 kHz, mono and stereo, clipping, silence,
0.5 s and 60 s clips give finite features and a suggestion, never an error."

The real recordings are Debian's ``pocketsphinx-testdata`` (.ci/run installs it): LibriVox
read speech (public domain, 3–7 s) and short "cards" utterances, all 16 kHz mono 16-bit
WAV. The variants are written once per test process into a temporary folder: resampled to
8–48 kHz, stereo with different channels, hard-clipped, digital silence, dither-level
near-silence, a 0.5 s cut, a minute (and over a minute) made by joining every real
recording, 16-bit, 24-bit and float samples, Ogg Vorbis. Each file's features are
extracted once (``features_of``) and shared by the tests that look at them.

Silence is not an error: it gives defined values (every feature 0 but the level, and the
'silent' flag; see emolab/features/audio.py). Only a file too short to give one sample at
16 kHz is refused, with a message naming the file and the reason.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolab.features import audio as audio_features
from emolab.features import extended as extended_features
from emolab.features.extract import MediaFeatures, audio_file_features
from emolab.features.windows import window_starts

REAL_DATA = Path("/usr/share/pocketsphinx/test/data")
REAL_FILES = sorted(REAL_DATA.rglob("*.wav")) if REAL_DATA.is_dir() else []
#: The longest real recording (7.1 s, one male reader): the source of most variants.
SPEECH = REAL_DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
#: Another reader's sentence, for a stereo file whose channels differ.
OTHER = REAL_DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav"

pytestmark = pytest.mark.skipif(
    not (REAL_DATA / "librivox").is_dir(),
    reason=f"real recordings absent: {REAL_DATA / 'librivox'} is missing "
    "(install the Debian package pocketsphinx-testdata, as .ci/run does)",
)

SR = 16_000
F0_MIN_ST, F0_MAX_ST = 12 * math.log2(60 / 27.5), 12 * math.log2(500 / 27.5)  # 60–500 Hz
RMS_MEAN = audio_features.NAMES.index("rms_mean")
F0_MEAN = audio_features.NAMES.index("f0_mean")
VOICED = audio_features.NAMES.index("voiced_fraction")
RMS_RANGE = audio_features.NAMES.index("rms_range")
CENTROID = audio_features.NAMES.index("centroid")
EQUIVALENT_LEVEL = extended_features.NAMES.index("equivalent_level")
SILENT_LEVEL_DB = -200.0  # the features' level floor (digital zeros)


def _read(path: Path) -> np.ndarray:
    samples, rate = sf.read(path, dtype="float32")
    assert rate == SR and samples.ndim == 1
    return samples


def _resample(x: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    return soxr.resample(x, SR, rate, "HQ").astype(np.float32)


def _all_real_joined() -> np.ndarray:
    """Every real recording one after the other (several speakers, ~37 s)."""
    return np.concatenate([_read(path) for path in REAL_FILES])


def _tiled(x: np.ndarray, seconds: float) -> np.ndarray:
    n = round(seconds * SR)
    return np.tile(x, -(-n // len(x)))[:n]


def _clipped(x: np.ndarray) -> np.ndarray:
    """The speech brought to full scale, hard-clipped at ±0.3 (10.5 dB of clipping: most
    voiced peaks are cut flat), then scaled back up to 0.99."""
    return np.clip(x / np.abs(x).max(), -0.3, 0.3) * (0.99 / 0.3)


def _near_silence(n: int) -> np.ndarray:
    """16-bit samples of -1, 0 or +1 (triangular dither at one step, ≈ -98 dBFS)."""
    rng = np.random.default_rng(7)
    return (rng.integers(0, 2, n) - rng.integers(0, 2, n)).astype(np.int16)


def _stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    n = max(len(left), len(right))
    out = np.zeros((n, 2), np.float32)
    out[: len(left), 0], out[: len(right), 1] = left, right
    return out


#: name → (file name, builder of the file's samples and rate, subtype). The speech clip is
#: given to each builder.
Builder = Callable[[np.ndarray], tuple[np.ndarray, int]]
VARIANTS: dict[str, tuple[str, Builder, str]] = {
    **{
        f"rate-{rate}": (f"rate-{rate}.wav", lambda x, r=rate: (_resample(x, r), r), "PCM_16")
        for rate in (8_000, 11_025, 22_050, 44_100, 48_000)
    },
    # different readers in the two channels, at 48 kHz
    "stereo-48000": (
        "stereo-48000.wav",
        lambda x: (_stereo(_resample(x, 48_000), 0.5 * _resample(_read(OTHER), 48_000)), 48_000),
        "PCM_16",
    ),
    # speech on the left only: the mono mix is the speech at half amplitude (-6.02 dB)
    "stereo-one-silent": ("stereo-one-silent.wav", lambda x: (_stereo(x, 0 * x), SR), "PCM_16"),
    "clipped": ("clipped.wav", lambda x: (_clipped(x), SR), "PCM_16"),
    "silence": ("silence.wav", lambda x: (np.zeros_like(x), SR), "PCM_16"),
    "silence-float": ("silence-float.wav", lambda x: (np.zeros_like(x), SR), "FLOAT"),
    "near-silence": ("near-silence.wav", lambda x: (_near_silence(len(x)), SR), "PCM_16"),
    "half-second": ("half-second.wav", lambda x: (x[SR : SR + SR // 2], SR), "PCM_16"),
    "half-second-8000-stereo": (
        "half-second-8000-stereo.wav",
        lambda x: (_stereo(*[_resample(x[SR : SR + SR // 2], 8_000)] * 2), 8_000),
        "PCM_16",
    ),
    "int16": ("int16.wav", lambda x: (x, SR), "PCM_16"),
    "float32": ("float32.wav", lambda x: (x, SR), "FLOAT"),
    "pcm24": ("pcm24.wav", lambda x: (x, SR), "PCM_24"),
    # 60 s at 44.1 kHz: decoded and resampled whole
    "minute-44100": (
        "minute-44100.wav",
        lambda x: (_resample(_tiled(_all_real_joined(), 60.0), 44_100), 44_100),
        "PCM_16",
    ),
    # over a minute at 16 kHz, stereo: read a stretch at a time (MonoStream)
    "over-a-minute-stereo": (
        "over-a-minute-stereo.wav",
        lambda x: (_stereo(_tiled(_all_real_joined(), 61.0), 0.5 * _tiled(x, 61.0)), SR),
        "PCM_16",
    ),
    # over a minute at 16 kHz in Ogg Vorbis: libsndfile seeks Vorbis inexactly, so this is
    # decoded whole (it failed as "truncated" when it was streamed)
    "over-a-minute-vorbis": (
        "over-a-minute-vorbis.ogg",
        lambda x: (_tiled(_all_real_joined(), 61.0), SR),
        "VORBIS",
    ),
}
SILENT = {"silence", "silence-float", "near-silence"}
SPEECH_LIKE = sorted(set(VARIANTS) - SILENT)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return _read(SPEECH)


@pytest.fixture(scope="module")
def features_of(tmp_path_factory, speech) -> Callable[[str], tuple[Path, MediaFeatures]]:
    """``features_of(name)``: the variant's file (written on first use) and its features,
    or, for a real recording, given by its path, that file and its features. Each is
    extracted once per test process."""
    folder = tmp_path_factory.mktemp("real-variants")
    done: dict[str, tuple[Path, MediaFeatures]] = {}

    def get(name: str) -> tuple[Path, MediaFeatures]:
        if name not in done:
            if name in VARIANTS:
                file_name, build, subtype = VARIANTS[name]
                samples, rate = build(speech)
                path = folder / file_name
                sf.write(path, samples, rate, subtype=subtype)
            else:
                path = Path(name)
            done[name] = path, audio_file_features(path)
        return done[name]

    return get


def assert_well_formed(path: Path, features: MediaFeatures) -> None:
    """Shapes, dtype, finiteness, and one window per 0.5 s hop of the file's duration."""
    info = sf.info(path)
    n_windows = len(window_starts(info.frames / info.samplerate))
    expected = {
        "vector": (len(audio_features.NAMES),),
        "extended": (len(extended_features.NAMES),),
        "baseline": (40,),
        "windows": (n_windows, len(audio_features.NAMES)),
        "extended_windows": (n_windows, len(extended_features.NAMES)),
    }
    for name, shape in expected.items():
        array = getattr(features, name)
        assert array is not None, f"{path.name}: no {name}"
        assert array.dtype == np.float32, f"{path.name}: {name} is {array.dtype}"
        # resampling may round the length across a window boundary: ±1 window
        if name.endswith("windows"):
            assert abs(array.shape[0] - n_windows) <= 1 and array.shape[1:] == shape[1:], (
                f"{path.name}: {name} {array.shape}, expected about {shape}"
            )
        else:
            assert array.shape == shape, f"{path.name}: {name} {array.shape} != {shape}"
        assert np.isfinite(array).all(), f"{path.name}: {name} has NaN or inf"
    assert features.modality == "audio"


def assert_speech(path: Path, features: MediaFeatures) -> None:
    """What any recording of a person reading should give."""
    v = features.vector
    assert not {"silent", "unvoiced"} & features.flags, f"{path.name}: {features.flags}"
    assert v[VOICED] > 0.1, f"{path.name}: voiced fraction {v[VOICED]:.2f}"
    assert F0_MIN_ST <= v[F0_MEAN] <= F0_MAX_ST, f"{path.name}: mean F0 {v[F0_MEAN]:.1f} st"
    assert -60 < v[RMS_MEAN] < 0, f"{path.name}: level {v[RMS_MEAN]:.1f} dBFS"


def assert_silence_values(features: MediaFeatures) -> None:
    """Silence: every feature 0 but the level (file and windows), flagged."""
    assert {"silent", "unvoiced"} <= features.flags
    for vector, level in ((features.vector, RMS_MEAN), (features.extended, EQUIVALENT_LEVEL)):
        others = np.delete(vector, level)
        assert not others.any(), f"non-zero features of silence: {others[others != 0]}"
        assert vector[level] <= -80
    for windows, level in (
        (features.windows, RMS_MEAN),
        (features.extended_windows, EQUIVALENT_LEVEL),
    ):
        assert not np.delete(windows, level, axis=1).any()
        assert (windows[:, level] <= -80).all()


# --- the real recordings themselves ---------------------------------------------------------


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_real_recording_gives_finite_speech_features(path, features_of):
    file, features = features_of(str(path))
    assert_well_formed(file, features)
    assert_speech(file, features)


# --- variants ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_gives_finite_features_of_the_right_shapes(name, features_of):
    assert_well_formed(*features_of(name))


@pytest.mark.parametrize("name", SPEECH_LIKE)
def test_variants_with_speech_still_read_as_speech(name, features_of):
    assert_speech(*features_of(name))


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silence_and_near_silence_give_defined_values_not_an_error(name, features_of):
    _path, features = features_of(name)
    assert_silence_values(features)


def test_digital_silence_is_at_the_level_floor(features_of):
    for name in ("silence", "silence-float"):
        _path, features = features_of(name)
        assert features.vector[RMS_MEAN] == SILENT_LEVEL_DB
        assert features.extended[EQUIVALENT_LEVEL] == SILENT_LEVEL_DB


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 44_100, 48_000])
def test_pitch_and_level_do_not_depend_on_the_files_sample_rate(rate, features_of):
    """F0 is tracked below 4 kHz, so even 8 kHz keeps it; the level loses only what lies
    above the file's Nyquist frequency."""
    _path, original = features_of(str(SPEECH))
    _path, resampled = features_of(f"rate-{rate}")
    a, b = original.vector, resampled.vector
    assert b[F0_MEAN] == pytest.approx(a[F0_MEAN], abs=0.1)
    assert b[VOICED] == pytest.approx(a[VOICED], abs=0.03)
    assert b[RMS_MEAN] == pytest.approx(a[RMS_MEAN], abs=0.5)
    if rate > SR:  # nothing of the 16 kHz original is lost: spectra agree too
        assert b[CENTROID] == pytest.approx(a[CENTROID], abs=20)
        np.testing.assert_allclose(b[-13:], a[-13:], atol=0.5)


def test_a_stereo_file_is_mixed_to_the_mean_of_its_channels(features_of):
    """Speech on one channel, silence on the other: the same speech 6.02 dB lower."""
    _path, original = features_of(str(SPEECH))
    _path, stereo = features_of("stereo-one-silent")
    a, b = original.vector, stereo.vector
    assert b[RMS_MEAN] - a[RMS_MEAN] == pytest.approx(20 * math.log10(0.5), abs=0.05)
    assert b[F0_MEAN] == pytest.approx(a[F0_MEAN], abs=0.01)
    assert b[VOICED] == pytest.approx(a[VOICED], abs=0.01)


def test_16_bit_24_bit_and_float_samples_give_the_same_features(features_of):
    """The real recording is 16-bit: 24-bit and float files hold exactly its samples."""
    _path, original = features_of(str(SPEECH))
    for name in ("int16", "pcm24", "float32"):
        _path, copy = features_of(name)
        for kind in ("vector", "extended", "windows", "extended_windows", "baseline"):
            np.testing.assert_array_equal(getattr(copy, kind), getattr(original, kind), kind)


def test_clipping_compresses_the_level_range_but_keeps_the_voice(features_of):
    _path, original = features_of(str(SPEECH))
    _path, clipped = features_of("clipped")
    assert clipped.vector[RMS_RANGE] < original.vector[RMS_RANGE]
    assert clipped.vector[F0_MEAN] == pytest.approx(original.vector[F0_MEAN], abs=1.0)


def test_half_a_second_gives_one_window(features_of):
    for name in ("half-second", "half-second-8000-stereo"):
        _path, features = features_of(name)
        assert features.windows.shape == (1, len(audio_features.NAMES))
        assert features.extended_windows.shape == (1, len(extended_features.NAMES))


def test_a_minute_gives_a_window_every_half_second(features_of):
    _path, minute = features_of("minute-44100")
    assert minute.windows.shape[0] == len(window_starts(60.0)) == 119
    for name in ("over-a-minute-stereo", "over-a-minute-vorbis"):
        _path, features = features_of(name)
        assert features.windows.shape[0] == len(window_starts(61.0)) == 121


def test_over_a_minute_streamed_or_whole_gives_the_same_features(features_of):
    """A WAV over a minute at 16 kHz is read a stretch at a time, an Ogg Vorbis one whole
    (streaming Vorbis once failed as "truncated": libsndfile's Vorbis seeks can land a
    block off). The decoded Vorbis samples written as WAV give the same features."""
    path, vorbis = features_of("over-a-minute-vorbis")
    samples, rate = sf.read(path, dtype="float32")
    wav = path.with_name("over-a-minute-left.wav")
    sf.write(wav, samples, rate, subtype="FLOAT")  # the decoded Vorbis, bit for bit
    streamed = audio_file_features(wav)
    np.testing.assert_allclose(streamed.vector, vorbis.vector, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(streamed.windows, vorbis.windows, rtol=1e-5, atol=1e-4)


def test_a_file_too_short_for_one_sample_at_16_khz_is_named_with_its_reason(tmp_path, speech):
    """The one refusal: 1 sample at 48 kHz is a third of a 16 kHz sample."""
    from emolab.core.errors import EmolabError

    path = tmp_path / "one-sample-48k.wav"
    sf.write(path, _resample(speech, 48_000)[24_000:24_001], 48_000)
    with pytest.raises(EmolabError) as caught:
        audio_file_features(path)
    message = str(caught.value)
    assert "one-sample-48k.wav" in message and "too short" in message


# --- random rates, lengths, gains and formats -------------------------------------------------

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("real-random")


@PROPERTY
@given(
    rate=st.integers(8_000, 48_000),
    start=st.floats(0.0, 6.5),
    seconds=st.floats(0.05, 4.0),
    gain_db=st.floats(-70.0, 30.0),
    clip_at=st.none() | st.floats(0.01, 1.0),
    stereo=st.booleans(),
    subtype=st.sampled_from(["PCM_16", "PCM_24", "FLOAT"]),
)
def test_any_rate_length_gain_clipping_and_format_gives_finite_features(
    speech, scratch, rate, start, seconds, gain_db, clip_at, stereo, subtype
):
    excerpt = speech[round(start * SR) : round((start + seconds) * SR)]
    x = _resample(excerpt, rate) * np.float32(10 ** (gain_db / 20))
    if clip_at is not None:
        x = np.clip(x, -clip_at, clip_at) / clip_at
    if subtype != "FLOAT":  # integer samples clip at full scale (float files may exceed it)
        x = np.clip(x, -1.0, 1.0)
    if stereo:
        x = _stereo(x, 0.7 * x[::-1])  # the other channel: the excerpt backwards
    if len(x) == 0:
        x = np.zeros(1, np.float32)
    path = scratch / f"random-{rate}-{subtype}.wav"
    sf.write(path, x, rate, subtype=subtype)
    features = audio_file_features(path)
    assert_well_formed(path, features)
    if "silent" in features.flags:
        assert_silence_values(features)


@settings(PROPERTY, max_examples=12)
@given(rate=st.integers(8_000, 48_000), start=st.floats(0.0, 5.5), seconds=st.floats(1.0, 1.6))
def test_pitch_of_a_real_excerpt_does_not_depend_on_any_sample_rate(
    speech, scratch, rate, start, seconds
):
    excerpt = speech[round(start * SR) : round((start + seconds) * SR)]
    at_16k, at_rate = scratch / "excerpt-16000.wav", scratch / "excerpt-rate.wav"
    sf.write(at_16k, excerpt, SR, subtype="FLOAT")
    sf.write(at_rate, _resample(excerpt, rate), rate, subtype="FLOAT")
    a, b = audio_file_features(at_16k).vector, audio_file_features(at_rate).vector
    assert np.isfinite(b).all()
    if a[VOICED] > 0:
        assert b[F0_MEAN] == pytest.approx(a[F0_MEAN], abs=0.25)
        assert b[VOICED] == pytest.approx(a[VOICED], abs=0.05)
    assert b[RMS_MEAN] == pytest.approx(a[RMS_MEAN], abs=0.5)


# --- end to end: a project of such files, and the bundled model's suggestions -----------------

#: variant → its name in the 14-digit multimodal scheme (audio: modality 02). Participants:
#: 01 speech variants, 02 only silence, 03 only a minute, 04 speech paired with a body file.
PROJECT_FILES = {
    str(SPEECH): "02-01-01-01-01-01-01.wav",
    "rate-8000": "02-02-01-01-01-01-01.wav",
    "stereo-48000": "02-03-01-01-01-01-01.wav",
    "clipped": "02-05-01-01-01-01-01.wav",
    "pcm24": "02-07-01-01-01-01-01.wav",
    "half-second": "02-08-01-01-01-01-01.wav",
    "silence": "02-04-01-01-01-02-02.wav",
    "near-silence": "02-06-01-01-01-02-02.wav",
    "minute-44100": "02-03-01-01-02-03-03.wav",
    "rate-44100": "02-05-02-02-01-03-04.wav",
}


def test_imported_real_and_odd_recordings_each_get_a_suggestion(tmp_path, features_of):
    from emolab.core.progress import run_to_end
    from emolab.project.features import LABELS, extract_features
    from emolab.project.importer import import_folder
    from emolab.project.models import active_model, predict_missing, suggestions
    from emolab.project.store import Project
    from tests.conftest import SIMPLE_BVH

    folder = tmp_path / "recordings"
    folder.mkdir()
    for name, file_name in PROJECT_FILES.items():
        path, _features = features_of(name)
        shutil.copy(path, folder / file_name)
    (folder / "01-05-02-02-01-03-04.bvh").write_text(SIMPLE_BVH)  # pairs with the last
    with Project.create(tmp_path / "real.emolab") as project:
        imported = run_to_end(import_folder(project, folder))
        assert imported.rejected == [] and imported.recordings_added == len(PROJECT_FILES)
        assert imported.paired == 1
        extracted = run_to_end(extract_features(project))
        assert extracted.failed == []
        assert extracted.computed == len(PROJECT_FILES) + 1
        assert active_model(project).notice is None
        report = run_to_end(predict_missing(project))
        found = {s.recording_id: s for s in suggestions(project)}
        assert set(found) == {r.id for r in project.recordings()}
        keys = {r.id: r.key for r in project.recordings()}
    assert report.added == len(PROJECT_FILES)
    # the only notice: how many lie outside the bundled (SYNTHETIC-trained) model's data
    outside = sum(s.outside_training for s in found.values())
    assert report.notices == [
        f"{outside} of the {len(PROJECT_FILES)} new suggestions are for recordings unlike the "
        "model's training data: their probabilities are not calibrated for them (each "
        "suggestion says so)."]  # fmt: skip
    real = {Path(f).stem for name, f in PROJECT_FILES.items() if name.startswith("/usr/share")}
    assert real and all(found[i].outside_training for i, key in keys.items() if key in real)
    for suggestion in found.values():
        assert suggestion.label in LABELS
        probabilities = np.array(list(suggestion.probabilities.values()))
        assert np.isfinite(probabilities).all() and probabilities.sum() == pytest.approx(1)
        assert 0 <= suggestion.confidence <= 1
