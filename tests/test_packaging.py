"""The standalone build's recipe (packaging/build.py, packaging/emolab.spec), checked without
running PyInstaller (a build takes minutes; packaging/README.md says how to run one): every
resource is bundled where emolab.resources finds it, every module imported by name is a
hidden import, the spec is wired for Linux, Windows and macOS, the entry point runs
emolab's child processes, and the desktop entry installs as the freedesktop specs say."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import ClassVar

import pytest

import emolab

REPO = Path(__file__).resolve().parent.parent
RESOURCES = REPO / "resources"
PACKAGING = REPO / "packaging"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def recipe():
    return _load(PACKAGING / "build.py", "emolab_build")


def _resource_files() -> list[Path]:
    """Every file under resources/ but Python caches and hidden files."""
    return sorted(
        p for p in RESOURCES.rglob("*")
        if p.is_file() and not any(part.startswith((".", "__pycache__"))
                                   for part in p.relative_to(RESOURCES).parts)
        and p.suffix != ".pyc"
    )  # fmt: skip


def test_every_resource_is_bundled_where_emolab_finds_it(recipe, tmp_path):
    datas = recipe.resource_datas()
    bundled = {Path(source).resolve(): folder for source, folder in datas}
    files = _resource_files()
    assert len(files) >= 9
    for path in files:
        relative = path.relative_to(RESOURCES)
        assert path.resolve() in bundled, f"resources/{relative} is missing from the build"
        expected = PurePosixPath("emolab/_resources", *relative.parent.parts)
        assert bundled[path.resolve()] == str(expected)
    # the wheel puts resources/ at the same place (pyproject.toml's force-include)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert wheel["resources"] == recipe.BUNDLED_RESOURCES
    # laid out as PyInstaller lays out the bundle, emolab.resources finds every file
    (tmp_path / "emolab").mkdir()
    shutil.copy(REPO / "emolab" / "resources.py", tmp_path / "emolab" / "resources.py")
    for source, folder in datas:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, tmp_path / folder)
    frozen = _load(tmp_path / "emolab" / "resources.py", "frozen_resources")
    assert frozen.resource_root() == tmp_path / "emolab" / "_resources"
    for path in files:
        assert frozen.resource_path(*path.relative_to(RESOURCES).parts).is_file()


def _module_names_in_source() -> set[str]:
    """Every string constant in emolab's code that names one of its modules: what it
    imports by name (motion readers by extension, ``python -m emolab.gui.bench``)."""
    modules = set(_emolab_modules())
    found = set()
    for path in (REPO / "emolab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in modules:
                found.add(node.value)
    return found


def _emolab_modules() -> list[str]:
    import pkgutil

    found = pkgutil.walk_packages(emolab.__path__, prefix="emolab.")
    return ["emolab", *(m.name for m in found)]


def test_every_module_imported_by_name_is_a_hidden_import(recipe):
    from skops.io import _persist

    from emolab.io.formats import MOTION_FORMATS
    from emolab.models.persistence import TRUSTED_TYPES

    hidden = set(recipe.hidden_imports())
    by_name = _module_names_in_source()
    assert set(MOTION_FORMATS.values()) <= by_name
    assert "emolab.gui.bench" in by_name  # `emolab bench` runs it with -m
    assert by_name <= hidden
    assert set(_emolab_modules()) <= hidden  # the policy: all of emolab, nothing forgotten
    # skops imports its loaders and the model's classes by name
    assert {f"skops.io{m}" for m in _persist.modules} <= hidden
    assert {t.rsplit(".", 1)[0] for t in TRUSTED_TYPES} <= hidden
    assert {"emolab.models.fusion", "sklearn.pipeline"} <= set(recipe.model_modules())
    assert not set(recipe.EXCLUDES) & {m.split(".")[0] for m in hidden}


class _Recorded:
    """Stands in for one of PyInstaller's spec classes and keeps what it was given."""

    made: ClassVar[list[_Recorded]] = []  # each stand-in class gets its own list

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.made.append(self)
        self.pure = self.scripts = self.binaries = self.datas = ()


def _run_spec(platform: str, tmp_path: Path, monkeypatch) -> dict[str, list[_Recorded]]:
    kinds = ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")
    classes = {kind: type(kind, (_Recorded,), {"made": []}) for kind in kinds}
    monkeypatch.setattr(sys, "platform", platform)
    spec = PACKAGING / "emolab.spec"
    namespace = {"SPECPATH": str(PACKAGING), "SPEC": str(spec), "workpath": str(tmp_path),
                 "DISTPATH": str(tmp_path / "dist"), **classes}  # fmt: skip
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    return {kind: classes[kind].made for kind in kinds}


def test_the_spec_builds_one_folder_on_linux(recipe, tmp_path, monkeypatch):
    made = _run_spec("linux", tmp_path, monkeypatch)
    (analysis,) = made["Analysis"]
    assert analysis.args[0] == [str(PACKAGING / "launcher.py")]
    assert analysis.kwargs["datas"] == recipe.resource_datas()
    assert analysis.kwargs["hiddenimports"] == recipe.hidden_imports()
    assert analysis.kwargs["excludes"] == list(recipe.EXCLUDES)
    (program,) = made["EXE"]
    assert program.kwargs["name"] == "emolab" and program.kwargs["exclude_binaries"]
    (folder,) = made["COLLECT"]
    assert folder.kwargs["name"] == "emolab" and program in folder.args
    assert made["BUNDLE"] == []


def test_the_spec_builds_a_windowed_exe_with_a_console_twin_on_windows(tmp_path, monkeypatch):
    made = _run_spec("win32", tmp_path, monkeypatch)
    programs = {exe.kwargs["name"]: exe.kwargs for exe in made["EXE"]}
    assert programs["emolab"]["console"] is False
    assert programs["emolab-cli"]["console"] is True
    icon = Path(programs["emolab"]["icon"])
    assert icon.suffix == ".ico" and icon.read_bytes()[:4] == b"\0\0\1\0"  # an ICO header
    assert made["BUNDLE"] == []


def test_the_spec_builds_an_app_bundle_on_macos(tmp_path, monkeypatch):
    made = _run_spec("darwin", tmp_path, monkeypatch)
    (program,) = made["EXE"]
    assert program.kwargs["console"] is False
    assert program.kwargs["argv_emulation"] is True  # a double-clicked .emolab arrives in argv
    (bundle,) = made["BUNDLE"]
    assert bundle.kwargs["name"] == "emolab.app"
    assert Path(bundle.kwargs["icon"]).read_bytes()[:4] == b"icns"
    plist = bundle.kwargs["info_plist"]
    assert plist["CFBundleShortVersionString"] == emolab.__version__
    assert plist["CFBundleDocumentTypes"][0]["CFBundleTypeExtensions"] == ["emolab"]
    assert "NSMicrophoneUsageDescription" not in plist  # emolab only plays audio


def _launcher(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PACKAGING / "launcher.py"), *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_the_entry_point_runs_emolab_and_its_child_processes():
    """A frozen ``sys.executable`` is the entry point, and emolab starts children with
    ``-c CODE`` (training, bench) and ``-m MODULE`` (the GUI benchmark)."""
    result = _launcher("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"emolab {emolab.__version__}"
    result = _launcher("-c", "import sys; print(sys.argv)", "a", "b")
    assert result.returncode == 0 and result.stdout.strip() == "['-c', 'a', 'b']"
    result = _launcher("-m", "emolab", "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"emolab {emolab.__version__}"
    assert _launcher("-c", "raise SystemExit(3)").returncode == 3
    # joblib puts the interpreter's options first: `-B -s -W ignore -c CODE`
    result = _launcher("-B", "-s", "-W", "ignore", "-c", "print('child')")
    assert result.returncode == 0 and result.stdout.strip() == "child"
    # emolab's own options stay emolab's
    result = _launcher("-h")
    assert result.returncode == 0 and "usage: emolab" in result.stdout


def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(recipe):
    assert recipe.exec_argument("/usr/bin/emolab") == "/usr/bin/emolab"
    assert recipe.exec_argument("/opt/my apps/emolab") == '"/opt/my apps/emolab"'
    # inside quotes ", `, $ and \ take a backslash; then every \ is doubled and % is %%
    assert recipe.exec_argument('/a "b"/$x\\%') == '"/a \\\\"b\\\\"/\\\\$x\\\\\\\\%%"'


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_desktop_entry_icon_and_file_type_install_and_uninstall(recipe, tmp_path):
    program = str(tmp_path / "Ünïcode räume" / "emolab")
    written = recipe.install_desktop(program, tmp_path)
    assert all(path.is_file() for path in written)
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(tmp_path / "applications" / "emolab.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == f'"{program}" %f'
    assert desktop["Icon"] == "emolab"
    assert "application/x-emolab-project" in desktop["MimeType"].split(";")
    icons = tmp_path / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "emolab.svg").read_bytes() == (
        RESOURCES / "icons" / "emolab.svg"
    ).read_bytes()
    for size in recipe.PNG_SIZES:
        assert _png_size(icons / f"{size}x{size}" / "apps" / "emolab.png") == (size, size)
    mime = (tmp_path / "mime" / "packages" / "emolab.xml").read_text(encoding="utf-8")
    assert 'type="application/x-emolab-project"' in mime and 'pattern="*.emolab"' in mime
    assert sorted(recipe.uninstall_desktop(tmp_path)) == sorted(written)
    assert not any(path.exists() for path in written)
