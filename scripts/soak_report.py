"""The report of scripts/soak.py: its results as markdown."""

from __future__ import annotations

import os
from typing import Any


def report(results: dict[str, Any]) -> str:
    s = results["soak"]
    mode = " — SMOKE MODE (hashing embedder, numbers mean nothing)" if results["smoke"] else ""
    lat = s["latency_ms"]
    lines = [
        f"# Soak and faults{mode}",
        "",
        f"Index: {results['index']} ({results['documents']} documents), copied; server and "
        f"clients on 127.0.0.1 in separate processes, {os.cpu_count()} cores. {s['clients']} "
        f"clients for {s['seconds']} s after {s['warmup_seconds']} s of warm-up, mixing "
        "search 40%, ask 30%, streamed chat 20%, 8-question jobs 10%; a writer uploads a "
        "document every few seconds and deletes the oldest beyond three.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests (measured / with warm-up) | {s['requests']} / {s['requests_with_warmup']} |",
        f"| by status | {', '.join(f'{k}: {v}' for k, v in sorted(s['status'].items()))} |",
        f"| refusals (status, code) | {', '.join(f'{k}: {v}' for k, v in sorted(s['refusals'].items())) or 'none'} |",
        f"| 5xx | **{s['server_errors']}** |",
        f"| failed without a status | {s['failed_without_status']} |",
        f"| p50 / p99 ms, all | {lat['all']['p50']} / {lat['all']['p99']} |",
    ]
    for kind in ("search", "ask", "chat", "job"):
        if kind in lat:
            lines.append(
                f"| p50 / p99 ms, {kind} ({s['requests_by_kind'][kind]}) "
                f"| {lat[kind]['p50']} / {lat[kind]['p99']} |"
            )
    m = s["memory_mb"]
    hostile = ", ".join(f"{k}: {v}" for k, v in sorted(s.get("hostile", {}).items()))
    lines += [
        f"| hostile callers ({s.get('hostile_callers', 0)}): outcome, status, code "
        f"| {hostile or 'none'} |",
        f"| CSV cells of the formula document's results read as formulas "
        f"| **{s.get('formula_cells', 0)}** |",
        f"| server RSS MB, peak during the load | **{m.get('peak', '—')}** |",
        f"| answers citing a document after its deletion completed | **{s['citations_of_deleted']}** |",
        f"| writes | {', '.join(f'{k}: {v}' for k, v in sorted(s['writes'].items()))} |",
        f"| server RSS MB: ready / after warm-up / end of load / after {results['quiet']} s quiet "
        f"| {m['ready']} / {m['after_warmup']} / {m['end_of_load']} / {m['after_quiet']} |",
        f"| RSS growth after warm-up (end of load; after quiet) "
        f"| **{s['growth_after_warmup']:+.1%}**; {s['after_quiet_vs_warmup']:+.1%} |",
        "",
        "## Faults",
        "",
    ]
    for name, outcome in results["faults"].items():
        verdict = "skipped" if "skipped" in outcome else ("ok" if outcome.get("ok") else "FAILED")
        detail = "; ".join(f"{k}: {v}" for k, v in outcome.items() if k != "ok")
        lines.append(f"- **{name}** — {verdict}: {detail}")
    return "\n".join(lines) + "\n"
