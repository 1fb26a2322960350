"""No message shows where the server keeps its files: an upload job that finds the index
locked, and a deletion refused for the same reason, name the index by its collection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.redact import Redactor
from index.folder import write_lock


def test_the_servers_folders_are_shown_by_short_names(tmp_path: Path) -> None:
    index = tmp_path / "reports"
    redact = Redactor(
        {index: "reports", index / "uploads": "reports/uploads", tmp_path / "w": "jobs"}
    )
    assert (
        redact(f"cannot read {index}/uploads/ab12.txt: bad")
        == "cannot read reports/uploads/ab12.txt: bad"
    )
    assert (
        redact(f"the index at {index}; jobs in {tmp_path}/w/x")
        == "the index at reports; jobs in jobs/x"
    )
    assert redact.deep({"files": [{"reason": f"{index}/a"}], "n": 1}) == {
        "files": [{"reason": "reports/a"}], "n": 1,
    }  # fmt: skip


def test_an_index_locked_error_shows_no_absolute_path(
    client: TestClient, index_folder: Path, auth: dict[str, str],
    wait_for_job: Callable[..., dict[str, Any]],
) -> None:  # fmt: skip
    files = [("files", ("a.txt", "港口吞吐量增长".encode(), "text/plain"))]
    doc_id = client.get("/v1/documents").json()["documents"][0]["id"]
    with write_lock(index_folder):  # another citeqa process is writing
        job = wait_for_job(
            client, client.post("/v1/documents", files=files, headers=auth).json()["id"]
        )
        deleted = client.delete(f"/v1/documents/{doc_id}", headers=auth)
    assert job["status"] == "failed"
    assert job["error"] == {
        "code": "index_locked",
        "message": "another citeqa process is writing to the index at idx; wait for it to "
        "finish and try again",
    }
    assert deleted.status_code == 409
    assert deleted.json()["error"] == job["error"]
    assert str(index_folder.parent) not in str(job) + deleted.text


def test_mcp_tool_errors_show_no_absolute_path(tmp_path: Path) -> None:
    from collections.abc import Iterator
    from contextlib import contextmanager

    import pytest
    from mcp.server.mcpserver.exceptions import ToolError

    from api.mcp_server import _service
    from index.errors import IndexLocked

    folder = tmp_path / "reports"

    @contextmanager
    def lease(name: str | None) -> Iterator[Any]:
        raise IndexLocked(f"another citeqa process is writing to the index at {folder}")
        yield

    with pytest.raises(ToolError) as refused, _service(lease, None, Redactor({folder: "reports"})):
        pass
    assert str(refused.value) == "another citeqa process is writing to the index at reports"
