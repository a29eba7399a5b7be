"""SessionStoreSession: a session of the OpenAI Agents SDK whose history lives in the session store."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._calls import new_key
from ._transport import Token
from .client import DEFAULT_RETRY_FOR, DEFAULT_TIMEOUT, AsyncSessionStoreClient, Json
from .errors import SessionStoreError

if TYPE_CHECKING:
    from agents.memory import SessionSettings

T = TypeVar("T")

# The largest page the service answers; beyond, the whole history is read as one snapshot.
MAX_PAGE = 1000
# Session ids by (base URL, token, key), so a session made per request (as agents made with
# SQLiteSession are) costs one request per method, not two. A deleted session answers 404 and
# its key is looked up again.
KNOWN_IDS_SIZE = 10_000
_known_ids: OrderedDict[tuple[str, str, str], str] = OrderedDict()
# One connection pool per event loop for sessions given no client (an httpx pool is bound to its
# loop), keeping as many connections alive as it opens: httpx keeps 20 by default, and a server
# with more conversations at once would otherwise reconnect for most requests.
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


class SessionStoreSession:
    """The Agents SDK's `Session` protocol over the session store, a drop-in for `SQLiteSession(session_id)`.

    The history is that of the caller's session with `key` (created on first use, with `create`
    as its fields, and `history_limit` as its history cap). Each item is one message whose content is the item exactly as the SDK gave it.
    One HTTP request per method; appends carry an Idempotency-Key, so retries after a network error
    or an instance restart (for up to `retry_for` seconds) store them once; a pop is sent again only
    when the first attempt cannot have reached the service.
    """

    def __init__(
        self,
        key: str,
        *,
        base_url: str,
        token: Token,
        session_settings: SessionSettings | dict[str, Any] | None = None,
        create: Json | None = None,
        history_limit: Json | None = None,
        client: AsyncSessionStoreClient | None = None,
        retry_for: float = DEFAULT_RETRY_FOR,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.session_id = key
        self.session_settings = _settings(session_settings)
        self._base_url = base_url
        self._token = token
        # The cap of a session this key creates ({"maxMessages": ..., "maxBytes": ..., "trim": "user" | "any"}).
        self._create = {**(create or {}), "historyLimit": history_limit} if history_limit is not None else create or {}
        self._client = client
        self._retry_for = retry_for
        self._timeout = timeout

    async def get_items(self, limit: int | None = None) -> list[Any]:
        """The latest `limit` items oldest first (`session_settings.limit` when None; all when both are None or negative, none for 0), as SQLiteSession answers."""
        if limit is None:
            limit = _limit_of(self.session_settings)
        if limit == 0:
            return []
        if limit is None or limit < 0 or limit > MAX_PAGE:
            return _items((await self._on_session(lambda c, id: c.get_messages(id, limit="all")))["items"], limit)
        page = await self._on_session(lambda c, id: c.get_messages(id, limit=limit))
        if len(page["items"]) < limit and page["nextBefore"] is not None:
            # A page stops early at 8 MiB; the rest comes from one snapshot of the whole history.
            page = await self._on_session(lambda c, id: c.get_messages(id, limit="all"))
        return _items(page["items"], limit)

    async def add_items(self, items: list[Any]) -> None:
        if not items:
            return
        messages, key = [_message(item) for item in items], new_key()
        await self._on_session(lambda c, id: c.append_messages(id, messages, idempotency_key=key))

    async def pop_item(self) -> Any | None:
        message = await self._on_session(lambda c, id: c.pop_message(id))
        return None if message is None else message["content"]

    async def clear_session(self) -> None:
        await self._on_session(lambda c, id: c.clear_messages(id))

    async def fork(
        self, *, at_seq: int | None = None, key: str | None = None, title: str | None = None, metadata: Json | None = None
    ) -> SessionStoreSession:
        """A new session on `key` (a new UUID when None) whose history is this one's items up to the
        message with seq `at_seq` (all when None; the n-th item added has seq n until a pop): "try
        again from here". One request; this session is left as it is."""
        fork_key = key or new_key()
        idempotency_key = new_key()
        await self._on_session(
            lambda c, id: c.fork(id, at_seq=at_seq, key=fork_key, title=title, metadata=metadata, idempotency_key=idempotency_key)
        )
        return SessionStoreSession(
            fork_key,
            base_url=self._base_url,
            token=self._token,
            session_settings=self.session_settings,
            client=self._client,
            retry_for=self._retry_for,
            timeout=self._timeout,
        )

    def _api(self) -> AsyncSessionStoreClient:
        if self._client is None:
            loop = asyncio.get_running_loop()
            pool = _pools.get(loop) or _pools.setdefault(loop, httpx.AsyncClient(limits=POOL_LIMITS))
            return AsyncSessionStoreClient(self._base_url, self._token, retry_for=self._retry_for, timeout=self._timeout, http=pool)
        return self._client

    async def _on_session(self, call: Callable[[AsyncSessionStoreClient, str], Awaitable[T]]) -> T:
        client = self._api()
        cached = (self._base_url, self._token() if callable(self._token) else self._token, self.session_id)
        session_id = _known_ids.get(cached) or await self._look_up(client, cached)
        try:
            return await call(client, session_id)
        except SessionStoreError as error:
            # Deleted meanwhile: the key now names a new session.
            if error.code != "SESSION_NOT_FOUND":
                raise
            _known_ids.pop(cached, None)
            return await call(client, await self._look_up(client, cached))

    async def _look_up(self, client: AsyncSessionStoreClient, cached: tuple[str, str, str]) -> str:
        session_id: str = (await client.get_or_create_session(self.session_id, self._create))["id"]
        _known_ids[cached] = session_id
        _known_ids.move_to_end(cached)
        while len(_known_ids) > KNOWN_IDS_SIZE:
            _known_ids.popitem(last=False)
        return session_id


def _settings(value: SessionSettings | dict[str, Any] | None) -> Any:
    """As SQLiteSession: the SDK's SessionSettings (a dict coerced), SessionSettings() by default."""
    try:
        from agents.memory.session_settings import SessionSettings, coerce_session_settings
    except ImportError:  # used without the SDK
        return value
    return SessionSettings() if value is None else coerce_session_settings(value)


def _limit_of(settings: Any) -> int | None:
    return settings.get("limit") if isinstance(settings, dict) else getattr(settings, "limit", None)


def _items(messages: list[Json], limit: int | None) -> list[Any]:
    items = [message["content"] for message in messages]
    return items[-limit:] if limit is not None and limit > 0 else items


def _message(item: Any) -> Json:
    """A message per item: the item as content, and a role people can read (its role or type), as AgentsSession writes it."""
    role = next((value for value in (_field(item, "role"), _field(item, "type")) if _is_role(value)), "item")
    return {"role": role, "content": item}


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else None


def _is_role(value: Any) -> bool:
    # The service's rule for `role`: 1..64 UTF-16 units, no control characters, no lone surrogates.
    return (
        isinstance(value, str)
        and 1 <= len(value.encode("utf-16-le", "surrogatepass")) // 2 <= 64
        and not any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    )
