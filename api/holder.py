"""The service every request reads from, swapped atomically after a write.

A request leases the current QAService for as long as it runs. A write (upload, deletion)
never touches that object: when it is done, a fresh snapshot of the index is opened and put in
its place; requests already running finish on the old one, which is closed when the last of
them lets go.

Another process may write to the index too (``citeqa index`` while the server runs, or a
rebuild swapped in): ``refresh()`` compares the generation on disk with the current
snapshot's and reopens when they differ; the app calls it every second or so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.errors import CiteqaError
from index.folder import generation_now
from qa.service import QAService

logger = logging.getLogger("citeqa.api")


class ServiceClosed(CiteqaError):
    """The service is shutting down and answers nothing more."""


class ServiceHolder:
    def __init__(
        self, service: QAService, reopener: Callable[[QAService], QAService] = QAService.reopened
    ) -> None:
        self._lock = threading.Lock()
        self._reloading = threading.Lock()  # one reopen at a time
        self._refused: int | None = None  # a generation that could not be opened, told once
        self._current: QAService | None = service
        self._closed = False
        self._leases: dict[QAService, int] = {service: 0}
        self._reopen = reopener

    @property
    def current(self) -> QAService | None:
        """The service new requests get (None once closed); for a quick look, not for work."""
        return self._current

    @contextmanager
    def lease(self) -> Iterator[QAService]:
        with self._lock:
            service = self._current
            if service is None:
                raise ServiceClosed("the service is shutting down")
            self._leases[service] += 1
        try:
            yield service
        finally:
            self._release(service)

    def _release(self, service: QAService) -> None:
        with self._lock:
            self._leases[service] -= 1
            idle = service is not self._current and self._leases[service] == 0
            if idle:
                del self._leases[service]
        if idle:
            service.close()

    def reload(self) -> QAService:
        """Open the index afresh and make that the current service."""
        with self._reloading, self.lease() as service:
            fresh = self._reopen(service)
            self.swap(fresh)
        return fresh

    def refresh(self) -> bool:
        """Swap in the index's newest state when it was written since the current snapshot
        was opened (by this server or another process); whether it was. A state that cannot
        be opened (a rebuild with another model) is logged, and the current one kept."""
        service = self._current
        if service is None:
            return False
        on_disk = _generation_now(service)
        if on_disk is None or on_disk == service.snapshot.generation or on_disk == self._refused:
            return False
        with self._reloading:
            service = self._current
            if service is None or on_disk == service.snapshot.generation:
                return False
            try:
                with self.lease() as current:
                    fresh = self._reopen(current)
            except CiteqaError as exc:
                self._refused = on_disk
                logger.error("kept the index as it was: its new state cannot be served: %s", exc)
                return False
            self.swap(fresh)
        return True

    def swap(self, fresh: QAService) -> None:
        with self._lock:
            if self._closed:  # a reopen that ended after the server began to stop
                fresh.close()
                return
            old = self._current
            self._current = fresh
            self._leases.setdefault(fresh, 0)
            idle = old is not None and old is not fresh and self._leases[old] == 0
            if idle and old is not None:
                del self._leases[old]
        if idle and old is not None:
            old.close()

    def close(self) -> None:
        """Stop handing out the service; close every one nobody is using any more."""
        with self._lock:
            self._current, self._closed = None, True
            idle = [s for s, n in self._leases.items() if n == 0]
            for s in idle:
                del self._leases[s]
        for s in idle:
            s.close()


def _generation_now(service: QAService) -> int | None:
    """``generation_now`` of the service's index; None, logged, when it cannot be read."""
    try:
        return generation_now(service.snapshot)
    except CiteqaError as exc:
        logger.warning("cannot read the index's generation: %s", exc)
        return None
