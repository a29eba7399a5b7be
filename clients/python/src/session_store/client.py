"""The service's API, one method per route, sync (SessionStoreClient) and async (AsyncSessionStoreClient).

Sessions, messages, events and resources are the API's JSON as dicts (camelCase, as the API
documents them at /docs). Every request carries the bearer token and is retried where that is
safe (see _calls.Call.repeatable); an error answer raises SessionStoreError with the API's code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

import httpx

from . import _calls
from ._transport import AsyncSender, Settings, SyncSender, Token, decode

Json = dict[str, Any]
DEFAULT_RETRY_FOR = 30.0
DEFAULT_TIMEOUT = 60.0


class SessionStoreClient:
    def __init__(
        self,
        base_url: str,
        token: Token,
        *,
        retry_for: float = DEFAULT_RETRY_FOR,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
    ) -> None:
        self._own_http = http is None
        self._sender = SyncSender(Settings(base_url, token, retry_for, timeout), http or httpx.Client())

    def _send(self, call: _calls.Call) -> Any:
        return decode(self._sender.send(call))

    def create_session(self, body: Json | None = None) -> Json:
        return self._send(_calls.create_session(body or {}))

    def fork(
        self,
        session_id: str,
        *,
        at_seq: int | None = None,
        key: str | None = None,
        title: str | None = None,
        metadata: Json | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        """A new session holding the messages 1..at_seq (all when None) of `session_id`, renumbered from 1, with `forkedFrom`."""
        body = _calls.fork_body(at_seq, key, title, metadata)
        return self._send(_calls.fork(session_id, body, idempotency_key or _calls.new_key()))

    def get_or_create_session(self, key: str, body: Json | None = None) -> Json:
        """The session with this key, created (with `body`) when there is none."""
        return self._send(_calls.get_or_create_by_key(key, body or {}))

    def get_session_by_key(self, key: str) -> Json:
        return self._send(_calls.get_by_key(key))

    def get_session(self, session_id: str) -> Json:
        return self._send(_calls.get_session(session_id))

    def list_sessions(self, *, status: str | None = None, q: str | None = None, limit: int | None = None, cursor: str | None = None) -> Json:
        """A page `{"items", "nextCursor"}`, newest first."""
        return self._send(_calls.list_sessions(status, q, limit, cursor))

    def update_session(self, session_id: str, body: Json, *, if_match: str | None = None) -> Json:
        return self._send(_calls.update_session(session_id, body, if_match))

    def delete_session(self, session_id: str) -> None:
        self._send(_calls.delete_session(session_id))

    def start(self, session_id: str, *, handler: str | None = None) -> Json:
        return self._send(_calls.start(session_id, handler))

    def kill(self, session_id: str, *, reason: str | None = None) -> Json:
        return self._send(_calls.kill(session_id, reason))

    def transitions(self, session_id: str) -> list[Json]:
        return self._send(_calls.transitions(session_id))["items"]

    def get_messages(self, session_id: str, *, limit: int | str | None = None, before: int | None = None) -> Json:
        """A page `{"items", "nextBefore"}`: the latest `limit` messages (or "all"), oldest first."""
        return self._send(_calls.get_messages(session_id, limit, before))

    def append_messages(self, session_id: str, items: list[Json], *, idempotency_key: str | None = None) -> list[Json]:
        return self._send(_calls.append_messages(session_id, items, idempotency_key or _calls.new_key()))["items"]

    def pop_message(self, session_id: str) -> Json | None:
        return self._send(_calls.pop_message(session_id))

    def clear_messages(self, session_id: str) -> None:
        self._send(_calls.clear_messages(session_id))

    def events(self, session_id: str | None = None, *, last_event_id: str | None = None) -> Iterator[Json]:
        """The events stream of one session (or of all the caller's), each `{"id", "event", "data"}`; resume with last_event_id."""
        return self._sender.stream(_calls.events(session_id, last_event_id))

    def close(self) -> None:
        if self._own_http:
            self._sender.http.close()

    def __enter__(self) -> SessionStoreClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


class AsyncSessionStoreClient:
    def __init__(
        self,
        base_url: str,
        token: Token,
        *,
        retry_for: float = DEFAULT_RETRY_FOR,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._own_http = http is None
        self._sender = AsyncSender(Settings(base_url, token, retry_for, timeout), http or httpx.AsyncClient())

    async def _send(self, call: _calls.Call) -> Any:
        return decode(await self._sender.send(call))

    async def create_session(self, body: Json | None = None) -> Json:
        return await self._send(_calls.create_session(body or {}))

    async def fork(
        self,
        session_id: str,
        *,
        at_seq: int | None = None,
        key: str | None = None,
        title: str | None = None,
        metadata: Json | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        """A new session holding the messages 1..at_seq (all when None) of `session_id`, renumbered from 1, with `forkedFrom`."""
        body = _calls.fork_body(at_seq, key, title, metadata)
        return await self._send(_calls.fork(session_id, body, idempotency_key or _calls.new_key()))

    async def get_or_create_session(self, key: str, body: Json | None = None) -> Json:
        """The session with this key, created (with `body`) when there is none."""
        return await self._send(_calls.get_or_create_by_key(key, body or {}))

    async def get_session_by_key(self, key: str) -> Json:
        return await self._send(_calls.get_by_key(key))

    async def get_session(self, session_id: str) -> Json:
        return await self._send(_calls.get_session(session_id))

    async def list_sessions(
        self, *, status: str | None = None, q: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Json:
        """A page `{"items", "nextCursor"}`, newest first."""
        return await self._send(_calls.list_sessions(status, q, limit, cursor))

    async def update_session(self, session_id: str, body: Json, *, if_match: str | None = None) -> Json:
        return await self._send(_calls.update_session(session_id, body, if_match))

    async def delete_session(self, session_id: str) -> None:
        await self._send(_calls.delete_session(session_id))

    async def start(self, session_id: str, *, handler: str | None = None) -> Json:
        return await self._send(_calls.start(session_id, handler))

    async def kill(self, session_id: str, *, reason: str | None = None) -> Json:
        return await self._send(_calls.kill(session_id, reason))

    async def transitions(self, session_id: str) -> list[Json]:
        return (await self._send(_calls.transitions(session_id)))["items"]

    async def get_messages(self, session_id: str, *, limit: int | str | None = None, before: int | None = None) -> Json:
        """A page `{"items", "nextBefore"}`: the latest `limit` messages (or "all"), oldest first."""
        return await self._send(_calls.get_messages(session_id, limit, before))

    async def append_messages(self, session_id: str, items: list[Json], *, idempotency_key: str | None = None) -> list[Json]:
        return (await self._send(_calls.append_messages(session_id, items, idempotency_key or _calls.new_key())))["items"]

    async def pop_message(self, session_id: str) -> Json | None:
        return await self._send(_calls.pop_message(session_id))

    async def clear_messages(self, session_id: str) -> None:
        await self._send(_calls.clear_messages(session_id))

    def events(self, session_id: str | None = None, *, last_event_id: str | None = None) -> AsyncIterator[Json]:
        """The events stream of one session (or of all the caller's), each `{"id", "event", "data"}`; resume with last_event_id."""
        return self._sender.stream(_calls.events(session_id, last_event_id))

    async def aclose(self) -> None:
        if self._own_http:
            await self._sender.http.aclose()

    async def __aenter__(self) -> AsyncSessionStoreClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        await self.aclose()
