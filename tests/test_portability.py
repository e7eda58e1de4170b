"""What differs between Linux, macOS and Windows, tested here on Linux: folders and files
with spaces and non-ASCII names, two names differing only in letter case, the project
reached by another name, file names Windows reserves, and no POSIX-only code outside a
guard (packaging/README.md lists what is verified only by reading)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from emolab.core.progress import run_to_end

REPO = Path(__file__).resolve().parent.parent

#: Spaces, non-ASCII letters, and characters that mean something in a URI (SQLite opens
#: the project through a file: URI; QMediaPlayer gets the audio as a URL).
FOLDER = "Ünïcode räume #1 %20 [ß]"
MEDIA = "Aufnahmen – Teil 1"
PROJECT = "Projekt Ü 1.emolab"


def unicode_project_at(root: Path, small_demo: Path) -> Path:
    """A project of two recording pairs (from the small demo) in ``root / FOLDER``."""
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    media = root / FOLDER / MEDIA
    media.mkdir(parents=True)
    corpus = small_demo.parent / "corpus" / "P01"
    for audio in sorted(corpus.glob("02-*.wav"))[:2]:
        shutil.copy(audio, media)
        shutil.copy(corpus / f"01{audio.stem[2:]}.csv", media)
    path = root / FOLDER / PROJECT
    with Project.create(path) as project:
        report = run_to_end(import_folder(project, media))
    assert report.paired == 2 and not report.rejected, report
    return path


@pytest.fixture
def unicode_project(tmp_path, small_demo) -> Path:
    return unicode_project_at(tmp_path, small_demo)


def test_a_project_with_spaces_and_non_ascii_names_opens_reads_and_exports(unicode_project):
    from emolab.io.audio import read_audio
    from emolab.io.motion import read_motion
    from emolab.project.export import export_project
    from emolab.project.rating_io import export_ratings
    from emolab.project.store import Project

    with Project.open(unicode_project) as project:
        media = project.media()
        assert len(media) == 4
        for item in media:
            # stored relative and with "/" whatever the platform, so the project moves
            assert item.path.startswith(f"{MEDIA}/") and "\\" not in item.path
            assert project.verify_media(item) == "ok"
        audio = [m for m in media if m.modality == "audio"]
        body = [m for m in media if m.modality == "body"]
        assert read_audio(project.media_path(audio[0])).duration > 0
        assert len(read_motion(project.media_path(body[0])).frame_times) > 0
        out = unicode_project.parent / "Export – ä ö"
        report = run_to_end(export_project(project, out, ["csv", "eaf"]))
        assert report.files and all(f.is_file() for f in report.files)
        eaf = next(out.rglob("*.eaf")).read_text(encoding="utf-8")
        assert "Aufnahmen" in eaf  # the media's relative URL, with its non-ASCII name
        assert export_ratings(project, unicode_project.parent / "Bewertungen ß.csv") == 0


def test_the_command_line_reads_such_a_project(unicode_project, capsys):
    from emolab.cli import run

    assert run(["info", str(unicode_project)]) == 0
    assert "4" in capsys.readouterr().out


def _case_sensitive(folder: Path) -> bool:
    probe = folder / "case-probe"
    probe.write_text("")
    try:
        return not (folder / "CASE-PROBE").exists()
    finally:
        probe.unlink()


def test_two_files_differing_only_in_case_are_one_recording(tmp_path, small_demo):
    """On Linux ``x.wav`` and ``x.WAV`` can both exist; macOS and Windows keep one file.
    The import keeps the first by name and reports the second, so a project holds one file
    per recording and modality on every system."""
    from emolab.project.importer import import_folder
    from emolab.project.store import Project

    if not _case_sensitive(tmp_path):
        pytest.skip("this file system cannot hold two names differing only in case")
    audio = sorted((small_demo.parent / "corpus" / "P01").glob("02-*.wav"))[0]
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(audio, media / audio.name)
    shutil.copy(audio, media / f"{audio.stem}.WAV")
    with Project.create(tmp_path / "p.emolab") as project:
        report = run_to_end(import_folder(project, media))
    assert report.audio_only == 1
    (rejected,) = report.rejected
    first, second = sorted([audio.name, f"{audio.stem}.WAV"])  # in code-point order
    assert Path(rejected.path).name == second
    assert f"same recording and modality as {first}" in rejected.reason


def test_ratings_are_never_exported_over_the_project_by_another_name(unicode_project):
    from emolab.project.rating_io import export_ratings
    from emolab.project.rating_rows import RatingsFileError
    from emolab.project.store import Project

    other_names = []
    link = unicode_project.with_name("link to the project.emolab")
    try:
        link.symlink_to(unicode_project)
        other_names.append(link)
    except OSError:  # Windows without the right to make links
        pass
    upper = unicode_project.with_name(unicode_project.name.upper())
    if not _case_sensitive(unicode_project.parent):  # macOS, Windows
        other_names.append(upper)
    if not other_names:
        pytest.skip("no other name for the same file here")
    before = unicode_project.stat()
    with Project.open(unicode_project) as project:
        for name in other_names:
            with pytest.raises(RatingsFileError, match="is the project itself"):
                export_ratings(project, name)
    after = unicode_project.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_export_file_names_are_safe_on_windows_and_case_insensitive_disks():
    from emolab.project.export_tiers import file_stem

    taken: set[str] = set()
    assert file_stem("con", taken, 1) == "_con"  # a device name on Windows
    assert file_stem("LPT1.x", taken, 2) == "_LPT1.x"
    assert file_stem("console", taken, 3) == "console"
    assert file_stem("ab", taken, 4) == "ab"
    assert file_stem("AB", taken, 5) == "AB-5"  # ab.eaf and AB.eaf are one file there


#: Modules and calls that exist on POSIX systems only (Windows lacks them).
POSIX_MODULES = {"resource", "fcntl", "termios", "pwd", "grp", "tty", "pty", "posix", "crypt"}
POSIX_CALLS = {("os", n) for n in ("fork", "forkpty", "getuid", "geteuid", "killpg", "setsid",
                                   "getpgid", "setpgrp", "nice", "sync")} | {
    ("signal", n) for n in ("SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM",
                            "alarm", "pause", "setitimer")}  # fmt: skip


def _guarded(node: ast.AST, parents: dict, errors: tuple[str, ...]) -> bool:
    """Inside a ``try`` whose handlers catch one of ``errors`` (or everything)."""
    while node in parents:
        child, node = node, parents[node]
        if isinstance(node, ast.Try) and child in node.body:
            for handler in node.handlers:
                caught = handler.type
                names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
                if caught is None or any(getattr(n, "id", None) in errors for n in names):
                    return True
    return False


def test_no_posix_only_code_outside_a_guard():
    """POSIX-only modules are imported inside a ``try`` that handles their absence; no
    fork, Unix signal or user id; /proc is read under ``except OSError``; no /tmp."""
    problems = []
    for path in sorted((REPO / "emolab").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        where = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]  # fmt: skip
                posix = {n.split(".")[0] for n in names} & POSIX_MODULES
                if posix and not _guarded(node, parents, ("ImportError", "Exception")):
                    problems.append(f"{where}:{node.lineno}: imports {posix} unguarded")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if (node.value.id, node.attr) in POSIX_CALLS:
                    problems.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if text.startswith("/tmp"):
                    problems.append(f"{where}:{node.lineno}: hard-coded {text}")
                if text.startswith("/proc/") and not _guarded(node, parents, ("OSError",)):
                    problems.append(f"{where}:{node.lineno}: reads {text} unguarded")
    assert not problems, "\n".join(problems)


def test_memory_figures_say_none_where_the_platform_does_not_tell(monkeypatch):
    import builtins

    from emolab import benchmarks

    assert benchmarks.peak_memory_mb() > 0  # Linux: resource and /proc exist
    assert benchmarks.resident_memory_mb() > 0
    real_import = builtins.__import__

    def no_resource(name, *args, **kwargs):  # as on Windows
        if name == "resource":
            raise ImportError("No module named 'resource'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_resource)
    assert benchmarks.peak_memory_mb() is None
    monkeypatch.setattr(benchmarks, "Path", lambda _p: REPO / "no such file")
    assert benchmarks.resident_memory_mb() is None
