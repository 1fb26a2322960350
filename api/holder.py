"""The service every request reads from, swapped atomically after a write.

A request leases the current QAService for as long as it runs. A write (upload, deletion)
never touches that object: when it is done, a fresh snapshot of the index is opened and put in
its place; requests already running finish on the old one, which is closed when the last of
them lets go.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.errors import CiteqaError
from index.folder import open_snapshot
from qa.service import QAService


class ServiceClosed(CiteqaError):
    """The service is shutting down and answers nothing more."""


def reopen(service: QAService) -> QAService:
    """A new service over the index's current state, with the same models and settings."""
    return service.with_snapshot(open_snapshot(service.snapshot.folder))


class ServiceHolder:
    def __init__(
        self, service: QAService, reopener: Callable[[QAService], QAService] = reopen
    ) -> None:
        self._lock = threading.Lock()
        self._current: QAService | None = service
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
        with self.lease() as service:
            fresh = self._reopen(service)
        self.swap(fresh)
        return fresh

    def swap(self, fresh: QAService) -> None:
        with self._lock:
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
            self._current = None
            idle = [s for s, n in self._leases.items() if n == 0]
            for s in idle:
                del self._leases[s]
        for s in idle:
            s.close()
