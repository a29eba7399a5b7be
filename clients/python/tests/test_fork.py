"""Forks from Python: SessionStoreClient.fork and SessionStoreSession.fork over the real service."""

from __future__ import annotations

import uuid

import pytest

from service import Service, new_user, token_for
from session_store import AsyncSessionStoreClient, SessionStoreClient, SessionStoreError


def test_the_client_forks_exactly_up_to_at_seq_once_per_idempotency_key(service: Service, user: str) -> None:
    with SessionStoreClient(service.url, token_for(user)) as client:
        source = client.create_session({"title": "source"})
        odd = {"z": 1, "a": [2**70, "\u00e9\U0001f600", {"nested": {"b": None, "a": 1.5}}]}
        first = [{"role": "user", "content": odd, "metadata": {"n": 2**64}}, {"role": "assistant", "content": "two"}]
        client.append_messages(source["id"], first)
        client.append_messages(source["id"], [{"role": "user", "content": "three"}])

        fork = client.fork(source["id"], at_seq=2, key=f"fork-{uuid.uuid4()}", title="retry", idempotency_key="once")
        assert (fork["status"], fork["title"], fork["messageCount"]) == ("created", "retry", 2)
        assert fork["forkedFrom"] == {"sessionId": source["id"], "atSeq": 2}
        copied = client.get_messages(fork["id"], limit="all")["items"]
        assert [(m["seq"], m["role"], m["content"], m["metadata"]) for m in copied] == [
            (1, "user", odd, {"n": 2**64}),
            (2, "assistant", "two", {}),
        ]
        assert list(copied[0]["content"]) == ["z", "a"]
        assert client.fork(source["id"], at_seq=2, idempotency_key="once")["id"] == fork["id"]
        assert client.fork(source["id"])["forkedFrom"] == {"sessionId": source["id"], "atSeq": 3}

        with pytest.raises(SessionStoreError) as past:
            client.fork(source["id"], at_seq=4)
        assert (past.value.status, past.value.code) == (400, "FORK_POINT_OUT_OF_RANGE")
    with SessionStoreClient(service.url, token_for(new_user())) as other:
        with pytest.raises(SessionStoreError) as theirs:
            other.fork(source["id"])
        assert (theirs.value.status, theirs.value.code) == (404, "SESSION_NOT_FOUND")


async def test_the_async_client_forks(service: Service, user: str) -> None:
    async with AsyncSessionStoreClient(service.url, token_for(user)) as client:
        source = await client.create_session()
        await client.append_messages(source["id"], [{"role": "user", "content": "a"}])
        fork = await client.fork(source["id"], metadata={"why": "a/b"})
        assert (fork["metadata"], fork["forkedFrom"]) == ({"why": "a/b"}, {"sessionId": source["id"], "atSeq": 1})


async def test_a_session_forks_into_a_session_on_the_new_key(store_session) -> None:
    source = store_session(f"agent-{uuid.uuid4()}")
    items = [{"role": "user", "content": text} for text in ("one", "two", "three")]
    await source.add_items(items)

    fork = await source.fork(at_seq=2, key=f"retry-{uuid.uuid4()}")
    assert fork.session_id != source.session_id
    assert await fork.get_items() == items[:2]
    await fork.add_items([{"role": "user", "content": "other"}])
    assert await fork.get_items() == [*items[:2], {"role": "user", "content": "other"}]
    assert await source.get_items() == items
    assert await store_session(fork.session_id).get_items() == await fork.get_items()

    whole = await source.fork()
    assert await whole.get_items() == items
