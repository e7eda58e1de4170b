"""``python -m emolab`` and the ``emolab`` entry point."""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the emolab command line (no subcommand opens the GUI)."""
    from emolab.cli import run

    return run(sys.argv[1:] if argv is None else argv, launch_gui=_launch_gui)


def _launch_gui(project: Path | None, smoke_test: bool = False) -> int:
    from emolab.gui.app import run_app

    return run_app(project=project, smoke_test=smoke_test)


if __name__ == "__main__":
    sys.exit(main())
