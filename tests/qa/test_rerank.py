from __future__ import annotations

import numpy as np
import pytest

from qa.rerank import DOCUMENT_FEATURES, document_features


def test_each_candidate_reads_what_the_pool_holds_of_its_document() -> None:
    fused = np.array([3.0, 2.0, 1.0, 0.5])
    cols = document_features(["a", "b", "a", "c"], fused)
    assert cols.shape == (4, len(DOCUMENT_FEATURES))
    chunks, gap = cols[:, 0], cols[:, 1]
    assert chunks == pytest.approx(np.log1p([1, 0, 1, 0]))
    # a's other chunk is 2 behind the best; b and c have none, so read as the pool's last
    assert gap == pytest.approx([1.0 - 3.0, 0.5 - 3.0, 0.0, 0.5 - 3.0])


def test_a_pool_of_one_has_no_other_chunks() -> None:
    cols = document_features(["a"], np.array([1.5]))
    assert cols.tolist() == [[0.0, 0.0]]
