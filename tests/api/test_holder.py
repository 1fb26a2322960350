from __future__ import annotations

from typing import Any, cast

import pytest

from api.holder import ServiceClosed, ServiceHolder
from qa.service import QAService


class FakeService:
    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False

    def close(self) -> None:
        assert not self.closed, f"{self.name} closed twice"
        self.closed = True


def fake(name: str) -> Any:
    return cast(QAService, FakeService(name))


def test_a_swapped_out_service_is_closed_when_its_last_request_ends() -> None:
    old, new = fake("old"), fake("new")
    holder = ServiceHolder(old)
    with holder.lease() as first, holder.lease() as second:
        assert first is second is old
        holder.swap(new)
        assert not old.closed  # requests in flight keep using it
        with holder.lease() as third:
            assert third is new
    assert old.closed and not new.closed
    assert holder.current is new


def test_an_idle_service_is_closed_at_once_when_swapped() -> None:
    services = iter([fake("b"), fake("c")])
    first = fake("a")
    holder = ServiceHolder(first, reopener=lambda service: next(services))
    second = holder.reload()
    assert first.closed and holder.current is second
    holder.reload()
    assert second.closed


def test_closing_stops_new_leases_and_waits_for_running_ones() -> None:
    service = fake("a")
    holder = ServiceHolder(service)
    with holder.lease():
        holder.close()
        assert not service.closed
        with pytest.raises(ServiceClosed, match="shutting down"), holder.lease():
            pass
    assert service.closed
