"""An agent written as the migration guide writes them: a session per call, from the factory."""

import os

from agents import Agent, Model, Runner, function_tool

from session_factory import create_agent_session


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: sunny, 24°C"


def model() -> str | Model:
    if os.environ.get("AGENT_MODEL") == "offline":
        from offline_model import OfflineModel  # scripted answers, no network (the example's test)

        return OfflineModel()
    return os.environ.get("AGENT_MODEL", "gpt-5-mini")


class WeatherAgent:
    def __init__(self) -> None:
        # No more in-memory session cache needed.
        self.agent = Agent(name="weather", instructions="Answer about the weather.", model=model(), tools=[get_weather])

    async def analyze(self, query: str, conversation_id: str | None = None) -> str:
        session = None
        if conversation_id:
            session = create_agent_session(conversation_id)
        result = await Runner.run(self.agent, query, session=session)
        return str(result.final_output)
