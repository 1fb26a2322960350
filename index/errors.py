"""Domain errors. Each message names the bad value and says what to do about it."""

from __future__ import annotations

from pathlib import Path


class CiteqaError(Exception):
    """Base of every error citeqa raises on purpose."""


class DocumentError(CiteqaError):
    """A single input file could not be ingested; the rest of the run goes on."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFileType(DocumentError):
    """The file's extension is not one citeqa can read."""


class EmptyDocument(DocumentError):
    """The file holds no text once read and cleaned."""


class UnreadableDocument(DocumentError):
    """The file exists but cannot be decoded or parsed."""


class IndexNotFound(CiteqaError):
    """No index at the given folder."""


class IndexMismatch(CiteqaError):
    """The index was built with another model, settings or format version."""


class StorageFull(CiteqaError):
    """The disk (or quota) holding an index is full: the write stopped, nothing half-written
    was kept."""


class IndexLocked(CiteqaError):
    """Another process is writing to the index."""


class ClusterError(CiteqaError):
    """A Ray cluster to embed on cannot be reached or failed (index/ray_embedder.py)."""


class BackendError(CiteqaError):
    """The Milvus an index is held in cannot be reached, or refused a request
    (index/milvus/connection.py)."""


class ModelError(CiteqaError):
    """The embedding model could not be found, converted or loaded."""


class InvalidInput(CiteqaError):
    """A caller passed a value outside what citeqa accepts (e.g. a chunk size of 0)."""


class QuestionTooLong(InvalidInput):
    """A question over the length limit of where it was asked."""


class TooManyPassages(InvalidInput):
    """A question asked for more passages (k) than the limit of where it was asked."""
