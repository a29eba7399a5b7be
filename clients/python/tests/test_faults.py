"""Faults: an answer lost after the server committed, and an instance SIGKILLed mid-stream."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxy import AnswerDroppingProxy
from service import Service, token_for
from session_store import SessionStoreError, SessionStoreSession

POST_MESSAGES = r"^POST \S+/messages HTTP"


def message(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def texts(items: list[Any]) -> list[str]:
    return [item["content"] for item in items]


@pytest.fixture
async def proxy(service: Service) -> AsyncIterator[AnswerDroppingProxy]:
    started = await AnswerDroppingProxy(service.port).start()
    yield started
    await started.close()


@pytest.fixture
def key() -> str:
    return f"agent_{uuid.uuid4()}"


async def test_an_append_whose_answer_is_lost_is_retried_and_stored_once(proxy, store_session, user, key) -> None:
    session = SessionStoreSession(key, base_url=proxy.url, token=token_for(user))
    await session.add_items([message("before")])
    proxy.drop_next_answer_to(POST_MESSAGES)
    await session.add_items([message("once"), message("twice?")])
    assert proxy.dropped == 1
    assert texts(await store_session(key).get_items()) == ["before", "once", "twice?"]


async def test_without_retries_the_lost_answer_reaches_the_caller_though_it_was_stored(proxy, store_session, user, key) -> None:
    # The case the retry covers is real: the write committed, the caller saw an error.
    session = SessionStoreSession(key, base_url=proxy.url, token=token_for(user), retry_for=0)
    await session.add_items([message("first")])
    proxy.drop_next_answer_to(POST_MESSAGES)
    with pytest.raises(SessionStoreError) as raised:
        await session.add_items([message("committed anyway")])
    assert raised.value.status is None
    assert texts(await store_session(key).get_items()) == ["first", "committed anyway"]


async def test_a_pop_whose_answer_is_lost_is_not_sent_again(proxy, store_session, user, key) -> None:
    session = SessionStoreSession(key, base_url=proxy.url, token=token_for(user))
    await session.add_items([message("a"), message("b"), message("c")])
    proxy.drop_next_answer_to(r"^DELETE \S+/messages/last HTTP")
    with pytest.raises(SessionStoreError):
        await session.pop_item()
    # One item gone, not two.
    assert texts(await store_session(key).get_items()) == ["a", "b"]
    assert await session.pop_item() == message("b")


async def test_an_instance_killed_during_a_stream_of_appends_and_restarted(resources, store_session, user) -> None:
    """Each add_items succeeded once or raised with nothing stored: never twice, never half."""
    instance = Service(resources).start()
    try:
        keys = [f"agent_{uuid.uuid4()}" for _ in range(4)]
        calls: list[dict[str, Any]] = []
        stop = asyncio.Event()
        kill: dict[str, float] = {}

        async def writer(key: str) -> None:
            session = SessionStoreSession(key, base_url=instance.url, token=token_for(user))
            n = 0
            while not stop.is_set():
                call = {"key": key, "texts": [f"{key} call {n} item 0", f"{key} call {n} item 1"], "began": time.monotonic()}
                try:
                    await session.add_items([message(text) for text in call["texts"]])
                    call["ok"] = True
                except SessionStoreError as error:
                    call["ok"], call["error"] = False, str(error)
                call["ended"] = time.monotonic()
                calls.append(call)
                n += 1

        async def done(count: int) -> None:
            while min((sum(1 for c in calls if c["key"] == key) for key in keys), default=0) < count:
                await asyncio.sleep(0.02)

        writers = [asyncio.ensure_future(writer(key)) for key in keys]
        await done(3)
        kill["at"] = time.monotonic()
        instance.stop(signal.SIGKILL)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(instance.start)
        kill["back"] = time.monotonic()
        before = len(calls)
        await done(before // len(keys) + 3)
        stop.set()
        await asyncio.gather(*writers)

        # Calls in flight when the instance was killed (their retries ride out the restart, or on a
        # slow machine give up with nothing stored: either way the checks below hold for them).
        spanned = [c for c in calls if c["began"] < kill["at"] < c["ended"]]
        assert spanned, "some append was in flight when the instance was killed"
        for key in keys:
            stored = texts(await store_session(key).get_items())
            expected = [text for c in calls if c["key"] == key and c["ok"] for text in c["texts"]]
            assert stored == expected
    finally:
        instance.stop()
