"""Choosing and loading embedders: the runtime rule, loading on first use, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from index.embedder import SentenceTransformerEmbedder, load_embedder
from index.errors import ModelError
from index.onnx_runtime import OnnxEmbedder

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_model_of_the_users_loads_on_first_use_and_fails_there_clearly(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    embedder = load_embedder(missing)  # nothing is loaded yet, so nothing fails yet
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == missing
    with pytest.raises(ModelError, match="could not load the embedding model .*no-such-model"):
        embedder.embed(["城市"], "query")


def test_unknown_runtime_and_onnx_for_other_models_are_refused() -> None:
    with pytest.raises(ModelError, match="runtime 'tpu' is not one of auto, onnx, torch"):
        load_embedder(runtime="tpu")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="bundled multilingual-e5-small in float32 only"):
        load_embedder("some/model", runtime="onnx")
    with pytest.raises(ModelError, match="in float32 only"):
        load_embedder(runtime="onnx", quantize=True)


def test_onnx_embedder_refuses_a_folder_without_the_exported_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="has no onnx/model.onnx; convert the model folder again"):
        OnnxEmbedder(tmp_path, name="x")


@pytest.mark.model
def test_the_bundled_model_runs_on_onnx_without_torch_by_default() -> None:
    embedder = load_embedder()
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.dimension == 384  # from the folder's config, before anything loads
    assert embedder._session is None
    vectors = embedder.embed(["城市如何降低对煤炭的依赖？"], "query")
    assert vectors.shape == (1, 384)
    assert load_embedder(runtime="torch").name == embedder.name  # same model, other runtime


@pytest.mark.model
def test_embedding_a_question_imports_neither_torch_nor_sentence_transformers() -> None:
    code = (
        "import sys; from index.embedder import load_embedder; "
        "load_embedder().embed(['城市如何降低对煤炭的依赖？'], 'query'); "
        "print(sorted({'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert run.stdout.strip() == "[]", run.stderr


def test_token_batches_keep_each_batch_within_its_rows_and_padded_tokens() -> None:
    from index.onnx_runtime import token_batches

    lengths = [300, 120, 120, 119, 100, 20, 20, 20, 20, 20, 900]
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches = list(token_batches(order, lengths, max_rows=4, max_tokens=400))
    assert [i for rows in batches for i in rows] == order  # every row once, in order
    assert batches[0] == [10]  # alone, although over the budget
    for rows in batches:
        assert len(rows) <= 4
        assert len(rows) == 1 or len(rows) * lengths[rows[0]] <= 400
    assert [lengths[rows[0]] for rows in batches] == [900, 300, 120, 100, 20]
    assert list(token_batches([], [], max_rows=4, max_tokens=400)) == []
