"""Cold-start benchmark: wall time of whole commands, each in a new process, as a user runs them.

    python scripts/bench_cold.py [--index data/sample-index] [--runs 5]

Times `citeqa search` and `citeqa ask` on the sample index, `citeqa index data/sample` on an
unchanged folder (nothing to embed), and `citeqa serve` from start until /readyz answers 200.
Each command runs --runs times after one untimed run that warms the operating system's file
cache (as on a machine that has run citeqa before); the table gives the median and the worst,
and each command's peak resident memory. Writes ``results/bench_cold.md`` (and .json). Run it
by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from benchlib import free_port, peak_rss_mb, stop

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "煤炭依賴是怎麼降下來的"


def citeqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "api", *args]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``command``; fails loudly if it fails."""
    started = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr[-3000:]}")
    return wall, _child_peak_mb()


def _child_peak_mb() -> float:
    # ru_maxrss of children is the largest of any child so far; each command is measured in a
    # fresh worker below, so it is that command's own
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def serve_until_ready(index: Path, timeout: float = 120.0) -> tuple[float, float]:
    port = free_port()
    command = citeqa("serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port))
    started = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise SystemExit("citeqa serve exited before it was ready")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - started, peak_rss_mb(server.pid) or 0.0
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise SystemExit(f"citeqa serve was not ready within {timeout} s")
    finally:
        stop(server)


def measure_in_worker(name: str, index: Path) -> tuple[float, float]:
    """One run of the named command, measured in a fresh process so ru_maxrss is its own."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "from bench_cold import run_one; "
        "print(json.dumps(run_one(sys.argv[2], sys.argv[3])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "scripts"), name, str(index)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall, rss = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, rss


def run_one(name: str, index: str) -> tuple[float, float]:
    folder = Path(index)
    if name == "serve":
        return serve_until_ready(folder)
    commands = {
        "search": citeqa("search", QUESTION, "--index", index),
        "ask": citeqa("ask", QUESTION, "--index", index),
        "index (unchanged)": citeqa("index", "data/sample", "--index", index),
    }
    return timed(commands[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "sample-index")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_cold.md")
    args = parser.parse_args()
    if not (args.index / "manifest.json").exists():
        raise SystemExit(f"no index at {args.index}: run `make demo` first")
    targets = {"search": 3.0, "ask": 3.0, "index (unchanged)": 1.5, "serve": 4.0}
    rows = {}
    for name in targets:
        measure_in_worker(name, args.index)  # warms the file cache
        runs = [measure_in_worker(name, args.index) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        rows[name] = {
            "median_s": round(statistics.median(walls), 2),
            "max_s": round(max(walls), 2),
            "peak_rss_mb": round(max(r for _, r in runs)),
            "target_s": targets[name],
        }
        print(name, rows[name], flush=True)
    results = {"index": str(args.index), "runs": args.runs, "cores": os.cpu_count(), "rows": rows}
    lines = [
        "# Cold-start benchmark",
        "",
        f"Each command in a new process, {args.runs} runs after one that warms the file cache; "
        f"index {args.index.name}; {os.cpu_count()} cores. `serve`: from start until /readyz "
        "answers 200 (the models loaded).",
        "",
        "| command | median s | worst s | target s | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| citeqa {name} | {r['median_s']} | {r['max_s']} | ≤ {r['target_s']} "
            f"| {r['peak_rss_mb']} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
