from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import HashingEmbedder

SEEDS = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder(dimension=64)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A tiny mixed-script corpus: two Simplified files, one Traditional, one in a subfolder."""
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "coal.txt").write_text(
        "一、推动传统产业转型\n一是降低煤炭依赖。2021年煤炭产业占工业比重下降到6.1%。\n"
        "二是发展新兴产业。高新技术产业占比提高至47.7%。\n",
        encoding="utf-8",
    )
    (root / "green.txt").write_text(
        "城市更新改造加快推进。全市新建公园绿地十二处，人均公园绿地面积达到18.8平方米。\n",
        encoding="utf-8",
    )
    (root / "sub" / "jincheng.txt").write_text(
        "晉城以新質生產力激活轉型勢能，培育出一批具有全國影響力的產業集群。\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def seed_text() -> callable:
    def read(prefix: str) -> str:
        (path,) = SEEDS.glob(f"{prefix}_*.txt")
        return path.read_text(encoding="utf-8")

    return read


_SLOW_INGEST = """
import sys, time
from pathlib import Path
from index.chunking import ChunkingOptions
from index.embedder import HashingEmbedder
from index.pipeline import IngestOptions, ingest

class Slow(HashingEmbedder):
    def embed(self, texts, kind):
        Path(sys.argv[3]).touch()  # tell the test that embedding is under way
        time.sleep(0.2)
        return super().embed(texts, kind)

# the options come as source from the test itself
ingest([Path(sys.argv[1])], Path(sys.argv[2]), Slow(64), IngestOptions(**eval(sys.argv[4])))
"""


@pytest.fixture
def kill_ingest_mid_embedding(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``ingest(paths, folder, options)`` with a slow hashing embedder in its own process
    and kill -9 it ``after`` seconds into embedding. ``options``: IngestOptions keyword
    arguments as Python source (``ChunkingOptions`` may appear in it)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[1]

    def run(paths: Path, folder: Path, options: str = "{}", after: float = 0.5) -> None:
        marker = tmp_path / "embedding"
        marker.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", _SLOW_INGEST, str(paths), str(folder), str(marker), options],
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the ingest never started embedding"
        time.sleep(after)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    return run
