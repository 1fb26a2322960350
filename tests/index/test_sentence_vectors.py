"""Answer-sentence vectors: packed at ingest into their passage's row, read back by the answer
step so a question embeds no sentence it has stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.documents import content_hash
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.pipeline import ingest, remove_documents
from index.roles import answer_sentences
from index.sentence_vectors import pack, stored_sentences, unpack
from index.store import DB_NAME
from qa.service import QAService


def test_pack_keeps_unit_vectors_to_a_few_thousandths() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blob = pack(vectors)
    assert len(blob) == 5 * (512 + 4)
    back = unpack(blob, 512)
    assert np.abs((back * vectors).sum(axis=1) - 1).max() < 0.002
    assert unpack(pack(np.zeros((0, 512))), 512).shape == (0, 512)
    with pytest.raises(ValueError, match="do not hold rows of 512 int8 codes"):
        unpack(blob[:-1], 512)


def test_stored_sentences_map_each_sentence_of_a_passage_to_its_vector() -> None:
    text = "煤炭占比下降到6.1%。新兴产业加快发展！"
    assert [text[a:b] for a, b in answer_sentences(text)] == [
        "煤炭占比下降到6.1%。",
        "新兴产业加快发展！",
    ]
    vectors = np.eye(2, 8, dtype=np.float32)
    found = stored_sentences(
        [text, "没有存的段落。"], {content_hash(text): pack(vectors)}, content_hash, 8
    )
    assert sorted(found) == ["新兴产业加快发展！", "煤炭占比下降到6.1%。"]
    assert found["新兴产业加快发展！"] == pytest.approx(vectors[1])


def stored_count(folder: Path) -> int:
    with sqlite3.connect(folder / DB_NAME) as db:
        query = "SELECT COUNT(*) FROM chunks WHERE sentence_vectors IS NOT NULL"
        return int(db.execute(query).fetchone()[0])


def test_ingest_stores_them_once_and_a_deletion_drops_them(corpus: Path, tmp_path: Path) -> None:
    folder, main, cross = tmp_path / "idx", HashingEmbedder(16), HashingEmbedder(8)
    report = ingest([corpus], folder, main, cross=cross)
    assert stored_count(folder) == report.chunks_written  # each passage text has its row
    cross.calls.clear()
    ingest([corpus], folder, main, cross=cross)
    assert cross.calls == []  # unchanged: nothing embedded again
    remove_documents(folder, [str(corpus / "green.txt")])
    assert stored_count(folder) == report.chunks_written - 1  # green.txt was one passage


def test_an_index_written_before_them_is_read_and_then_given_them(
    corpus: Path, tmp_path: Path
) -> None:
    folder, main, cross = tmp_path / "idx", HashingEmbedder(16), HashingEmbedder(8)
    report = ingest([corpus], folder, main, cross=cross)
    with sqlite3.connect(folder / DB_NAME) as db:  # as an earlier version wrote it
        db.execute("ALTER TABLE chunks DROP COLUMN sentence_vectors")
    snapshot = open_snapshot(folder)  # read-only: answers embed the sentences, as before
    answer = QAService(snapshot, main, cross, cross).ask("煤炭产业占工业比重是多少？", k=2)
    assert answer.citations
    snapshot.close()
    ingest([corpus], folder, main, cross=cross)  # the next run adds them
    assert stored_count(folder) == report.chunks_written


class Recording(HashingEmbedder):
    def __init__(self, dimension: int) -> None:
        super().__init__(dimension)
        self.texts: list[str] = []

    def embed(self, texts, kind):  # type: ignore[no-untyped-def]
        self.texts += list(texts)
        return super().embed(texts, kind)


def test_answering_embeds_only_sentences_it_has_not_stored(corpus: Path, tmp_path: Path) -> None:
    folder, main, cross = tmp_path / "idx", HashingEmbedder(64), Recording(32)
    ingest([corpus], folder, main, cross=cross)
    snapshot = open_snapshot(folder)
    service = QAService(snapshot, main, cross, cross)
    cross.texts.clear()
    question = "煤炭产业和晋城的产业集群"
    answer = service.ask(question, k=3)
    # the question (retrieval's vector is reused), and the sentence of the one passage shown
    # in another script than it is stored in (jincheng.txt is Traditional): no other sentence
    converted = [c.text for c in answer.citations if "晋城" in c.text]
    assert converted, [c.text for c in answer.citations]
    assert cross.texts == [question, *converted]
    # the same answer as embedding every sentence now, to int8 precision
    fresh = QAService(snapshot, main, cross, HashingEmbedder(32))
    again = fresh.ask(question, k=3)
    assert [c.doc_id for c in answer.citations] == [c.doc_id for c in again.citations]
    assert answer.text == again.text
    assert answer.confidence == pytest.approx(again.confidence, abs=0.01)
    snapshot.close()


def test_a_new_sentence_rule_remakes_the_vectors_it_cuts_otherwise(
    corpus: Path, tmp_path: Path
) -> None:
    """When the roles' rules change, each passage's roles are found again; a passage whose
    stored vectors no longer count its sentences has them made again, the others keep theirs."""
    folder, main, cross = tmp_path / "idx", HashingEmbedder(16), Recording(8)
    ingest([corpus], folder, main, cross=cross)
    with sqlite3.connect(folder / DB_NAME) as db:
        rows = db.execute("SELECT row_id, text, sentence_vectors FROM chunks").fetchall()
        stale_row, stale_text, blob = rows[0]
        # as a rule that cut one sentence more wrote it, under rules of another day
        db.execute(
            "UPDATE chunks SET sentence_vectors = ? WHERE row_id = ?",
            (blob + blob[: 8 + 4], stale_row),
        )
        db.execute("UPDATE meta SET value = 'earlier' WHERE key = 'roles'")
    cross.texts.clear()
    ingest([corpus], folder, main, cross=cross)
    assert cross.texts == [stale_text[a:b] for a, b in answer_sentences(stale_text)]
    with sqlite3.connect(folder / DB_NAME) as db:
        (size,) = db.execute(
            "SELECT length(sentence_vectors) FROM chunks WHERE row_id = ?", (stale_row,)
        ).fetchone()
    assert size == len(blob)
