"""The lexical index: BM25 (bm25s) over single characters and character bigrams.

Chinese has no spaces, and word segmenters disagree with each other and with the question; on
every Chinese evaluation set characters plus bigrams of the search form matched jieba words or
beat them (see the ask issue's table), so that is the tokenisation used here. Latin words and
numbers are kept whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

TOKENIZER_NAME = "char-bigram-v1"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RUN = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:[.'][a-z0-9]+)*")
_HAN_RUN = re.compile(rf"[{_HAN}]")


def tokenize(search_text: str) -> list[str]:
    """Tokens of a text already in search form: each Han character, each adjacent pair of Han
    characters, and each Latin word or number."""
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(search_text):
        if _HAN_RUN.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


class LexicalIndex:
    """BM25 over a list of chunk row ids. Build from search texts, save to and load from a
    folder; scores come back per chunk row id."""

    def __init__(self, retriever, row_ids: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        self._retriever = retriever
        self.row_ids = row_ids

    @classmethod
    def build(cls, search_texts: list[str], row_ids: np.ndarray) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        # bm25s cannot index an empty corpus; an empty index is represented without a retriever
        if search_texts:
            # tokens as ids into one vocabulary: a chunk's list then points at shared ints, where
            # lists of token strings cost about ten times the memory (3.3 GB against some
            # hundreds of MB to build 100,000 chunks: scripts/bench_scale.py); same scores
            vocab: dict[str, int] = {}
            ids = [
                [vocab.setdefault(t, len(vocab)) for t in tokenize(text)] for text in search_texts
            ]
            retriever.index((ids, vocab), show_progress=False)
        else:
            retriever = None
        return cls(retriever, np.asarray(row_ids, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.row_ids)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "row_ids.npy", self.row_ids)
        if self._retriever is not None:
            self._retriever.save(str(folder / "bm25"), show_progress=False)
        (folder / "lexical.json").write_text(json.dumps({"tokenizer": TOKENIZER_NAME}))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        row_ids = np.load(folder / "row_ids.npy")
        retriever = None
        if len(row_ids):
            retriever = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        return cls(retriever, row_ids)

    def idf(self, tokens: list[str]) -> np.ndarray:
        """BM25's inverse document frequency of each token over the indexed chunks (a token
        no chunk contains gets the highest value)."""
        n = len(self.row_ids)
        if self._retriever is None:
            return np.full(len(tokens), np.log1p(n + 0.5), dtype=np.float32)
        vocab = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        df = np.array(
            [indptr[i + 1] - indptr[i] if (i := vocab.get(t)) is not None else 0 for t in tokens],
            dtype=np.float64,
        )
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def all_scores(self, search_text: str) -> np.ndarray:
        """BM25 score of every chunk for a text in search form, aligned with ``row_ids``."""
        tokens = tokenize(search_text)
        if self._retriever is None or not tokens:
            return np.zeros(len(self.row_ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def search(self, search_text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` chunk row ids and their BM25 scores (only chunks with a score above 0)."""
        tokens = tokenize(search_text)
        if self._retriever is None or not tokens or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self._retriever.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return self.row_ids[top], scores[top].astype(np.float32)
