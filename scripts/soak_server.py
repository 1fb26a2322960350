"""What the soak (scripts/soak.py) and its fault runs share: the server they drive (started
on 127.0.0.1, waited for, stopped), the key it accepts, and the marked documents the writer
uploads and the clients ask about."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from benchlib import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
SOAK = str(Path(__file__).with_name("soak.py"))  # its hidden flags start the smoke mode's parts

KEY = "soak-key-0f9e8d7c"
AUTH = {"Authorization": f"Bearer {KEY}"}
QUESTIONS = ROOT / "data" / "sample-questions.jsonl"
FILLER = (
    "该项目由市发展改革委牵头推进，计划分三期建设。一期工程包括研发楼、中试基地和配套设施。"
    "项目建成后将带动上下游企业集聚发展，形成新的增长点。"
)


def marker_text(n: int) -> str:
    """An upload only questions about ``n`` find: its facts name the number."""
    return (
        f"量子实验室第{n}号项目简报\n第{n}号量子实验室设在创新大厦第{n % 40 + 1}层，"
        f"由{n}名研究人员组成，年度经费为{n * 7}万元。\n" + FILLER * 3
    )


def marker_question(n: int) -> str:
    return f"第{n}号量子实验室设在哪里，有多少名研究人员？"


def server_command(args: argparse.Namespace, index: Path, port: int) -> list[str]:
    if args.fake_embedder:
        return [sys.executable, SOAK, "--serve-fake", str(index), "--port", str(port)]
    return [sys.executable, "-m", "api", "serve", "--index", str(index), "--host", "127.0.0.1",
            "--port", str(port)]  # fmt: skip


@contextmanager
def running(
    args: argparse.Namespace, index: Path, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "CITEQA_API_KEYS": KEY}
    with log.open("ab") as out:
        server = subprocess.Popen(
            server_command(args, index, port), cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, server, log, 300)
        yield url, server
    finally:
        if server.poll() is None:
            stop(server)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [x for x in status.splitlines() if x.startswith("VmRSS:")]
    return round(int(line.split()[1]) / 1024, 1)


def serve_fake(index: Path, port: int) -> None:
    """(Smoke mode's server process.) Serve ``index`` with hashing embedders."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings
    from index.embedder import HashingEmbedder
    from index.folder import open_snapshot
    from qa.service import QAService

    cross = HashingEmbedder(32)
    service = QAService(open_snapshot(index), HashingEmbedder(64), cross, cross, answer_at={})
    settings = Settings(_env_file=None, index=index, api_keys=[KEY])  # type: ignore[call-arg]
    uvicorn.run(create_app(settings, service=service), host="127.0.0.1", port=port,
                log_level="warning", proxy_headers=False)  # fmt: skip


def until_finished(http: httpx.Client, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled", "interrupted"):
            return dict(job)
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


def sample_rss(pid: int, until: float, peak: list[float]) -> None:
    """The server's resident memory every half second until ``until``, into ``peak``."""
    while time.monotonic() < until:
        try:
            peak.append(rss_mb(pid))
        except (OSError, ValueError):
            return
        time.sleep(0.5)
