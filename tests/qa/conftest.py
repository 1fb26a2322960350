from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.pipeline import ingest
from qa.service import QAService


@pytest.fixture
def service(corpus: Path, tmp_path: Path) -> QAService:
    """The tiny corpus indexed with hashing embedders (64-dim main, 32-dim cross)."""
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([corpus], tmp_path / "idx", main, cross=cross)
    return QAService(open_snapshot(tmp_path / "idx"), main, cross, cross)
