"""Property-based requests over the whole OpenAPI schema: whatever a client sends, the server
answers with a documented shape and never with a 5xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.python.asgi import shutdown_lifespans

pytestmark = pytest.mark.slow  # schemathesis against a live app

MAX_EXAMPLES = 12  # per operation; the whole run stays well under a minute


@pytest.fixture
def api_schema(make_app: Callable[..., FastAPI]) -> Iterator[Any]:
    app = make_app()
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()  # schemathesis started the app's lifespan; stop it


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_server_fail(case: schemathesis.Case, auth: dict[str, str]) -> None:
    # Every built-in check (no 5xx, documented status codes, content types and bodies, auth,
    # rejection of invalid data) except one: the schema cannot say which file names, or which
    # chat messages, hold something to index or a question, so valid-looking data may get a 4xx.
    case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])
