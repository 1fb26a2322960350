"""A citeqa server over an index built with the tests' hashing embedders, run as its own
process (so a test can kill -9 it): ``python hashing_server.py INDEX WORK_DIR PORT [SLOW]``,
where SLOW is seconds added to every group of questions. Listens on 127.0.0.1 only."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import uvicorn

from api.app import create_app
from api.settings import Settings
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from qa.service import QAService

KEY = "test-key-4f1c2b"


def main(index: Path, work_dir: Path, port: int, slow: float) -> None:
    cross = HashingEmbedder(32)
    service = QAService(open_snapshot(index), HashingEmbedder(64), cross, cross, answer_at={})
    ask_many = service.ask_many

    def slowly(questions: Any, k: int = 5) -> Any:
        time.sleep(slow)
        return ask_many(questions, k)

    service.ask_many = slowly  # type: ignore[method-assign]
    settings = Settings(_env_file=None, work_dir=work_dir, api_keys=[KEY])  # type: ignore[call-arg]
    uvicorn.run(
        create_app(settings, service=service),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=False,  # as citeqa serve runs it (api.app.uvicorn_options)
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
