"""Run by tests/index/test_ray.py inside a network namespace with only loopback: index a
folder twice, locally and on a local Ray runtime, with the hashing embedders."""

from __future__ import annotations

import sys
from pathlib import Path

from index.embedder import HashingEmbedder
from index.pipeline import ingest
from index.ray_embedder import RayPool, recipe

corpus, local, remote = (Path(a) for a in sys.argv[1:4])
ingest([corpus], local, HashingEmbedder(64), cross=HashingEmbedder(32))
recipes = {
    "main": recipe(HashingEmbedder, dimension=64),
    "cross": recipe(HashingEmbedder, dimension=32),
}
with RayPool("auto", recipes, workers=2) as pool:
    main, cross = pool.embedders()
    report = ingest([corpus], remote, main, cross=cross)
    print(f"ray: {report.chunks_embedded} chunks embedded on {pool.workers} workers")
