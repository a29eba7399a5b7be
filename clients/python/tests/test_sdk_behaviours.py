"""The Agents SDK's session behaviours (its SQLiteSession tests and the Session protocol's
documentation, in our words), each run on SQLiteSession and on SessionStoreSession over the real
service, asserting the same results."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from agents import SQLiteSession
from agents.memory import Session, SessionSettings

Make = Callable[..., Any]


@pytest.fixture(params=["sqlite", "store"])
def make(request: pytest.FixtureRequest, tmp_path) -> Make:
    """A session on `key` of the backend under test; instances on one key share one history."""
    if request.param == "sqlite":
        path = tmp_path / "agents.db"
        return lambda key, **options: SQLiteSession(key, path, **options)
    return request.getfixturevalue("store_session")


def new_key() -> str:
    return f"agent_{uuid.uuid4()}"


def message(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def texts(items: list[Any]) -> list[str]:
    return [item["content"] for item in items]


async def test_is_a_session_of_the_sdk_with_its_key_as_id(make: Make) -> None:
    key = new_key()
    session = make(key)
    assert isinstance(session, Session)
    assert session.session_id == key
    assert session.session_settings == SessionSettings()
    assert make(key, session_settings={"limit": 3}).session_settings == SessionSettings(limit=3)


async def test_answers_the_latest_n_items_in_chronological_order(make: Make) -> None:
    session = make(new_key())
    for n in range(5):
        await session.add_items([message(f"turn {n}")])
    assert texts(await session.get_items()) == [f"turn {n}" for n in range(5)]
    assert texts(await session.get_items(limit=3)) == ["turn 2", "turn 3", "turn 4"]
    assert texts(await session.get_items(1)) == ["turn 4"]
    assert texts(await session.get_items(limit=5)) == [f"turn {n}" for n in range(5)]
    assert texts(await session.get_items(limit=50)) == [f"turn {n}" for n in range(5)]


async def test_session_settings_limit_applies_when_no_limit_is_given(make: Make) -> None:
    key = new_key()
    await make(key).add_items([message(f"m{n}") for n in range(6)])
    assert texts(await make(key, session_settings=SessionSettings(limit=3)).get_items()) == ["m3", "m4", "m5"]
    assert texts(await make(key, session_settings={"limit": 2}).get_items()) == ["m4", "m5"]
    assert texts(await make(key, session_settings=SessionSettings(limit=None)).get_items()) == [f"m{n}" for n in range(6)]


async def test_an_explicit_limit_overrides_session_settings(make: Make) -> None:
    session = make(new_key(), session_settings=SessionSettings(limit=4))
    await session.add_items([message(f"m{n}") for n in range(6)])
    assert texts(await session.get_items(limit=2)) == ["m4", "m5"]
    assert texts(await session.get_items(limit=6)) == [f"m{n}" for n in range(6)]
    assert texts(await session.get_items()) == ["m2", "m3", "m4", "m5"]


async def test_a_limit_of_zero_gives_nothing_and_a_negative_one_everything(make: Make) -> None:
    # SQLiteSession keeps SQLite's LIMIT: 0 is none, a negative limit is no limit.
    session = make(new_key(), session_settings=SessionSettings(limit=2))
    await session.add_items([message(f"m{n}") for n in range(4)])
    assert await session.get_items(limit=0) == []
    assert texts(await session.get_items(limit=-1)) == ["m0", "m1", "m2", "m3"]
    assert texts(await session.get_items(limit=-5)) == ["m0", "m1", "m2", "m3"]
    assert await make(session.session_id, session_settings=SessionSettings(limit=0)).get_items() == []


async def test_pop_removes_the_newest_item_first_then_answers_none(make: Make) -> None:
    session = make(new_key())
    await session.add_items([message("a"), message("b")])
    await session.add_items([message("c")])
    assert await session.pop_item() == message("c")
    assert texts(await session.get_items()) == ["a", "b"]
    assert await session.pop_item() == message("b")
    assert await session.pop_item() == message("a")
    assert await session.pop_item() is None
    assert await session.get_items() == []


async def test_clear_empties_its_own_history_only_and_the_session_stays_usable(make: Make) -> None:
    session, other = make(new_key()), make(new_key())
    await session.add_items([message("mine"), message("also mine")])
    await other.add_items([message("theirs")])
    await session.clear_session()
    assert await session.get_items() == []
    assert await session.get_items(limit=3) == []
    assert await session.pop_item() is None
    assert texts(await other.get_items()) == ["theirs"]
    await session.add_items([message("again")])
    assert texts(await session.get_items()) == ["again"]


async def test_adding_no_items_changes_nothing(make: Make) -> None:
    session = make(new_key())
    await session.add_items([message("only")])
    await session.add_items([])
    assert texts(await session.get_items()) == ["only"]


async def test_two_instances_on_one_key_share_one_history(make: Make) -> None:
    key = new_key()
    await make(key).add_items([message("from the first")])
    await make(key).add_items([message("from the second")])
    assert texts(await make(key).get_items()) == ["from the first", "from the second"]


async def test_items_come_back_exactly_key_order_unicode_and_big_numbers(make: Make) -> None:
    item = {
        "type": "function_call_output",
        "zeta": 1,
        "alpha": {"z": [3, 2, 1], "a": None, "m": True},
        "call_id": "call_1",
        "output": "héllo 世界 🌍 \u0000 \ud800 \\ \" \n",
        "big": 2**70,
        "negative": -(2**80),
        "float": 0.1,
        "exponent": 1e300,
        "": "empty key",
        "__proto__": {"constructor": "toString"},
    }
    session = make(new_key())
    await session.add_items([item, message("ünïcödé ✓")])
    stored = await session.get_items()
    assert stored == [item, message("ünïcödé ✓")]
    # Equal as text too: the same keys in the same order, every number the same.
    assert json.dumps(stored) == json.dumps([item, message("ünïcödé ✓")])
    assert type(stored[0]["big"]) is int and type(stored[0]["float"]) is float
    assert await session.pop_item() == message("ünïcödé ✓")
    assert json.dumps(await session.pop_item()) == json.dumps(item)


async def test_what_it_returns_is_a_copy(make: Make) -> None:
    session = make(new_key())
    given = message("start")
    await session.add_items([given])
    given["content"] = "changed after add"
    items = await session.get_items()
    items[0]["content"] = "changed after get"
    assert texts(await session.get_items()) == ["start"]


async def test_many_items_in_one_call_whole_and_as_the_latest_n(make: Make) -> None:
    session = make(new_key())
    items = [message(f"item {n} {'x' * (n % 50)}") for n in range(1500)]
    await session.add_items(items)
    assert await session.get_items() == items
    assert await session.get_items(limit=1000) == items[-1000:]
    assert await session.get_items(limit=1001) == items[-1001:]
    assert await session.get_items(limit=1) == items[-1:]


async def test_items_of_2_mb_also_past_one_page(make: Make) -> None:
    def screenshot(n: int) -> dict[str, Any]:
        image = base64.b64encode(bytes([n]) * 1_500_000).decode()
        return {"role": "user", "content": [{"type": "input_text", "text": f"shot {n}"}, {"type": "input_image", "image_url": f"data:image/png;base64,{image}"}]}

    session = make(new_key())
    items = [screenshot(n) for n in range(6)]
    for item in items:
        await session.add_items([item])
    # Six 2 MB items are 12 MB, past the 8 MiB a page of the service holds.
    assert await session.get_items(limit=6) == items
    assert await session.get_items(limit=2) == items[-2:]
    assert await session.get_items() == items


async def test_20_concurrent_add_items_from_separate_instances_on_one_key(make: Make) -> None:
    key = new_key()
    writers = [(make(key), [message(f"writer {w} item {i}") for i in range(5)]) for w in range(20)]
    await asyncio.gather(*(session.add_items(items) for session, items in writers))

    stored = texts(await make(key).get_items())
    assert len(stored) == 100
    # Each call's five items stand together in its order, and every call appears once.
    calls = sorted(" | ".join(stored[start : start + 5]) for start in range(0, 100, 5))
    assert calls == sorted(" | ".join(texts(items)) for _, items in writers)
