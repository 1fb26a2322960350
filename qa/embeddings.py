"""Embeddings of any texts with an index's own model, for clients that do their own retrieval
(POST /v1/embeddings): which e5 prompt each text gets, and the vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedder import Embedder, Kind

PREFIXES: dict[str, Kind] = {"query: ": "query", "passage: ": "passage"}


def kind_of(text: str, input_type: Kind | None) -> tuple[Kind, str]:
    """The prompt kind of ``text`` and the text to embed: ``input_type`` when given; else
    e5's own "query: " / "passage: " prefix, which is then the prompt (not embedded twice);
    else a query, as e5 advises for texts compared with each other."""
    if input_type is not None:
        return input_type, text
    for prefix, kind in PREFIXES.items():
        if text.startswith(prefix):
            return kind, text[len(prefix) :]
    return "query", text


def embed_texts(
    embedder: Embedder, texts: Sequence[str], input_type: Kind | None
) -> tuple[np.ndarray, int]:
    """The vectors of ``texts`` in order (each with its kind's prompt), and how many tokens the
    model read (0 when the embedder cannot count them)."""
    parsed = [kind_of(text, input_type) for text in texts]
    out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    tokens = 0
    for kind in ("query", "passage"):
        rows = [i for i, (k, _) in enumerate(parsed) if k == kind]
        if not rows:
            continue
        batch = [parsed[i][1] for i in rows]
        out[rows] = embedder.embed(batch, kind)
        count = getattr(embedder, "count_tokens", None)
        tokens += int(count(batch, kind)) if count is not None else 0
    return out, tokens
