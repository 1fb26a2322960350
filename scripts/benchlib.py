"""Small helpers the benchmark scripts share: a free loopback port, a process's peak memory,
waiting for a server to be ready, stopping it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory so far (VmHWM), in MB; None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    (line,) = [x for x in status.splitlines() if x.startswith("VmHWM:")]
    return round(int(line.split()[1]) / 1024, 1)


def wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Until ``url``/readyz answers 200; SystemExit with the log's end if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 30 s."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
