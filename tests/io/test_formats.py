"""The one table of supported extensions and the motion reader registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from emolab.core.errors import UnsupportedFormat
from emolab.io import formats
from emolab.io.naming import MEDIA_EXTENSIONS, modality_of_extension


def test_every_declared_motion_format_has_a_reader_and_a_writer():
    for suffix in formats.MOTION_FORMATS:
        path = Path(f"clip{suffix.upper()}")
        assert callable(formats.motion_reader(path))
        assert callable(formats.motion_writer(path))


def test_naming_and_readers_share_one_table_of_extensions():
    assert MEDIA_EXTENSIONS is formats.MEDIA_EXTENSIONS
    assert MEDIA_EXTENSIONS["body"] == set(formats.MOTION_FORMATS)
    assert set(formats.MOTION_FORMATS) == {".bvh", ".csv", ".npz", ".c3d"}
    assert MEDIA_EXTENSIONS["audio"] == {".wav", ".flac", ".ogg", ".mp3"}
    assert modality_of_extension("a.FLAC") == "audio"
    assert modality_of_extension("a.npz") == "body"
    with pytest.raises(UnsupportedFormat, match=r"\.txt"):
        modality_of_extension("a.txt")


def test_an_undeclared_format_is_neither_read_nor_registered():
    with pytest.raises(UnsupportedFormat, match=r"'\.trc' is not a motion format"):
        formats.motion_reader(Path("walk.trc"))
    with pytest.raises(UnsupportedFormat, match="cannot write motion"):
        formats.motion_writer(Path("walk.trc"))
    with pytest.raises(ValueError, match="MOTION_FORMATS"):
        formats.register_reader(".trc", lambda path: None)


def test_format_modules_load_on_first_use_only():
    code = (
        "import sys\n"
        "import emolab.io.motion, emolab.io.naming\n"
        "print(sorted(m for m in ('emolab.io.bvh', 'emolab.io.motion_csv', 'emolab.io.motion_npz',"
        " 'emolab.io.motion_c3d', 'c3d', 'numpy') if m in sys.modules))\n"
        "import emolab.io.formats as f, pathlib\n"
        "f.motion_reader(pathlib.Path('a.bvh'))\n"
        "print(sorted(m for m in ('emolab.io.bvh', 'emolab.io.motion_csv') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "['numpy']"  # the motion module itself, no format module
    assert out[1] == "['emolab.io.bvh']"


def test_the_c3d_package_loads_when_a_c3d_file_is_read_only(tmp_path):
    code = (
        "import sys, pathlib\n"
        "from emolab.io import formats\n"
        "formats.motion_reader(pathlib.Path('a.c3d'))\n"
        "print('emolab.io.motion_c3d' in sys.modules, 'c3d' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True False"


def test_naming_schemes_load_without_numpy():
    code = "import sys, emolab.io.naming; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
