"""The rows of the recording browser: one query for the whole project."""

from __future__ import annotations

from dataclasses import dataclass

from emolab.project.store import Project


@dataclass(frozen=True, slots=True)
class BrowserRow:
    recording_id: int
    key: str
    participant: str
    emotion: str
    intensity: str
    statement: str
    repetition: str
    collection: str
    modalities: str  # 'audio + body', 'audio', 'body'
    status: str  # 'rated', 'partial', 'unrated' (for the current rater)
    my_emotion: str
    suggestion: str
    confidence: float | None
    validity: float | None  # share of all raters choosing the intended emotion
    raters: int  # raters who chose an emotion


def browser_rows(
    project: Project, rater_id: int | None, model_id: int | None, recording_id: int | None = None
) -> list[BrowserRow]:
    """Every recording (or just one) with its labels, my rating status and the active
    model's suggestion."""
    rows = project.execute(
        """
        SELECT r.id, r.key, p.code, COALESCE(r.emotion, ''), COALESCE(r.intensity, ''),
               COALESCE(r.statement, ''), COALESCE(r.repetition, ''),
               COALESCE(r.collection, ''),
               (SELECT GROUP_CONCAT(modality, ' + ') FROM
                   (SELECT modality FROM media m WHERE m.recording_id = r.id ORDER BY modality)),
               t.emotion, t.intensity, t.genuineness, s.label, s.confidence,
               (SELECT SUM(v.emotion = r.emotion) FROM ratings v
                 WHERE v.recording_id = r.id AND v.emotion IS NOT NULL),
               (SELECT COUNT(v.emotion) FROM ratings v WHERE v.recording_id = r.id)
        FROM recordings r
        JOIN participants p ON p.id = r.participant_id
        LEFT JOIN ratings t ON t.recording_id = r.id AND t.rater_id = ?
        LEFT JOIN suggestions s ON s.recording_id = r.id AND s.model_id = ?
        WHERE ? IS NULL OR r.id = ?
        ORDER BY r.key
        """,
        (
            rater_id if rater_id is not None else -1,
            model_id if model_id is not None else -1,
            recording_id,
            recording_id,
        ),
    )
    out = []
    for row in rows:
        rated = [row[9], row[10], row[11]]
        if all(v is not None for v in rated):
            status = "rated"
        elif any(v is not None for v in rated):
            status = "partial"
        else:
            status = "unrated"
        out.append(
            BrowserRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8] or "",
                status,
                row[9] or "",
                row[12] or "",
                row[13],
                row[14] / row[15] if row[15] else None,
                row[15],
            )
        )
    return out
