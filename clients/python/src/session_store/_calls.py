"""The API's routes as request descriptions, shared by the sync and the async client."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

API = "/api/v1"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def repeatable(self) -> bool:
        """Sending it again cannot change the outcome, whatever happened to the first attempt:
        reads, PUT and DELETE of a whole resource, and writes with an Idempotency-Key. Not a pop
        (DELETE .../messages/last): a lost answer may hide a committed one."""
        if "Idempotency-Key" in self.headers or self.method in ("GET", "HEAD", "PUT"):
            return True
        return self.method == "DELETE" and not self.path.endswith("/last")


def encode(body: Any) -> bytes:
    # ASCII escapes keep every string exact (lone surrogates too); NaN and Infinity are not JSON.
    return json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _id(session_id: str) -> str:
    return quote(session_id, safe="")


def _json(method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Call:
    return Call(method, API + path, body=encode(body), headers={"Content-Type": "application/json", **(headers or {})})


def _fields(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def new_key() -> str:
    return str(uuid.uuid4())


def create_session(body: dict[str, Any]) -> Call:
    # A new key per logical create, so a retry returns the session the first attempt made.
    return _json("POST", "/sessions", body, {"Idempotency-Key": new_key()})


def fork(session_id: str, body: dict[str, Any], idempotency_key: str) -> Call:
    # Keyed, so a retry after a lost answer answers the fork the first attempt made.
    return _json("POST", f"/sessions/{_id(session_id)}/fork", body, {"Idempotency-Key": idempotency_key})


def fork_body(at_seq: int | None, key: str | None, title: str | None, metadata: dict[str, Any] | None) -> dict[str, Any]:
    return _fields(atSeq=at_seq, key=key, title=title, metadata=metadata)


def get_or_create_by_key(key: str, body: dict[str, Any]) -> Call:
    return _json("PUT", f"/sessions/by-key/{quote(key, safe='')}", body)


def get_by_key(key: str) -> Call:
    return Call("GET", f"{API}/sessions/by-key/{quote(key, safe='')}")


def get_session(session_id: str) -> Call:
    return Call("GET", f"{API}/sessions/{_id(session_id)}")


def list_sessions(status: str | None, q: str | None, limit: int | None, cursor: str | None) -> Call:
    return Call("GET", f"{API}/sessions", params=_fields(status=status, q=q, limit=limit, cursor=cursor))


def update_session(session_id: str, body: dict[str, Any], if_match: str | None) -> Call:
    return _json("PATCH", f"/sessions/{_id(session_id)}", body, {"If-Match": if_match} if if_match else None)


def delete_session(session_id: str) -> Call:
    return Call("DELETE", f"{API}/sessions/{_id(session_id)}")


def start(session_id: str, handler: str | None) -> Call:
    return _json("POST", f"/sessions/{_id(session_id)}/start", _fields(handler=handler))


def kill(session_id: str, reason: str | None) -> Call:
    return _json("POST", f"/sessions/{_id(session_id)}/kill", _fields(reason=reason))


def transitions(session_id: str) -> Call:
    return Call("GET", f"{API}/sessions/{_id(session_id)}/transitions")


def get_messages(session_id: str, limit: int | str | None, before: int | None) -> Call:
    return Call("GET", f"{API}/sessions/{_id(session_id)}/messages", params=_fields(limit=limit, before=before))


def append_messages(session_id: str, items: list[dict[str, Any]], idempotency_key: str) -> Call:
    return _json("POST", f"/sessions/{_id(session_id)}/messages", {"items": items}, {"Idempotency-Key": idempotency_key})


def pop_message(session_id: str) -> Call:
    return Call("DELETE", f"{API}/sessions/{_id(session_id)}/messages/last")


def clear_messages(session_id: str) -> Call:
    return Call("DELETE", f"{API}/sessions/{_id(session_id)}/messages")


def events(session_id: str | None, last_event_id: str | None) -> Call:
    path = f"{API}/sessions/{_id(session_id)}/events" if session_id else f"{API}/events"
    return Call("GET", path, headers={"Last-Event-ID": last_event_id} if last_event_id else {})
