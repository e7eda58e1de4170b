"""Per-user GUI settings in an INI file under the platform's config folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

DEFAULTS = {
    "rater": "",
    "recent_projects": [],
    "volume": 0.8,
    "show_trails": True,
    "muted": False,
}


#: A folder used instead of the per-user config folder (the smoke test's own, so a check
#: of an installation leaves the user's recent projects, rater and layout alone).
folder_override: Path | None = None


def settings_path() -> Path:
    if folder_override is not None:
        return folder_override / "emolab.ini"
    from platformdirs import user_config_dir

    return Path(user_config_dir("emolab", appauthor=False)) / "emolab.ini"


def settings() -> QSettings:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def value(key: str):
    """A setting coerced to the type of its default."""
    default = DEFAULTS.get(key)
    raw = settings().value(key, default)
    if isinstance(default, bool):
        return raw in (True, "true", "True", "1", 1)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        if raw is None or raw == "":
            return []
        return list(raw) if isinstance(raw, list | tuple) else [raw]
    return raw


def set_value(key: str, new) -> None:
    s = settings()
    s.setValue(key, new)
    s.sync()


def remember_project(path: Path) -> None:
    recent = [p for p in value("recent_projects") if p != str(path)]
    set_value("recent_projects", [str(path), *recent][:10])


def restore_layout(window) -> None:
    """The window's size, position and dock layout as the user left them."""
    s = settings()
    for key, restore in (("window/geometry", window.restoreGeometry),
                         ("window/state", window.restoreState)):  # fmt: skip
        if s.value(key) is not None:
            restore(s.value(key))


def remember_layout(window) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    s.sync()
