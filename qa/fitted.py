"""The parameters citeqa learned from the fitting parts of the public sets, shipped as one
small JSON file (``qa/fitted.json``, written by ``scripts/fit_ranker.py``): the second-stage
ranker, the abstention model with its thresholds, and the answer-sentence scorer, each per
question language. Each is a logistic model over standardised features or, for the ranker and
the sentence scorer where measurement picks them, gradient-boosted trees (LightGBM LambdaRank,
stored as plain arrays; the sentence scorer's scores become probabilities through a fitted
line). Applying any of them is numpy, and every feature's contribution to a score can be
shown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

FITTED_PATH = Path(__file__).with_name("fitted.json")


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits."""
    return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class LinearModel:
    """``logit = intercept + sum(coef * (x - mean) / scale)`` over the named features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """One logit per row of a (n, len(names)) matrix."""
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(rows))

    @property
    def base(self) -> float:
        """The logit before any feature's contribution."""
        return self.intercept

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        """What each feature of one row adds to its logit (they sum to logit - intercept)."""
        parts = (row - self.mean) / self.scale * self.coef
        return {name: float(v) for name, v in zip(self.names, parts, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "linear",
            "names": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        names = tuple(data["names"])
        arrays = [np.asarray(data[k], dtype=np.float32) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(names),) for a in arrays):
            raise ValueError(f"mean, scale and coef must each have {len(names)} values")
        return cls(names, arrays[0], arrays[1], arrays[2], float(data["intercept"]))


@dataclass(frozen=True)
class TreeModel:
    """Regression trees whose leaf values add up to the score (LightGBM's dump, flattened).

    Node arrays hold, for every node of every tree, its split feature (-1 at a leaf), the
    threshold (go left when ``x <= threshold``), its children and its value (the leaf value,
    or the internal value LightGBM records for a split node). ``roots`` index each tree's first
    node. A feature's contribution is the change in value along each tree's path at its splits
    (Saabas), so contributions plus the roots' values add up to the score. Trees of up to ten
    splits are scored through tables of their leaves (``_LeafTables``), about five times as
    fast as walking them; bigger ones are walked."""

    names: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray

    def _walk(self, rows: np.ndarray, contributions: np.ndarray | None = None) -> np.ndarray:
        nodes = np.broadcast_to(self.roots, (len(rows), len(self.roots))).copy()
        index = np.arange(len(rows))[:, None]
        while True:
            feature = self.feature[nodes]
            inner = feature >= 0
            if not inner.any():
                return self.value[nodes].sum(axis=1)
            x = rows[index, np.maximum(feature, 0)]
            step = np.where(x <= self.threshold[nodes], self.left[nodes], self.right[nodes])
            step = np.where(inner, step, nodes)
            if contributions is not None:
                gain = np.where(inner, self.value[step] - self.value[nodes], 0.0)
                np.add.at(
                    contributions,
                    (np.broadcast_to(index, nodes.shape), np.maximum(feature, 0)),
                    gain,
                )
            nodes = step

    def logits(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64)
        tables = self._tables
        if tables is None:
            return self._walk(rows)
        # every split of every tree at once: which way each goes, as one code per tree
        went_left = rows[:, tables.feature] <= tables.threshold  # (rows, trees, splits)
        codes = went_left.astype(np.intp) @ tables.bits
        return tables.leaf[np.arange(len(self.roots)), codes].sum(axis=1)

    @cached_property
    def _tables(self) -> _LeafTables | None:
        return _LeafTables.of(self)

    @property
    def base(self) -> float:
        """The score before any feature's contribution: the sum of the trees' root values."""
        return float(self.value[self.roots].sum())

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        parts = np.zeros((1, len(self.names)))
        self._walk(np.asarray(row, dtype=np.float64)[None, :], parts)
        return {name: float(v) for name, v in zip(self.names, parts[0], strict=True)}

    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any], names: Sequence[str]) -> TreeModel:
        """From ``Booster.dump_model()`` of a model trained on the columns ``names``."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []

        def add(node: dict[str, Any]) -> int:
            at = len(feature)
            feature.append(-1)
            threshold.append(0.0)
            left.append(at)
            right.append(at)
            value.append(float(node.get("leaf_value", node.get("internal_value", 0.0))))
            if "split_feature" in node:
                if node.get("decision_type", "<=") != "<=":
                    raise ValueError(f"unsupported split {node['decision_type']!r}")
                feature[at] = int(node["split_feature"])
                threshold[at] = float(node["threshold"])
                left[at] = add(node["left_child"])
                right[at] = add(node["right_child"])
            return at

        roots = [add(tree["tree_structure"]) for tree in dump["tree_info"]]
        return cls(
            tuple(names), np.array(feature, np.int32), np.array(threshold), np.array(left, np.int32),
            np.array(right, np.int32), np.array(value), np.array(roots, np.int32),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "trees",
            "names": list(self.names),
            "feature": self.feature.tolist(),
            "threshold": [float(f"{v:.7g}") for v in self.threshold],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [float(f"{v:.7g}") for v in self.value],
            "roots": self.roots.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeModel:
        ints = {
            k: np.asarray(data[k], dtype=np.int32) for k in ("feature", "left", "right", "roots")
        }
        floats = {k: np.asarray(data[k], dtype=np.float64) for k in ("threshold", "value")}
        n = len(ints["feature"])
        arrays: list[np.ndarray] = [
            floats["threshold"],
            floats["value"],
            ints["left"],
            ints["right"],
        ]
        if any(len(a) != n for a in arrays):
            raise ValueError("tree node arrays differ in length")
        return cls(
            tuple(data["names"]), ints["feature"], floats["threshold"], ints["left"],
            ints["right"], floats["value"], ints["roots"],
        )  # fmt: skip


@dataclass(frozen=True)
class _LeafTables:
    """Small trees scored without walking them: a tree of k splits reaches the same leaf for
    every row whose k split tests come out alike, so a table over the 2**k outcomes gives its
    value. Tree t's split s tests ``x[feature[t, s]] <= threshold[t, s]`` (unused slots test
    +inf and never matter); ``leaf[t, code]`` is the value reached when the tests' outcomes,
    as bits, make ``code``."""

    feature: np.ndarray  # (trees, k) int
    threshold: np.ndarray  # (trees, k) float
    bits: np.ndarray  # (k,) powers of two
    leaf: np.ndarray  # (trees, 2**k) float

    MAX_SPLITS = 10  # a table of 1,024 values per tree; bigger trees are walked

    @classmethod
    def of(cls, model: TreeModel) -> _LeafTables | None:
        ends = np.append(model.roots[1:], len(model.feature))
        splits = [
            np.flatnonzero(model.feature[a:b] >= 0) + a
            for a, b in zip(model.roots, ends, strict=True)
        ]
        k = max((len(x) for x in splits), default=0)
        if k > cls.MAX_SPLITS:
            return None
        trees = len(model.roots)
        feature = np.zeros((trees, k), np.intp)
        threshold = np.full((trees, k), np.inf)
        slot = np.zeros(len(model.feature), np.intp)  # a split node's place among its tree's
        for t, nodes in enumerate(splits):
            feature[t, : len(nodes)] = model.feature[nodes]
            threshold[t, : len(nodes)] = model.threshold[nodes]
            slot[nodes] = np.arange(len(nodes))
        codes = np.arange(2**k)
        nodes = np.broadcast_to(model.roots[:, None], (trees, 2**k)).copy()
        while (inner := model.feature[nodes] >= 0).any():
            left = (codes >> slot[nodes]) & 1
            step = np.where(left == 1, model.left[nodes], model.right[nodes])
            nodes = np.where(inner, step, nodes)
        return cls(feature, threshold, 2 ** np.arange(k), model.value[nodes])


Model = LinearModel | TreeModel


def model_from_dict(data: dict[str, Any]) -> Model:
    return TreeModel.from_dict(data) if data.get("kind") == "trees" else LinearModel.from_dict(data)


@dataclass(frozen=True)
class CalibratedModel:
    """A ranking model whose scores a fitted line turns into probabilities:
    ``logit = slope * score + intercept`` (Platt scaling, fitted on scores the model gave to
    questions it was not trained on)."""

    model: Model
    slope: float
    intercept: float

    @property
    def names(self) -> tuple[str, ...]:
        return self.model.names

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return self.slope * self.model.logits(rows) + self.intercept

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(rows))

    @property
    def base(self) -> float:
        return self.slope * self.model.base + self.intercept

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        return {k: self.slope * v for k, v in self.model.contributions(row).items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "calibrated",
            "slope": round(float(self.slope), 6),
            "intercept": round(float(self.intercept), 6),
            "model": self.model.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalibratedModel:
        return cls(model_from_dict(data["model"]), float(data["slope"]), float(data["intercept"]))


# what scores answer sentences: anything that gives probabilities
SentenceModel = LinearModel | CalibratedModel


def sentence_model_from_dict(data: dict[str, Any]) -> SentenceModel:
    if data.get("kind") == "calibrated":
        return CalibratedModel.from_dict(data)
    return LinearModel.from_dict(data)


@dataclass(frozen=True)
class Fitted:
    """Everything fitted, by question language ("zh", "en")."""

    pool: int  # how many first-stage candidates the second stage re-scores
    ranker: dict[str, Model]
    confidence: dict[str, LinearModel]
    answer_at: dict[str, float]  # confidence at or above which citeqa answers
    sentences: dict[str, SentenceModel]
    further_sentence_at: float  # probability a second or third answer sentence needs
    provenance: dict[str, Any]
    # how much the best answer sentence's log-odds counts in the order of the cited passages
    # (qa/reorder.py); none for a language: the second stage's order stands
    sentence_weight: dict[str, float] = field(default_factory=dict)
    # how many of the first passages the reader reads (qa/reader.py; 0: none) and how much its
    # logit counts in their order, per language
    reader_depth: int = 0
    reader_weight: dict[str, float] = field(default_factory=dict)
    # read only when the first passage's score is below this, per language (none: always):
    # where the second stage is sure, reading changes little and costs the most time
    reader_below: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool": self.pool,
            "ranker": {k: m.to_dict() for k, m in self.ranker.items()},
            "confidence": {k: m.to_dict() for k, m in self.confidence.items()},
            "answer_at": {k: round(v, 6) for k, v in self.answer_at.items()},
            "sentences": {k: m.to_dict() for k, m in self.sentences.items()},
            "further_sentence_at": round(self.further_sentence_at, 6),
            "sentence_weight": {k: round(v, 6) for k, v in self.sentence_weight.items()},
            "reader_depth": self.reader_depth,
            "reader_weight": {k: round(v, 6) for k, v in self.reader_weight.items()},
            "reader_below": {k: round(v, 6) for k, v in self.reader_below.items()},
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fitted:
        return cls(
            pool=int(data["pool"]),
            ranker={lang: model_from_dict(m) for lang, m in data["ranker"].items()},
            confidence={lang: LinearModel.from_dict(m) for lang, m in data["confidence"].items()},
            answer_at={k: float(v) for k, v in data["answer_at"].items()},
            sentences={lang: sentence_model_from_dict(m) for lang, m in data["sentences"].items()},
            further_sentence_at=float(data["further_sentence_at"]),
            provenance=dict(data.get("provenance", {})),
            sentence_weight={k: float(v) for k, v in data.get("sentence_weight", {}).items()},
            reader_depth=int(data.get("reader_depth", 0)),
            reader_weight={k: float(v) for k, v in data.get("reader_weight", {}).items()},
            reader_below={k: float(v) for k, v in data.get("reader_below", {}).items()},
        )


def write_fitted(fitted: Fitted, path: Path = FITTED_PATH) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(_layout(fitted.to_dict()) + "\n", encoding="utf-8")
    tmp.replace(path)


def _layout(value: Any, depth: int = 0) -> str:
    """JSON with one key per line and each list of numbers on one line: a refit's diff shows
    which parameters changed, at half the size of one number per line."""
    pad = " " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {_layout(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [pad + _layout(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@cache
def load_fitted(path: Path = FITTED_PATH) -> Fitted:
    """The shipped parameters (read once per process)."""
    try:
        return Fitted.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"could not read the fitted ranking parameters at {path}: {exc}. Reinstall citeqa, "
            "or regenerate the file with: python scripts/fit_ranker.py"
        ) from exc
