"""The SQLite project file: schema and migrations, import, ratings, agreement, export."""

from emolab.project.store import LATEST_VERSION, Project

__all__ = ["LATEST_VERSION", "Project"]
