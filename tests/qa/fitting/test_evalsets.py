"""Where the evaluation inputs and indexes live, and the corpus files written for indexing."""

from __future__ import annotations

import json
from pathlib import Path

from qa.fitting.evalsets import Layout


def test_layout_names_each_sets_files_and_index(tmp_path: Path) -> None:
    root = tmp_path / "main"
    corpus = tmp_path / "shared" / "eval" / "toy" / "corpus.jsonl"
    corpus.parent.mkdir(parents=True)
    rows = [{"id": "a/1", "text": "煤炭占比下降。"}, {"id": "b 2", "text": "新兴产业。"}]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    layout = Layout(root)
    docs = layout.documents("toy")
    assert docs == root / ".cache" / "eval" / "toy-docs"
    assert sorted(p.name for p in docs.iterdir()) == ["a_1.txt", "b_2.txt"]
    assert (docs / "a_1.txt").read_text(encoding="utf-8") == "煤炭占比下降。"
    assert layout.documents("sample") == root / "data" / "sample"
    assert layout.index("toy") == root / ".cache" / "eval" / "toy"
