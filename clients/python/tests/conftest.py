from __future__ import annotations

from collections.abc import Iterator

import pytest
from agents import set_tracing_disabled

from service import Resources, Service, new_user, token_for
from session_store import SessionStoreSession

# No trace export: the suite runs without network or an API key.
set_tracing_disabled(True)


@pytest.fixture(scope="session")
def resources() -> Iterator[Resources]:
    claimed = Resources()
    yield claimed
    claimed.close()


@pytest.fixture(scope="session")
def service(resources: Resources) -> Iterator[Service]:
    instance = Service(resources).start()
    yield instance
    instance.stop()


@pytest.fixture
def user() -> str:
    return new_user()


@pytest.fixture
def store_session(service: Service, user: str):
    """A SessionStoreSession on `key` for the test's user (or another user's)."""

    def make(key: str, *, for_user: str | None = None, **options) -> SessionStoreSession:
        return SessionStoreSession(key, base_url=service.url, token=token_for(for_user or user), **options)

    return make
