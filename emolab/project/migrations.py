"""Ordered schema migrations of the project file.

``MIGRATIONS[n]`` takes a project at format ``n`` to ``n + 1``; ``PRAGMA user_version``
holds the format. Each step runs in its own transaction and is tested from a fixture
project of the version before (``tests/project/fixtures``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

#: 'EMOL' — marks a SQLite file as an emolab project.
APPLICATION_ID = 0x454D4F4C

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,          -- as written in file names, e.g. '07'
    collection TEXT,                    -- collection type (meaning), when the scheme has one
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,           -- scheme field codes but modality, e.g. '05-02-01-02-03-07'
    scheme TEXT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    emotion TEXT,                       -- intended labels decoded from the name
    intensity TEXT,
    statement TEXT,
    repetition TEXT,
    collection TEXT,
    fields TEXT NOT NULL,               -- JSON {field: code} of every key field
    sync_offset REAL NOT NULL DEFAULT 0,-- seconds added to the audio time to find the motion frame
    created_at TEXT NOT NULL
);
CREATE INDEX recordings_participant ON recordings(participant_id);
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    modality TEXT NOT NULL CHECK (modality IN ('audio', 'body')),
    path TEXT NOT NULL,                 -- POSIX path relative to the project file's folder
    format TEXT NOT NULL,
    duration REAL NOT NULL,             -- seconds
    rate REAL NOT NULL,                 -- Hz: sample rate (audio) or frame rate (body)
    frames INTEGER NOT NULL,            -- samples per channel, or motion frames
    channels INTEGER NOT NULL,          -- audio channels, or joints
    missing_fraction REAL NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,              -- bytes
    sha256 TEXT NOT NULL,
    mtime REAL NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (recording_id, modality)
);
CREATE INDEX media_sha256 ON media(sha256);
CREATE TABLE raters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    fusion TEXT NOT NULL,
    card TEXT NOT NULL,                 -- JSON model card
    blob BLOB NOT NULL,                 -- skops bytes; never unpickled
    active INTEGER NOT NULL DEFAULT 0,
    bundled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX models_one_active ON models(active) WHERE active = 1;
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    emotion TEXT,
    intensity INTEGER CHECK (intensity BETWEEN 1 AND 5),
    genuineness INTEGER CHECK (genuineness BETWEEN 1 AND 5),
    notes TEXT NOT NULL DEFAULT '',
    emotion_source TEXT NOT NULL DEFAULT 'human' CHECK (emotion_source IN ('human', 'model')),
    source_model_id INTEGER REFERENCES models(id),
    updated_at TEXT NOT NULL,
    UNIQUE (recording_id, rater_id)
);
CREATE TABLE edit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    rater_id INTEGER,
    recording_id INTEGER,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    since_open REAL,                    -- seconds since the rater opened the recording
    source TEXT NOT NULL DEFAULT 'human', -- human, model, undo or redo
    model_id INTEGER
);
CREATE TRIGGER edit_log_append_only_update BEFORE UPDATE ON edit_log
BEGIN SELECT RAISE(ABORT, 'edit_log is append-only'); END;
CREATE TRIGGER edit_log_append_only_delete BEFORE DELETE ON edit_log
BEGIN SELECT RAISE(ABORT, 'edit_log is append-only'); END;
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    probabilities TEXT NOT NULL,        -- JSON {label: probability}
    contributions TEXT,                 -- JSON {modality: share}
    track TEXT,                         -- JSON emotion-over-time (temporal models)
    created_at TEXT NOT NULL,
    UNIQUE (recording_id, model_id)
);
CREATE TABLE feature_cache (
    sha256 TEXT NOT NULL,               -- content hash of the media file
    extractor TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- 'file', 'windows' or 'baseline'
    shape TEXT NOT NULL,                -- JSON list
    data BLOB NOT NULL,                 -- float32 little-endian
    flags TEXT NOT NULL DEFAULT '[]',   -- JSON list, e.g. ["unvoiced"]
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, extractor, version, kind)
);
CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    folder TEXT NOT NULL,
    scheme TEXT NOT NULL,
    report TEXT NOT NULL                -- JSON summary with every rejected file and reason
);
"""


_V2 = """
-- JSON list of what reading the file repaired or found missing, e.g. interpolated NaN gaps
ALTER TABLE media ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
-- when the file on disk was found to differ from what was imported (NULL: unchanged)
ALTER TABLE media ADD COLUMN changed_at TEXT;
"""

# Format 3: the study settings a rating was made under (JSON: blind, order, condition,
# seed, and the rater's own condition), on the rating and on each edit-log row; NULL for
# ratings made before a project had studies.
_V3 = """
ALTER TABLE ratings ADD COLUMN study TEXT;
ALTER TABLE edit_log ADD COLUMN study TEXT;
"""


# Format 4: rating forms as data and segment labels. ``rating_values`` holds the fields of
# a project's rating form that are not columns of ``ratings`` (one row per recording, rater
# and field; the value as text). ``segments`` holds time-range labels (ELAN-style tiers):
# a rater's range of the recording's audio time with the form's values for it (JSON); a
# deleted segment's row goes, its history stays in the edit log (field ``segment:UID``).
_V4 = """
CREATE TABLE rating_values (
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    field TEXT NOT NULL,
    value TEXT,
    updated_at TEXT NOT NULL,
    study TEXT,
    PRIMARY KEY (recording_id, rater_id, field)
);
CREATE TABLE segments (
    uid TEXT PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    start REAL NOT NULL,                -- seconds of audio time
    end REAL NOT NULL CHECK (end > start),
    fields TEXT NOT NULL DEFAULT '{}',  -- JSON {field key: value}
    updated_at TEXT NOT NULL,
    study TEXT
);
CREATE INDEX segments_recording ON segments(recording_id, rater_id);
-- whether the recording is like the model's training data (JSON: outside, audio, body;
-- NULL when the model's card has no summary of its training data)
ALTER TABLE suggestions ADD COLUMN domain TEXT;
"""


def _statements(script: str) -> list[str]:
    """A schema script as complete statements (triggers keep their inner semicolons)."""
    statements, current = [], ""
    for line in script.strip().splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete statement in schema script: {current.strip()[:60]}")
    return statements


def _script(script: str) -> Callable[[sqlite3.Connection], None]:
    def step(con: sqlite3.Connection) -> None:
        for statement in _statements(script):
            con.execute(statement)

    return step


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _script(_V1),
    _script(_V2),
    _script(_V3),
    _script(_V4),
]
LATEST_VERSION = len(MIGRATIONS)
