"""HTTP benchmark: requests/s and latency of POST /v1/search and /v1/ask over loopback, with
the in-process (no HTTP) latency of the same calls beside them, so the HTTP cost is visible.

    python scripts/bench_http.py --index .cache/eval/drcd [--duration 20] [--clients 1 4]
    python scripts/bench_http.py --fake-embedder --duration 1    # smoke mode, see below

The server runs in its own process (``citeqa serve`` on 127.0.0.1, a free port); this process
drives it with concurrent clients for a fixed time per row (and at most --max-requests), then
stops it and times the same calls in process. Writes ``results/bench_http.md`` (and .json).
Run it by hand on an otherwise idle machine; it is not a test.

Smoke mode (--fake-embedder) indexes data/sample/ with the hashing test embedder in a
temporary folder and serves that: it checks that the script runs end to end in seconds,
without loading a model. Its numbers mean nothing and go to a temporary file unless --out is
given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from benchlib import free_port, peak_rss_mb, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.summary import describe  # noqa: E402
from qa.batch_io import read_questions  # noqa: E402
from qa.service import QAService  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
K = 5
QUESTIONS = [
    "煤炭产业占工业比重下降到多少",
    "高新技术产业占比提高到多少",
    "晉城培育了哪些新動能",
    "鶴壁市是怎樣推進產業轉型升級的",
    "How did the city cut its dependence on coal?",
    "What new industries did Jincheng develop?",
    "固定资产投资增长了多少",
    "政府工作报告提出了哪些重点项目",
]
ENDPOINTS = {"search": "/v1/search", "ask": "/v1/ask"}


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    if len(samples) == 1:
        return {
            "p50": round(samples[0], 1),
            "p95": round(samples[0], 1),
            "p99": round(samples[0], 1),
        }
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def questions_for(args: argparse.Namespace) -> list[str]:
    if args.questions:
        found, _ = read_questions(args.questions)
        return [q.question for q in found]
    zh, en = EVAL / "drcd" / "queries.jsonl", EVAL / "xquad" / "queries.en.jsonl"
    if args.fake_embedder or not (zh.exists() and en.exists()):
        return QUESTIONS
    pick = [
        json.loads(line)["question"]
        for path in (zh, en)
        for line in path.read_text(encoding="utf-8").splitlines()[100:150]
    ]
    return pick or QUESTIONS


def start_server(
    args: argparse.Namespace, index: Path, port: int, log: Path
) -> subprocess.Popen[bytes]:
    if args.fake_embedder:
        command = [sys.executable, __file__, "--serve-fake", str(index), "--port", str(port)]
    else:
        command = [sys.executable, "-m", "api", "serve", "--index", str(index)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


async def drive(
    url: str, path: str, questions: list[str], clients: int, duration: float, max_requests: int
) -> dict[str, Any]:
    """``clients`` concurrent loops for ``duration`` seconds (at most ``max_requests`` in all)."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        for q in questions[:3]:  # warm up
            await client.post(path, json={"question": q, "k": K})
        started = time.perf_counter()
        deadline = started + duration

        async def loop(offset: int) -> None:
            nonlocal errors, sent
            i = offset
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                body = {"question": questions[i % len(questions)], "k": K}
                i += clients
                t0 = time.perf_counter()
                try:
                    response = await client.post(path, json=body)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors += 1

        await asyncio.gather(*(loop(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies) + errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "errors": errors,
        "ms": percentiles(latencies),
    }


def in_process(
    service: QAService, questions: list[str], rounds: int
) -> dict[str, dict[str, float]]:
    calls: dict[str, Callable[[str], object]] = {
        "search": lambda q: service.search(q, K),
        "ask": lambda q: service.ask(q, K),
    }
    out = {}
    for name, call in calls.items():
        for q in questions[:3]:
            call(q)
        times = []
        for i in range(rounds):
            t0 = time.perf_counter()
            call(questions[i % len(questions)])
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = percentiles(times)
    return out


def open_fake(index: Path) -> QAService:
    """The index as built by smoke mode: hashing embedders of the manifest's dimensions."""
    from index.embedder import HashingEmbedder
    from index.folder import open_snapshot

    snapshot = open_snapshot(index)
    cross = HashingEmbedder(snapshot.manifest.cross_dimension or 32)
    return QAService(snapshot, HashingEmbedder(snapshot.manifest.dimension), cross, cross)


def open_real(index: Path) -> QAService:
    from api.settings import get_settings, open_index

    service = open_index(get_settings(), index)
    service.load()
    return service


def serve_fake(index: Path, port: int) -> None:
    """(Smoke mode's server process.) Serve ``index`` with hashing embedders."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(_env_file=None, index=index), service=open_fake(index))  # type: ignore[call-arg]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def build_fake_index(folder: Path) -> Path:
    from index.embedder import HashingEmbedder
    from index.pipeline import ingest

    ingest([ROOT / "data" / "sample"], folder, HashingEmbedder(64), cross=HashingEmbedder(32))
    return folder


def report(results: dict[str, Any]) -> str:
    mode = " — SMOKE MODE (hashing embedder, numbers mean nothing)" if results["smoke"] else ""
    lines = [
        f"# HTTP benchmark{mode}",
        "",
        f"Index: {results['documents']} documents, {results['chunks']} chunks ({results['index']}); "
        f"{results['questions']} questions in turn, k = {K}; {results['duration']} s per row; "
        f"{os.cpu_count()} cores; server and clients on 127.0.0.1 in separate processes. "
        "In process: the same calls on QAService, one at a time, no HTTP.",
        "",
        "| endpoint | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| in-process p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ENDPOINTS:
        local = results["in_process"][name]
        for row in results["http"][name]:
            ms = row["ms"]
            lines.append(
                f"| /v1/{name} | {row['clients']} | {row['requests']} | {row['rps']} | {ms['p50']} "
                f"| {ms['p95']} | {ms['p99']} | {row['errors']} "
                f"| {local['p50']} / {local['p95']} / {local['p99']} |"
            )
    rss = results.get("server_peak_rss_mb")
    lines += ["", f"Peak resident memory of the server process (VmHWM): {rss} MB."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="a real index (not needed with --fake-embedder)")
    parser.add_argument("--fake-embedder", action="store_true", help="smoke mode, see above")
    parser.add_argument("--questions", type=Path, help="questions (.txt/.csv/.jsonl)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per row")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4], help="concurrency levels")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per row")
    parser.add_argument("--rounds", type=int, default=200, help="in-process calls per endpoint")
    parser.add_argument("--ready-timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--serve-fake", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_fake:
        serve_fake(args.serve_fake, args.port)
        return
    if not args.fake_embedder and not args.index:
        parser.error("give --index INDEX (or --fake-embedder for a smoke run)")
    duration = min(args.duration, 600.0)

    with tempfile.TemporaryDirectory(prefix="citeqa-bench-http-") as tmp:
        index = build_fake_index(Path(tmp) / "idx") if args.fake_embedder else args.index
        out = args.out or (
            Path(tmp).parent / "bench_http.smoke.md"
            if args.fake_embedder
            else ROOT / "results" / "bench_http.md"
        )
        questions = questions_for(args)
        port, log = free_port(), Path(tmp) / "server.log"
        url = f"http://127.0.0.1:{port}"
        server = start_server(args, index, port, log)
        try:
            wait_ready(url, server, log, args.ready_timeout)
            http = {
                name: [
                    asyncio.run(drive(url, path, questions, c, duration, args.max_requests))
                    for c in args.clients
                ]
                for name, path in ENDPOINTS.items()
            }
            server_peak = peak_rss_mb(server.pid)
        finally:
            stop(server)
        service = open_fake(index) if args.fake_embedder else open_real(index)
        try:
            local = in_process(service, questions, args.rounds)
        finally:
            service.close()
        summary = describe(index)

    results = {
        "smoke": args.fake_embedder,
        "index": "data/sample (temporary)" if args.fake_embedder else str(args.index),
        "documents": summary["documents"],
        "chunks": summary["chunks"],
        "questions": len(questions),
        "duration": duration,
        "http": http,
        "server_peak_rss_mb": server_peak,
        "in_process": local,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = report(results)
    out.write_text(text, encoding="utf-8")
    print(text + f"\nwritten to {out}")


if __name__ == "__main__":
    main()
