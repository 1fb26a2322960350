"""The reader on the real e5 folder: the shipped weights, ONNX Runtime against torch, the pair
encoding, and training's determinism (marked ``model``: they convert and load e5)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from qa.fitting.reader_fit import Recipe, train
from qa.fitting.reader_pairs import Group
from qa.reader import (
    READER_WEIGHTS,
    Reader,
    assemble_pairs,
    encode_pairs,
    padded,
    pair_tokenizer,
)
from qa.reader_net import build, load_delta, read_metadata, torch_logits

pytestmark = pytest.mark.model

QUESTION = "煤炭依赖是怎么降下来的"
TEXTS = [
    "2021年煤炭产业占工业比重下降到6.1%，由“一煤独大”转向多业支撑。",
    "城市更新改造加快推进。全市新建公园绿地十二处，人均公园绿地面积达到18.8平方米。",
    "晉城以新質生產力激活轉型勢能，培育出一批具有全國影響力的產業集群。" * 6,
]


@pytest.fixture(scope="module")
def e5() -> Path:
    from index.e5_model import ensure_e5_model

    return ensure_e5_model()


def test_the_shipped_weights_are_small_and_what_the_script_makes() -> None:
    assert READER_WEIGHTS.stat().st_size <= 40 * 2**20
    meta = read_metadata(READER_WEIGHTS)
    recipe = json.loads(meta["recipe"])
    # scripts/fit_reader.py's defaults are the recipe the shipped weights were trained with
    assert recipe == asdict(Recipe())
    assert int(meta["layers"]) == recipe["layers"] and int(meta["max_tokens"]) == 256


def test_onnx_runtime_scores_as_the_torch_network_does(e5: Path) -> None:
    onnx = Reader(e5, int8=False).score(QUESTION, TEXTS)
    model = build(e5, int(read_metadata(READER_WEIGHTS)["layers"]))
    load_delta(model, READER_WEIGHTS)
    model.eval()
    ids, mask = padded(encode_pairs(pair_tokenizer(e5), [QUESTION] * 3, TEXTS))
    assert onnx == pytest.approx(torch_logits(model, ids, mask), abs=1e-3)
    assert np.isfinite(onnx).all()
    # the served reader's 8-bit layers keep the order and stay within a fraction of a logit
    # (over 1,000 mined pairs: correlation .998, mean difference .22)
    served = Reader(e5).score(QUESTION, TEXTS)
    assert served == pytest.approx(onnx, abs=0.5)
    assert np.argsort(served).tolist() == np.argsort(onnx).tolist()


def test_a_pair_cuts_the_passage_never_the_question(e5: Path) -> None:
    tokenizer = pair_tokenizer(e5, max_tokens=32)
    question = "煤炭产业占工业比重下降到多少"
    (ids,) = encode_pairs(tokenizer, [question], ["很长的段落。" * 50])
    (alone,) = encode_pairs(pair_tokenizer(e5), [question], ["短"])
    assert len(ids) == 32
    head = alone[: alone.index(2) + 1]  # <s> query: question </s>
    assert ids[: len(head)] == head and ids[-1] == 2


def test_the_served_reader_shares_the_embedders_tokenizer_and_pairs_as_training_did(
    e5: Path,
) -> None:
    from index.onnx_runtime import OnnxEmbedder

    embedder, reader = OnnxEmbedder(e5, name="e5"), Reader(e5)
    embedder.load()
    reader.load()
    assert reader._tokenizer is embedder._tokenizer  # one copy (about 280 MB) in a process
    questions = [QUESTION, "How did cities cut coal dependence?", "煤炭" * 200]
    texts = [TEXTS[0], TEXTS[2] * 20, TEXTS[1]]
    for limit in (32, 256):
        trained = encode_pairs(pair_tokenizer(e5, limit), questions[:2], texts[:2])
        assert assemble_pairs(reader._tokenizer, questions[:2], texts[:2], limit) == trained
    # a question longer than the window is kept whole; the passage then has no room
    (long,) = assemble_pairs(reader._tokenizer, questions[2:], texts[2:], 64)
    assert len(long) > 64 and long[-2:] == [2, 2]


def test_training_is_deterministic_for_a_seed(e5: Path, tmp_path: Path) -> None:
    groups = [
        Group(f"问题{i}", tuple(f"第{j}段，关于{i}。" * (j + 1) for j in range(4)), "zh")
        for i in range(4)
    ]
    recipe = replace(Recipe(), layers=1, steps=2, checkpoint_every=1)
    say = lambda _m: None  # noqa: E731
    first = train(groups, e5, tmp_path / "a", tmp_path / "a.safetensors", recipe, say)
    second = train(groups, e5, tmp_path / "b", tmp_path / "b.safetensors", recipe, say)
    assert same_weights(first, second)
    # a run resumed from its checkpoint ends where an unbroken one does
    (tmp_path / "a.safetensors").unlink()
    resumed = train(groups, e5, tmp_path / "a", tmp_path / "a.safetensors", recipe, say)
    assert same_weights(resumed, second)
    # a checkpoint of other groups is not resumed: its run would not be the one asked for
    other = [replace(g, question=g.question + "？") for g in groups]
    with pytest.raises(ValueError, match="other groups"):
        train(other, e5, tmp_path / "a", tmp_path / "c.safetensors", recipe, say)


def same_weights(a: Path, b: Path) -> bool:
    from safetensors.torch import load_file

    one, two = load_file(str(a)), load_file(str(b))
    return (
        one.keys() == two.keys()
        and all(bool((one[k] == two[k]).all()) for k in one)
        and read_metadata(a) == read_metadata(b)
    )
