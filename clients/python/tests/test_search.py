"""search(): the caller's messages whose text holds q, sync and async."""

from __future__ import annotations

import pytest

from service import Service, new_user, token_for
from session_store import AsyncSessionStoreClient, SessionStoreClient, SessionStoreError


def _seed(client: SessionStoreClient, title: str) -> str:
    session = client.create_session({"title": title})
    client.append_messages(
        session["id"],
        [
            {"role": "user", "content": f"Where is the Heron report? ({title})"},
            {"role": "assistant", "content": [{"type": "function_call", "name": "find", "arguments": '{"bird":"heron"}'}]},
        ],
    )
    return session["id"]


def test_search_pages_newest_first_with_filters_and_never_another_users(service: Service, user: str) -> None:
    with SessionStoreClient(service.url, token_for(new_user())) as other:
        _seed(other, "theirs")
    with SessionStoreClient(service.url, token_for(user)) as client:
        first = _seed(client, "first")
        second = _seed(client, "second")

        page = client.search("HERON", limit=3)
        assert [(hit["sessionTitle"], hit["seq"], hit["role"]) for hit in page["items"]] == [
            ("second", 2, "assistant"),
            ("second", 1, "user"),
            ("first", 2, "assistant"),
        ]
        assert page["items"][1]["snippet"] == "Where is the Heron report? (second)"
        rest = client.search("HERON", limit=3, cursor=page["nextCursor"])
        assert [(hit["sessionId"], hit["seq"]) for hit in rest["items"]] == [(first, 1)]
        assert rest["nextCursor"] is None

        only = client.search("heron", session_id=second, role="user")
        assert [(hit["sessionId"], hit["seq"]) for hit in only["items"]] == [(second, 1)]

        with pytest.raises(SessionStoreError) as short:
            client.search("h")
        assert (short.value.status, short.value.code) == (400, "VALIDATION_FAILED")


async def test_the_async_client_searches_too(service: Service, user: str) -> None:
    with SessionStoreClient(service.url, token_for(user)) as client:
        session_id = _seed(client, "async")
    async with AsyncSessionStoreClient(service.url, token_for(user)) as client:
        page = await client.search("report? (async")
        assert [(hit["sessionId"], hit["seq"]) for hit in page["items"]] == [(session_id, 1)]
