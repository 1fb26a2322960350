"""Soak and fault runs: a real server under sustained mixed load with writes going on, then
killed mid-upload and mid-job, then writing to a full disk.

    python scripts/soak.py [--index data/sample-index] [--duration 120] [--clients 32]
    python scripts/soak.py --fake-embedder --duration 5 --no-disk   # smoke run, see below

Load: ``citeqa serve`` on 127.0.0.1 (a free port) over a copy of the index; --clients threads
mix POST /v1/search, /v1/ask, streamed /v1/chat/completions and small /v1/jobs (polled,
results downloaded), a quarter of their questions about documents the writer uploads and
deletes every few seconds; beside them --hostile callers (scripts/soak_hostile.py: 40 MB
bodies, forged X-Forwarded-For, costly embeddings, held /mcp streams, formula documents,
uploads that amplify; --hostile 0 for a run without them). Reported: requests and errors by status (5xx must be 0), p50/p99
per kind, answers citing a document whose deletion had completed before the request was sent
(must be 0), and the server's resident memory at start, after warm-up, at the end of the load
and after a quiet spell, and its peak; each hostile request's outcome, and the cells of the
formula document's CSV results a spreadsheet would read as formulas (must be 0).

Faults: the server is killed (SIGKILL) while it indexes an upload and while it answers a long
question list, and started again on the same folder: the index must open with every document
whole or absent, the upload's job must say ``interrupted`` (or have finished) and the list
must resume and finish with every question answered once. Last, ``citeqa index`` writes to a
copy of the index on a small tmpfs until the disk is full (root only): it must fail with a
clear message and leave the index whole.

Writes ``results/soak.md`` (and .json). Run it by hand on an otherwise idle machine; it is
not a test. Smoke mode (--fake-embedder) serves the hashing test embedder over data/sample/
to check the script end to end in seconds; its numbers mean nothing and go to a temporary
file unless --out is given.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from soak_faults import disk_full, index_fake, kill_mid_batch, kill_mid_upload, whole_or_absent
from soak_hostile import hostile
from soak_report import report
from soak_server import (
    AUTH,
    QUESTIONS,
    marker_question,
    marker_text,
    rss_mb,
    running,
    sample_rss,
    serve_fake,
    until_finished,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Record:
    kind: str
    started: float
    seconds: float
    status: int  # HTTP status; 0 when the request failed without one
    cited: set[str] = field(default_factory=set)
    code: str = ""  # the error code of a refusal


@dataclass
class Shared:
    """What the clients and the writer share: the upload markers, and when each document's
    deletion completed."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[int, str] = field(default_factory=dict)  # marker -> doc id
    deleted: dict[str, float] = field(default_factory=dict)  # doc id -> completed at
    gone: list[int] = field(default_factory=list)  # markers of deleted documents, in order
    records: list[Record] = field(default_factory=list)
    writes: Counter[str] = field(default_factory=Counter)
    formulas: list[int] = field(default_factory=list)  # formula-like cells per hostile caller

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)

    def add_hostile(
        self, kind: str, started: float, seconds: float, status: int, code: str
    ) -> None:
        self.add(Record(kind, started, seconds, status, set(), code))


# -- load ---------------------------------------------------------------------------------


def _cited(payload: Any) -> set[str]:
    if isinstance(payload, dict):
        found = {payload["doc_id"]} if isinstance(payload.get("doc_id"), str) else set()
        for value in payload.values():
            found |= _cited(value)
        return found
    if isinstance(payload, list):
        return set().union(*(_cited(v) for v in payload)) if payload else set()
    return set()


def _question(rng: random.Random, pool: list[str], shared: Shared) -> str:
    with shared.lock:
        markers = list(shared.live) + shared.gone[-5:]  # and some just deleted
    if markers and rng.random() < 0.25:
        return marker_question(rng.choice(markers))
    return rng.choice(pool)


def client(url: str, seed: int, pool: list[str], shared: Shared, until: float) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as http:
        while time.monotonic() < until:
            kind = rng.choices(["search", "ask", "chat", "job"], [40, 30, 20, 10])[0]
            started = time.monotonic()
            status, cited, code = 0, set(), ""
            try:
                if kind in ("search", "ask"):
                    question = _question(rng, pool, shared)
                    reply = http.post(f"/v1/{kind}", json={"question": question})
                    status, cited, code = reply.status_code, _cited(reply.json()), _code(reply)
                elif kind == "chat":
                    status, cited = _chat(http, _question(rng, pool, shared))
                else:
                    questions = [_question(rng, pool, shared) for _ in range(8)]
                    status, cited, code = _job(http, questions)
            except (httpx.HTTPError, ValueError) as exc:
                status, code = 0, type(exc).__name__
            shared.add(Record(kind, started, time.monotonic() - started, status, cited, code))


def _code(reply: httpx.Response) -> str:
    """The error code of a refused request ('' for a success)."""
    if reply.status_code < 400:
        return ""
    try:
        return str(reply.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "?"


def _chat(http: httpx.Client, question: str) -> tuple[int, set[str]]:
    body = {"model": "citeqa", "stream": True, "messages": [{"role": "user", "content": question}]}
    cited: set[str] = set()
    with http.stream("POST", "/v1/chat/completions", json=body) as reply:
        for line in reply.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                cited |= _cited(json.loads(line[6:]))
        return reply.status_code, cited


def _job(http: httpx.Client, questions: list[str]) -> tuple[int, set[str], str]:
    created = http.post("/v1/jobs", json={"questions": questions})
    if created.status_code != 202:
        return created.status_code, set(), _code(created)
    job_id = created.json()["id"]
    for _ in range(600):
        job = http.get(f"/v1/jobs/{job_id}")
        if job.status_code != 200:
            return job.status_code, set(), _code(job)
        if job.json()["status"] in ("succeeded", "failed", "cancelled", "interrupted"):
            break
        time.sleep(0.2)
    results = http.get(f"/v1/jobs/{job_id}/results")
    if results.status_code != 200:
        return results.status_code, set(), _code(results)
    cited = set().union(*(_cited(json.loads(x)) for x in results.text.splitlines() if x.strip()))
    return results.status_code, cited, ""


def writer(url: str, shared: Shared, until: float, every: float) -> None:
    """Upload a marked document every ``every`` seconds and keep three: the oldest is
    deleted, and the moment its deletion completes is noted."""
    n = 0
    with httpx.Client(base_url=url, timeout=300, headers=AUTH) as http:
        while time.monotonic() < until:
            n += 1
            began = time.monotonic()
            try:
                files = [("files", (f"lab-{n}.txt", marker_text(n).encode(), "text/plain"))]
                posted = http.post("/v1/documents", files=files)
                if posted.status_code != 202:
                    shared.writes[f"upload refused ({posted.status_code} {_code(posted)})"] += 1
                    continue
                job = until_finished(http, posted.json()["id"])
                if job["status"] == "succeeded":
                    with shared.lock:
                        shared.live[n] = job["result"]["files"][0]["doc_id"]
                    shared.writes["uploads"] += 1
                else:
                    shared.writes[f"upload {job['status']}"] += 1
                with shared.lock:
                    oldest = sorted(shared.live)[:-3]
                for old in oldest:
                    doc_id = shared.live[old]
                    reply = http.delete(f"/v1/documents/{doc_id}")
                    done = time.monotonic()
                    with shared.lock:
                        del shared.live[old]
                        shared.gone.append(old)
                        if reply.status_code == 200:
                            shared.deleted[doc_id] = done
                    shared.writes["deletes" if reply.status_code == 200 else "delete failed"] += 1
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                shared.writes[f"write failed ({type(exc).__name__})"] += 1
            finally:
                time.sleep(max(0.0, every - (time.monotonic() - began)))


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        value = round(samples[0] * 1000, 1) if samples else 0.0
        return {"p50": value, "p99": value}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49] * 1000, 1), "p99": round(cuts[98] * 1000, 1)}


def soak(args: argparse.Namespace, index: Path, log: Path) -> dict[str, Any]:
    pool = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    shared = Shared()
    with running(args, index, log) as (url, server):
        memory = {"ready": rss_mb(server.pid)}
        start = time.monotonic()
        until = start + args.warmup + args.duration
        threads = [
            threading.Thread(target=client, args=(url, i, pool, shared, until), daemon=True)
            for i in range(args.clients)
        ]
        threads.append(
            threading.Thread(
                target=writer, args=(url, shared, until, args.write_every), daemon=True
            )
        )
        threads += [
            threading.Thread(
                target=hostile,
                args=(url, 1000 + i, AUTH, until, shared.add_hostile, shared.formulas),
                daemon=True,
            )  # fmt: skip
            for i in range(args.hostile)
        ]
        peak = [memory["ready"]]
        sampler = threading.Thread(target=sample_rss, args=(server.pid, until, peak), daemon=True)
        sampler.start()
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        memory["after_warmup"] = rss_mb(server.pid)
        for t in threads:
            t.join(timeout=max(1.0, until - time.monotonic() + 180))
        memory["end_of_load"] = rss_mb(server.pid)
        memory["peak"] = max([*peak, memory["end_of_load"]])
        time.sleep(args.quiet)
        memory["after_quiet"] = rss_mb(server.pid)
    normal = [r for r in shared.records if not r.kind.startswith("hostile:")]
    measured = [r for r in normal if r.started >= start + args.warmup]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in measured:
        by_kind[r.kind].append(r.seconds)
    stale = [
        r for r in shared.records
        if any(d in shared.deleted and shared.deleted[d] < r.started for d in r.cited)
    ]  # fmt: skip
    warm = memory["after_warmup"]
    return {
        "clients": args.clients,
        "seconds": args.duration,
        "warmup_seconds": args.warmup,
        "requests": len(measured),
        "requests_with_warmup": len(normal),
        "status": dict(Counter(str(r.status) for r in normal)),
        "refusals": dict(Counter(f"{r.status} {r.code}" for r in normal if r.code)),
        "hostile_callers": args.hostile,
        "hostile": dict(
            Counter(
                f"{r.kind.removeprefix('hostile:')}: {r.status} {r.code}".strip()
                for r in shared.records
                if r.kind.startswith("hostile:")
            )
        ),
        "formula_cells": sum(shared.formulas),
        "server_errors": sum(1 for r in shared.records if r.status >= 500),
        "failed_without_status": sum(1 for r in shared.records if r.status == 0),
        "latency_ms": {"all": percentiles([r.seconds for r in measured])}
        | {k: percentiles(v) for k, v in sorted(by_kind.items())},
        "requests_by_kind": {k: len(v) for k, v in sorted(by_kind.items())},
        "citations_of_deleted": len(stale),
        "writes": dict(shared.writes),
        "memory_mb": memory,
        "growth_after_warmup": round((memory["end_of_load"] - warm) / warm, 3),
        "after_quiet_vs_warmup": round((memory["after_quiet"] - warm) / warm, 3),
    }


# -- report -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "sample-index")
    parser.add_argument("--fake-embedder", action="store_true", help="smoke mode, see above")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument(
        "--quiet", type=float, default=15.0, help="seconds idle before the last RSS"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--hostile", type=int, default=4, help="hostile callers beside the clients (0: none)"
    )
    parser.add_argument("--write-every", type=float, default=3.0, help="seconds between uploads")
    parser.add_argument("--batch-questions", type=int, default=1000, help="the killed job's size")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--no-disk", action="store_true", help="skip the full-disk run")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--serve-fake", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index-fake", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        serve_fake(args.serve_fake, args.port)
        return
    if args.index_fake:
        index_fake(args.index_fake, args.into)
        return
    duration = min(args.duration, 1800.0)
    args.duration, args.clients = duration, min(args.clients, 256)  # bounded in time and count

    with tempfile.TemporaryDirectory(prefix="citeqa-soak-") as tmp:
        work = Path(tmp)
        source = args.index
        if args.fake_embedder:
            from index.embedder import HashingEmbedder
            from index.pipeline import ingest

            source = work / "fake-index"
            ingest(
                [ROOT / "data" / "sample"], source, HashingEmbedder(64), cross=HashingEmbedder(32)
            )
        elif not (source / "manifest.json").exists():
            raise SystemExit(f"no index at {source}; build it first: make demo")
        out = args.out or (
            work.parent / "soak.smoke.md" if args.fake_embedder else ROOT / "results" / "soak.md"
        )

        def fresh(name: str) -> Path:
            copy = work / name
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("jobs", "uploads"))
            return copy

        log = work / "server.log"
        documents, _ = whole_or_absent(source)
        results: dict[str, Any] = {
            "index": str(args.index if not args.fake_embedder else "data/sample (hashing)"),
            "documents": documents,
            "smoke": args.fake_embedder,
            "quiet": args.quiet,
            "soak": soak(args, fresh("soak"), log),
            "faults": {},
        }
        print(json.dumps(results["soak"], ensure_ascii=False), flush=True)
        runs: dict[str, Callable[[], dict[str, Any]]] = {}
        if not args.no_faults:
            runs["kill -9 while an upload is being indexed, then restart"] = lambda: (
                kill_mid_upload(args, fresh("upload"), log)
            )
            runs["kill -9 while a question list is answered, then restart"] = lambda: (
                kill_mid_batch(args, fresh("batch"), log)
            )
            if not args.no_disk:
                runs["citeqa index into a full disk (tmpfs)"] = lambda: disk_full(
                    args, source, work
                )
        for name, run in runs.items():
            results["faults"][name] = run()
            print(name, json.dumps(results["faults"][name], ensure_ascii=False), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report(results), encoding="utf-8")
        out.with_suffix(".json").write_text(
            json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
