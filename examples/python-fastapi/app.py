"""The FastAPI service: any instance answers any conversation, as the history lives in the store.

    SESSION_STORE_URL=http://127.0.0.1:3000 SESSION_STORE_TOKEN=$(npm run --silent token -- --user fastapi) \
      uvicorn app:app --port 8000
"""

from fastapi import FastAPI
from pydantic import BaseModel

from session_factory import create_agent_session
from weather_agent import WeatherAgent

app = FastAPI()
agent = WeatherAgent()


class Question(BaseModel):
    query: str
    conversation_id: str | None = None


@app.post("/chat")
async def chat(question: Question) -> dict[str, str]:
    return {"answer": await agent.analyze(question.query, question.conversation_id)}


@app.get("/conversations/{conversation_id}")
async def history(conversation_id: str) -> dict[str, list]:
    return {"items": await create_agent_session(conversation_id).get_items()}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
