"""Uploaded files: checked against the limits, then written under generated names.

A client's file name never becomes a path: it is only looked at for its extension (which must
be one of the allowed types) and kept as metadata for reports. A file is staged in its job's
folder as ``0000.pdf``, ``0001.txt``…, then kept in the upload folder under the hash of its
content, so uploading the same bytes again finds the document already indexed.
"""

from __future__ import annotations

import errno
import hashlib
import math
import re
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from api.errors import ApiError

_READ = 1024 * 1024
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class UploadedFile(Protocol):
    """What is needed of FastAPI's UploadFile."""

    filename: str | None
    file: BinaryIO


@dataclass(frozen=True)
class StagedFile:
    filename: str  # as the client named it; metadata only
    path: Path  # under a generated name
    size: int
    digest: str  # sha256 of the content: the name it is kept under

    def as_params(self) -> dict[str, object]:
        """What a job records to stage it again after a restart."""
        return {"filename": self.filename, "path": str(self.path), "size": self.size,
                "digest": self.digest}  # fmt: skip

    @classmethod
    def from_params(cls, params: dict[str, object]) -> StagedFile:
        return cls(str(params["filename"]), Path(str(params["path"])), int(str(params["size"])),
                   str(params["digest"]))  # fmt: skip

    @property
    def suffix(self) -> str:
        return self.path.suffix

    @property
    def shown(self) -> str:
        """What answers show as the source: the client's file name without its folders."""
        return PurePosixPath(self.filename.replace("\\", "/")).name or self.filename


def display_name(filename: str | None) -> str:
    """The client's file name as shown in messages: printable, at most 200 characters."""
    name = _UNPRINTABLE.sub("", filename or "").strip()
    return (name[:197] + "...") if len(name) > 200 else name or "(unnamed file)"


def file_type(filename: str | None, allowed: Sequence[str]) -> str:
    """The lower-case extension of ``filename``; 415 when it is not allowed."""
    name = display_name(filename)
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix not in allowed:
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        raise ApiError(
            415,
            "unsupported_file_type",
            f"{name}: {kind} are not accepted; upload one of {', '.join(allowed)}",
        )
    return suffix


def stage_uploads(
    files: Sequence[UploadedFile], folder: Path, *, max_files: int, max_bytes: int,
    allowed: Sequence[str],
) -> list[StagedFile]:  # fmt: skip
    """Check the count and the types of all files, then copy each into ``folder`` under a
    generated name, refusing one larger than ``max_bytes``."""
    if not files:
        raise ApiError(422, "no_files", "no files were uploaded; send them as 'files' form fields")
    if len(files) > max_files:
        raise ApiError(
            422,
            "too_many_files",
            f"{len(files)} files were uploaded at once; the limit is {max_files}. "
            "Upload them in smaller groups.",
        )
    suffixes = [file_type(f.filename, allowed) for f in files]
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for i, (upload, suffix) in enumerate(zip(files, suffixes, strict=True)):
        path = folder / f"{i:04d}{suffix}"
        try:
            size, digest = _copy_limited(upload.file, path, max_bytes)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise ApiError(
                507, "storage_full", "the server's disk is full, so the upload was not kept; "
                "try again once space has been freed",
            ) from exc  # fmt: skip
        if size > max_bytes:
            raise ApiError(
                413,
                "file_too_large",
                f"{display_name(upload.filename)} is over the upload limit of "
                f"{max_bytes:,} bytes; split it or ask for a higher CITEQA_MAX_UPLOAD_BYTES",
            )
        staged.append(StagedFile(display_name(upload.filename), path, size, digest))
    return staged


def _copy_limited(source: BinaryIO, path: Path, max_bytes: int) -> tuple[int, str]:
    """Copy at most ``max_bytes + 1`` bytes (the count tells whether there was more); the
    count and the sha256 of what was copied."""
    size, digest = 0, hashlib.sha256()
    with path.open("wb") as out:
        while size <= max_bytes:
            block = source.read(min(_READ, max_bytes + 1 - size))
            if not block:
                break
            out.write(block)
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def kept_path(staged: StagedFile, upload_dir: Path) -> Path:
    """Where ``staged`` is kept once its upload is indexed: named by the hash of its content."""
    return (upload_dir / f"{staged.digest[:32]}{staged.suffix}").resolve()


def keep_upload(staged: StagedFile, upload_dir: Path) -> tuple[Path, bool]:
    """Move a staged file into ``upload_dir`` under the hash of its content. Returns its path
    and whether it is new (False: the same bytes were uploaded before)."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    kept = kept_path(staged, upload_dir)
    if kept.exists():
        staged.path.unlink(missing_ok=True)
        return kept, False
    tmp = upload_dir / f".{kept.name}.tmp"
    shutil.move(staged.path, tmp)
    tmp.replace(kept)
    return kept, True


class UploadBudget:
    """The bytes each caller may upload in an hour (``per_hour``; 0: no limit): ``take``
    counts an upload against its caller's last hour, or refuses it with 429."""

    WINDOW = 3600.0

    def __init__(self, per_hour: int) -> None:
        self.per_hour = per_hour
        self._taken: dict[str, list[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str, size: int, now: float | None = None) -> None:
        if not self.per_hour:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [(t, n) for t, n in self._taken.get(caller, []) if t > now - self.WINDOW]
            used = sum(n for _, n in recent)
            if used + size > self.per_hour:
                wait = max(1, math.ceil((recent[0][0] + self.WINDOW - now) / 60)) if recent else 60
                raise ApiError(
                    429, "upload_budget_exceeded",
                    f"you uploaded {_mb(used)} in the last hour and this upload is {_mb(size)}; "
                    f"this server takes {_mb(self.per_hour)} an hour from one caller "
                    f"(CITEQA_MAX_UPLOAD_BYTES_PER_HOUR). Try again in {wait} min",
                    {"Retry-After": str(wait * 60)},
                )  # fmt: skip
            self._taken[caller] = [*recent, (now, size)]


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
