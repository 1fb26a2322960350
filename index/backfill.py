"""What an index written by an older citeqa lacks and gains on its next ingest run: the names
its documents show, its answer sentences' vectors, its passages' scripts and their sentences'
roles (``index/pipeline.ingest`` fills them in). Each column was added by
``index/schema.create_or_upgrade`` when the index was opened for writing."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from index.normalise import passage_script
from index.roles import Unroled


class Backfill:
    """The SQLite store's reads of what is missing and its writes of it (a part of
    ``index/store.Store``)."""

    _db: sqlite3.Connection

    def put_names(self, names: Mapping[str, str]) -> None:
        """Give the documents with these sources (``{source: name}``) the name they show."""
        self._db.executemany(
            "UPDATE documents SET name = ? WHERE source = ?", [(n, s) for s, n in names.items()]
        )

    def sources_without_name(self) -> set[str]:
        """Sources of documents written before documents had a name to show (a writer's
        store: opening it added the column)."""
        return {r[0] for r in self._db.execute("SELECT source FROM documents WHERE name IS NULL")}

    def put_sentence_vectors(self, packed: Mapping[str, bytes]) -> None:
        """Give the chunks with these text hashes their packed sentence vectors."""
        self._db.executemany(
            "UPDATE chunks SET sentence_vectors = ? WHERE text_hash = ?",
            [(blob, h) for h, blob in packed.items()],
        )

    def forget_sentence_vectors_unless(self, counts: Mapping[int, int], dimension: int) -> None:
        """Forget the sentence vectors of the passages (by row id) that hold another number of
        them than ``counts`` gives (vectors of ``dimension``): they were made when the
        sentence rule cut the passage otherwise, so this run makes them again."""
        stale = [
            (row_id,)
            for row_id, size in self._db.execute(
                "SELECT row_id, length(sentence_vectors) FROM chunks "
                "WHERE sentence_vectors IS NOT NULL"
            )
            if row_id in counts and size != counts[row_id] * (dimension + 4)
        ]
        self._db.executemany("UPDATE chunks SET sentence_vectors = NULL WHERE row_id = ?", stale)

    def texts_without_sentence_vectors(self) -> dict[str, str]:
        """Passage texts, by text hash, whose sentence vectors are not stored (an index written
        before they were, or by a run without the cross-lingual model)."""
        rows = self._db.execute(
            "SELECT DISTINCT text_hash, text FROM chunks WHERE sentence_vectors IS NULL"
        )
        return dict(rows.fetchall())

    def texts_without_script(self) -> dict[int, str]:
        """Passage texts, by row id, whose script is not recorded (written before it was)."""
        rows = self._db.execute("SELECT row_id, text FROM chunks WHERE script IS NULL")
        return dict(rows.fetchall())

    def put_scripts(self, texts: Mapping[int, str]) -> None:
        """Record the script of each of these passages (by row id)."""
        self._db.executemany(
            "UPDATE chunks SET script = ? WHERE row_id = ?",
            [(passage_script(text), row_id) for row_id, text in texts.items()],
        )

    def forget_roles_unless(self, rules: str) -> None:
        """Forget the sentence roles recorded by other rules than ``rules``
        (``index/roles.ROLES_RULES``), so that this run finds them again: a change of the rules
        reaches an index on its next run, as new roles reached older indexes."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'roles'").fetchone()
        if row is not None and row[0] == rules:
            return
        with self._db:
            self._db.execute("UPDATE chunks SET roles = NULL WHERE roles IS NOT NULL")
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('roles', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (rules,),
            )

    def texts_without_roles(self) -> dict[int, Unroled]:
        """Passage texts, by row id, whose sentence roles are not recorded, with where each
        stands in its document's lines (``index/roles.lines_of``)."""
        rows = self._db.execute(
            "SELECT row_id, text, ordinal, char_start, char_end, before_end, after_start FROM ("
            " SELECT row_id, text, ordinal, char_start, char_end, roles,"
            "  LAG(char_end) OVER w AS before_end, LEAD(char_start) OVER w AS after_start"
            " FROM chunks WINDOW w AS (PARTITION BY doc_id ORDER BY ordinal)"
            ") WHERE roles IS NULL"
        )
        return {
            row: Unroled(
                text,
                ordinal,
                opens_line=before_end is None or before_end < start,
                line_goes_on=after_start is not None and after_start == end,
            )
            for row, text, ordinal, start, end, before_end, after_start in rows.fetchall()
        }

    def put_roles(self, roles: Mapping[int, Sequence[str]]) -> None:
        """Record the roles of each of these passages' answer sentences (by row id)."""
        self._db.executemany(
            "UPDATE chunks SET roles = ? WHERE row_id = ?",
            [(",".join(r), row_id) for row_id, r in roles.items()],
        )
