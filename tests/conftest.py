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
