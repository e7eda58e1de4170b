"""``emolab merge TARGET SOURCE...``: exit codes and what it prints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from emolab.cli import build_parser, run
from emolab.cli.merge_cmds import LISTED_PROBLEMS
from emolab.project.ratings import set_field
from emolab.project.store import Project
from tests.conftest import throwaway_copy

AT = "2024-05-01T09:00:00.000+00:00"


@contextmanager
def copies(small_demo: Path, n: int) -> Iterator[list[Path]]:
    with ExitStack() as stack:
        yield [stack.enter_context(throwaway_copy(small_demo, f"cli{i}")) for i in range(n)]


def rate(path: Path, rater: str, index: int, emotion: str) -> str:
    """Set ``rater``'s emotion of the ``index``-th recording; returns its key."""
    with Project.open(path) as project:
        recording = project.recordings()[index]
        set_field(project, recording.id, project.ensure_rater(rater), "emotion", emotion, at=AT)
    return recording.key


def test_merge_is_listed_in_help():
    assert "merge" in build_parser().format_help()


def test_merge_prints_the_report_and_a_second_merge_changes_nothing(small_demo, capsys):
    with copies(small_demo, 3) as (target, b, c):
        rate(b, "bob", 0, "sad")
        rate(c, "carol", 1, "calm")
        c_hash = hashlib.sha256(c.read_bytes()).hexdigest()
        assert run(["merge", str(target), str(b), str(c)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith(f"{b.name} → {target.name}: 240 recordings matched; "
                                 "1 edit-log rows added; 1 ratings changed")  # fmt: skip
        assert "Raters added: bob" in out and "Raters added: carol" in out
        assert out[-1] == "Suggestions, models and features are not merged."

        assert run(["merge", str(target), str(c)]) == 0
        assert capsys.readouterr().out.splitlines()[0] == (
            f"{c.name} → {target.name}: 240 recordings matched; no new edits, nothing changed."
        )
        assert hashlib.sha256(c.read_bytes()).hexdigest() == c_hash
        with Project.open(target) as project:
            assert project.summary().ratings == 2


def test_refused_recordings_are_listed_capped_and_exit_1(small_demo, capsys):
    with copies(small_demo, 2) as (target, source):
        with Project.open(source) as project, project.transaction():
            project.execute("UPDATE media SET sha256 = 'beef' || id WHERE modality = 'body'")
        assert run(["merge", str(target), str(source)]) == 1
        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        assert lines[0] == (
            f"emolab: error: {source}: 240 recordings cannot be matched by their media "
            "unambiguously; nothing was merged"
        )
        assert "its body file differs from target recording" in lines[1]
        assert len(lines) == 1 + LISTED_PROBLEMS + 1
        assert lines[-1] == f"  … and {240 - LISTED_PROBLEMS} more"
        assert captured.out == ""


def test_self_merge_and_a_missing_source_are_errors_naming_the_file(demo_copy, capsys):
    assert run(["merge", str(demo_copy), str(demo_copy)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emolab: error: {demo_copy}: is the target project itself")
    missing = demo_copy.with_name("no-such.emolab")
    assert run(["merge", str(demo_copy), str(missing)]) == 2
    assert capsys.readouterr().err.startswith(f"emolab: error: {missing}: does not exist")
