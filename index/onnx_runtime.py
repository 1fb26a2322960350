"""ONNX Runtime for sentence-transformers folders: export once, then embed without torch.

A converted model folder (``index/e5_model.py``) is a sentence-transformers folder; next to its
safetensors it also gets ``onnx/model.onnx``, the same BERT encoder exported from torch and
optimised once by ONNX Runtime (its weights in ``onnx/model.onnx.data``, which the runtime maps
instead of parsing). ``OnnxEmbedder`` runs that file with onnxruntime and the folder's own
``tokenizer.json``, applying the folder's prompts, mean pooling and normalisation as
sentence-transformers does, so its vectors equal those of ``SentenceTransformer(folder)``
(tested at cosine >= 0.9999). It imports neither torch nor sentence-transformers, which is what
lets a command start in a second or two; ``SentenceTransformer(folder, backend="onnx")`` reads
the same file.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

ONNX_FILE = Path("onnx") / "model.onnx"
INT8_FILE = Path("onnx") / "model_qint8.onnx"
_OPSET = 17


def has_onnx(folder: Path) -> bool:
    return (Path(folder) / ONNX_FILE).is_file()


def export_onnx(folder: Path, say: Callable[[str], None] = lambda _m: None) -> Path:
    """Export the BERT encoder of the sentence-transformers folder ``folder`` to
    ``folder/onnx/model.onnx`` (dynamic batch and length), optimised by ONNX Runtime for any
    CPU. Needs torch and transformers; run once, when the folder is made."""
    import onnxruntime as ort
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    say("exporting onnx/model.onnx")
    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager")
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    out = Path(folder) / ONNX_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name("exported.onnx")
    ids = torch.tensor([[0, 6, 7, 2], [0, 6, 2, 1]])
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes fixed at export
        torch.onnx.export(
            _Encoder(), (ids, (ids != 1).long()), str(raw), dynamo=False, opset_version=_OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )  # fmt: skip
    # optimise once and store the result, its weights in a side file the runtime maps; only
    # the hardware-independent ("extended") rewrites, so the file suits any CPU
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", out.name + ".data"
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    say("optimising onnx/model.onnx")
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    raw.unlink()
    return out


def quantize_onnx(folder: Path) -> Path:
    """``folder/onnx/model_qint8.onnx``: the exported model with int8 weights and dynamically
    quantised activations (ONNX Runtime's dynamic quantisation), made once. Off by default:
    scripts/bench_ingest.py weighs its speed against its recall."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = Path(folder) / INT8_FILE
    if not out.exists():
        tmp = out.with_name(out.name + ".tmp")
        quantize_dynamic(
            Path(folder) / ONNX_FILE, tmp, weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # for fused ops
        )  # fmt: skip
        tmp.replace(out)
    return out


def cpu_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime session on the CPU for a file already optimised at export: ``threads``
    for each operator, none spinning idle against numpy's."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path} ({exc}); convert the model folder again") from exc


class OnnxEmbedder:
    """Embeds with ``folder/onnx/model.onnx``. Nothing is loaded until the first ``embed``;
    the name and dimension come from the folder's config files."""

    def __init__(
        self, folder: Path, *, name: str, batch_size: int = 64, batch_tokens: int = 1024,
        threads: int | None = None, model_file: Path = ONNX_FILE,
    ) -> None:  # fmt: skip
        self.folder = Path(folder)
        self.model_file = model_file
        self.name = name
        self.batch_size, self.batch_tokens = batch_size, batch_tokens
        self.threads = threads or os.cpu_count() or 1
        if not has_onnx(self.folder):
            raise ModelError(f"{self.folder} has no {ONNX_FILE}; convert the model folder again")
        pooling = _read_json(self.folder / "1_Pooling" / "config.json")
        if pooling.get("pooling_mode", "mean") != "mean" and not pooling.get(
            "pooling_mode_mean_tokens"
        ):
            raise ModelError(f"{self.folder}: only mean pooling runs on ONNX Runtime here")
        self.dimension = int(pooling["word_embedding_dimension"])
        st = _read_json(self.folder / "config_sentence_transformers.json")
        self.prompts: dict[str, str] = dict(st.get("prompts") or {})
        self.max_tokens = folder_max_tokens(self.folder)
        self.normalize = (self.folder / "2_Normalize").is_dir()
        self.pad_id = int(_read_json(self.folder / "config.json").get("pad_token_id") or 0)
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def load(self) -> None:
        """Open the session and the tokenizer now (they open on first use otherwise)."""
        with self._lock:
            if self._session is not None:
                return
            try:
                session = cpu_session(self.folder / self.model_file, self.threads)
                tokenizer = folder_tokenizer(self.folder, self.max_tokens)
            except Exception as exc:  # onnxruntime and tokenizers raise their own kinds
                raise ModelError(
                    f"cannot load the ONNX model in {self.folder} ({exc}); convert it again"
                ) from exc
            self._tokenizer, self._session = tokenizer, session

    def count_tokens(self, texts: Sequence[str], kind: str) -> int:
        """How many tokens the model reads for ``texts`` (prompt included, after truncation)."""
        if not texts:
            return 0
        self.load()
        prompt = self.prompts.get(kind, "")
        return sum(len(e.ids) for e in self._tokenizer.encode_batch([prompt + t for t in texts]))

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        self.load()
        prompt = self.prompts.get(kind, "")
        encodings = self._tokenizer.encode_batch([prompt + t for t in texts])
        # length-sorted batches waste little on padding, as sentence-transformers does
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        for rows in token_batches(order, lengths, self.batch_size, self.batch_tokens):
            width = lengths[rows[0]]
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = lengths[i]
                ids[r, :n], mask[r, :n] = encodings[i].ids, 1
            (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
            out[rows] = summed / mask.sum(axis=1, keepdims=True)
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1, norms)
        return out


def folder_max_tokens(folder: Path) -> int:
    """How many tokens the folder's model reads of a text (sentence-transformers' setting)."""
    return int(_read_json(Path(folder) / "sentence_bert_config.json").get("max_seq_length", 512))


_TOKENIZERS: dict[tuple[Path, int], Any] = {}
_TOKENIZERS_LOCK = threading.Lock()


def folder_tokenizer(folder: Path, max_tokens: int) -> Any:
    """The folder's ``tokenizer.json``, cutting a text at ``max_tokens`` and never padding:
    one instance per folder and limit in a process, shared by whoever reads with it (the
    embedder and the reader, ``qa/reader.py``), since e5's takes about 280 MB. Its settings
    are never changed after it is made."""
    key = (Path(folder).resolve(), max_tokens)
    with _TOKENIZERS_LOCK:
        if key not in _TOKENIZERS:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
            tokenizer.enable_truncation(max_tokens)
            tokenizer.no_padding()
            _TOKENIZERS[key] = tokenizer
        return _TOKENIZERS[key]


def token_batches(
    order: Sequence[int], lengths: Sequence[int], max_rows: int, max_tokens: int
) -> Iterator[list[int]]:
    """The rows of ``order`` (longest first), cut into batches of at most ``max_rows`` rows and
    ``max_tokens`` padded tokens (a row alone may exceed it). A CPU runs a transformer fastest
    when a batch's activations stay in its caches: on this model about a thousand tokens, eight
    passages or fifty questions, runs a fifth faster than 32 passages a batch."""
    rows: list[int] = []
    for i in order:
        if rows and (len(rows) + 1) * lengths[rows[0]] > max_tokens:
            yield rows
            rows = []
        rows.append(i)
        if len(rows) == max_rows:
            yield rows
            rows = []
    if rows:
        yield rows
