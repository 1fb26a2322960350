"""Bulk embedding on Ray (index/ray_embedder.py). Ray runs on this machine only, inside a
network namespace that has nothing but loopback (Ray would otherwise advertise the machine's
own address), started and stopped by each test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.folder import open_snapshot
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[2]


def _loopback_only(command: list[str]) -> list[str]:
    """``command`` run in a new network namespace with only the loopback interface up."""
    script = "ip link set lo up && exec " + " ".join(f"'{c}'" for c in command)
    return ["unshare", "--net", "--", "sh", "-c", script]


@pytest.fixture(scope="module")
def namespace() -> None:
    """Skip unless Ray is installed and a network namespace can be made (root)."""
    pytest.importorskip("ray")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    probe = subprocess.run(_loopback_only(["true"]), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here (root only): {probe.stderr.strip()}")


def _run(command: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run(
        _loopback_only(command), capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _chunks_and_vectors(folder: Path) -> tuple[list[tuple[str, int, str]], np.ndarray, np.ndarray]:
    snapshot = open_snapshot(folder)
    try:
        assert snapshot.vectors is not None and snapshot.cross is not None
        chunks = snapshot.store.chunks(snapshot.row_ids.tolist())
        keys = [(c.chunk.doc_id, c.chunk.ordinal, c.chunk.text) for c in chunks]
        return keys, snapshot.vectors.matrix.copy(), snapshot.cross.matrix.copy()
    finally:
        snapshot.close()


def _assert_same_index(local: Path, remote: Path) -> None:
    mine, dense, cross = _chunks_and_vectors(local)
    theirs, ray_dense, ray_cross = _chunks_and_vectors(remote)
    assert theirs == mine and len(mine) > 100
    for a, b in ((dense, ray_dense), (cross, ray_cross)):
        cosines = np.einsum("nd,nd->n", a, b) / (
            np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        )
        assert cosines.min() >= 0.9999


@pytest.mark.slow
def test_an_index_embedded_on_ray_is_the_local_one(namespace: None, tmp_path: Path) -> None:
    done = _run(
        [
            sys.executable,
            str(ROOT / "tests/index/ray_ingest.py"),
            str(SEEDS),
            str(tmp_path / "local"),
            str(tmp_path / "ray"),
        ]  # fmt: skip
    )
    assert "chunks embedded on 2 workers" in done.stdout
    _assert_same_index(tmp_path / "local", tmp_path / "ray")


@pytest.mark.slow
@pytest.mark.model
def test_citeqa_index_with_ray_auto_gives_the_local_index(namespace: None, tmp_path: Path) -> None:
    citeqa = [sys.executable, "-m", "api"]
    _run([*citeqa, "index", str(SEEDS), "--index", str(tmp_path / "local"), "--quiet"])
    done = _run(
        [*citeqa, "index", str(SEEDS), "--index", str(tmp_path / "ray"), "--ray", "auto", "-q"]
    )
    assert "chunks embedded" in done.stdout
    _assert_same_index(tmp_path / "local", tmp_path / "ray")


@pytest.mark.parametrize(
    ("address", "told"),
    [("127.0.0.1:1", "cannot reach a Ray cluster at 127.0.0.1:1"),
     ("ray://127.0.0.1:1", "cannot reach a Ray cluster"),
     ("nonsense", "is not a Ray address")],
)  # fmt: skip
def test_a_cluster_that_is_not_there_is_told_at_once(address: str, told: str) -> None:
    pytest.importorskip("ray")
    from index.errors import ClusterError
    from index.ray_embedder import RayPool

    with pytest.raises(ClusterError, match=told):
        RayPool(address, {})
