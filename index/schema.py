"""The tables of an index's database, and the columns an index written by an older citeqa
gains when it is next opened for writing (a read-only opening leaves it as it is: the store
then reads what is there)."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    media_type TEXT NOT NULL,
    encoding TEXT,
    file_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL,
    name TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    search_text TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    section TEXT,
    page INTEGER,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    cross_vector BLOB,
    sentence_vectors BLOB,
    script TEXT,
    roles TEXT
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_by_text_hash ON chunks (text_hash);
"""

# columns added since the first format: (table, column, type), each with what it holds
_ADDED = (
    ("documents", "name", "TEXT"),  # the source answers show
    ("chunks", "sentence_vectors", "BLOB"),  # the answer step's sentence vectors
    ("chunks", "script", "TEXT"),  # the passage's script
    ("chunks", "roles", "TEXT"),  # its answer sentences' roles (index/roles.py), comma-separated
)


def columns_of(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def create_or_upgrade(db: sqlite3.Connection) -> None:
    """Create the tables of a new index, or add the later columns to an older one."""
    db.executescript(SCHEMA)
    for table, column, kind in _ADDED:
        if column not in columns_of(db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
