"""The SDK's Runner with a scripted model (no network), once over SQLiteSession and once over
SessionStoreSession: the model must get the same requests and the histories must be equal."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from agents import Agent, RunConfig, Runner, SQLiteSession, function_tool
from agents.memory import SessionSettings

from scripted_model import ScriptedModel, assistant_message, function_call

QUESTIONS = ["Weather in Paris?", "And in Rome?", "Which is warmer?"]


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: {'sunny, 24°C' if city == 'Paris' else 'rain, 18°C'}"


def scripted() -> ScriptedModel:
    return ScriptedModel(
        [
            [function_call("get_weather", {"city": "Paris"}, "call_paris", "fc_1")],
            [assistant_message("Sunny in Paris.", "msg_1")],
            [function_call("get_weather", {"city": "Rome"}, "call_rome", "fc_2")],
            [assistant_message("Rainy in Rome, unlike Paris.", "msg_2")],
            [assistant_message("Paris, by 6 °C — ünïcödé ✓.", "msg_3")],
        ]
    )


async def three_turns(session: Any, run_config: RunConfig | None = None) -> dict[str, Any]:
    model = scripted()
    agent = Agent(name="weather", instructions="Answer about the weather.", model=model, tools=[get_weather])
    outputs = [(await Runner.run(agent, question, session=session, run_config=run_config)).final_output for question in QUESTIONS]
    assert not model.answers, "every scripted answer was asked for"
    return {"outputs": outputs, "requests": model.requests, "history": json.dumps(await session.get_items())}


@pytest.mark.parametrize("limit", [None, 3], ids=["whole history", "RunConfig session_settings limit 3"])
async def test_the_runner_asks_the_model_the_same_and_stores_the_same(store_session, tmp_path, limit: int | None) -> None:
    run_config = RunConfig(session_settings=SessionSettings(limit=limit), tracing_disabled=True)
    local = await three_turns(SQLiteSession("conversation", tmp_path / "agents.db"), run_config)
    remote = await three_turns(store_session(f"agent_{uuid.uuid4()}"), run_config)

    assert local["outputs"] == ["Sunny in Paris.", "Rainy in Rome, unlike Paris.", "Paris, by 6 °C — ünïcödé ✓."]
    assert remote["outputs"] == local["outputs"]
    assert len(remote["requests"]) == 5
    for index, request in enumerate(remote["requests"]):
        assert (index, request) == (index, local["requests"][index])
    assert remote["history"] == local["history"]
    # Per turn: the question, and a call, its output and an answer (or an answer alone).
    assert len(json.loads(remote["history"])) == 4 + 4 + 2
    if limit is None:
        # The last request carried the whole history before the question.
        assert len(json.loads(remote["requests"][-1])["input"]) == 8 + 1


async def test_a_second_process_picks_the_conversation_up_from_the_store(store_session, user: str) -> None:
    key = f"agent_{uuid.uuid4()}"
    first = await three_turns(store_session(key))
    assert json.dumps(await store_session(key).get_items()) == first["history"]
