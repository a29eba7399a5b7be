"""SessionStoreClient and AsyncSessionStoreClient: the rest of the API, sync and async."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from service import Service, token_for
from session_store import AsyncSessionStoreClient, SessionStoreClient, SessionStoreError


def test_sessions_start_kill_list_and_errors_with_their_code(service: Service, user: str) -> None:
    with SessionStoreClient(service.url, token_for(user)) as client:
        created = client.create_session({"title": "Pricing", "context": {"market": "EU", "big": 2**64}})
        assert created["status"] == "created" and created["context"] == {"market": "EU", "big": 2**64}
        assert client.get_session(created["id"]) == created

        key = f"conversation-{uuid.uuid4()}"
        by_key = client.get_or_create_session(key, {"title": "by key"})
        assert client.get_or_create_session(key, {"title": "ignored"})["id"] == by_key["id"]
        assert client.get_session_by_key(key)["title"] == "by key"

        assert client.update_session(created["id"], {"title": "Pricing v2"})["title"] == "Pricing v2"
        assert [s["id"] for s in client.list_sessions(q="pricing")["items"]] == [created["id"]]
        assert {s["id"] for s in client.list_sessions(limit=10)["items"]} == {created["id"], by_key["id"]}

        assert client.start(created["id"])["status"] == "running"
        assert client.kill(created["id"], reason="enough")["status"] == "killed"
        assert [(t["from"], t["to"]) for t in client.transitions(created["id"])][-2:] == [("created", "running"), ("running", "killed")]
        with pytest.raises(SessionStoreError) as illegal:
            client.start(created["id"])
        assert (illegal.value.status, illegal.value.code) == (409, "INVALID_TRANSITION")

        client.delete_session(created["id"])
        with pytest.raises(SessionStoreError) as gone:
            client.get_session(created["id"])
        assert (gone.value.status, gone.value.code) == (404, "SESSION_NOT_FOUND")


def test_messages_append_once_per_idempotency_key(service: Service, user: str) -> None:
    with SessionStoreClient(service.url, token_for(user)) as client:
        session = client.create_session()
        first = client.append_messages(session["id"], [{"role": "user", "content": "hi"}], idempotency_key="k1")
        again = client.append_messages(session["id"], [{"role": "user", "content": "hi"}], idempotency_key="k1")
        assert [m["seq"] for m in again] == [m["seq"] for m in first] == [1]
        assert [m["content"] for m in client.get_messages(session["id"], limit="all")["items"]] == ["hi"]
        assert client.pop_message(session["id"])["content"] == "hi"
        assert client.pop_message(session["id"]) is None


async def test_the_async_client_and_an_events_stream(service: Service, user: str) -> None:
    async with AsyncSessionStoreClient(service.url, token_for(user)) as client:
        session = await client.create_session({"title": "events"})
        stream = client.events(session["id"])
        first = asyncio.ensure_future(stream.__anext__())
        # The stream gives what happens after it connected: append until an append is seen.
        for n in range(50):
            await client.append_messages(session["id"], [{"role": "user", "content": f"m{n}"}])
            done, _ = await asyncio.wait({first}, timeout=0.2)
            if done:
                break
        event = first.result()
        assert event["event"] == "session.messages" and event["data"]["sessionId"] == session["id"]
        assert event["id"]
        await stream.aclose()  # type: ignore[attr-defined]

        with pytest.raises(SessionStoreError) as unknown:
            await client.get_session(str(uuid.uuid4()))
        assert unknown.value.code == "SESSION_NOT_FOUND"


def test_a_bad_token_is_a_401_with_no_retry(service: Service) -> None:
    with SessionStoreClient(service.url, "not-a-token") as client:
        with pytest.raises(SessionStoreError) as refused:
            client.list_sessions()
        assert refused.value.status == 401


async def test_a_float_that_is_not_json_is_refused_before_anything_is_sent(store_session) -> None:
    session = store_session(f"agent_{uuid.uuid4()}")
    with pytest.raises(ValueError):
        await session.add_items([{"role": "user", "content": "x", "score": float("nan")}])
    assert await session.get_items() == []


async def test_a_key_creates_its_session_with_the_history_cap_given(store_session, user: str) -> None:
    session = store_session(f"agent_{uuid.uuid4()}", history_limit={"maxMessages": 2, "trim": "any"})
    # One batch is kept whole, even past the cap; the next append trims the oldest.
    await session.add_items([{"role": "user", "content": f"m{n}"} for n in range(3)])
    await session.add_items([{"role": "user", "content": "m3"}])
    assert [item["content"] for item in await session.get_items()] == ["m2", "m3"]
