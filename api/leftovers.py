"""What a server killed without warning (kill -9, a power cut) leaves behind in an index's
upload folder, swept when the next one starts: files kept under ``INDEX/uploads/`` that no
indexed document came to point at. (Its jobs are taken over from the job store, and their
folders with them: api/jobs.py.)

An upload file is removed only when no document of its index has it as its source and it is
older than ``grace`` seconds, so an upload another server is indexing right now is left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger("citeqa.api")

UPLOAD_GRACE_S = 3600.0


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
