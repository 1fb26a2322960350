"""Answer-sentence vectors, made once at ingest instead of on every question.

The answer step scores every sentence of the cited passages, and one of its features is the
sentence's similarity to the question in the cross-lingual model (multilingual USE). Embedding
those sentences per question cost most of an answer's time, so ingest embeds the sentences of
every passage once and the passage's row keeps them (reused, like its vectors, for an unchanged
text), quantised to int8 with one float32 scale per vector (516 bytes a sentence of 512
dimensions; the similarity moves by a few thousandths). A passage whose vectors are missing, or a sentence that is not one
of a stored passage's (the text was put in another script for the reader, or two passages were
merged across a sentence), is embedded when asked, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from index.documents import content_hash
from index.embedder import Embedder
from index.roles import answer_sentences

if TYPE_CHECKING:
    from index.folder import IndexStore


def pack(vectors: np.ndarray) -> bytes:
    """Rows of unit vectors as int8 codes followed by one float32 scale per row."""
    vectors = np.asarray(vectors, dtype=np.float32)
    scales = np.abs(vectors).max(axis=1) / 127.0 if len(vectors) else np.empty(0, np.float32)
    safe = np.where(scales == 0, 1.0, scales)
    codes = np.rint(vectors / safe[:, None]).astype(np.int8)
    return codes.tobytes() + scales.astype(np.float32).tobytes()


def unpack(blob: bytes, dimension: int) -> np.ndarray:
    """The float32 rows that ``pack`` stored."""
    rows = len(blob) // (dimension + 4)
    if rows * (dimension + 4) != len(blob):
        raise ValueError(f"{len(blob)} bytes do not hold rows of {dimension} int8 codes + scale")
    codes = np.frombuffer(blob, dtype=np.int8, count=rows * dimension).reshape(rows, dimension)
    scales = np.frombuffer(blob, dtype=np.float32, offset=rows * dimension, count=rows)
    return codes.astype(np.float32) * scales[:, None]


def embed_passages(
    texts: dict[str, str],
    embedder: Embedder,
    step: int = 256,
    done: Callable[[int], None] | None = None,
) -> dict[str, bytes]:
    """Packed sentence vectors for each passage text (by its hash), embedding ``step``
    sentences at a time; ``done(n)`` after each group of n passages."""
    out: dict[str, bytes] = {}
    group: list[tuple[str, list[str]]] = []
    count = 0

    def flush() -> None:
        nonlocal count
        flat = [s for _, sentences in group for s in sentences]
        vectors = embedder.embed(flat, "query") if flat else np.empty((0, embedder.dimension))
        at = 0
        for h, sentences in group:
            out[h] = pack(vectors[at : at + len(sentences)])
            at += len(sentences)
        if done:
            done(len(group))
        group.clear()
        count = 0

    for h, text in texts.items():
        sentences = [text[a:b] for a, b in answer_sentences(text)]
        group.append((h, sentences))
        count += len(sentences)
        if count >= step:
            flush()
    if group:
        flush()
    return out


def stored_sentences(
    passages: Iterable[str], stored: dict[str, bytes], hash_of: Callable[[str], str], dim: int
) -> dict[str, np.ndarray]:
    """Each sentence of these passage texts whose vectors are stored, with its vector."""
    out: dict[str, np.ndarray] = {}
    for text in passages:
        blob = stored.get(hash_of(text))
        if blob is None:
            continue
        spans = answer_sentences(text)
        vectors = unpack(blob, dim)
        if len(vectors) != len(spans):  # written under another sentence rule: not used
            continue
        for (a, b), vector in zip(spans, vectors, strict=True):
            out[text[a:b]] = vector
    return out


def read_stored(store: IndexStore, texts: Sequence[str], dim: int) -> dict[str, np.ndarray]:
    """Each sentence of these chunk texts whose vectors ``store`` holds, with its vector."""
    found = store.sentence_vectors(content_hash(t) for t in texts)
    return stored_sentences(texts, found, content_hash, dim)
