from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import ModelError
from qa.confidence import CONFIDENCE_FEATURES
from qa.fitted import (
    FITTED_PATH,
    CalibratedModel,
    Fitted,
    LinearModel,
    TreeModel,
    load_fitted,
    write_fitted,
)
from qa.rerank import RANKER_FEATURES
from qa.sentences import SENTENCE_FEATURES


def model() -> LinearModel:
    return LinearModel(
        ("a", "b"),
        np.array([1.0, 0.0], np.float32),
        np.array([2.0, 1.0], np.float32),
        np.array([0.5, -1.0], np.float32),
        0.25,
    )


def test_contributions_add_up_to_the_logit() -> None:
    m = model()
    row = np.array([3.0, 2.0], np.float32)
    parts = m.contributions(row)
    assert parts == {"a": pytest.approx(0.5), "b": pytest.approx(-2.0)}
    assert m.logits(row[None, :])[0] == pytest.approx(m.intercept + sum(parts.values()))
    assert 0.0 < m.probabilities(row[None, :])[0] < 1.0


def test_fitted_round_trips_through_its_file(tmp_path: Path) -> None:
    fitted = Fitted(
        50, {"zh": model()}, {"zh": model()}, {"zh": 0.4}, {"zh": model()}, 0.6, {},
        sentence_weight={"zh": 1.5},
    )  # fmt: skip
    write_fitted(fitted, tmp_path / "f.json")
    load_fitted.cache_clear()
    again = load_fitted(tmp_path / "f.json")
    assert again.answer_at == {"zh": pytest.approx(0.4)}
    assert again.sentence_weight == {"zh": pytest.approx(1.5)}
    assert again.ranker["zh"].names == ("a", "b")
    assert np.allclose(again.ranker["zh"].coef, [0.5, -1.0])


def test_a_file_from_before_the_sentence_order_keeps_the_second_stages_order(
    tmp_path: Path,
) -> None:
    fitted = Fitted(50, {}, {}, {}, {}, 0.6, {}, sentence_weight={"zh": 1.0})
    data = fitted.to_dict()
    del data["sentence_weight"]
    assert Fitted.from_dict(data).sentence_weight == {}


def test_a_broken_file_says_how_to_make_it_again(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("{not json")
    with pytest.raises(ModelError, match="scripts/fit_ranker.py"):
        load_fitted(path)


def test_the_shipped_file_names_only_known_features_for_both_languages() -> None:
    fitted = load_fitted(FITTED_PATH)
    for lang in ("zh", "en"):
        assert set(fitted.ranker[lang].names) <= set(RANKER_FEATURES)
        assert set(fitted.sentences[lang].names) <= set(SENTENCE_FEATURES)
        assert set(fitted.confidence[lang].names) <= set(CONFIDENCE_FEATURES)
        assert 0.0 < fitted.answer_at[lang] < 1.0


def stump_dump() -> dict:
    """Two trees as LightGBM's dump_model() writes them: a split on feature 0, then 1."""
    leaf = lambda v: {"leaf_value": v}  # noqa: E731
    return {
        "tree_info": [
            {"tree_structure": {
                "split_feature": 0, "threshold": 0.5, "decision_type": "<=", "internal_value": 0.0,
                "left_child": leaf(-1.0),
                "right_child": {
                    "split_feature": 1, "threshold": 2.0, "decision_type": "<=",
                    "internal_value": 1.0, "left_child": leaf(0.5), "right_child": leaf(2.0),
                },
            }},
            {"tree_structure": {
                "split_feature": 1, "threshold": 0.0, "decision_type": "<=", "internal_value": 0.1,
                "left_child": leaf(-0.2), "right_child": leaf(0.3),
            }},
        ]
    }  # fmt: skip


def test_trees_score_each_row_by_its_path_and_explain_it() -> None:
    trees = TreeModel.from_dict(TreeModel.from_lightgbm(stump_dump(), ("a", "b")).to_dict())
    rows = np.array([[0.2, 5.0], [0.9, 1.0], [0.9, 3.0], [0.5, -1.0]])
    assert trees.logits(rows) == pytest.approx([-1.0 + 0.3, 0.5 + 0.3, 2.0 + 0.3, -1.0 - 0.2])
    parts = trees.contributions(rows[2])
    # tree 1: root 0.0 -> (a) 1.0 -> (b) 2.0; tree 2: root 0.1 -> (b) 0.3
    assert parts == {"a": pytest.approx(1.0), "b": pytest.approx(1.0 + 0.2)}
    assert trees.base == pytest.approx(0.1)
    assert trees.base + sum(parts.values()) == pytest.approx(trees.logits(rows[2:3])[0])


def test_only_plain_splits_are_read() -> None:
    dump = stump_dump()
    dump["tree_info"][1]["tree_structure"]["decision_type"] = "=="
    with pytest.raises(ValueError, match="unsupported split"):
        TreeModel.from_lightgbm(dump, ("a", "b"))


def test_calibrated_trees_give_probabilities_and_survive_the_file(tmp_path: Path) -> None:
    trees = TreeModel.from_lightgbm(stump_dump(), ("a", "b"))
    calibrated = CalibratedModel(trees, 2.0, -1.0)
    rows = np.array([[0.2, 5.0], [0.9, 3.0]])
    expected = 1.0 / (1.0 + np.exp(-(2.0 * trees.logits(rows) - 1.0)))
    assert calibrated.probabilities(rows) == pytest.approx(expected)
    parts = calibrated.contributions(rows[1])
    assert calibrated.base + sum(parts.values()) == pytest.approx(calibrated.logits(rows[1:])[0])
    fitted = Fitted(50, {}, {}, {}, {"zh": calibrated, "en": model()}, 0.6, {})
    write_fitted(fitted, tmp_path / "f.json")
    load_fitted.cache_clear()
    again = load_fitted(tmp_path / "f.json").sentences
    assert isinstance(again["zh"], CalibratedModel) and isinstance(again["en"], LinearModel)
    assert again["zh"].probabilities(rows) == pytest.approx(expected)


def test_scoring_by_tables_reaches_the_leaves_walking_does() -> None:
    fitted = load_fitted(FITTED_PATH)
    models = [
        fitted.ranker["zh"],
        fitted.ranker["en"],
        TreeModel.from_lightgbm(stump_dump(), ("a", "b")),
    ]
    models += [m.model for m in fitted.sentences.values() if isinstance(m, CalibratedModel)]
    rng = np.random.default_rng(0)
    for m in [m for m in models if isinstance(m, TreeModel)]:
        assert m._tables is not None
        rows = rng.normal(size=(64, len(m.names))) * 2
        rows[::7] = m.threshold[0]  # rows on a split point go left, as when walking
        assert m.logits(rows) == pytest.approx(m._walk(rows))


def test_trees_too_big_for_tables_are_walked() -> None:
    chain = {"leaf_value": 0.0}
    for depth in range(12):  # one tree of 12 splits on feature 0: 4,096 outcomes
        chain = {
            "split_feature": 0, "threshold": float(depth), "decision_type": "<=",
            "internal_value": 0.0, "left_child": {"leaf_value": float(depth + 1)},
            "right_child": chain,
        }  # fmt: skip
    trees = TreeModel.from_lightgbm({"tree_info": [{"tree_structure": chain}]}, ("a",))
    assert trees._tables is None
    assert trees.logits(np.array([[-1.0], [20.0]])) == pytest.approx([12.0, 0.0])
