"""BM25 as sparse vectors, for an index held in Milvus (index/milvus/store.py).

The embedded index scores BM25 with bm25s over citeqa's own tokens (index/lexical.py); Milvus
cannot run that tokenizer, so the same score is split into a product of two sparse vectors.
A passage's vector holds, for each of its tokens, the Lucene term weight bm25s uses,

    tf / (tf + k1 · (1 − b + b · length / average length)),

and a question's vector holds each of its tokens' idf, once per time the token occurs: their
inner product is the passage's BM25 score. A token is a vector dimension by a stable 32-bit
hash of it, so no vocabulary has to be kept in step between machines (a collision merges two
tokens; among a million distinct tokens some hundred pairs collide, each a pair of rare
ones). Dimension 0 is no token: it stands in a passage without tokens, as Milvus keeps no
empty sparse vector, and in ``Frequencies`` it carries nothing.

A passage is weighed by the average length of the collection when it is written, and kept
in step with it: every passage of one run of writes is weighed by one average (the first
batch's, in a new index), and when a writer leaves, every passage is weighed again if the
collection's average has moved more than DRIFT from it (index/milvus/weights.py). Weighed by
averages that differ, as a running average gives while an index grows, the passages written
first would score differently from what bm25s gives the same collection.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from index.lexical import tokenize

K1 = 1.5  # bm25s' defaults, as the embedded index uses them
B = 0.75
NO_TOKEN = 0
DRIFT = 0.01  # how far the average length may move before the passages are weighed again


def token_id(token: str) -> int:
    """The vector dimension of a token: 1 to 2³² − 1."""
    digest = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest())
    return digest or 1


def term_counts(search_text: str) -> Counter[int]:
    """How often each token (by dimension) occurs in a text in search form."""
    return Counter(token_id(t) for t in tokenize(search_text))


def passage_vector(counts: Mapping[int, int], average_length: float) -> dict[int, float]:
    """A passage's BM25 term weights (``counts``: ``term_counts`` of its search text)."""
    length = sum(counts.values())
    if not length:
        return {NO_TOKEN: 1.0}
    norm = K1 * (1 - B + B * length / max(average_length, 1e-9))
    return {t: tf / (tf + norm) for t, tf in counts.items()}


def drifted(weighed_at: float, average: float) -> bool:
    """Whether passages weighed by the average length ``weighed_at`` are out of step with a
    collection whose average is ``average``."""
    return abs(average - weighed_at) > DRIFT * max(average, 1e-9)


@dataclass
class Frequencies:
    """How many passages hold each token, and the collection's size and total length: what
    the idf and the average length are computed from. Kept by the writer with every write."""

    passages: int = 0
    tokens: int = 0
    df: dict[int, float] = field(default_factory=dict)

    @property
    def average_length(self) -> float:
        return self.tokens / self.passages if self.passages else 0.0

    def add(self, counts: Iterable[Mapping[int, int]]) -> None:
        """Count passages in (``counts``: each one's ``term_counts``)."""
        for c in counts:
            self.passages += 1
            self.tokens += sum(c.values())
            for t in c:
                self.df[t] = self.df.get(t, 0.0) + 1

    def count(self, passages: Iterable[tuple[Mapping[int, float], int]]) -> None:
        """Count passages in by their sparse vectors (their tokens) and lengths."""
        for vector, length in passages:
            self.passages += 1
            self.tokens += length
            for t in vector:
                if int(t) != NO_TOKEN:
                    self.df[int(t)] = self.df.get(int(t), 0.0) + 1

    def remove(self, passages: Iterable[tuple[Mapping[int, float], int]]) -> None:
        """Count passages out: each one's sparse vector (its tokens) and its length."""
        for vector, length in passages:
            self.passages -= 1
            self.tokens -= length
            for t in vector:
                t = int(t)
                if t == NO_TOKEN:
                    continue
                left = self.df.get(t, 0.0) - 1
                if left > 0:
                    self.df[t] = left
                else:
                    self.df.pop(t, None)

    def idf(self, tokens: list[str]) -> np.ndarray:
        """bm25s' (Lucene) idf of each token: ``LexicalIndex.idf``'s values."""
        df = np.array([self.df.get(token_id(t), 0.0) for t in tokens], dtype=np.float64)
        n = self.passages
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def question_vector(self, search_text: str) -> dict[int, float]:
        """A question's sparse vector: each token's idf, times its count in the question."""
        tokens = tokenize(search_text)
        weights = self.idf(tokens)
        out: dict[int, float] = {}
        for t, w in zip(tokens, weights, strict=True):
            out[token_id(t)] = out.get(token_id(t), 0.0) + float(w)
        return out

    def as_vector(self) -> dict[int, float]:
        """The frequencies as one sparse vector, to keep in Milvus (dimension 0 set: Milvus
        keeps no empty vector)."""
        return {NO_TOKEN: 1.0} | self.df

    @classmethod
    def from_vector(cls, vector: Mapping[int, float], passages: int, tokens: int) -> Frequencies:
        df = {int(t): float(v) for t, v in vector.items() if int(t) != NO_TOKEN}
        return cls(passages, tokens, df)
