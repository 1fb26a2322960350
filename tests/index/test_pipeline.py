"""Ingest end to end with the hashing embedder: incremental updates, removal, bad files, crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import HashingEmbedder
from index.errors import DocumentError, IndexLocked, IndexMismatch
from index.folder import open_snapshot, write_lock
from index.pipeline import IngestOptions, ingest, remove_documents
from index.summary import describe

ROOT = Path(__file__).resolve().parents[2]


def test_first_run_indexes_everything_and_rerun_embeds_nothing(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    first = ingest([corpus], folder, embedder)
    assert (first.files, first.added, first.skipped) == (3, 3, [])
    assert first.chunks_embedded == first.chunks_written > 0
    embedded_calls = len(embedder.calls)

    again = ingest([corpus], folder, embedder)
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 3, 0)
    assert len(embedder.calls) == embedded_calls
    assert describe(folder)["chunks"] == first.chunks_written


def test_a_cross_lingual_model_gets_its_own_vectors(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from index.embedder import HashingEmbedder

    folder = tmp_path / "idx"
    cross = HashingEmbedder(16)
    report = ingest([corpus], folder, embedder, cross=cross)
    # one batch of passages, then the passages' sentences for answers (index/sentence_vectors)
    assert cross.calls[0] == report.chunks_embedded
    snapshot = open_snapshot(folder)
    assert snapshot.manifest.cross_model == "hashing-16"
    assert snapshot.cross is not None and len(snapshot.cross) == len(snapshot.vectors)
    assert snapshot.cross.dimension == 16
    with pytest.raises(IndexMismatch, match="cross_model 'hashing-16'.*None was asked for"):
        ingest([corpus], folder, embedder)  # the same index without its second model


def test_changed_file_replaces_its_chunks_and_reuses_unchanged_vectors(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    coal = corpus / "coal.txt"
    coal.write_text(
        coal.read_text(encoding="utf-8") + "三是培育新动能。新建光通信产业园。\n", encoding="utf-8"
    )

    report = ingest([corpus], folder, embedder)
    assert (report.updated, report.unchanged, report.added) == (1, 2, 0)
    assert report.chunks_embedded >= 1
    assert report.chunks_reused >= 1  # the unchanged passages of coal.txt kept their vectors

    snapshot = open_snapshot(folder)
    ids, _ = snapshot.lexical.search("光通信", 10)
    texts = [c.chunk.text for c in snapshot.store.chunks(ids.tolist())]
    assert any("光通信产业园" in t for t in texts)
    doc = next(d for d in snapshot.store.documents() if d.source.endswith("coal.txt"))
    assert "光通信产业园" in doc.text
    assert describe(folder)["documents"] == 3


def test_prune_and_remove_delete_documents(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    (corpus / "green.txt").unlink()
    report = ingest([corpus], folder, embedder, IngestOptions(prune=True))
    assert report.removed == 1
    assert describe(folder)["documents"] == 2

    removed = remove_documents(folder, [str(corpus / "sub")])
    assert len(removed) == 1
    snapshot = open_snapshot(folder)
    assert [Path(d.source).name for d in snapshot.store.documents()] == ["coal.txt"]
    assert snapshot.lexical.search("晋城", 5)[0].tolist() == []  # its chunks are gone from BM25 too
    with pytest.raises(DocumentError, match="no indexed document has this id or path"):
        remove_documents(folder, ["no-such-doc"])


def test_bad_files_are_reported_by_name_and_the_rest_is_indexed(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (corpus / "slides.pptx").write_bytes(b"PK\x03\x04")
    (corpus / "only-notice.txt").write_text(
        "特別聲明:以上內容為用戶上傳,本平臺僅提供信息存儲服務。\n", encoding="utf-8"
    )
    (corpus / "gbk.txt").write_bytes(
        "焦作市政府工作报告：加快转型升级，推动经济质量和环境质量双提升。".encode("gbk")
    )
    (corpus / "big5.txt").write_bytes(
        "晉城以新質生產力激活轉型勢能，培育出一批產業集群。".encode("big5")
    )

    report = ingest([corpus], tmp_path / "idx", embedder)
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert set(skipped) == {"empty.txt", "binary.txt", "slides.pptx", "only-notice.txt"}
    assert "boilerplate" in skipped["only-notice.txt"]
    assert report.added == 5
    docs = {Path(d.source).name: d for d in open_snapshot(tmp_path / "idx").store.documents()}
    assert docs["gbk.txt"].encoding == "gb18030"
    assert docs["big5.txt"].text.startswith("晉城以新質生產力")


def test_missing_path_fails_before_touching_the_index(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentError, match="no such file or folder"):
        ingest([tmp_path / "missing"], tmp_path / "idx", embedder)
    assert not (tmp_path / "idx").exists()


def test_a_second_writer_is_refused(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    with write_lock(folder), pytest.raises(IndexLocked, match="another citeqa process is writing"):
        ingest([corpus], folder, embedder)


@pytest.mark.slow
def test_kill_9_while_embedding_leaves_the_index_usable(
    corpus: Path, tmp_path: Path, embedder, seed_text, kill_ingest_mid_embedding
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    before = describe(folder)["chunks"]
    more = tmp_path / "more"
    more.mkdir()
    for prefix in ("000", "001", "003"):
        (more / f"{prefix}.txt").write_text(seed_text(prefix), encoding="utf-8")

    kill_ingest_mid_embedding(more, folder, "dict(batch_chunks=4)")

    snapshot = open_snapshot(folder)  # opens, and the old documents are still searchable
    assert describe(folder)["chunks"] >= before
    ids, _ = snapshot.lexical.search("晋城", 5)
    assert any("晉城" in c.chunk.text for c in snapshot.store.chunks(ids.tolist()))
    query = embedder.embed(["城市更新改造公园绿地"], "query")[0]
    assert len(snapshot.vectors.search(query, 3)[0]) == 3

    finish = ingest([more], folder, embedder)  # the next run completes the work
    assert finish.added + finish.unchanged == 3
    assert describe(folder)["documents"] == 6


def test_passages_of_an_index_written_before_scripts_were_kept_get_theirs(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    import sqlite3

    from index.store import DB_NAME

    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    with sqlite3.connect(folder / DB_NAME) as db:  # as an older citeqa wrote it
        db.execute("UPDATE chunks SET script = NULL")
    assert open_snapshot(folder).scripts is None
    again = ingest([corpus], folder, embedder)
    assert again.chunks_embedded == 0
    masks = open_snapshot(folder).scripts
    assert masks is not None and masks["traditional"].sum() == 1  # sub/jincheng.txt


def test_sentence_roles_are_stored_at_ingest_and_gained_by_an_older_index(
    tmp_path: Path, embedder: HashingEmbedder
) -> None:
    import sqlite3

    from index.store import DB_NAME, Store

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notice.txt").write_text(
        "青溪市人民政府关于做好防汛工作的通知 各县（市）区人民政府：为深入贯彻落实防汛工作部署，"
        "现就有关事项通知如下：一是落实责任。二是排查隐患。特此通知。",
        encoding="utf-8",
    )
    folder = tmp_path / "idx"
    ingest([docs], folder, embedder)

    def first_roles() -> tuple[str, ...] | None:
        store = Store(folder / DB_NAME, readonly=True)
        try:
            return store.chunks([1])[0].chunk.roles
        finally:
            store.close()

    stored = first_roles()
    assert stored == ("title", "addressee", "preamble", "item", "item", "closing")
    with sqlite3.connect(folder / DB_NAME) as db:  # as an older citeqa wrote it
        db.execute("UPDATE chunks SET roles = NULL")
    assert first_roles() is None
    again = ingest([docs], folder, embedder)
    assert again.chunks_embedded == 0 and first_roles() == stored
    # roles found by other rules than today's are found again on the next run
    with sqlite3.connect(folder / DB_NAME) as db:
        db.execute("UPDATE chunks SET roles = 'body,body,body,body,body,body'")
        db.execute("UPDATE meta SET value = 'older rules' WHERE key = 'roles'")
    ingest([docs], folder, embedder)
    assert first_roles() == stored
    with sqlite3.connect(folder / DB_NAME) as db:  # and kept while the rules stay the same
        db.execute("UPDATE chunks SET roles = 'body,body,body,body,body,body'")
    ingest([docs], folder, embedder)
    assert first_roles() == ("body",) * 6


def test_an_unchanged_run_writes_nothing(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    from index.store import DB_NAME, Store

    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    before = Store(folder / DB_NAME, readonly=True).generation()
    ingest([corpus], folder, embedder)
    assert Store(folder / DB_NAME, readonly=True).generation() == before


def test_an_all_or_nothing_run_with_an_unreadable_file_adds_nothing(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    from index.pipeline import NothingAdded
    from index.store import DB_NAME, read_generation

    folder = tmp_path / "idx"
    ingest([corpus / "coal.txt"], folder, embedder)
    generation = read_generation(folder / DB_NAME)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    options = IngestOptions(all_or_nothing=True, batch_chunks=1)  # would commit every file

    with pytest.raises(NothingAdded, match="1 of 4 files could not be indexed") as err:
        ingest([corpus], folder, embedder, options)

    assert [Path(p).name for p, _ in err.value.failures] == ["broken.pdf"]
    assert read_generation(folder / DB_NAME) == generation
    assert describe(folder)["documents"] == 1
    (corpus / "broken.pdf").unlink()
    assert ingest([corpus], folder, embedder, options).added == 2


def test_documents_show_their_path_under_the_indexed_folder_never_a_full_path(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    import sqlite3

    from index.store import DB_NAME, Store

    folder = tmp_path / "idx"
    ingest([corpus, tmp_path / "docs" / "coal.txt"], folder, embedder)
    store = Store(folder / DB_NAME, readonly=True)
    assert sorted(d.shown for d in store.documents()) == [
        "docs/coal.txt", "docs/green.txt", "docs/sub/jincheng.txt"
    ]  # fmt: skip
    store.close()
    with sqlite3.connect(folder / DB_NAME) as db:  # as a citeqa before names wrote it
        db.execute("ALTER TABLE documents DROP COLUMN name")
    store = Store(folder / DB_NAME, readonly=True)
    assert sorted(d.shown for d in store.documents())[0] == "coal.txt"  # its file name
    store.close()
    again = ingest([corpus], folder, embedder)  # the next run names them
    assert again.chunks_embedded == 0
    store = Store(folder / DB_NAME, readonly=True)
    assert "docs/sub/jincheng.txt" in {d.shown for d in store.documents()}
    store.close()


def test_progress_is_told_each_file_each_embedding_and_the_search_indexes_last(
    corpus: Path, tmp_path: Path
) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, object]] = []

        def files_found(self, total: int) -> None:
            self.events.append(("files", total))

        def file_done(self, path: Path, chunks: int) -> None:
            self.events.append(("file", path.name))

        def chunks_embedded(self, count: int) -> None:
            self.events.append(("embedded", count))

        def building_search_indexes(self) -> None:
            self.events.append(("search indexes", None))

    seen = Recorder()
    ingest([corpus], tmp_path / "idx", HashingEmbedder(16), progress=seen)
    assert seen.events[0] == ("files", 3) and seen.events[-1] == ("search indexes", None)
    assert sorted(name for kind, name in seen.events if kind == "file") == [
        "coal.txt", "green.txt", "jincheng.txt",
    ]  # fmt: skip
    assert sum(n for kind, n in seen.events if kind == "embedded") == 4  # type: ignore[misc]


def test_a_run_in_title_that_ends_a_chunk_heads_the_paragraph_the_next_chunk_goes_on_with(
    tmp_path: Path, embedder: HashingEmbedder
) -> None:
    """A report's paragraph titles ("提升基层服务能力。一是…") are headings whether a chunk
    ends right after one or not, at ingest and when an older index finds its roles again."""
    import sqlite3

    from index.roles import answer_sentences
    from index.store import DB_NAME, Store

    body = "，".join(f"第{n}项工作按计划推进" for n in "一二三四五六七八九十") + "。"
    paragraphs = [f"做强县级医院。一是{body}", f"提升基层服务能力。一是{body}二是{body}"]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.txt").write_text("\n".join(["县政府工作报告", *paragraphs]), encoding="utf-8")
    folder = tmp_path / "idx"
    ingest([docs], folder, embedder)

    def headings() -> list[str]:
        store = Store(folder / DB_NAME, readonly=True)
        try:
            out = []
            for c in store.chunks(list(range(1, 40))):
                spans = answer_sentences(c.chunk.text)
                roles = c.chunk.roles or ()
                out += [
                    c.chunk.text[a:b]
                    for (a, b), r in zip(spans, roles, strict=True)
                    if r == "heading"
                ]
            return out
        finally:
            store.close()

    store = Store(folder / DB_NAME, readonly=True)
    assert store.chunks([1])[0].chunk.text.endswith("\n提升基层服务能力。")  # the case at issue
    store.close()
    assert headings() == ["做强县级医院。", "提升基层服务能力。"]
    with sqlite3.connect(folder / DB_NAME) as db:  # found again under other rules: the same
        db.execute("UPDATE meta SET value = 'older rules' WHERE key = 'roles'")
    ingest([docs], folder, embedder)
    assert headings() == ["做强县级医院。", "提升基层服务能力。"]
