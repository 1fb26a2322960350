from __future__ import annotations

import numpy as np
import pytest

from qa.rerank import DOCUMENT_FEATURES, NO_OTHER_CHUNK, document_features


def test_each_candidate_reads_what_the_pool_holds_of_its_document() -> None:
    fused = np.array([3.0, 2.0, 1.0, 0.5])
    cols = document_features(["a", "b", "a", "c"], fused)
    assert cols.shape == (4, len(DOCUMENT_FEATURES))
    chunks, gap = cols[:, 0], cols[:, 1]
    assert chunks == pytest.approx(np.log1p([1, 0, 1, 0]))
    # a's other chunk is 2 behind the best; b and c have none
    assert gap == pytest.approx([1.0 - 3.0, NO_OTHER_CHUNK, 0.0, NO_OTHER_CHUNK])


def test_a_lone_chunk_does_not_move_with_the_pools_last_candidate() -> None:
    # exact search, approximate search and Milvus may differ in the pool's last candidate;
    # the candidates whose documents have one chunk in the pool must read the same regardless
    ids = ["a", "b", "a", "c"]
    one = document_features(ids, np.array([3.0, 2.0, 1.0, 0.5]))
    other = document_features(ids, np.array([3.0, 2.0, 1.0, 0.2]))
    assert one[1].tolist() == other[1].tolist()


def test_a_pool_of_one_has_no_other_chunks() -> None:
    cols = document_features(["a"], np.array([1.5]))
    assert cols.tolist() == [[0.0, NO_OTHER_CHUNK]]
