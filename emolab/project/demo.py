"""The demo project: the synthetic corpus generated and imported into a ready project.

Lives in the project layer (it imports the corpus with the project importer), so both
the CLI and the GUI's first launch can build it the same way.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from emolab.core.progress import CancelToken, Progress, phased
from emolab.demo.corpus import DEFAULT_PARTICIPANTS, generate_corpus
from emolab.project.importer import import_folder
from emolab.project.store import Project

DEMO_PROJECT_NAME = "demo.emolab"


def default_demo_dir() -> Path:
    """Per-user folder of the demo project (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("emolab", appauthor=False)) / "demo"


def demo_project_ready(folder: Path) -> bool:
    """True when ``folder`` holds a completely built demo project."""
    path = folder / DEMO_PROJECT_NAME
    if not path.is_file():
        return False
    try:
        with Project.open(path) as project:
            return project.meta("demo_complete") == "1"
    except Exception:
        return False


def build_demo_project(
    folder: str | Path | None = None,
    participants: int = DEFAULT_PARTICIPANTS,
    seed: int = 0,
    cancel: CancelToken | None = None,
    reuse: bool = True,
) -> Generator[Progress, None, Path]:
    """Generate the corpus into ``folder/corpus`` and import it into ``folder/demo.emolab``.

    With ``reuse``, a complete demo project already there is returned as it is. A
    half-built one (interrupted) is rebuilt from scratch.
    """
    folder = Path(folder) if folder is not None else default_demo_dir()
    path = folder / DEMO_PROJECT_NAME
    if reuse and demo_project_ready(folder):
        return path
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    corpus = yield from phased(
        generate_corpus(folder / "corpus", participants, seed, cancel=cancel, manifest_dir=folder),
        "Generating the synthetic corpus",
    )
    with Project.create(path) as project:
        project.set_meta("synthetic", "1")
        project.set_meta("demo_seed", str(seed))
        project.set_meta("demo_participants", str(corpus.participants))
        report = yield from phased(
            import_folder(project, folder / "corpus", "multimodal14", cancel), "Importing it"
        )
        if report.rejected:
            raise RuntimeError(f"demo corpus import rejected files: {report.rejected[:3]}")
        project.set_meta("demo_complete", "1")
    return path
