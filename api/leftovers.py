"""What a server killed without warning (kill -9, a power cut) leaves behind, swept away
when the next one starts: the job folders of its temporary work directory, and upload files
kept under ``INDEX/uploads/`` that no indexed document came to point at.

A temporary work directory is named after the process that made it
(``citeqa-jobs-PID-…``); one whose process is gone is removed. An upload file is removed only
when no document of its index has it as its source and it is older than ``grace`` seconds, so
an upload another server is indexing right now is left alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger("citeqa.api")

WORK_PREFIX = "citeqa-jobs-"
_WORK_DIR = re.compile(rf"^{WORK_PREFIX}(\d+)-")
UPLOAD_GRACE_S = 3600.0


def work_dir_prefix() -> str:
    """The prefix of this process's temporary work directory."""
    return f"{WORK_PREFIX}{os.getpid()}-"


def sweep_work_dirs(root: Path | None = None) -> list[Path]:
    """Remove the temporary work directories whose process is gone; what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for path in root.glob(f"{WORK_PREFIX}*"):
        match = _WORK_DIR.match(path.name)
        if match and path.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        logger.info("removed %d work folders of servers that were stopped", len(removed))
    return removed


def sweep_uploads(
    upload_dir: Path, sources: Iterable[str], *, grace: float = UPLOAD_GRACE_S
) -> list[Path]:
    """Remove the files of ``upload_dir`` that no document has as its source (``sources``)
    and that are older than ``grace`` seconds; what was removed."""
    if not upload_dir.is_dir():
        return []
    kept = {str(Path(s).resolve()) for s in sources}
    cutoff = time.time() - grace
    removed = []
    for path in upload_dir.iterdir():
        try:
            stale = path.is_file() and path.stat().st_mtime < cutoff
        except OSError:
            continue
        if stale and str(path.resolve()) not in kept:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # a sweep never stops a server from starting
                logger.warning("could not remove %s: %s", path, exc)
                continue
            removed.append(path)
    if removed:
        logger.info("removed %d uploads that were never indexed from %s", len(removed), upload_dir)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
