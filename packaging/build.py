#!/usr/bin/env python3
"""Build emolab as one folder that runs without Python (PyInstaller), and install its
desktop entry and icon. packaging/README.md explains; in short:

    python packaging/build.py --out DIR [--check]      # DIR/emolab/emolab, its folder size
    python packaging/build.py --install-desktop [--exec PATH]
    python packaging/build.py --uninstall-desktop

The PyInstaller recipe is ``packaging/emolab.spec``; it asks this file what to bundle
(:func:`resource_datas`, :func:`hidden_imports`, :data:`EXCLUDES`), so
``tests/test_packaging.py`` checks those lists without running PyInstaller.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

PACKAGING = Path(__file__).resolve().parent
REPO = PACKAGING.parent
RESOURCES = REPO / "resources"
SPEC = PACKAGING / "emolab.spec"
ICON_SVG = RESOURCES / "icons" / "emolab.svg"
#: Where resources/ sits inside the bundle: where the wheel puts it (pyproject.toml's
#: force-include), so emolab.resources.resource_root finds it the same way in both.
BUNDLED_RESOURCES = "emolab/_resources"
#: Never bundled from resources/: Python caches and hidden files (.DS_Store, editor files).
SKIPPED = re.compile(r"(^|/)(__pycache__|\.[^/]*)(/|$)|\.py[co]$")
#: Pulled in by optional imports of our dependencies, never used by emolab: librosa.display
#: (matplotlib), numba's notebook helpers (IPython), other Qt bindings (PyInstaller refuses
#: to bundle two), pyqtgraph's OpenGL view (emolab draws in 2D; PLATFORM.md), test tools.
EXCLUDES = (
    "tkinter",
    "matplotlib",
    "IPython",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "OpenGL",
    "pytest",
    "hypothesis",
    # requests' optional TLS backend (requests comes with pooch, librosa's downloader of
    # example files, which emolab never calls): 14 MB
    "cryptography",
)
#: Icon sizes (px) rendered for the freedesktop hicolor theme.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_datas() -> list[tuple[str, str]]:
    """PyInstaller ``datas``: every file under resources/ → its folder in the bundle."""
    datas = []
    for path in sorted(RESOURCES.rglob("*")):
        relative = path.relative_to(RESOURCES)
        if path.is_file() and not SKIPPED.search(relative.as_posix()):
            datas.append((str(path), str(PurePosixPath(BUNDLED_RESOURCES, *relative.parent.parts))))
    return datas


def _modules_below(folder: Path, package: str) -> list[str]:
    """The modules in ``folder`` (the package ``package``), by their files (nothing is
    imported; folders without ``__init__.py`` count, as Python imports them too)."""
    names = set()
    for path in folder.rglob("*.py"):
        parts = path.relative_to(folder).with_suffix("").parts
        if "tests" not in parts:
            names.add(".".join([package, *(parts[:-1] if parts[-1] == "__init__" else parts)]))
    return sorted(names)


def emolab_modules() -> list[str]:
    """Every module of the emolab package."""
    return _modules_below(REPO / "emolab", "emolab")


def model_modules() -> list[str]:
    """Modules skops imports by name when it loads a model: those the bundled models name
    and those of emolab's allow-list of model types."""
    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("__module__"), str):
                names.add(node["__module__"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(RESOURCES.glob("models/*.skops")):
        with zipfile.ZipFile(path) as archive:
            walk(json.loads(archive.read("schema.json")))
    sys.path.insert(0, str(REPO))
    try:
        from emolab.models.persistence import TRUSTED_TYPES  # standard library only
    finally:
        sys.path.remove(str(REPO))
    names |= {name.rsplit(".", 1)[0] for name in TRUSTED_TYPES}
    return sorted(names - {"builtins"})


#: Packages that import their own submodules by name: skops.io loads its per-library
#: loaders (``skops.io._sklearn`` …) with importlib (found missing by the smoke test).
BY_NAME_PACKAGES = ("skops.io",)


def package_modules(package: str) -> list[str]:
    """``package`` and every module below it (tests left out)."""
    import importlib

    folders = importlib.import_module(package).__path__
    return sorted({name for folder in folders for name in _modules_below(Path(folder), package)})


def hidden_imports() -> list[str]:
    """Modules PyInstaller cannot see imported: emolab imports some of its own by name
    (motion readers by extension in emolab.io.formats, ``-m emolab.gui.bench``), skops its
    loaders and the model classes. Every emolab module is bundled (well under 1 MB), so
    one imported by name cannot be forgotten."""
    third_party = [name for package in BY_NAME_PACKAGES for name in package_modules(package)]
    return sorted({*emolab_modules(), *model_modules(), *third_party})


def version() -> str:
    """emolab's version, read from its source (the package need not be importable)."""
    text = (REPO / "emolab" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def executable(out: Path, cli: bool = False) -> Path:
    """The built program: emolab (Linux), emolab.exe or its console twin emolab-cli.exe
    (Windows), emolab.app's binary (macOS)."""
    if sys.platform == "win32":
        return out / "emolab" / ("emolab-cli.exe" if cli else "emolab.exe")
    if sys.platform == "darwin":
        return out / "emolab.app" / "Contents" / "MacOS" / "emolab"
    return out / "emolab" / "emolab"


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of a folder, symbolic links not followed."""
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


# ---- icons -------------------------------------------------------------------------------
def render_icons(folder: Path) -> dict[str, Path]:
    """PNGs of every size in :data:`PNG_SIZES`, a Windows .ico and a macOS .icns, rendered
    from the SVG by Qt (its svg, ico and icns image plugins) in a separate process."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, __file__, "--render-icons", str(folder)], check=True, env=env)
    icons = {f"png{size}": folder / f"emolab-{size}.png" for size in PNG_SIZES}
    return {**icons, "ico": folder / "emolab.ico", "icns": folder / "emolab.icns"}


def _render_icons_here(folder: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["emolab-icons"])
    renderer = QSvgRenderer(str(ICON_SVG))
    if not renderer.isValid():
        raise SystemExit(f"{ICON_SVG}: not a valid SVG")
    for size in (*PNG_SIZES, 1024):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        if size in PNG_SIZES:
            _save(image, folder / f"emolab-{size}.png")
        if size == 256:  # one 256 px image, which Windows scales to every size it shows
            _save(image, folder / "emolab.ico")
        if size == 1024:
            _save(image, folder / "emolab.icns")


def _save(image, path: Path) -> None:
    if not image.save(str(path)):
        raise SystemExit(f"Qt could not write {path} (image plugin missing?)")


# ---- build -------------------------------------------------------------------------------
def build(out: Path, work: Path | None = None) -> Path:
    """Run PyInstaller on emolab.spec into ``out``; print time and folder size."""
    try:
        import PyInstaller.__main__
    except ImportError:
        raise SystemExit("PyInstaller is missing: python3 -m pip install -e '.[build]'") from None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="emolab-build-") as scratch:
        PyInstaller.__main__.run([
            str(SPEC), "--noconfirm", "--log-level", "WARN",
            "--distpath", str(out), "--workpath", str(work or Path(scratch)),
        ])  # fmt: skip
    seconds = time.perf_counter() - started
    folder = out / ("emolab.app" if sys.platform == "darwin" else "emolab")
    size, files = folder_size(folder)
    print(f"built {folder} in {seconds:.0f} s: {size / 1e6:.0f} MB in {files} files")
    return folder


def _clean_env(home: Path) -> dict[str, str]:
    """An environment without Python's variables or the caller's PATH (``env -i``)."""
    env = {"PATH": os.defpath, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    if sys.platform == "win32":  # Windows cannot start a program without these
        env = {k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP")
               if k in os.environ}  # fmt: skip
        env.update(USERPROFILE=str(home), APPDATA=str(home / "AppData" / "Roaming"),
                   LOCALAPPDATA=str(home / "AppData" / "Local"))  # fmt: skip
    return env


def check(out: Path, timeout_s: float = 600) -> bool:
    """Run the built program in a clean environment: --version, a 2-participant demo, and
    the main window on it (the smoke test). Prints each step's time; True if all passed."""
    program = executable(out, cli=True)
    ok = True
    with tempfile.TemporaryDirectory(prefix="emolab-check-") as scratch:
        home, demo = Path(scratch) / "home", Path(scratch) / "demo"
        home.mkdir()
        for what, args in (
            ("version", ["--version"]),
            ("interpreter", ["-c", "import sys; print(sys.frozen, sys.executable)"]),
            ("demo", ["demo", "--out", str(demo), "--participants", "2"]),
            ("window", ["gui", "--smoke-test", str(demo / "demo.emolab")]),
        ):
            started = time.perf_counter()
            result = subprocess.run([str(program), *args], env=_clean_env(home), text=True,
                                    capture_output=True, timeout=timeout_s)  # fmt: skip
            seconds = time.perf_counter() - started
            lines = result.stdout.strip().splitlines() or result.stderr.strip().splitlines()
            print(f"{what}: exit {result.returncode} in {seconds:.1f} s")
            for line in lines if what == "window" else lines[-1:]:
                print(f"    {line}")
            if result.returncode != 0:
                ok = False
                print("\n".join("    " + x for x in result.stderr.splitlines()[-15:]))
    return ok


# ---- desktop entry (freedesktop: Linux and the BSDs) -------------------------------------
def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def desktop_files(data_home: Path) -> list[Path]:
    """What --install-desktop writes (and --uninstall-desktop removes)."""
    icons = data_home / "icons" / "hicolor"
    return [
        data_home / "applications" / "emolab.desktop",
        data_home / "mime" / "packages" / "emolab.xml",
        icons / "scalable" / "apps" / "emolab.svg",
        *(icons / f"{n}x{n}" / "apps" / "emolab.png" for n in PNG_SIZES),
    ]


def exec_argument(program: str) -> str:
    """``program`` as the first word of a desktop entry's Exec key: quoted when it holds
    a space or a reserved character, escaped as the Desktop Entry Specification says."""
    if re.fullmatch(r"[\w/.+,:@=-]+", program):
        return program
    quoted = '"' + re.sub(r'(["`$\\])', r"\\\1", program) + '"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")  # string-value escaping


def install_desktop(program: str, data_home: Path) -> list[Path]:
    """Write the desktop entry (running ``program``), the icons and the project MIME type
    for the current user; refresh the caches whose tools are installed."""
    template = (PACKAGING / "emolab.desktop").read_text(encoding="utf-8")
    entry = re.sub(r"(?m)^Exec=\S+", lambda _m: f"Exec={exec_argument(program)}", template)
    files = desktop_files(data_home)
    desktop, mime, svg, *pngs = files
    with tempfile.TemporaryDirectory(prefix="emolab-icons-") as scratch:
        icons = render_icons(Path(scratch))
        for size, target in zip(PNG_SIZES, pngs, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(icons[f"png{size}"], target)
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON_SVG, svg)
    mime.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PACKAGING / "emolab-mime.xml", mime)
    desktop.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(entry, encoding="utf-8")
    _refresh_caches(data_home)
    return files


def uninstall_desktop(data_home: Path) -> list[Path]:
    removed = [path for path in desktop_files(data_home) if path.exists()]
    for path in removed:
        path.unlink()
    _refresh_caches(data_home)
    return removed


def _refresh_caches(data_home: Path) -> None:
    """Best effort: desktops also notice the files without these tools, at next login."""
    for tool, *args in (
        ("update-mime-database", str(data_home / "mime")),
        ("update-desktop-database", str(data_home / "applications")),
        ("gtk-update-icon-cache", "-f", "-t", "-q", str(data_home / "icons" / "hicolor")),
    ):
        if shutil.which(tool) and Path(args[-1]).is_dir():
            subprocess.run([tool, *args], check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="build the standalone folder into OUT")
    parser.add_argument("--work", type=Path, help="PyInstaller's work folder (kept; faster "
                        "rebuilds); default: a temporary one")  # fmt: skip
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the build in a clean environment (version, demo, window)",
    )
    parser.add_argument("--no-build", action="store_true", help="use the build already in OUT")
    parser.add_argument("--install-desktop", action="store_true",
                        help="install the desktop entry, icon and project file type "
                        "for this user (Linux)")  # fmt: skip
    parser.add_argument("--uninstall-desktop", action="store_true")
    parser.add_argument("--exec", dest="program", help="the program the desktop entry "
                        "runs (default: the build in OUT, else emolab on PATH)")  # fmt: skip
    parser.add_argument("--data-home", type=Path, default=None,
                        help="default: $XDG_DATA_HOME or ~/.local/share")  # fmt: skip
    parser.add_argument("--render-icons", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render_icons:
        _render_icons_here(args.render_icons)
        return 0
    data_home = args.data_home or _data_home()
    if args.uninstall_desktop:
        for path in uninstall_desktop(data_home):
            print(f"removed {path}")
        return 0
    if args.out is None and (args.check or not args.install_desktop):
        parser.error("give --out DIR (build, --check) or --install-desktop")
    if args.out is not None and not args.no_build:
        build(args.out.absolute(), args.work)
    if args.check and not check(args.out.absolute()):
        return 1
    if args.install_desktop:
        if sys.platform in ("win32", "darwin"):
            parser.error("--install-desktop is for freedesktop systems (Linux, BSD); the "
                         ".exe and the .app carry their icon")  # fmt: skip
        built = executable(args.out.absolute()) if args.out else None
        program = args.program or (str(built) if built and built.exists() else None)
        program = program or shutil.which("emolab") or "emolab"
        for path in install_desktop(program, data_home):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
