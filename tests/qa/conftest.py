from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.pipeline import ingest
from index.roles import answer_sentences, role_of
from qa.cite import ScoredSentence
from qa.service import QAService


@pytest.fixture
def service(corpus: Path, tmp_path: Path) -> QAService:
    """The tiny corpus indexed with hashing embedders (64-dim main, 32-dim cross)."""
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([corpus], tmp_path / "idx", main, cross=cross)
    return QAService(open_snapshot(tmp_path / "idx"), main, cross, cross)


def scored(
    text: str, scores: dict[str, float], n: int = 1, default: float = 0.1
) -> list[ScoredSentence]:
    """The passage's sentences as the answer step sees them, of citation ``n``; a sentence
    scores what ``scores`` gives the first key it contains (else ``default``), as a
    word-sharing scorer would."""
    out = []
    for i, (a, b) in enumerate(answer_sentences(text)):
        sentence = text[a:b]
        score = next((v for k, v in scores.items() if k in sentence), default)
        out.append(
            ScoredSentence(n, sentence, score, role=role_of(sentence, first=i == 0), span=(a, b))
        )
    return out
