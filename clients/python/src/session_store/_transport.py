"""Sending a Call: the bearer token, retries where they are safe, and the answer or a SessionStoreError."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Union

import httpx

from ._calls import Call
from .errors import SessionStoreError

Token = Union[str, Callable[[], str]]

# Answers that say the request changed nothing: 503 (PostgreSQL away, nothing half-written, or an
# instance closing) and 429 (refused before any work). Both carry Retry-After.
RETRY_STATUSES = frozenset({429, 503})
# Errors raised before the request left this process: even a pop may be sent again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
FIRST_PAUSE = 0.1
LONGEST_PAUSE = 5.0


@dataclass(frozen=True)
class Settings:
    base_url: str
    token: Token
    # Seconds a request is tried again after network errors, 503 and 429 (0: never): long enough
    # by default for an instance to restart.
    retry_for: float
    timeout: float

    def request(self, call: Call) -> tuple[str, str, dict[str, Any], dict[str, str], bytes | None]:
        token = self.token() if callable(self.token) else self.token
        headers = {"Authorization": f"Bearer {token}", **call.headers}
        return call.method, self.base_url.rstrip("/") + call.path, call.params, headers, call.body


class _Attempts:
    """When to try again and how long to wait: exponential backoff with jitter, Retry-After honoured, within retry_for."""

    def __init__(self, call: Call, retry_for: float) -> None:
        self.call = call
        self.deadline = time.monotonic() + retry_for
        self.count = 0

    def after_error(self, error: httpx.TransportError) -> float | None:
        if not (self.call.repeatable or isinstance(error, NOT_SENT)):
            return None
        return self._pause(None)

    def after_answer(self, response: httpx.Response) -> float | None:
        if response.status_code not in RETRY_STATUSES:
            return None
        try:
            hint: float | None = max(0.0, float(response.headers.get("Retry-After", "")))
        except ValueError:
            hint = None
        return self._pause(hint)

    def _pause(self, hint: float | None) -> float | None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            return None
        pause = hint if hint is not None else FIRST_PAUSE * 2**self.count * (0.5 + random.random())
        self.count += 1
        return min(pause, LONGEST_PAUSE, left)


def decode(response: httpx.Response) -> Any:
    """The answer's JSON (None for an empty one), or a SessionStoreError for an error answer."""
    body = json.loads(response.content) if response.content else None
    if response.is_success:
        return body
    raise SessionStoreError(response.status_code, body)


class SyncSender:
    def __init__(self, settings: Settings, http: httpx.Client) -> None:
        self.settings = settings
        self.http = http

    def send(self, call: Call) -> httpx.Response:
        attempts = _Attempts(call, self.settings.retry_for)
        while True:
            method, url, params, headers, body = self.settings.request(call)
            try:
                response = self.http.request(method, url, params=params, headers=headers, content=body, timeout=self.settings.timeout)
            except httpx.TransportError as error:
                pause = attempts.after_error(error)
                if pause is None:
                    raise SessionStoreError.unreachable(method, url, error) from error
                time.sleep(pause)
                continue
            pause = attempts.after_answer(response)
            if pause is None:
                return response
            time.sleep(pause)

    def stream(self, call: Call) -> Iterator[dict[str, Any]]:
        method, url, params, headers, _ = self.settings.request(call)
        with self.http.stream(method, url, params=params, headers=headers, timeout=httpx.Timeout(self.settings.timeout, read=None)) as response:
            if not response.is_success:
                response.read()
                decode(response)
            yield from parse_events(response.iter_lines())


class AsyncSender:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    async def send(self, call: Call) -> httpx.Response:
        attempts = _Attempts(call, self.settings.retry_for)
        while True:
            method, url, params, headers, body = self.settings.request(call)
            try:
                response = await self.http.request(method, url, params=params, headers=headers, content=body, timeout=self.settings.timeout)
            except httpx.TransportError as error:
                pause = attempts.after_error(error)
                if pause is None:
                    raise SessionStoreError.unreachable(method, url, error) from error
                await asyncio.sleep(pause)
                continue
            pause = attempts.after_answer(response)
            if pause is None:
                return response
            await asyncio.sleep(pause)

    async def stream(self, call: Call) -> AsyncIterator[dict[str, Any]]:
        method, url, params, headers, _ = self.settings.request(call)
        timeout = httpx.Timeout(self.settings.timeout, read=None)
        async with self.http.stream(method, url, params=params, headers=headers, timeout=timeout) as response:
            if not response.is_success:
                await response.aread()
                decode(response)
            events = EventParser()
            async for line in response.aiter_lines():
                event = events.feed(line)
                if event is not None:
                    yield event


class EventParser:
    """Server-Sent Events, a line at a time: each event as {"id", "event", "data"} with data parsed as JSON."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.data: list[str] = []

    def feed(self, line: str) -> dict[str, Any] | None:
        if line == "":
            event = None
            if self.data:
                event = {"id": self.fields.get("id"), "event": self.fields.get("event", "message"), "data": json.loads("\n".join(self.data))}
            self.fields, self.data = {}, []
            return event
        if line.startswith(":"):
            return None  # a keep-alive comment
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self.data.append(value)
        else:
            self.fields[name] = value
        return None


def parse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    events = EventParser()
    for line in lines:
        event = events.feed(line)
        if event is not None:
            yield event
