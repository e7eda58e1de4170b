"""The SQLite project file: schema, media, import, ratings, agreement, features, models."""

from emolab.project.store import LATEST_VERSION, Project

__all__ = ["LATEST_VERSION", "Project"]
