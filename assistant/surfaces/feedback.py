"""Feedback on answers, kept in SQLite under the data directory.

Nothing is stored unless a user gives feedback: the question, answer,
citations, mode and index version of that one answer, with the rating and an
optional comment. The file (``$TIAOLI_HOME/feedback.sqlite3``) is created on
first use; its schema version is SQLite's ``user_version``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..errors import UsageError

SCHEMA_VERSION = 1
FILE_NAME = "feedback.sqlite3"
RATINGS = {"up": 1, "down": -1}
MAX_COMMENT = 2000
_SCHEMA = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    lang TEXT,
    mode TEXT,
    citations TEXT NOT NULL,
    index_version TEXT
);
"""
COLUMNS = ("id", "created", "rating", "comment", "question", "answer", "lang", "mode",
           "citations", "index_version")


class FeedbackStore:
    """Adds feedback and exports it; one short-lived connection per call (thread-safe)."""

    def __init__(self, home: Path) -> None:
        self.path = home / FILE_NAME

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"cannot open the feedback store {self.path}: {exc}",
                             "set TIAOLI_HOME to a writable folder") from None
        with closing(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                conn.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
            elif version > SCHEMA_VERSION:
                raise UsageError(f"{self.path} has feedback schema {version}; this Tiaoli "
                                 f"reads up to {SCHEMA_VERSION}", "upgrade Tiaoli")
            with conn:
                yield conn

    def add(self, *, rating: str, question: str, answer: str, citations: Sequence[Any] = (),
            comment: str = "", lang: str | None = None, mode: str | None = None,
            index_version: str | None = None) -> int:
        """Store one piece of feedback; returns its id. Raises UsageError for bad input."""
        if rating not in RATINGS:
            raise UsageError(f"rating must be 'up' or 'down', not {rating!r}")
        if not question.strip() or not answer.strip():
            raise UsageError("feedback needs the question and the answer it is about")
        if len(comment) > MAX_COMMENT:
            raise UsageError(f"the comment is {len(comment):,} characters; the limit is "
                             f"{MAX_COMMENT:,}")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created, rating, comment, question, answer, lang, mode,"
                " citations, index_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, RATINGS[rating], comment.strip(), question, answer, lang, mode,
                 json.dumps(list(citations), ensure_ascii=False), index_version))
            return int(cur.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        """Every piece of feedback, oldest first (empty when none was ever given)."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")
            return [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def export_csv(self) -> str:
        """All feedback as CSV, a header line first; ratings as up/down."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in self.rows():
            row["rating"] = "up" if row["rating"] > 0 else "down"
            writer.writerow({k: inert(v) for k, v in row.items()})
        return out.getvalue()


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe, as OWASP recommends; numbers and other cells stay as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
