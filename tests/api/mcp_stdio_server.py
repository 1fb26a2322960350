"""``citeqa mcp --index INDEX`` with the hashing embedders of the tests, for the stdio test
(tests/api/test_mcp.py), which runs this file as the MCP client's subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

from api import cli
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from qa.service import QAService


def _service(index: Path | None) -> QAService:
    assert index is not None
    cross = HashingEmbedder(32)
    return QAService(open_snapshot(index), HashingEmbedder(64), cross, cross, answer_at={})


if __name__ == "__main__":
    cli._service = _service  # type: ignore[assignment]
    cli.app(["mcp", *sys.argv[1:]])
