"""The soak's fault runs (scripts/soak.py): the server killed with SIGKILL while it indexes
an upload and while it answers a long question list, then started again on the same folder;
and ``citeqa index`` writing to a small tmpfs until the disk is full (root only)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from soak_server import AUTH, QUESTIONS, ROOT, SOAK, marker_text, running, until_finished


def whole_or_absent(index: Path) -> tuple[int, list[str]]:
    """Documents of the index, and those not whole (a passage count unlike their record)."""
    from index.folder import open_snapshot

    snapshot = open_snapshot(index)
    try:
        docs = snapshot.store.documents()
        broken = [
            d.shown for d in docs if len(snapshot.store.row_ids_of_documents([d.id])) != d.n_chunks
        ]
        return len(docs), broken
    finally:
        snapshot.close()


def kill_mid_upload(args: argparse.Namespace, index: Path, log: Path) -> dict[str, Any]:
    files = [
        ("files", (f"big-{i}.txt", (marker_text(1000 + i) * 20).encode(), "text/plain"))
        for i in range(6)
    ]
    with running(args, index, log) as (url, server):
        job_id = httpx.post(f"{url}/v1/documents", files=files, headers=AUTH).json()["id"]
        seen = "queued"
        for _ in range(200):
            seen = httpx.get(f"{url}/v1/jobs/{job_id}", headers=AUTH).json()["status"]
            if seen != "queued":
                break
            time.sleep(0.05)
        time.sleep(0.3)
        server.kill()
        server.wait()
    with running(args, index, log) as (url, _):
        job = httpx.get(f"{url}/v1/jobs/{job_id}", headers=AUTH).json()
        documents = httpx.get(f"{url}/v1/documents").json()["count"]
    count, broken = whole_or_absent(index)
    return {
        "killed_while": seen,
        "job_after_restart": job["status"],
        "files": [f["status"] for f in (job.get("result") or {}).get("files", [])],
        "message": (job.get("error") or {}).get("message"),
        "documents_served": documents,
        "documents": count,
        "not_whole": broken,
        "ok": not broken and job["status"] in ("interrupted", "succeeded"),
    }


def kill_mid_batch(args: argparse.Namespace, index: Path, log: Path) -> dict[str, Any]:
    pool = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    questions = [pool[i % len(pool)] + f"（{i}）" for i in range(args.batch_questions)]
    with running(args, index, log) as (url, server):
        job_id = httpx.post(f"{url}/v1/jobs", json={"questions": questions}).json()["id"]
        done = 0
        for _ in range(3000):
            done = httpx.get(f"{url}/v1/jobs/{job_id}").json()["done"]
            if done >= min(64, len(questions) // 4):
                break
            time.sleep(0.05)
        server.kill()
        server.wait()
    started = time.monotonic()
    with running(args, index, log) as (url, _), httpx.Client(base_url=url, timeout=120) as http:
        job = until_finished(http, job_id, timeout=1800)
        lines = http.get(f"/v1/jobs/{job_id}/results").text.splitlines()
    ids = [json.loads(x)["id"] for x in lines if x.strip()]
    result = job.get("result") or {}
    return {
        "killed_at_done": done,
        "job_after_restart": job["status"],
        "resumed": result.get("resumed"),
        "answered": result.get("answered"),
        "questions": len(questions),
        "answers_once_each": len(ids) == len(set(ids)) == len(questions),
        "seconds_to_finish_after_restart": round(time.monotonic() - started, 1),
        "ok": job["status"] == "succeeded" and len(set(ids)) == len(questions),
    }


def disk_full(args: argparse.Namespace, index: Path, work: Path) -> dict[str, Any]:
    """``citeqa index`` into a copy of the index on a tmpfs a little larger than it."""
    if os.geteuid() != 0:
        return {"skipped": "needs root to mount a tmpfs"}
    mount = work / "small-disk"
    mount.mkdir()
    size_kb = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) // 1024 + 400
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        return {"skipped": f"cannot mount a tmpfs: {done.stderr.strip()}"}
    try:
        copy = mount / "idx"
        shutil.copytree(index, copy, ignore=shutil.ignore_patterns("jobs", "uploads"))
        before, _ = whole_or_absent(copy)
        docs = work / "more"
        docs.mkdir()
        for i in range(12):
            (docs / f"more-{i}.txt").write_text(marker_text(2000 + i) * 6, encoding="utf-8")
        env = {**os.environ}
        if args.fake_embedder:  # the hashing embedder cannot come from the CLI: index in process
            command = [sys.executable, SOAK, "--index-fake", str(docs), "--into", str(copy)]
        else:
            command = [sys.executable, "-m", "api", "index", str(docs), "--index", str(copy), "-q"]
        ran = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        after, broken = whole_or_absent(copy)
        said = (ran.stderr + ran.stdout).strip().splitlines()
        return {
            "exit_code": ran.returncode,
            "message": said[-1] if said else "",
            "documents_before": before,
            "documents_after": after,
            "not_whole": broken,
            "ok": ran.returncode == 1 and "is full" in ran.stderr and not broken,
        }
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def index_fake(docs: Path, folder: Path) -> None:
    """(Smoke mode's writer.) ``citeqa index`` with the hashing embedder."""
    from index.embedder import HashingEmbedder
    from index.errors import CiteqaError
    from index.pipeline import ingest

    try:
        ingest([docs], folder, HashingEmbedder(64), cross=HashingEmbedder(32))
    except CiteqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
